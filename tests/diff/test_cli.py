"""`rayops diff` on the command line: exit codes, the working tree, the comment size limit."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from rayops.diff.output.markdown import COMMENT_MARKER, GITHUB_COMMENT_LIMIT
from tests.diff.conftest import GitWorkspace

RAYSERVICE = "overlays/base/rayservice-sample.yaml"


def test_exit_codes(workspace_repo: Callable[..., GitWorkspace]) -> None:
    """--exit-code: 0 without change, 1 with changes, 2 on error; without it 0 on success."""
    repo = workspace_repo()
    assert repo.diff("--base", "base", "--exit-code").exit_code == 0
    repo.replace(RAYSERVICE, "maxReplicas: 3", "maxReplicas: 5")
    assert repo.diff("--base", "base", "--exit-code").exit_code == 1
    assert repo.diff("--base", "base").exit_code == 0
    missing = repo.diff("--base", "no-such-ref", "--exit-code")
    assert missing.exit_code == 2
    assert "no commit 'no-such-ref'" in missing.stderr
    unknown = repo.diff("--base", "base", "--env", "staging", "--exit-code")
    assert unknown.exit_code == 2
    assert "Traceback" not in unknown.output


def test_outside_a_workspace_is_a_usage_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No rayops.yaml: exit 2 with a message, no traceback."""
    from click.testing import CliRunner

    from rayops.cli import main

    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["diff", "--base", "HEAD"])
    assert result.exit_code == 2
    assert "no rayops.yaml" in result.stderr


def test_working_tree_is_the_default_head(workspace_repo: Callable[..., GitWorkspace]) -> None:
    """Uncommitted edits are diffed, rendered in place or read from rendered/ on disk."""
    repo = workspace_repo()
    repo.replace(RAYSERVICE, "maxReplicas: 3", "maxReplicas: 5")
    rendered_fresh = json.loads(repo.diff("--base", "base", "-o", "json").stdout)
    assert rendered_fresh["head"] == "working tree"
    assert [env["counts"]["modified"] for env in rendered_fresh["environments"]] == [1, 1]
    on_disk = json.loads(repo.diff("--base", "base", "--rendered", "-o", "json").stdout)
    assert not on_disk["changed"]  # rendered/ was not re-rendered yet
    repo.render()
    on_disk = json.loads(repo.diff("--base", "base", "--rendered", "-o", "json").stdout)
    assert on_disk["environments"] == rendered_fresh["environments"]
    assert repo.git("worktree", "list").count("\n") == 1


def test_environment_filter(workspace_repo: Callable[..., GitWorkspace]) -> None:
    """--env limits the diff to the named environments."""
    repo = workspace_repo()
    repo.replace(RAYSERVICE, "maxReplicas: 3", "maxReplicas: 5")
    document = json.loads(repo.diff("--base", "base", "--env", "prod", "-o", "json").stdout)
    assert [env["name"] for env in document["environments"]] == ["prod"]


def test_text_output_has_no_colour_when_piped(workspace_repo: Callable[..., GitWorkspace]) -> None:
    """Text output to a pipe is plain and names each change."""
    repo = workspace_repo()
    repo.replace(RAYSERVICE, "maxReplicas: 3", "maxReplicas: 5")
    result = repo.diff("--base", "base")
    assert "\033[" not in result.stdout
    assert "~ modified RayService ray-prod/rayservice-sample" in result.stdout
    assert "! not-applied" in result.stdout


def test_comment_is_cut_at_githubs_limit(workspace_repo: Callable[..., GitWorkspace], tmp_path: Path) -> None:
    """A huge diff gives a comment within 65,536 characters, a note and the full file."""
    repo = workspace_repo()
    for index in range(400):
        repo.write(
            f"rendered/prod/configmap-filler-{index:03d}.yaml",
            f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: filler-{index:03d}\n  namespace: ray-prod\n"
            f"data:\n  note: {'y' * 400}\n",
        )
    repo.commit("head")
    full = tmp_path / "artifact" / "full.md"
    full.parent.mkdir()
    result = repo.diff(
        "--base", "base", "--head", "head", "--rendered", "-o", "markdown", "--full-diff", str(full)
    )
    assert result.exit_code == 0
    comment = result.stdout
    assert comment.startswith(COMMENT_MARKER)
    assert len(comment) <= GITHUB_COMMENT_LIMIT
    assert "more changed resources are not shown" in comment
    assert "`full.md`" in comment
    assert "full diff in" in result.stderr
    written = full.read_text(encoding="utf-8")
    assert written.count("<details>") == 400
    assert comment.count("<details>") < 400


def test_workspace_in_a_subfolder_of_the_repository(tmp_path: Path) -> None:
    """The workspace need not be the repository's root: both modes find it in each revision."""
    import shutil

    from tests.diff.conftest import EXAMPLE, REPO_ROOT

    folder = tmp_path / "mono" / "deploy" / "ray"
    folder.mkdir(parents=True)
    for name in EXAMPLE:
        source = REPO_ROOT / name
        if source.is_dir():
            shutil.copytree(source, folder / name)
        else:
            shutil.copy2(source, folder / name)
    repo = GitWorkspace(folder)
    repo.git("init", "-q")
    repo.render()
    repo.commit("base")
    repo.replace(RAYSERVICE, "maxReplicas: 3", "maxReplicas: 5")
    repo.render()
    repo.commit("head")
    for mode in ([], ["--rendered"]):
        document = json.loads(repo.diff("--base", "base", "--head", "head", "-o", "json", *mode).stdout)
        assert [env["counts"]["modified"] for env in document["environments"]] == [1, 1]
