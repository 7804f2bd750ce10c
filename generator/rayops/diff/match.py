"""Pair the resources of two revisions: by identity, then renames by similarity.

A resource is the same in both revisions when apiVersion, kind, namespace and name
are equal. Of what is left, a deleted and an added resource of the same kind and
namespace are a rename when they share at least :data:`RENAME_SIMILARITY` of their
fields (name aside) and each is the other's best match: a ConfigMap renamed after a
hash of its content, a RayJob given a new name to run a new spec.
"""

from __future__ import annotations

from dataclasses import dataclass

from rayops.diff.compare import leaves
from rayops.diff.model import Resource, ResourceKey

RENAME_SIMILARITY = 0.6
MAX_RENAME_PAIRS = 40_000
"""Above this many candidate pairs of one kind, renames are not searched (time bound)."""


@dataclass
class Matching:
    """Pairs present in both revisions, renames, and what is only on one side."""

    pairs: list[tuple[Resource, Resource]]
    renames: list[tuple[Resource, Resource]]
    deleted: list[Resource]
    added: list[Resource]


def _fingerprint(resource: Resource) -> set[tuple[str, str]]:
    value = dict(resource.value)
    metadata = value.get("metadata")
    if isinstance(metadata, dict):
        value["metadata"] = {k: v for k, v in metadata.items() if k != "name"}
    return leaves(value)


def similarity(first: set[tuple[str, str]], second: set[tuple[str, str]]) -> float:
    """Shared fields over the larger object's fields (1.0 when identical but for the name)."""
    if not first or not second:
        return 0.0
    return len(first & second) / max(len(first), len(second))


def match(base: dict[ResourceKey, Resource], head: dict[ResourceKey, Resource]) -> Matching:
    """Pair ``base`` and ``head`` resources."""
    pairs = [(base[key], head[key]) for key in sorted(base.keys() & head.keys())]
    deleted = [base[key] for key in sorted(base.keys() - head.keys())]
    added = [head[key] for key in sorted(head.keys() - base.keys())]
    renames: list[tuple[Resource, Resource]] = []
    groups: dict[tuple[str, str], tuple[list[Resource], list[Resource]]] = {}
    for resource in deleted:
        groups.setdefault((resource.key.kind, resource.key.namespace), ([], []))[0].append(resource)
    for resource in added:
        if (resource.key.kind, resource.key.namespace) in groups:
            groups[(resource.key.kind, resource.key.namespace)][1].append(resource)
    for olds, news in groups.values():
        if not news or len(olds) * len(news) > MAX_RENAME_PAIRS:
            continue
        old_prints = [_fingerprint(r) for r in olds]
        new_prints = [_fingerprint(r) for r in news]
        scores = [[similarity(o, n) for n in new_prints] for o in old_prints]
        for i, row in enumerate(scores):
            j = max(range(len(news)), key=lambda column: (row[column], -column))
            best_for_new = max(range(len(olds)), key=lambda r: (scores[r][j], -r))
            if row[j] >= RENAME_SIMILARITY and best_for_new == i:
                renames.append((olds[i], news[j]))
    renamed_old = {id(old) for old, _ in renames}
    renamed_new = {id(new) for _, new in renames}
    return Matching(
        pairs=pairs,
        renames=sorted(renames, key=lambda pair: pair[1].key),
        deleted=[r for r in deleted if id(r) not in renamed_old],
        added=[r for r in added if id(r) not in renamed_new],
    )
