"""`rayops init`: a new workspace that renders and validates with no finding at all."""

from __future__ import annotations

import os
import re
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest
import yaml
from click.testing import CliRunner

from rayops.cli import main
from rayops.errors import UsageError
from rayops.scaffold import SPEC_FILE, scaffold, schema_path

EXPECTED = sorted(
    [
        ".pre-commit-config.yaml",
        "overlays/base/main.py",
        "overlays/base/rayjob.yaml",
        "overlays/dev/overlay.yaml",
        "overlays/prod/overlay.yaml",
        "rayops.yaml",
    ]
)


def _run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args), env={"GITHUB_ACTIONS": "", "NO_COLOR": "1"})
    return result.exit_code, result.stdout, result.stderr


def _tree(root: Path) -> dict[str, bytes]:
    """Every file under ``root`` (relative POSIX path to bytes)."""
    return {
        path.relative_to(root).as_posix(): path.read_bytes() for path in root.rglob("*") if path.is_file()
    }


def test_init_writes_the_expected_files(tmp_path: Path) -> None:
    target = tmp_path / "ws"
    target.mkdir()
    code, _, err = _run("init", str(target))
    assert code == 0, err
    assert sorted(_tree(target)) == EXPECTED
    for relative in EXPECTED:
        assert str(target / relative) in err.splitlines()
    assert [p.name for p in tmp_path.iterdir()] == ["ws"]  # no staging folder left behind


def test_init_creates_a_missing_directory(tmp_path: Path) -> None:
    target = tmp_path / "new" / "ws"
    written = scaffold(str(target))
    assert sorted(Path(p).relative_to(target).as_posix() for p in written) == EXPECTED
    assert sorted(_tree(target)) == EXPECTED
    assert [p.name for p in (tmp_path / "new").iterdir()] == ["ws"]


