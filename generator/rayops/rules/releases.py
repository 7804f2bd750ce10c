"""KubeRay releases and their operator feature gates.

Feature-gate defaults are transcribed from ``ray-operator/pkg/features/features.go``
at each release tag. A rule names the gates it depends on; the effective value is the
release default, overridden by ``rayops.yaml`` ``featureGates`` and ``--feature-gates``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property, lru_cache

from rayops.errors import UsageError

Release = tuple[int, int, int]

FEATURE_GATE_DEFAULTS: dict[Release, dict[str, bool]] = {
    (1, 3, 2): {"RayClusterStatusConditions": True, "RayJobDeletionPolicy": False},
    (1, 4, 2): {"RayClusterStatusConditions": True, "RayJobDeletionPolicy": False},
    (1, 5, 1): {
        "RayClusterStatusConditions": True,
        "RayJobDeletionPolicy": False,
        "RayMultiHostIndexing": False,
        "RayServiceIncrementalUpgrade": False,
    },
    (1, 6, 2): {
        "RayClusterStatusConditions": True,
        "RayJobDeletionPolicy": True,
        "RayMultiHostIndexing": True,
        "RayServiceIncrementalUpgrade": False,
        "RayCronJob": False,
        "AsyncJobInfoQuery": False,
    },
    (1, 7, 0): {
        "RayClusterStatusConditions": True,
        "RayJobDeletionPolicy": True,
        "RayMultiHostIndexing": True,
        "RayServiceIncrementalUpgrade": True,
        "RayCronJob": False,
        "SidecarSubmitterRestart": False,
        "RayClusterNetworkPolicy": False,
        "GCSFaultToleranceEmbeddedStorage": False,
        "RayClusterMTLS": False,
        "RayClusterHistoryServer": False,
        "KubernetesWAS": False,
    },
}
RELEASES: tuple[Release, ...] = tuple(sorted(FEATURE_GATE_DEFAULTS))


@lru_cache(maxsize=64)
def parse_release(text: str) -> Release:
    """``v1.5.1`` or ``1.5.1`` as a tuple; a missing patch is 0."""
    match = re.fullmatch(r"v?(\d+)\.(\d+)(?:\.(\d+))?", text.strip())
    if not match:
        raise UsageError(f"invalid KubeRay release {text!r}")
    return int(match.group(1)), int(match.group(2)), int(match.group(3) or 0)


def format_release(release: Release) -> str:
    """``1.5.1``."""
    return ".".join(str(part) for part in release)


def bundled_release(release: Release) -> Release:
    """The bundled release whose rules and gates apply to ``release`` (same minor)."""
    for candidate in reversed(RELEASES):
        if candidate[:2] == release[:2]:
            return candidate
    older = [candidate for candidate in RELEASES if candidate <= release]
    return older[-1] if older else RELEASES[0]


@dataclass(frozen=True)
class Target:
    """The KubeRay release and feature gates a run validates against."""

    release: Release
    overrides: Mapping[str, bool] = field(default_factory=dict)

    @property
    def defaults(self) -> dict[str, bool]:
        """Feature-gate defaults of the release."""
        return FEATURE_GATE_DEFAULTS[bundled_release(self.release)]

    @cached_property
    def gates(self) -> dict[str, bool]:
        """Every gate's effective value: the release defaults, then the overrides."""
        return {**self.defaults, **self.overrides}

    def gate(self, name: str) -> bool:
        """Whether feature gate ``name`` is on for this target (unknown gates are off)."""
        return self.gates.get(name, False)

    def at_least(self, version: str) -> bool:
        """Whether the target release is ``version`` or newer."""
        return self.release >= parse_release(version)

    def check_gates(self) -> None:
        """Reject gates the release does not know, as the operator's flag parser does."""
        unknown = sorted(set(self.overrides) - set(self.defaults))
        if unknown:
            known = ", ".join(sorted(self.defaults))
            raise UsageError(
                f"unrecognized feature gate(s) for KubeRay {format_release(self.release)}: "
                f"{', '.join(unknown)} (known: {known})"
            )
