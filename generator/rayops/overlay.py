"""Patch KubeRay resources per environment: strategic merge by list keys, and RFC 6902.

``rayops render`` reads the specs of ``overlays/base``, patches them with each
environment's overlay and writes ``rendered/<env>/``. Kustomize's strategic merge
knows list merge keys only for the built-in Kubernetes types; for a custom resource it
replaces every list wholesale, so a prod overlay that sets ``replicas`` of one worker
group silently drops every other worker group. This module merges lists by key instead.

:func:`strategic_merge` follows Kubernetes' strategic merge patch, with the keys taken
from where a KubeRay resource declares them:

* Mappings merge recursively; a ``null`` value deletes the key (as in JSON merge patch);
  a scalar, or a value of another type, replaces. Base key order is kept, new keys come
  after it in patch order.
* A list is merged by key when :func:`merge_keys_for` names keys for it, and replaced by
  the patch list otherwise. The keys are those the compiled CRD schema declares
  (``x-kubernetes-list-type: map`` with ``x-kubernetes-list-map-keys``: containers,
  env, volumes by ``name``; ports by ``containerPort`` and ``protocol``; volumeMounts by
  ``mountPath``...), plus one built-in rule: ``workerGroupSpecs`` lists, at any depth
  (RayCluster, RayJob, RayService), merge by ``groupName`` although KubeRay's CRD
  declares no key for them. ``x-kubernetes-list-type: set`` and ``atomic`` lists are
  replaced, as every list is when no schema is given (except worker groups).
* In a keyed list, an item's identity is the tuple of its merge-key values. A key that is
  absent or ``null`` takes the ``default`` the schema gives it, as the API server would
  (a port without ``protocol`` is a TCP port); without a default it is an error in the
  patch and, in the base, makes the item unmatchable (it is kept as it is). Identities
  compare as JSON does: ``true`` is not ``1``, ``80.0`` is ``80``.
* The patch list's items apply one after another, each to the result of the previous
  ones: an item matching base items is merged into each of them (in place, base order
  kept); an item matching nothing is appended. So two patch items with one identity
  merge in turn, and a delete followed by the same item re-creates it at the end.
* Adding a worker group or a container needs its defining field, so that a misspelt
  name is an error instead of a half-written new item: a patch item naming a
  ``groupName`` the base lacks must carry a ``template``, a new item of ``containers``,
  ``initContainers`` or ``ephemeralContainers`` an ``image``.

Directives (the ``$patch`` key) are read in the patch only, and never reach the output:

* ``{$patch: delete, <merge keys>}`` as an item of a keyed list deletes the base items
  it names; ``key: {$patch: delete}`` as a mapping value deletes that key. Both carry
  nothing else, and both are errors when there is nothing to delete (the overlay is
  stale). Deleting the whole document, or an item of a list without keys, is an error.
* ``$patch: replace`` in a mapping replaces the base mapping with the patch mapping;
  ``{$patch: replace}`` as an item of a list (standing alone) replaces the whole base
  list with the other items, which are still checked as new items of a keyed list.
* ``$patch: merge`` is the default and does nothing; any other value is an error, as
  are the Kubernetes directives rayops does not implement (``$retainKeys``,
  ``$setElementOrder/...``, ``$deleteFromPrimitiveList/...``).

Everything the base holds is data, ``$patch`` keys included: only the patch is read for
directives. Neither argument is ever modified, and the result shares no mapping or list
with them: a caller may change it freely.

:func:`apply_json6902` applies RFC 6902 operations (add, remove, replace, move, copy,
test) with RFC 6901 pointers, on a copy of the document; it exists for what a keyed
merge cannot say (inserting at a list position, testing a value before changing it).

Errors are :class:`PatchError`, whose ``path`` points into the patch document (for
RFC 6902, at the member of the failing operation, e.g. ``(2, "path")``), so the caller
can report the line and column of the overlay file at fault.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any, Final

from rayops.findings import DocumentError, Path, format_path

DIRECTIVE: Final = "$patch"
"""The mapping key of strategic-merge directives."""
WORKER_GROUPS_FIELD: Final = "workerGroupSpecs"
"""The KubeRay list merged by ``groupName`` although its CRD declares no merge key."""
WORKER_GROUP_KEYS: Final = ("groupName",)

_REPLACE, _DELETE, _MERGE = "replace", "delete", "merge"
_UNSUPPORTED_DIRECTIVE_PREFIXES = ("$retainKeys", "$setElementOrder/", "$deleteFromPrimitiveList/")

# A new item of these lists must carry its defining field: (field, what the items are).
_FIELD_REQUIRED_TO_ADD: Final[dict[str, tuple[str, str]]] = {
    WORKER_GROUPS_FIELD: ("template", "worker group"),
    "containers": ("image", "container"),
    "initContainers": ("image", "init container"),
    "ephemeralContainers": ("image", "ephemeral container"),
}

_JSON6902_OPERATIONS = frozenset(("add", "remove", "replace", "move", "copy", "test"))


class PatchError(DocumentError):
    """A patch that cannot apply; ``path`` is where in the PATCH document the problem is."""


class _Absent:
    """The base value where the base has none (distinct from a ``null`` value)."""

    def __repr__(self) -> str:
        return "<absent>"


_ABSENT: Final = _Absent()


# --- The schema walk ---------------------------------------------------------------


def _schema_at(schema: Mapping[str, Any] | None, path: Iterable[str | int]) -> Mapping[str, Any] | None:
    """The schema node at ``path``: names via properties or additionalProperties, indices via items."""
    node: Any = schema
    for element in path:
        if not isinstance(node, Mapping):
            return None
        if isinstance(element, int):
            node = node.get("items")
            continue
        properties = node.get("properties")
        if isinstance(properties, Mapping) and element in properties:
            node = properties[element]
        else:
            node = node.get("additionalProperties")
    return node if isinstance(node, Mapping) else None


def merge_keys_for(schema: Mapping[str, Any] | None, path: Path) -> tuple[str, ...] | None:
    """The merge keys of the list at ``path`` (list indices ignored), or None to replace the list.

    A ``workerGroupSpecs`` list merges by ``groupName`` wherever it is, schema or not;
    any other list by the ``x-kubernetes-list-map-keys`` of a ``map``-type list.
    """
    if path and path[-1] == WORKER_GROUPS_FIELD:
        return WORKER_GROUP_KEYS
    node = _schema_at(schema, path)
    if node is None or node.get("x-kubernetes-list-type") != "map":
        return None
    keys = node.get("x-kubernetes-list-map-keys")
    if isinstance(keys, list) and keys and all(isinstance(key, str) for key in keys):
        return tuple(keys)
    return None


def _key_defaults(schema: Mapping[str, Any] | None, list_path: Path) -> Mapping[str, Any]:
    """The properties of the items of the list at ``list_path``, for the defaults of its merge keys."""
    item_schema = _schema_at(schema, (*list_path, 0))
    properties = item_schema.get("properties") if item_schema is not None else None
    return properties if isinstance(properties, Mapping) else {}


# --- Values ------------------------------------------------------------------------


def _clone(value: Any) -> Any:
    """A copy sharing no mapping or list with ``value`` (scalars are immutable)."""
    if isinstance(value, dict):
        return {key: _clone(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_clone(item) for item in value]
    return value


def _json_identity(value: Any) -> Any:
    """A comparable form in which JSON equality is ``==``: ``true`` is not ``1``, ``80.0`` is ``80``."""
    if isinstance(value, bool):
        return ("bool", value)
    if isinstance(value, int | float):
        return ("number", value)
    if isinstance(value, dict):
        return ("object", {key: _json_identity(item) for key, item in value.items()})
    if isinstance(value, list):
        return ("array", [_json_identity(item) for item in value])
    return (type(value).__name__, value)


def _json_equal(left: Any, right: Any) -> bool:
    """Equality as RFC 6902's ``test`` defines it."""
    return bool(_json_identity(left) == _json_identity(right))


