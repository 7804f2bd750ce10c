"""Real git repositories built from the bundled example workspace, for diff tests.

Each repository is a copy of this repository's ``rayops.yaml``, ``overlays/`` and
``rendered/`` committed with a fixed identity and fixed dates, so commit ids and every
output are the same on every machine.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from rayops.cli import main

REPO_ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ("rayops.yaml", "overlays", "rendered")
GOLDEN = Path(__file__).with_name("golden")
UPDATE_GOLDEN = os.environ.get("RAYOPS_UPDATE_GOLDEN") == "1"
"""Set RAYOPS_UPDATE_GOLDEN=1 to rewrite tests/diff/golden/ from the current outputs."""

GIT_ENVIRONMENT = {
    "GIT_AUTHOR_NAME": "rayops tests",
    "GIT_AUTHOR_EMAIL": "tests@rayops.invalid",
    "GIT_COMMITTER_NAME": "rayops tests",
    "GIT_COMMITTER_EMAIL": "tests@rayops.invalid",
    "GIT_AUTHOR_DATE": "2026-01-01T00:00:00Z",
    "GIT_COMMITTER_DATE": "2026-01-01T00:00:00Z",
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_CONFIG_NOSYSTEM": "1",
}


class GitWorkspace:
    """A git repository holding a rayops workspace, edited and committed by a test."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def git(self, *args: str) -> str:
        """Run git in the repository with the fixed identity and dates."""
        completed = subprocess.run(
            ["git", "-c", "init.defaultBranch=main", "-c", "commit.gpgsign=false", *args],
            cwd=self.root,
            env={**os.environ, **GIT_ENVIRONMENT},
            capture_output=True,
            text=True,
            check=True,
        )
        return completed.stdout

    def path(self, relative: str) -> Path:
        """A file of the workspace."""
        return self.root / relative

    def write(self, relative: str, text: str) -> None:
        """Create or replace a file."""
        target = self.path(relative)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")

    def replace(self, relative: str, old: str, new: str) -> None:
        """Replace ``old`` (which must occur) by ``new`` in a file."""
        text = self.path(relative).read_text(encoding="utf-8")
        assert old in text, f"{old!r} not in {relative}"
        self.write(relative, text.replace(old, new))

    def append(self, relative: str, text: str) -> None:
        """Add text at the end of a file."""
        self.write(relative, self.path(relative).read_text(encoding="utf-8") + text)

    def render(self) -> None:
        """Run rayops render in the repository, as a user would before committing."""
        from rayops.render import render_workspace, write_outputs
        from rayops.workspace import load_workspace

        write_outputs(render_workspace(load_workspace(str(self.path("rayops.yaml")))))

    def commit(self, tag: str) -> None:
        """Commit everything and tag the commit."""
        self.git("add", "-A")
        self.git("commit", "-q", "-m", tag)
        self.git("tag", tag)

    def diff(self, *args: str) -> Result:
        """Run ``rayops diff ARGS`` in the repository."""
        previous = os.getcwd()
        os.chdir(self.root)
        try:
            return CliRunner().invoke(main, ["diff", *args], catch_exceptions=False)
        finally:
            os.chdir(previous)


@pytest.fixture
def workspace_repo(tmp_path: Path) -> Iterator[Callable[..., GitWorkspace]]:
    """Make a repository whose first commit, tagged ``base``, is the bundled example.

    ``prepare`` (optional) edits the example before that commit.
    """

    def make(prepare: Callable[[GitWorkspace], None] | None = None) -> GitWorkspace:
        root = tmp_path / "repo"
        root.mkdir()
        for name in EXAMPLE:
            source = REPO_ROOT / name
            if source.is_dir():
                shutil.copytree(source, root / name)
            else:
                shutil.copy2(source, root / name)
        repo = GitWorkspace(root)
        repo.git("init", "-q")
        if prepare is not None:
            prepare(repo)
        repo.render()
        repo.commit("base")
        return repo

    yield make


def check_golden(name: str, text: str) -> None:
    """Compare ``text`` with ``golden/<name>``, or write it when RAYOPS_UPDATE_GOLDEN=1."""
    path = GOLDEN / name
    if UPDATE_GOLDEN:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return
    assert path.is_file(), f"missing {path}: run with RAYOPS_UPDATE_GOLDEN=1 to create it"
    assert text == path.read_text(encoding="utf-8"), f"output differs from {path}"
