"""Snapshots (syrupy) of what the bundled example expands and renders into.

A change to the expansion or to the overlays shows up here as a reviewed diff:
`make test` fails, and `pytest --snapshot-update` records the new output on purpose.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from syrupy.assertion import SnapshotAssertion

from rayops.render import dump_resource, render_workspace
from rayops.spec import expand
from rayops.workspace import load_workspace

from ..conftest import REPO_ROOT

BASE = REPO_ROOT / "overlays" / "base"
SPECS = sorted(p for p in BASE.glob("*.yaml") if "rayops.dev/v1alpha1" in p.read_text())


@pytest.mark.parametrize("spec", SPECS, ids=[p.stem for p in SPECS])
def test_expansion_of_each_bundled_spec(spec: Path, snapshot: SnapshotAssertion) -> None:
    document = yaml.safe_load(spec.read_text())
    resources = expand(document, lambda name: (BASE / name).read_bytes(), str(spec))
    assert [dump_resource(resource, [spec.name]) for resource in resources] == snapshot


def test_every_rendered_environment(snapshot: SnapshotAssertion) -> None:
    workspace = load_workspace(str(REPO_ROOT / "rayops.yaml"))
    result = render_workspace(workspace)
    outputs = {str(Path(output).relative_to(REPO_ROOT)): files for output, files in result.outputs.items()}
    assert outputs == snapshot
