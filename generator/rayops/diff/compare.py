"""Field-by-field comparison of two objects, with list items matched by key.

Mappings are compared key by key. A list whose items are all mappings carrying a
unique key field is matched by that field, in this order of preference: ``groupName``
(KubeRay worker groups), ``name`` (containers, env, volumes, ports...), ``mountPath``,
``containerPort``; so an edited worker group is reported as
``workerGroupSpecs[groupName=gpu].replicas``, not by index. Order still matters to
KubeRay (it hashes the spec as written, so a RayService gets a new cluster) and to
Kubernetes (an env var's ``$(VAR)`` only sees those before it), so when the items both
lists share are in another order the list itself has a ``reordered`` change, whose
``old`` and ``new`` are the item keys in each order. Other lists of
mappings are compared by position; lists of scalars (``args``, ``command``) are one
value, reported whole when they differ.

A small purpose-built comparer rather than DeepDiff or dictdiffer: neither matches
list items by a key field out of the box (DeepDiff's ``iterable_compare_func`` is
called pair by pair, quadratic), and both are several times slower on large objects.
"""

from __future__ import annotations

from typing import Any

from rayops.diff.model import Change, KeyedItem, PathPart

LIST_KEYS = ("groupName", "name", "mountPath", "containerPort")


def compare(old: Any, new: Any) -> list[Change]:
    """Every difference from ``old`` to ``new``, in document order."""
    changes: list[Change] = []
    _compare(old, new, (), changes)
    return changes


def _compare(old: Any, new: Any, path: tuple[PathPart, ...], changes: list[Change]) -> None:
    if (
        type(old) is type(new)
        and old == new
        and (not isinstance(old, dict | list) or _strictly_equal(old, new))
    ):
        return
    if isinstance(old, dict) and isinstance(new, dict):
        for key, value in old.items():
            if key not in new:
                changes.append(Change((*path, key), "removed", old=value))
            else:
                _compare(value, new[key], (*path, key), changes)
        for key, value in new.items():
            if key not in old:
                changes.append(Change((*path, key), "added", new=value))
        return
    if isinstance(old, list) and isinstance(new, list) and _all_mappings(old) and _all_mappings(new):
        key_field = list_key(old, new)
        if key_field is not None:
            _compare_keyed(old, new, key_field, path, changes)
            return
        for index in range(max(len(old), len(new))):
            if index >= len(new):
                changes.append(Change((*path, index), "removed", old=old[index]))
            elif index >= len(old):
                changes.append(Change((*path, index), "added", new=new[index]))
            else:
                _compare(old[index], new[index], (*path, index), changes)
        return
    changes.append(Change(path, "changed", old=old, new=new))


def _strictly_equal(old: Any, new: Any) -> bool:
    """Equal values of equal types all the way down (``1`` is not ``1.0``, nor ``True``)."""
    if type(old) is not type(new):
        return False
    if isinstance(old, dict):
        return all(_strictly_equal(value, new[key]) for key, value in old.items())
    if isinstance(old, list):
        return all(_strictly_equal(a, b) for a, b in zip(old, new, strict=True))
    return True


def _all_mappings(items: list[Any]) -> bool:
    return all(isinstance(item, dict) for item in items)


def list_key(old: list[Any], new: list[Any]) -> str | None:
    """The key field that identifies every item of both lists uniquely, or None."""
    if not old and not new:
        return None
    for key_field in LIST_KEYS:
        usable = True
        for items in (old, new):
            seen = set()
            for item in items:
                value = item.get(key_field)
                if value is None or isinstance(value, dict | list) or value in seen:
                    usable = False
                    break
                seen.add(value)
            if not usable:
                break
        if usable:
            return key_field
    return None


def _compare_keyed(
    old: list[dict[str, Any]],
    new: list[dict[str, Any]],
    key_field: str,
    path: tuple[PathPart, ...],
    changes: list[Change],
) -> None:
    new_by_key = {item[key_field]: item for item in new}
    old_keys = set()
    for item in old:
        key = item[key_field]
        old_keys.add(key)
        where = (*path, KeyedItem(key_field, str(key)))
        if key in new_by_key:
            _compare(item, new_by_key[key], where, changes)
        else:
            changes.append(Change(where, "removed", old=item))
    for item in new:
        if item[key_field] not in old_keys:
            changes.append(Change((*path, KeyedItem(key_field, str(item[key_field]))), "added", new=item))
    old_order = [str(item[key_field]) for item in old if item[key_field] in new_by_key]
    new_order = [str(item[key_field]) for item in new if item[key_field] in old_keys]
    if old_order != new_order:
        label = f"{key_field}="
        changes.append(
            Change(
                path,
                "reordered",
                old=[label + key for key in old_order],
                new=[label + key for key in new_order],
            )
        )


def leaves(value: Any, path: str = "") -> set[tuple[str, str]]:
    """Every scalar of ``value`` with its path, for similarity between objects."""
    found: set[tuple[str, str]] = set()
    if isinstance(value, dict):
        for key, item in value.items():
            found |= leaves(item, f"{path}.{key}")
    elif isinstance(value, list) and value:
        for index, item in enumerate(value):
            found |= leaves(item, f"{path}[{index}]")
    else:
        found.add((path, repr(value)))
    return found
