"""The values a diff is made of: resource identities, resources, changes, impacts."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from rayops.diff.summary import EnvironmentSummary

ADDED = "added"
DELETED = "deleted"
MODIFIED = "modified"
RENAMED = "renamed"
STATUS_ORDER = {DELETED: 0, MODIFIED: 1, RENAMED: 1, ADDED: 2}
"""Deleted first, then modified (renames with them), then added: a reviewer's order."""


@dataclass(frozen=True, order=True)
class ResourceKey:
    """What identifies a resource to the API server: apiVersion, kind, namespace, name."""

    api_version: str
    kind: str
    namespace: str
    name: str

    @property
    def label(self) -> str:
        """``Kind namespace/name`` (``Kind name`` when cluster-scoped)."""
        where = f"{self.namespace}/{self.name}" if self.namespace else self.name
        return f"{self.kind} {where}"


@dataclass
class Resource:
    """One rendered object; Secret values in ``value`` are already redacted.

    ``original`` keeps the unredacted object of a Secret for validation only; it never
    reaches an output.
    """

    key: ResourceKey
    value: dict[str, Any]
    file: str
    original: dict[str, Any] | None = None

    @property
    def unredacted(self) -> dict[str, Any]:
        """The object as written (validation needs real Secret values)."""
        return self.original if self.original is not None else self.value


@dataclass(frozen=True)
class KeyedItem:
    """A list item matched by a key field, shown as ``[groupName=small-group]``."""

    field: str
    value: str


PathPart = str | int | KeyedItem


def format_diff_path(path: tuple[PathPart, ...]) -> str:
    """``spec.workerGroupSpecs[groupName=small-group].replicas``."""
    out: list[str] = []
    for part in path:
        if isinstance(part, KeyedItem):
            out.append(f"[{part.field}={part.value}]")
        elif isinstance(part, int):
            out.append(f"[{part}]")
        elif part and all(ch.isalnum() or ch in "_-" for ch in part):
            out.append(("." if out else "") + part)
        else:
            escaped = part.replace("\\", "\\\\").replace('"', '\\"')
            out.append(f'["{escaped}"]')
    return "".join(out)


@dataclass(frozen=True)
class Change:
    """One field that differs: ``op`` is ``added``, ``removed``, ``changed`` or ``reordered``.

    ``reordered``: a list matched by a key field whose shared items changed order; ``old``
    and ``new`` are their keys (``groupName=a``) in each order.
    """

    path: tuple[PathPart, ...]
    op: str
    old: Any = None
    new: Any = None

    @property
    def where(self) -> str:
        """The path as text."""
        return format_diff_path(self.path)


@dataclass(frozen=True)
class Impact:
    """What the cluster will do about a change, from the KubeRay operator's behaviour.

    ``severity``: ``error`` (the sync fails), ``warning`` (the change is ignored, has no
    effect, or costs a second cluster), ``info`` (what will happen, no surprise).
    """

    label: str
    severity: str
    message: str
    path: str = ""


@dataclass
class ResourceDiff:
    """One resource that differs between the revisions."""

    status: str
    key: ResourceKey
    base: Resource | None
    head: Resource | None
    changes: list[Change] = field(default_factory=list)
    impacts: list[Impact] = field(default_factory=list)

    @property
    def previous_key(self) -> ResourceKey | None:
        """The base identity of a renamed resource."""
        return self.base.key if self.status == RENAMED and self.base is not None else None


@dataclass
class EnvironmentDiff:
    """One environment's differences, counts and Ray summaries (before and after)."""

    name: str
    output: str
    resources: list[ResourceDiff] = field(default_factory=list)
    unchanged: int = 0
    before: EnvironmentSummary = field(default_factory=EnvironmentSummary)
    after: EnvironmentSummary = field(default_factory=EnvironmentSummary)

    def count(self, status: str) -> int:
        """How many resources have ``status``."""
        return sum(1 for item in self.resources if item.status == status)


@dataclass
class DiffResult:
    """A whole diff: what was compared and each environment's differences."""

    base: str
    head: str
    mode: str
    kuberay_version: str
    environments: list[EnvironmentDiff] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        """Whether any resource differs."""
        return any(environment.resources for environment in self.environments)
