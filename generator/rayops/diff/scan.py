"""A fast reader of block YAML for the Ray-level totals of files that did not change.

The totals need every Ray cluster of an environment, also those a pull request does
not touch, and on thousands of files the YAML parser dominates the run. Those files are
equal in both revisions and only a few fields of each are read (kind, name, worker-group
sizes, images, container resources), so this reader walks the lines of the block YAML
that ``rayops render`` writes and builds only the wanted fields; the rest is skipped by
indentation. Scalars mean what the full loader says they mean
(:func:`rayops.loader.resolve_plain`).

Anything outside that plain subset (flow collections other than ``{}`` and ``[]``,
anchors, aliases, tags, double-quoted escapes, multi-line scalars where a wanted field
is, several documents, tabs, unusual keys) raises :class:`Unsupported`, and the caller
parses the file with the full loader instead: the result is the same, only slower.
"""

from __future__ import annotations

from typing import Any

from rayops.loader import resolve_plain

_POD: dict[str, Any] = {"spec": {"containers": [{"image": True, "resources": True}]}}
_GROUP: dict[str, Any] = {
    "groupName": True,
    "replicas": True,
    "minReplicas": True,
    "maxReplicas": True,
    "numOfHosts": True,
    "template": _POD,
}
_CLUSTER: dict[str, Any] = {
    "rayVersion": True,
    "enableInTreeAutoscaling": True,
    "upgradeStrategy": True,
    "headGroupSpec": {"template": _POD},
    "workerGroupSpecs": [_GROUP],
}
RAY_FIELDS: dict[str, Any] = {
    "apiVersion": True,
    "kind": True,
    "metadata": {"name": True, "namespace": True, "generateName": True},
    "spec": {
        **_CLUSTER,
        "rayClusterConfig": _CLUSTER,
        "rayClusterSpec": _CLUSTER,
        "jobTemplate": {"rayClusterSpec": _CLUSTER},
    },
}
"""What the Ray-level summary reads (``True``: the whole value; a list: each item)."""

_Line = tuple[int, str]
_NOT_PLAIN = "'\"?:{[&*!|>%@`-"
"""First characters of a line that is not a plain ``key: value``."""


class Unsupported(Exception):
    """The text leaves the subset this reader handles: use the full loader."""


def scan(text: str, wanted: dict[str, Any] = RAY_FIELDS) -> dict[str, Any]:
    """The ``wanted`` fields of the single YAML document in ``text``."""
    lines: list[_Line] = []
    append = lines.append
    for raw in text.split("\n"):
        content = raw.lstrip(" ")
        if not content or content[0] == "#":
            continue
        indent = len(raw) - len(content)
        if indent == 0 and content[0] in "-.%\t":
            if content.rstrip() == "---" and not lines:
                continue
            if content.startswith(("---", "...", "%", "\t")):
                raise Unsupported(content[:20])
        elif content[0] == "\t":
            raise Unsupported("tab")
        append((indent, content.rstrip() if content[-1] in " \r" else content))
    if not lines or lines[0][0] != 0:
        raise Unsupported("no document at the left margin")
    value, position = _block(lines, 0, 0, wanted)
    if position != len(lines) or not isinstance(value, dict):
        raise Unsupported("not a single mapping")
    return value


def _is_item(content: str) -> bool:
    return content[0] == "-" and (len(content) == 1 or content[1] == " ")


def _block(lines: list[_Line], i: int, indent: int, want: Any) -> tuple[Any, int]:
    if _is_item(lines[i][1]):
        return _sequence(lines, i, indent, want)
    return _mapping(lines, i, indent, want)


def _skip(lines: list[_Line], i: int, indent: int, nested_items: bool) -> int:
    count = len(lines)
    while i < count:
        line_indent, content = lines[i]
        if line_indent > indent or (nested_items and line_indent == indent and _is_item(content)):
            i += 1
        else:
            break
    return i


_PREFIXES: dict[int, tuple[str, ...]] = {}


def _prefixes(want: dict[str, Any]) -> tuple[str, ...]:
    """``("key:", ...)`` for the keys of ``want`` (the wanted trees are module constants)."""
    found = _PREFIXES.get(id(want))
    if found is None:
        found = _PREFIXES[id(want)] = tuple(f"{key}:" for key in want)
    return found


