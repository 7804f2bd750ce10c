"""The bundled schema sets and how a document's apiVersion/kind finds its schema.

Custom resources (KubeRay, Argo CD, Flux) use the sets that ``rayops schemas build``
compiled into ``schemas/<family>/<version>/``, shipped inside the package. Core
Kubernetes kinds use the per-version JSON schemas of the ``kubernetes-validate``
package (its files only; its code is never imported).
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
from dataclasses import dataclass
from functools import cache
from typing import Any

from rayops.errors import SchemaError, UsageError

BUNDLED_ROOT = os.path.join(os.path.dirname(os.path.dirname(__file__)), "bundled")
KUBERAY_GROUP = "ray.io"


def version_key(version: str) -> tuple[int, ...]:
    """Sort key of ``v1.2.3`` / ``1.2`` style versions."""
    return tuple(int(part) for part in re.findall(r"\d+", version)[:3])


@dataclass
class SchemaEntry:
    """One kind at one version of one schema set."""

    family: str
    set_version: str
    group: str
    kind: str
    version: str
    scope: str
    deprecated: bool
    deprecation_warning: str
    status_subresource: bool
    path: str
    cel_paths: tuple[tuple[str, ...], ...] = ()

    @property
    def api_version(self) -> str:
        """``group/version``."""
        return f"{self.group}/{self.version}" if self.group else self.version


class SchemaSet:
    """A folder of compiled schemas for one release of one project.

    Its ``index.json`` is read on first use: a run reads only the sets it needs.
    """

    def __init__(self, family: str, version: str, path: str) -> None:
        self.family = family
        self.version = version
        self.path = path
        self._entries: dict[tuple[str, str], SchemaEntry] | None = None

    @property
    def entries(self) -> dict[tuple[str, str], SchemaEntry]:
        """(apiVersion, kind) to entry, from the set's index."""
        if self._entries is None:
            self._entries = self._read_index()
        return self._entries

    def _read_index(self) -> dict[tuple[str, str], SchemaEntry]:
        with open(os.path.join(self.path, "index.json"), encoding="utf-8") as handle:
            index = json.load(handle)
        entries = {}
        for item in index["schemas"]:
            entry = SchemaEntry(
                family=self.family,
                set_version=self.version,
                group=item["group"],
                kind=item["kind"],
                version=item["version"],
                scope=item["scope"],
                deprecated=item["deprecated"],
                deprecation_warning=item["deprecationWarning"],
                status_subresource=item.get("statusSubresource", False),
                cel_paths=tuple(tuple(p) for p in item.get("celPaths", ())),
                path=os.path.join(self.path, item["file"]),
            )
            entries[(entry.api_version, entry.kind)] = entry
        return entries


@cache
def bundled_sets(root: str = BUNDLED_ROOT) -> dict[str, list[SchemaSet]]:
    """Every bundled schema set, per family, oldest first (indexes are read lazily)."""
    sets: dict[str, list[SchemaSet]] = {}
    if not os.path.isdir(root):
        return sets
    for family in sorted(os.listdir(root)):
        family_path = os.path.join(root, family)
        if not os.path.isdir(family_path):
            continue
        for version in os.listdir(family_path):
            folder = os.path.join(family_path, version)
            if os.path.isfile(os.path.join(folder, "index.json")):
                sets.setdefault(family, []).append(SchemaSet(family, version, folder))
        if family in sets:
            sets[family].sort(key=lambda s: version_key(s.version))
    return sets


def select_set(family: str, requested: str | None) -> SchemaSet:
    """The set of ``family`` for ``requested`` (``1.5.1``, ``v1.5``); newest if None.

    An exact release wins; otherwise the newest bundled patch release of the same minor.
    """
    sets = bundled_sets().get(family, [])
    if not sets:
        raise SchemaError(f"no bundled {family} schemas: the package is incomplete")
    if requested is None:
        return sets[-1]
    wanted = version_key(requested)
    if not wanted or not re.fullmatch(r"v?\d+(\.\d+){1,2}", requested.strip()):
        raise UsageError(f"invalid {family} version {requested!r}: expected a release such as 1.5.1")
    for schema_set in reversed(sets):
        have = version_key(schema_set.version)
        if have == wanted or (len(wanted) < 3 and have[: len(wanted)] == wanted):
            return schema_set
    for schema_set in reversed(sets):
        if version_key(schema_set.version)[:2] == wanted[:2]:
            return schema_set
    known = ", ".join(s.version for s in sets)
    raise UsageError(f"{family} {requested} is not bundled; bundled releases: {known}")


@cache
def load_json(path: str) -> Any:
    """Read (once per process) a JSON schema file."""
    try:
        with open(path, encoding="utf-8") as handle:
            return json.load(handle)
    except (OSError, ValueError) as error:
        raise SchemaError(f"cannot read schema {path}: {error}") from error


@cache
def kubernetes_schema_root() -> str | None:
    """Folder of kubernetes-validate's schemas, found without importing the package."""
    spec = importlib.util.find_spec("kubernetes_validate")
    if spec is None or not spec.submodule_search_locations:
        return None
    root = os.path.join(next(iter(spec.submodule_search_locations)), "kubernetes-json-schema")
    return root if os.path.isdir(root) else None


@cache
def kubernetes_versions() -> list[str]:
    """Kubernetes minor versions with bundled core schemas, oldest first (``1.32``)."""
    root = kubernetes_schema_root()
    if root is None:
        return []
    found = set()
    for name in os.listdir(root):
        match = re.fullmatch(r"v(\d+\.\d+)\.\d+-local-strict", name)
        if match:
            found.add(match.group(1))
    return sorted(found, key=version_key)


def select_kubernetes_version(requested: str | None) -> str:
    """The bundled Kubernetes minor version for ``requested`` (newest if None)."""
    versions = kubernetes_versions()
    if not versions:
        raise SchemaError("kubernetes-validate's schemas are not installed")
    if requested is None:
        return versions[-1]
    match = re.fullmatch(r"v?(\d+)\.(\d+)(\.\d+)?", requested.strip())
    if not match:
        raise UsageError(f"invalid Kubernetes version {requested!r}: expected e.g. 1.32")
    minor = f"{match.group(1)}.{match.group(2)}"
    if minor not in versions:
        raise UsageError(f"Kubernetes {minor} is not bundled; bundled: {versions[0]} to {versions[-1]}")
    return minor


@cache
def core_schema_path(kubernetes_version: str, api_version: str, kind: str) -> str | None:
    """Path of kubernetes-validate's strict schema for a core kind, or None."""
    root = kubernetes_schema_root()
    if root is None:
        return None
    folder = os.path.join(root, f"v{kubernetes_version}.0-local-strict")
    api = re.sub(r"^([^./]*)(?:\.[^/]*)?/", r"\1-", api_version)
    path = os.path.join(folder, f"{kind.lower()}-{api}.json")
    if not os.path.isfile(path):
        return None
    document = load_json(path)
    for gvk in document.get("x-kubernetes-group-version-kind") or []:
        group = gvk.get("group", "")
        expected = f"{group}/{gvk.get('version')}" if group else gvk.get("version")
        if expected == api_version and gvk.get("kind") == kind:
            return path
    return None


def core_definitions(kubernetes_version: str) -> dict[str, Any]:
    """The shared ``$defs`` of kubernetes-validate's schemas for one version."""
    root = kubernetes_schema_root()
    if root is None:
        raise SchemaError("kubernetes-validate's schemas are not installed")
    path = os.path.join(root, f"v{kubernetes_version}.0-local-strict", "_definitions.json")
    definitions: dict[str, Any] = load_json(path)["$defs"]
    return definitions
