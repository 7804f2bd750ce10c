"""Every path a workspace names stays inside it, link by link (kustomize's load restrictor,
Argo CD's CVE-2022-24348): absolute paths, ``..`` escapes and symbolic links that leave the
root are refused, even when they come back in."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from rayops.errors import UsageError
from rayops.render import render_workspace
from rayops.workspace import contained_path, load_workspace

pytestmark = pytest.mark.skipif(not hasattr(os, "symlink"), reason="no symbolic links on this system")


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """A workspace ``ws`` with base files, beside an ``outside`` folder holding a secret."""
    root = tmp_path / "ws"
    (root / "overlays" / "base").mkdir(parents=True)
    (root / "overlays" / "base" / "job.yaml").write_text("kind: x\n")
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "secret.txt").write_text("password")
    return root


def _link(path: Path, target: str) -> None:
    os.symlink(target, path)


@pytest.mark.parametrize(
    ("relative", "links"),
    [
        pytest.param("/etc/passwd", {}, id="absolute path"),
        pytest.param("../outside/secret.txt", {}, id="dot-dot escape"),
        pytest.param("../ws/overlays/base/job.yaml", {}, id="dot-dot escape that comes back"),
        pytest.param("overlays/../../outside", {}, id="escape in the middle"),
        pytest.param("out", {"out": "../outside"}, id="relative link out"),
        pytest.param("out/secret.txt", {"out": "../outside"}, id="through a link out"),
        pytest.param("abs", {"abs": "/etc"}, id="absolute link out"),
        pytest.param(
            "bounce/base/job.yaml",
            {"bounce": "../outside/back", "../outside/back": "../ws/overlays"},
            id="link out to a link back in",
        ),
        pytest.param("loop", {"loop": "loop2", "loop2": "loop"}, id="link loop"),
    ],
)
def test_paths_that_leave_are_refused(tree: Path, relative: str, links: dict[str, str]) -> None:
    for name, target in links.items():
        _link(tree / name, target)
    with pytest.raises(UsageError, match=r"where: .*(leaves the workspace|absolute path|symbolic links)"):
        contained_path(str(tree), relative, "where")


@pytest.mark.parametrize(
    ("relative", "links"),
    [
        pytest.param("overlays/base/job.yaml", {}, id="plain"),
        pytest.param("overlays/./base/../base/job.yaml", {}, id="dot-dot inside"),
        pytest.param("b/job.yaml", {"b": "overlays/base"}, id="relative link inside"),
        pytest.param("c/job.yaml", {"c": "{root}/overlays/base"}, id="absolute link inside"),
    ],
)
def test_paths_inside_are_followed(tree: Path, relative: str, links: dict[str, str]) -> None:
    for name, target in links.items():
        _link(tree / name, target.format(root=tree))
    assert contained_path(str(tree), relative, "where") == str((tree / "overlays/base/job.yaml").resolve())


SPEC = """\
apiVersion: rayops.dev/v1alpha1
kind: RayJob
metadata:
  name: job
spec:
  rayVersion: "2.46.0"
  entrypoint: python /home/ray/code/main.py
  code: {{files: [{file}]}}
  head: {{resources: {{cpu: "1", memory: 2Gi}}}}
"""


def _workspace(root: Path, overlay: str = "bases: [../base]\n") -> Path:
    (root / "overlays" / "dev").mkdir(parents=True, exist_ok=True)
    (root / "overlays" / "dev" / "overlay.yaml").write_text(overlay)
    (root / "rayops.yaml").write_text('kuberayVersion: "1.5.1"\nenvironments:\n  - name: dev\n')
    return root / "rayops.yaml"


@pytest.mark.parametrize(
    "overlay",
    [
        "bases: [../../../outside]\n",
        "resources: [../../../outside/secret.txt]\n",
        "bases: [/tmp]\n",
        "bases: [bounce]\n",
    ],
)
def test_an_overlay_cannot_reach_outside(tree: Path, overlay: str) -> None:
    workspace_file = _workspace(tree, overlay)
    _link(tree / "overlays" / "dev" / "bounce", "../../../outside")
    (tree / "overlays" / "base" / "job.yaml").unlink()
    result = render_workspace(load_workspace(str(workspace_file)))
    assert [f.rule for f in result.findings] == ["R301"]
    assert result.findings[0].location.file == "overlays/dev/overlay.yaml"


@pytest.mark.parametrize("file", ["../../outside/secret.txt", "/etc/hostname", "secret.txt"])
def test_a_spec_cannot_ship_a_file_from_outside(tree: Path, file: str) -> None:
    _link(tree / "overlays" / "base" / "secret.txt", "../../../outside/secret.txt")
    (tree / "overlays" / "base" / "job.yaml").write_text(SPEC.format(file=file))
    result = render_workspace(load_workspace(str(_workspace(tree))))
    assert [(f.rule, f.location.file) for f in result.findings if f.severity.label == "error"] == [
        ("R304", "overlays/base/job.yaml")
    ]
    assert not any("password" in text for files in result.outputs.values() for text in files.values())


@pytest.mark.parametrize(
    "environment",
    [
        "{name: dev, overlay: ../outside}",
        "{name: dev, output: /tmp/rendered}",
        "{name: dev, output: link/rendered}",
    ],
)
def test_the_workspace_file_cannot_point_outside(tree: Path, environment: str) -> None:
    _link(tree / "link", "../outside")
    (tree / "rayops.yaml").write_text(f"environments:\n  - {environment}\n")
    with pytest.raises(UsageError, match=r"rayops\.yaml:2:\d+: .*(leaves the workspace|absolute path)"):
        load_workspace(str(tree / "rayops.yaml"))