def _mapping(lines: list[_Line], i: int, indent: int, want: Any) -> tuple[dict[str, Any], int]:
    if isinstance(want, list):
        raise Unsupported("a mapping where a list is wanted")
    result: dict[str, Any] = {}
    count = len(lines)
    wanted = _prefixes(want) if isinstance(want, dict) else None
    while i < count:
        line_indent, content = lines[i]
        if line_indent != indent or _is_item(content):
            break
        plain = content[0] not in _NOT_PLAIN
        if wanted is not None and plain and not content.startswith(wanted):
            # Not a wanted key (a wanted one would start with "key:"): skip its value.
            i = _skip(lines, i + 1, indent, content[-1] == ":")
            continue
        colon = content.find(": ") if plain else -1
        if colon != -1:
            key, rest = content[:colon], content[colon + 2 :].lstrip(" ")
            if not _PLAIN_KEYS.get(key, False):
                key, rest = _split_key(content)
        elif plain and content[-1] == ":" and _PLAIN_KEYS.get(content[:-1], False):
            key, rest = content[:-1], ""
        else:
            key, rest = _split_key(content)
        i += 1
        sub = want if want is True else want.get(key)
        if sub is None:
            i = _skip(lines, i, indent, not rest)
            continue
        if key in result:
            raise Unsupported("duplicate key")
        result[key], i = _value(lines, i, indent, rest, sub)
    if i < count and lines[i][0] > indent:
        raise Unsupported("unexpected indentation")
    return result, i


def _sequence(lines: list[_Line], i: int, indent: int, want: Any) -> tuple[list[Any], int]:
    items: list[Any] = []
    item_want = want[0] if isinstance(want, list) and want else True if want is True else None
    if item_want is None:
        raise Unsupported("a list where a mapping is wanted")
    count = len(lines)
    while i < count and lines[i][0] == indent and _is_item(lines[i][1]):
        content = lines[i][1][1:]
        body = content.lstrip(" ")
        if not body:
            i += 1
            if i < count and lines[i][0] > indent:
                value, i = _block(lines, i, lines[i][0], item_want)
                items.append(value)
            else:
                items.append(None)
            continue
        if _is_item(body):
            raise Unsupported("nested inline sequence")
        column = indent + 1 + len(content) - len(body)
        if _key_split(body) is not None:
            lines[i] = (column, body)
            value, i = _mapping(lines, i, column, item_want)
            items.append(value)
            continue
        i += 1
        if i < count and lines[i][0] > indent:
            raise Unsupported("multi-line scalar")
        items.append(_scalar(body))
    return items, i


def _value(lines: list[_Line], i: int, indent: int, rest: str, want: Any) -> tuple[Any, int]:
    count = len(lines)
    if not rest:
        if i < count and lines[i][0] > indent:
            return _block(lines, i, lines[i][0], want)
        if i < count and lines[i][0] == indent and _is_item(lines[i][1]):
            return _sequence(lines, i, indent, want)
        return None, i
    if i < count and lines[i][0] > indent:
        raise Unsupported("multi-line scalar or block scalar")
    return _scalar(rest), i


def _key_split(content: str) -> tuple[str, str] | None:
    first = content[0]
    if first in '"?{[&*!|>%@`':
        raise Unsupported("key or value style not handled")
    if first == "'":
        end = content.find("'", 1)
        while end != -1 and content[end + 1 : end + 2] == "'":
            end = content.find("'", end + 2)
        if end == -1 or content[end + 1 : end + 2] != ":" or content[end + 2 : end + 3] not in ("", " "):
            return None
        return content[1:end].replace("''", "'"), content[end + 2 :].strip()
    colon = content.find(": ")
    if colon == -1:
        if content.endswith(":"):
            return content[:-1], ""
        return None
    return content[:colon], content[colon + 2 :].strip()


_PLAIN_KEYS: dict[str, bool] = {}


def _split_key(content: str) -> tuple[str, str]:
    found = _key_split(content)
    if found is None:
        raise Unsupported("expected a mapping key")
    key, rest = found
    if content[0] != "'":
        plain = _PLAIN_KEYS.get(key)
        if plain is None:
            resolved = resolve_plain(key)
            plain = _PLAIN_KEYS[key] = isinstance(resolved, str) and resolved == key and " #" not in key
        if not plain:
            raise Unsupported("key that is not a plain string")
    return key, rest


def _scalar(text: str) -> Any:
    first = text[0]
    if first == "'":
        end = text.find("'", 1)
        while end != -1 and text[end + 1 : end + 2] == "'":
            end = text.find("'", end + 2)
        if end == -1 or (text[end + 1 :].strip() and not text[end + 1 :].strip().startswith("#")):
            raise Unsupported("single-quoted scalar")
        return text[1:end].replace("''", "'")
    if first == '"':
        end = text.find('"', 1)
        if (
            end == -1
            or "\\" in text[: end + 1]
            or (text[end + 1 :].strip() and not text[end + 1 :].strip().startswith("#"))
        ):
            raise Unsupported("double-quoted scalar")
        return text[1:end]
    if text in ("{}", "[]"):
        return {} if text == "{}" else []
    if first in "{[&*!|>%@`?":
        raise Unsupported("flow, anchor, alias, tag or block scalar")
    comment = text.find(" #")
    if comment != -1:
        text = text[:comment].rstrip()
    if ": " in text or text.endswith(":"):
        raise Unsupported("colon in a plain scalar")
    return resolve_plain(text)