def test_the_workspace_renders_and_validates_clean(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    scaffold(str(tmp_path))
    monkeypatch.chdir(tmp_path)
    code, out, err = _run("render")
    assert (code, out) == (0, ""), err
    for environment in ("dev", "prod"):
        rendered = sorted(p.name for p in (tmp_path / "rendered" / environment).iterdir())
        assert len(rendered) == 2 and "rayjob-hello-ray.yaml" in rendered
        assert any(name.startswith("configmap-hello-ray-code-") for name in rendered)
    code, out, err = _run("render", "--check")
    assert (code, out) == (0, ""), err
    code, out, err = _run("validate", "--no-summary", "rendered/")
    assert (code, out, err) == (0, "", "")
    # Strictest threshold: not a single warning either.
    code, out, err = _run("validate", "--no-summary", "--fail-on", "warning", "rendered/")
    assert (code, out, err) == (0, "", "")


def test_prod_overlay_raises_the_worker_group(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    scaffold(str(tmp_path))
    monkeypatch.chdir(tmp_path)
    assert _run("render")[0] == 0

    def workers(environment: str) -> dict[str, object]:
        text = (tmp_path / "rendered" / environment / "rayjob-hello-ray.yaml").read_text()
        job = yaml.safe_load(text)
        assert job["metadata"]["namespace"] == f"ray-{environment}"
        assert job["metadata"]["labels"]["environment"] == environment
        group: dict[str, object] = job["spec"]["rayClusterSpec"]["workerGroupSpecs"][0]
        return group

    assert (workers("dev")["replicas"], workers("dev")["maxReplicas"]) == (1, 2)
    assert (workers("prod")["replicas"], workers("prod")["maxReplicas"]) == (3, 5)


def test_non_empty_directory_is_refused(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("mine\n")
    code, _, err = _run("init", str(tmp_path))
    assert code == 2
    assert "not empty" in err and "--force" in err
    assert _tree(tmp_path) == {"notes.txt": b"mine\n"}
    assert [p.name for p in tmp_path.iterdir()] == ["notes.txt"]


def test_force_adds_to_a_non_empty_directory(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("mine\n")
    (tmp_path / "overlays").mkdir()
    code, _, err = _run("init", "--force", str(tmp_path))
    assert code == 0, err
    assert sorted(_tree(tmp_path)) == sorted([*EXPECTED, "notes.txt"])
    assert (tmp_path / "notes.txt").read_text() == "mine\n"


def test_force_never_overwrites(tmp_path: Path) -> None:
    (tmp_path / "rayops.yaml").write_text("kuberayVersion: '1.7.0'\n")
    (tmp_path / "overlays" / "dev").mkdir(parents=True)
    (tmp_path / "overlays" / "dev" / "overlay.yaml").write_text("bases: []\n")
    before = _tree(tmp_path)
    code, _, err = _run("init", "--force", str(tmp_path))
    assert code == 2
    assert "rayops.yaml" in err and "overlays/dev/overlay.yaml" in err
    assert _tree(tmp_path) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["overlays", "rayops.yaml"]


def test_force_refuses_a_file_where_a_folder_goes(tmp_path: Path) -> None:
    (tmp_path / "overlays").write_text("not a folder\n")
    with pytest.raises(UsageError, match="overlays"):
        scaffold(str(tmp_path), force=True)
    assert _tree(tmp_path) == {"overlays": b"not a folder\n"}


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="no symbolic links")
def test_force_refuses_a_symlinked_folder(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    workspace = tmp_path / "ws"
    workspace.mkdir()
    (workspace / "overlays").symlink_to(outside, target_is_directory=True)
    with pytest.raises(UsageError, match="overlays"):
        scaffold(str(workspace), force=True)
    assert list(outside.iterdir()) == []


def test_a_file_as_directory_is_a_usage_error(tmp_path: Path) -> None:
    target = tmp_path / "file"
    target.write_text("x\n")
    code, _, _ = _run("init", str(target))
    assert code == 2
    with pytest.raises(UsageError, match="not a directory"):
        scaffold(str(target))
    assert target.read_text() == "x\n"


def test_init_defaults_to_the_current_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    code, _, err = _run("init")
    assert code == 0, err
    assert sorted(_tree(tmp_path)) == EXPECTED


def test_spec_names_the_bundled_schema(tmp_path: Path) -> None:
    scaffold(str(tmp_path))
    first = (tmp_path / SPEC_FILE).read_text().splitlines()[0]
    prefix = "# yaml-language-server: $schema="
    assert first.startswith(prefix)
    url = first[len(prefix) :]
    assert " " not in url  # the language server reads the modeline up to the first space
    parsed = urlparse(url)
    assert parsed.scheme == "file"
    named = Path(unquote(parsed.path))
    assert named.is_file()
    assert named.samefile(schema_path())
    assert named.parts[-4:] == ("bundled", "rayops", "v1alpha1", "rayjob.json")


def test_pre_commit_config_wires_in_rayops_hooks(tmp_path: Path) -> None:
    scaffold(str(tmp_path))
    config = yaml.safe_load((tmp_path / ".pre-commit-config.yaml").read_text())
    (repo,) = config["repos"]
    assert repo["repo"] == "local"
    offered = yaml.safe_load((Path(__file__).parents[2] / ".pre-commit-hooks.yaml").read_text())
    # The scaffold's hooks are the ones rayops offers, run with the rayops on PATH.
    assert [{**hook, "language": "python"} for hook in repo["hooks"]] == [
        {key: value for key, value in hook.items() if key != "description"} for hook in offered
    ]
    render = re.compile(repo["hooks"][0]["files"])
    for path in ("rayops.yaml", "overlays/base/rayjob.yaml", "rendered/dev/rayjob-hello-ray.yaml"):
        assert render.search(path), path
    for path in ("README.md", "src/rayops.yml", "xrayops.yaml"):
        assert not render.search(path), path


def test_workspace_file_reads_back(tmp_path: Path) -> None:
    from rayops.workspace import load_workspace

    scaffold(str(tmp_path))
    workspace = load_workspace(str(tmp_path / "rayops.yaml"))
    assert (workspace.kuberay_version, workspace.kubernetes_version) == ("1.5.1", "1.32")
    assert workspace.feature_gates == {} and not workspace.gitops.enabled
    assert [(e.name, e.namespace) for e in workspace.environments] == [
        ("dev", "ray-dev"),
        ("prod", "ray-prod"),
    ]
    assert "gitops: {}" in (tmp_path / "rayops.yaml").read_text()


def test_modeline_url_survives_spaces(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    schema = tmp_path / "my schemas" / "rayjob.json"
    schema.parent.mkdir()
    schema.write_text("{}")
    monkeypatch.setattr("rayops.scaffold.schema_path", lambda: str(schema))
    scaffold(str(tmp_path / "ws"))
    first = (tmp_path / "ws" / SPEC_FILE).read_text().splitlines()[0]
    url = first.split("$schema=", 1)[1]
    assert " " not in url and "%20" in url
    assert Path(unquote(urlparse(url).path)) == schema