# --- Strategic merge ---------------------------------------------------------------


def strategic_merge(
    base: Any, patch: Any, schema: Mapping[str, Any] | None = None, *, path: Path = ()
) -> Any:
    """Return a NEW value: ``patch`` merged into ``base`` (neither argument is modified).

    ``schema`` is the compiled JSON schema of the whole document (or None: only the
    built-in worker-group rule applies); ``path`` is where ``base`` and ``patch`` sit in
    that document, for the schema walk and for the paths of errors.
    """
    path = tuple(path)
    if _is_delete_directive(patch):
        raise PatchError(
            (*path, DIRECTIVE), "`$patch: delete` here would delete the whole value; patch its parent"
        )
    return _merge(base, patch, schema, path)


def _is_delete_directive(patch: Any) -> bool:
    return isinstance(patch, dict) and patch.get(DIRECTIVE) == _DELETE


def _merge(base: Any, patch: Any, schema: Mapping[str, Any] | None, path: Path) -> Any:
    """Merge ``patch`` into ``base`` (possibly ``_ABSENT``); a delete directive is the caller's."""
    if isinstance(patch, dict):
        return _merge_mapping(base if isinstance(base, dict) else None, patch, schema, path)
    if isinstance(patch, list):
        return _merge_list(base if isinstance(base, list) else None, patch, schema, path)
    return patch


