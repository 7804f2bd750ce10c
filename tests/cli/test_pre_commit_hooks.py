"""The pre-commit hooks rayops offers (.pre-commit-hooks.yaml) and this repository's own use of them.

pre-commit itself checks both files' format; each hook's ``files`` pattern is matched
against the paths of a workspace, and its ``entry`` is run the way pre-commit runs it (the
entry's words, then the staged files that match, unless ``pass_filenames`` is false).
"""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
HOOKS = {hook["id"]: hook for hook in yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())}


def _pre_commit(*arguments: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "pre_commit", *arguments]
    return subprocess.run(command, capture_output=True, text=True, check=False, cwd=REPO)


def _run_hook(hook: dict[str, Any], workspace: Path, staged: list[str]) -> subprocess.CompletedProcess[str]:
    words = shlex.split(hook["entry"])
    assert words[0] == "rayops"
    matching = [path for path in staged if re.search(hook["files"], path)]
    files = [] if hook.get("pass_filenames", True) is False else matching
    command = [sys.executable, "-m", "rayops", *words[1:], *files]
    return subprocess.run(command, capture_output=True, text=True, check=False, cwd=workspace)


def test_pre_commit_accepts_the_hooks_and_this_repositorys_config() -> None:
    manifest = _pre_commit("validate-manifest", ".pre-commit-hooks.yaml")
    assert manifest.returncode == 0, manifest.stdout + manifest.stderr
    config = _pre_commit("validate-config", ".pre-commit-config.yaml")
    assert config.returncode == 0, config.stdout + config.stderr


def test_this_repository_uses_the_hooks_it_offers() -> None:
    (repo,) = yaml.safe_load((REPO / ".pre-commit-config.yaml").read_text())["repos"]
    used = {hook["id"]: hook for hook in repo["hooks"]}
    assert set(used) == set(HOOKS) == {"rayops-render-check", "rayops-validate"}
    for hook_id, hook in HOOKS.items():
        for key in ("entry", "files", "pass_filenames", "require_serial"):
            assert used[hook_id].get(key) == hook.get(key), (hook_id, key)


def test_each_hook_entry_and_files_pattern() -> None:
    render, validate = HOOKS["rayops-render-check"], HOOKS["rayops-validate"]
    assert render["entry"] == "rayops render --check" and render["pass_filenames"] is False
    assert validate["entry"].startswith("rayops validate") and validate["require_serial"] is True
    for path, renders, validates in [
        ("rayops.yaml", True, False),
        ("overlays/base/rayjob-sample.yaml", True, False),
        ("overlays/prod/overlay.yaml", True, False),
        ("rendered/dev/rayjob-rayjob-sample.yaml", True, True),
        ("rendered/gitops/flux/gitrepository-ray.yaml", True, True),
        ("README.md", False, False),
        (".github/workflows/ci.yml", False, False),
        ("docs/rayops.yaml.example", False, False),
    ]:
        assert bool(re.search(render["files"], path)) is renders, path
        assert bool(re.search(validate["files"], path)) is validates, path


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    for name in ("rayops.yaml", "overlays", "rendered"):
        source = REPO / name
        if source.is_dir():
            shutil.copytree(source, tmp_path / name)
        else:
            shutil.copy(source, tmp_path / name)
    return tmp_path


def test_render_check_passes_until_a_spec_changes(workspace: Path) -> None:
    hook = HOOKS["rayops-render-check"]
    clean = _run_hook(hook, workspace, ["overlays/base/rayjob-sample.yaml"])
    assert clean.returncode == 0, clean.stdout + clean.stderr
    code = workspace / "overlays" / "base" / "sample_code.py"
    code.write_text(code.read_text() + "\nprint('changed')\n")
    stale = _run_hook(hook, workspace, ["overlays/base/sample_code.py"])
    assert stale.returncode == 1
    assert "rendered/dev/configmap-rayjob-sample-code-" in stale.stdout
    assert "out of date" in stale.stderr


def test_validate_checks_the_staged_manifests_at_their_line(workspace: Path) -> None:
    hook = HOOKS["rayops-validate"]
    staged = ["rendered/dev/rayjob-rayjob-sample.yaml", "README.md"]
    clean = _run_hook(hook, workspace, staged)
    assert clean.returncode == 0, clean.stdout + clean.stderr
    path = workspace / "rendered" / "dev" / "rayjob-rayjob-sample.yaml"
    path.write_text(
        path.read_text().replace("shutdownAfterJobFinishes: true", "shutdownAfterJobFinishes: maybe")
    )
    broken = _run_hook(hook, workspace, staged)
    assert broken.returncode == 1
    assert re.search(r"rendered/dev/rayjob-rayjob-sample\.yaml:\d+:\d+: error \[S203\]", broken.stdout)
