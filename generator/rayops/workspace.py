"""The workspace file ``rayops.yaml``: versions and feature gates a repository pins.

Only the settings validation needs are read here; the render issue extends the file
with environments. Unknown top-level keys are left to the modules that own them.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

import yaml

from rayops.errors import UsageError

WORKSPACE_FILE = "rayops.yaml"


@dataclass(frozen=True)
class Workspace:
    """Settings read from a ``rayops.yaml``."""

    root: str
    kuberay_version: str | None = None
    kubernetes_version: str | None = None
    feature_gates: dict[str, bool] = field(default_factory=dict)


def find_workspace(start: str = ".") -> str | None:
    """Path of the nearest ``rayops.yaml`` in ``start`` or a parent folder, or None."""
    folder = os.path.abspath(start)
    while True:
        candidate = os.path.join(folder, WORKSPACE_FILE)
        if os.path.isfile(candidate):
            return candidate
        parent = os.path.dirname(folder)
        if parent == folder:
            return None
        folder = parent


def _optional_version(data: dict[str, Any], key: str, path: str) -> str | None:
    value = data.get(key)
    if value is None:
        return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        raise UsageError(f"{path}: {key} must be a version string such as 1.5.1")
    return value


def load_workspace(path: str) -> Workspace:
    """Read ``path``; a malformed file is a usage error naming the file."""
    try:
        with open(path, "rb") as handle:
            data = yaml.load(handle, Loader=yaml.CSafeLoader)
    except (OSError, yaml.YAMLError) as error:
        raise UsageError(f"{path}: cannot read the workspace file: {error}") from error
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise UsageError(f"{path}: the workspace file must be a mapping")
    gates = data.get("featureGates") or {}
    if not isinstance(gates, dict) or not all(isinstance(v, bool) for v in gates.values()):
        raise UsageError(f"{path}: featureGates must map gate names to true or false")
    return Workspace(
        root=os.path.dirname(os.path.abspath(path)),
        kuberay_version=_optional_version(data, "kuberayVersion", path),
        kubernetes_version=_optional_version(data, "kubernetesVersion", path),
        feature_gates={str(k): v for k, v in gates.items()},
    )


def parse_feature_gates(text: str) -> dict[str, bool]:
    """Parse the KubeRay operator's flag syntax ``A=true,B=false``."""
    gates: dict[str, bool] = {}
    for item in filter(None, (part.strip() for part in text.split(","))):
        name, sep, value = item.partition("=")
        if not sep or not name.strip() or value.strip().lower() not in ("true", "false"):
            raise UsageError(f"invalid feature gate {item!r}: expected Name=true or Name=false")
        gates[name.strip()] = value.strip().lower() == "true"
    return gates
