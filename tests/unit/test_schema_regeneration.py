"""The committed schemas are exactly what `rayops schemas build` makes from ../shared/crds."""

from __future__ import annotations

import filecmp
from pathlib import Path

import pytest

from rayops.schemas import registry
from rayops.schemas.compiler import build_schema_set

from ..conftest import REPO_ROOT

SETS = [
    ("kuberay/v1.3.2", "kuberay/v1.3.2"),
    ("kuberay/v1.4.2", "kuberay/v1.4.2"),
    ("kuberay/v1.5.1", "kuberay/v1.5.1"),
    ("kuberay/v1.6.2", "kuberay/v1.6.2"),
    ("kuberay/v1.7.0", "kuberay/v1.7.0"),
    ("argocd", "argocd/v3.5.1"),
    ("flux", "flux/v2.9.0"),
]


@pytest.mark.parametrize(("source", "target"), SETS)
def test_committed_schemas_match_a_fresh_build(
    shared_crds: Path, tmp_path: Path, source: str, target: str
) -> None:
    build_schema_set([str(shared_crds / source)], str(tmp_path))
    committed = REPO_ROOT / "schemas" / target
    fresh = sorted(p.name for p in tmp_path.iterdir())
    assert fresh == sorted(p.name for p in committed.iterdir() if p.suffix == ".json")
    for name in fresh:
        assert (tmp_path / name).read_bytes() == (committed / name).read_bytes(), f"{target}/{name} is stale"


def test_installed_package_ships_the_committed_schemas() -> None:
    installed = Path(registry.BUNDLED_ROOT)
    committed = REPO_ROOT / "schemas"
    for family in ("kuberay", "argocd", "flux"):
        for folder in sorted((committed / family).iterdir()):
            comparison = filecmp.dircmp(folder, installed / family / folder.name)
            json_files = [n for n in comparison.left_only + comparison.diff_files if n.endswith(".json")]
            assert not json_files, f"{family}/{folder.name}: installed copy differs: {json_files}"


def test_every_kuberay_release_is_bundled() -> None:
    versions = [s.version for s in registry.bundled_sets()["kuberay"]]
    assert versions == ["v1.3.2", "v1.4.2", "v1.5.1", "v1.6.2", "v1.7.0"]
    newest = registry.bundled_sets()["kuberay"][-1]
    assert {kind for (_, kind) in newest.entries} == {"RayCluster", "RayJob", "RayService", "RayCronJob"}