def _check_directive_keys(patch: Mapping[str, Any], path: Path) -> None:
    for key in patch:
        if isinstance(key, str) and key.startswith(_UNSUPPORTED_DIRECTIVE_PREFIXES):
            raise PatchError(
                (*path, key), f"the strategic-merge directive {key!r} is not supported by rayops"
            )


def _merge_mapping(
    base: dict[str, Any] | None, patch: dict[str, Any], schema: Mapping[str, Any] | None, path: Path
) -> dict[str, Any]:
    _check_directive_keys(patch, path)
    directive = patch.get(DIRECTIVE, _MERGE)
    if directive == _REPLACE:
        base = None
    elif directive != _MERGE:
        raise _unknown_directive(directive, (*path, DIRECTIVE), allowed=(_REPLACE, _DELETE, _MERGE))
    source = base if base is not None else {}
    # Base keys keep their order; the ones the patch touches are overwritten or removed below.
    result = {
        key: (value if key in patch and key != DIRECTIVE else _clone(value)) for key, value in source.items()
    }
    for key, value in patch.items():
        if key == DIRECTIVE:
            continue
        key_path = (*path, key)
        if value is None:
            result.pop(key, None)
        elif _is_delete_directive(value):
            _check_delete_mapping(value, key_path)
            if key not in source:
                raise PatchError(
                    (*key_path, DIRECTIVE), f"{key!r} does not exist in the base; nothing to delete"
                )
            del result[key]
        else:
            result[key] = _merge(source.get(key, _ABSENT), value, schema, key_path)
    return result


def _check_delete_mapping(value: dict[str, Any], path: Path) -> None:
    extra = [key for key in value if key != DIRECTIVE]
    if extra:
        raise PatchError(
            (*path, extra[0]), "`$patch: delete` deletes the whole mapping; it takes no other fields"
        )


def _unknown_directive(value: Any, path: Path, *, allowed: tuple[str, ...]) -> PatchError:
    choices = ", ".join(allowed)
    shown = value if isinstance(value, str) else json.dumps(value, default=str)
    return PatchError(path, f"unknown directive `$patch: {shown}` here; expected one of: {choices}")


