"""Shared fixtures: where the repository and the read-only ../shared corpus live."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED = REPO_ROOT.parent / "shared"
SAMPLES = SHARED / "samples" / "kuberay-v1.5.1"
CRDS = SHARED / "crds"


@pytest.fixture
def shared_samples() -> Path:
    """KubeRay's own v1.5.1 sample manifests; the test skips where ../shared is absent."""
    if not SAMPLES.is_dir():
        pytest.skip(f"{SAMPLES} is absent: the KubeRay sample corpus lives beside the repository only")
    return SAMPLES


@pytest.fixture
def shared_crds() -> Path:
    """The upstream CRDs the bundled schemas are compiled from; skips where absent."""
    if not CRDS.is_dir():
        pytest.skip(f"{CRDS} is absent: the upstream CRDs live beside the repository only")
    return CRDS