def _merge_list(
    base: list[Any] | None, patch: list[Any], schema: Mapping[str, Any] | None, path: Path
) -> list[Any]:
    replace_all = False
    items: list[tuple[int, Any]] = []
    for index, item in enumerate(patch):
        if isinstance(item, dict) and item.get(DIRECTIVE) == _REPLACE:
            if len(item) != 1:
                raise PatchError(
                    (*path, index), "the list directive `{$patch: replace}` is an item of its own"
                )
            replace_all = True
        else:
            items.append((index, item))
    keys = merge_keys_for(schema, path)
    if keys is None:
        return [_new_list_item(item, schema, (*path, index), path) for index, item in items]
    start = [] if replace_all or base is None else base
    return _merge_keyed_list(start, items, keys, schema, path)


def _new_list_item(item: Any, schema: Mapping[str, Any] | None, item_path: Path, list_path: Path) -> Any:
    """An item of a list the patch replaces: directives are still read (and removed)."""
    if _is_delete_directive(item):
        raise PatchError(
            (*item_path, DIRECTIVE),
            f"`$patch: delete` needs a list merged by keys; {format_path(list_path) or 'this list'} "
            "is replaced by the patch",
        )
    return _merge(_ABSENT, item, schema, item_path)


class _Slot:
    """An item of a keyed list being merged: its value, and whether it is already a fresh copy."""

    __slots__ = ("fresh", "value")

    def __init__(self, value: Any, *, fresh: bool) -> None:
        self.value = value
        self.fresh = fresh


def _merge_keyed_list(
    base: list[Any],
    items: list[tuple[int, Any]],
    keys: tuple[str, ...],
    schema: Mapping[str, Any] | None,
    path: Path,
) -> list[Any]:
    defaults = _key_defaults(schema, path)
    slots = [_Slot(value, fresh=False) for value in base]
    for index, item in items:
        item_path = (*path, index)
        if not isinstance(item, dict):
            raise PatchError(
                item_path,
                f"this list merges its items by {_describe_keys(keys)}; each item must be a mapping",
            )
        directive = item.get(DIRECTIVE, _MERGE)
        if directive not in (_DELETE, _MERGE):
            raise _unknown_directive(directive, (*item_path, DIRECTIVE), allowed=(_DELETE, _MERGE, _REPLACE))
        identity = _patch_item_identity(item, keys, defaults, item_path)
        matches = [slot for slot in slots if _base_item_identity(slot.value, keys, defaults) == identity]
        if directive == _DELETE:
            extra = [key for key in item if key != DIRECTIVE and key not in keys]
            if extra:
                raise PatchError(
                    (*item_path, extra[0]),
                    f"a `$patch: delete` item carries only its merge keys ({_describe_keys(keys)})",
                )
            if not matches:
                raise PatchError(
                    item_path,
                    f"{_describe_item(item, keys, path)} does not exist in the base; nothing to delete",
                )
            slots = [slot for slot in slots if all(slot is not match for match in matches)]
        elif matches:
            for slot in matches:
                slot.value = _merge_mapping(slot.value, item, schema, item_path)
                slot.fresh = True
        else:
            _check_new_item(item, keys, path, item_path)
            slots.append(_Slot(_merge_mapping(None, item, schema, item_path), fresh=True))
    return [slot.value if slot.fresh else _clone(slot.value) for slot in slots]


def _key_value(item: Mapping[str, Any], key: str, defaults: Mapping[str, Any]) -> Any:
    """The value of one merge key; ``_ABSENT`` when neither the item nor the schema's default gives one."""
    value = item.get(key)
    if value is not None:
        return value
    key_schema = defaults.get(key)
    if isinstance(key_schema, Mapping) and key_schema.get("default") is not None:
        return key_schema["default"]
    return _ABSENT


def _patch_item_identity(
    item: Mapping[str, Any], keys: tuple[str, ...], defaults: Mapping[str, Any], item_path: Path
) -> tuple[Any, ...]:
    identity: list[Any] = []
    for key in keys:
        value = _key_value(item, key, defaults)
        if value is _ABSENT:
            raise PatchError(
                item_path,
                f"this item lacks the merge key {key!r} (the list merges by {_describe_keys(keys)})",
            )
        identity.append(_json_identity(value))
    return tuple(identity)


def _base_item_identity(
    item: Any, keys: tuple[str, ...], defaults: Mapping[str, Any]
) -> tuple[Any, ...] | None:
    """A base item's identity; None (it never matches) for a non-mapping or a missing key."""
    if not isinstance(item, dict):
        return None
    identity: list[Any] = []
    for key in keys:
        value = _key_value(item, key, defaults)
        if value is _ABSENT:
            return None
        identity.append(_json_identity(value))
    return tuple(identity)


def _check_new_item(item: Mapping[str, Any], keys: tuple[str, ...], list_path: Path, item_path: Path) -> None:
    list_name = list_path[-1] if list_path else None
    if not isinstance(list_name, str) or list_name not in _FIELD_REQUIRED_TO_ADD:
        return
    required_field, _ = _FIELD_REQUIRED_TO_ADD[list_name]
    if item.get(required_field) is None:
        raise PatchError(
            item_path,
            f"{_describe_item(item, keys, list_path)} does not exist in the base; "
            f"to add one, give its {required_field}",
        )


def _describe_keys(keys: tuple[str, ...]) -> str:
    return " and ".join(repr(key) for key in keys)


def _describe_item(item: Mapping[str, Any], keys: tuple[str, ...], list_path: Path) -> str:
    list_name = list_path[-1] if list_path else None
    if isinstance(list_name, str) and list_name in _FIELD_REQUIRED_TO_ADD and len(keys) == 1:
        return f"{_FIELD_REQUIRED_TO_ADD[list_name][1]} {item.get(keys[0])!r}"
    named = ", ".join(f"{key}={item.get(key)!r}" for key in keys)
    return f"the item with {named}"


# --- RFC 6902 ----------------------------------------------------------------------


def apply_json6902(document: Any, operations: list[dict[str, Any]]) -> Any:
    """Apply RFC 6902 operations (add, remove, replace, move, copy, test); return a new value.

    The operations apply in order to a copy of ``document``; the first that fails
    raises :class:`PatchError` with the path ``(index of the operation, member)``,
    the member being ``"path"``, ``"from"``, ``"op"`` or ``"value"``.
    """
    if not isinstance(operations, list):
        raise PatchError((), "a JSON6902 patch is a list of operations")
    result = _clone(document)
    for index, operation in enumerate(operations):
        result = _apply_operation(result, operation, index)
    return result


def _apply_operation(document: Any, operation: Any, index: int) -> Any:
    if not isinstance(operation, dict):
        raise PatchError((index,), "a JSON6902 operation is a mapping with `op` and `path`")
    op = operation.get("op")
    if op not in _JSON6902_OPERATIONS:
        raise PatchError(
            (index, "op"),
            f"unknown operation {op!r}; expected one of: {', '.join(sorted(_JSON6902_OPERATIONS))}",
        )
    target = _Pointer.parse(operation.get("path"), (index, "path"))
    if op in ("add", "replace", "test") and "value" not in operation:
        raise PatchError((index, "value"), f"the {op!r} operation needs a `value`")
    if op == "add":
        return target.add(document, _clone(operation["value"]))
    if op == "remove":
        return target.remove(document)[0]
    if op == "replace":
        target.get(document)
        return target.add(document, _clone(operation["value"]), replacing=True)
    if op == "test":
        actual = target.get(document)
        if not _json_equal(actual, operation["value"]):
            raise PatchError(
                (index, "path"), f"test failed: {target.text!r} is {actual!r}, not {operation['value']!r}"
            )
        return document
    source = _Pointer.parse(operation.get("from"), (index, "from"))
    if op == "copy":
        return target.add(document, _clone(source.get(document)))
    # move
    if source.tokens == target.tokens:
        source.get(document)
        return document
    if target.tokens[: len(source.tokens)] == source.tokens:
        raise PatchError((index, "from"), f"cannot move {source.text!r} into its own child {target.text!r}")
    document, value = source.remove(document)
    return target.add(document, value)


class _Pointer:
    """An RFC 6901 JSON pointer, and the edits RFC 6902 makes at it (in place, on the caller's copy)."""

    def __init__(self, text: str, tokens: tuple[str, ...], where: Path) -> None:
        self.text = text
        self.tokens = tokens
        self.where = where

    @classmethod
    def parse(cls, text: Any, where: Path) -> _Pointer:
        """Read ``/a/b~1c/0`` (``~1`` is ``/``, ``~0`` is ``~``); ``where`` locates it in the patch."""
        if not isinstance(text, str):
            raise PatchError(where, "a JSON pointer (a string such as /spec/replicas) is required")
        if text == "":
            return cls(text, (), where)
        if not text.startswith("/"):
            raise PatchError(where, f"JSON pointer {text!r} must start with '/'")
        tokens: list[str] = []
        for raw in text[1:].split("/"):
            if "~" in raw.replace("~0", "").replace("~1", ""):
                raise PatchError(where, f"JSON pointer {text!r}: '~' must be followed by 0 or 1")
            tokens.append(raw.replace("~1", "/").replace("~0", "~"))
        return cls(text, tuple(tokens), where)

    def _fail(self, depth: int, message: str) -> PatchError:
        prefix = "".join("/" + token.replace("~", "~0").replace("/", "~1") for token in self.tokens[:depth])
        return PatchError(self.where, f"{self.text!r}: {message} (in {prefix or 'the root'!r})")

    def _index(self, container: list[Any], depth: int, *, allow_end: bool) -> int:
        token = self.tokens[depth]
        if token == "-" and allow_end:
            return len(container)
        if not token.isascii() or not token.isdigit() or (len(token) > 1 and token[0] == "0"):
            raise self._fail(depth, f"{token!r} is not an array index")
        position = int(token)
        if position > len(container) or (position == len(container) and not allow_end):
            raise self._fail(
                depth, f"index {position} is out of range (the array has {len(container)} items)"
            )
        return position

    def _step(self, value: Any, depth: int) -> Any:
        token = self.tokens[depth]
        if isinstance(value, dict):
            if token not in value:
                raise self._fail(depth, f"member {token!r} does not exist")
            return value[token]
        if isinstance(value, list):
            return value[self._index(value, depth, allow_end=False)]
        raise self._fail(depth, f"cannot look up {token!r} in a {type(value).__name__}")

    def _parent(self, document: Any) -> Any:
        value = document
        for depth in range(len(self.tokens) - 1):
            value = self._step(value, depth)
        return value

    def get(self, document: Any) -> Any:
        """The value the pointer names; an error when it does not exist."""
        value = document
        for depth in range(len(self.tokens)):
            value = self._step(value, depth)
        return value

    def add(self, document: Any, value: Any, *, replacing: bool = False) -> Any:
        """Insert into an array or set in an object (overwrite with ``replacing``); return the document."""
        if not self.tokens:
            return value
        parent = self._parent(document)
        last = len(self.tokens) - 1
        if isinstance(parent, dict):
            parent[self.tokens[last]] = value
        elif isinstance(parent, list):
            if replacing:
                parent[self._index(parent, last, allow_end=False)] = value
            else:
                parent.insert(self._index(parent, last, allow_end=True), value)
        else:
            raise self._fail(last, f"cannot add a member to a {type(parent).__name__}")
        return document

    def remove(self, document: Any) -> tuple[Any, Any]:
        """Remove the value the pointer names; return the document and the removed value."""
        if not self.tokens:
            raise PatchError(self.where, "cannot remove the whole document")
        parent = self._parent(document)
        last = len(self.tokens) - 1
        if isinstance(parent, dict):
            if self.tokens[last] not in parent:
                raise self._fail(last, f"member {self.tokens[last]!r} does not exist")
            return document, parent.pop(self.tokens[last])
        if isinstance(parent, list):
            return document, parent.pop(self._index(parent, last, allow_end=False))
        raise self._fail(last, f"cannot remove from a {type(parent).__name__}")
