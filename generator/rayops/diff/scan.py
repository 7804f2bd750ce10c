"""A fast reader of block YAML for the Ray-level totals of files that did not change.

The totals need every Ray cluster of an environment, also those a pull request does
not touch, and on thousands of files the YAML parser dominates the run. Those files are
equal in both revisions and only a few fields of each are read (kind, name, worker-group
sizes, images, container resources), so this reader walks the block YAML that
``rayops render`` writes and builds only the wanted fields. It works on positions in
the text: one compiled pattern reads a line (skipping blank and comment lines), and the
value of a field that is not wanted is skipped with one search for the next line at or
left of its key's indentation, so the lines inside it are never visited one by one.
Scalars mean what the full loader says they mean (:func:`rayops.loader.resolve_plain`).
Within a process, the value of a scalar text and a whole value's block (a container's
``resources``) are read once and then looked up: across thousands of files the same
sizes and images recur (what is remembered is bounded; nothing outlives the process).

Anything outside that plain subset (flow collections other than ``{}`` and ``[]``,
anchors, aliases, tags, double-quoted escapes, multi-line scalars where a wanted field
is, several documents, tabs or line breaks other than ``\\n`` and ``\\r\\n``, unusual
keys) raises :class:`Unsupported`, and the caller parses the file with the full loader
instead: the result is the same, only slower.
"""

from __future__ import annotations

import re
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

_LINE = re.compile(r"(?:\n *(?:#[^\n]*)?(?=\n))*\n( *)([^ \n](?:[^\n]*[^ \t\n])?)[ \t]*(?=\n)")
"""From the line break before a line: the next line that is not blank or a comment.

Group 1 is its indentation, group 2 its content without trailing blanks; the match ends
at the line break that ends it (the text ends with one). No match: no more lines.
"""
_NEXT = re.compile(r"\n( *)([^ \n#](?:[^\n]*[^ \t\n])?)[ \t]*(?=\n)")
"""The line after a line break when it is not blank or a comment (most are not): a
simpler, faster pattern than :data:`_LINE`, tried first."""
_MARKER = re.compile(r"\n(?:---|\.\.\.|%)")
"""A document marker or directive at the left margin."""
_TAB_START = re.compile(r"\n[ -]*\t")
"""A tab in a line's indentation (or after its sequence dashes)."""
_OTHER_BREAK = re.compile("[\r\x85\u2028\u2029\ufeff]")
"""Characters YAML reads as line breaks (or a byte-order mark): not handled here."""
_NOT_PLAIN = "'\"?:{[&*!|>%@`-"
"""First characters of a line that is not a plain ``key: value``."""
_Line = re.Match[str]


class Unsupported(Exception):
    """The text leaves the subset this reader handles: use the full loader."""


def scan(text: str, wanted: dict[str, Any] = RAY_FIELDS) -> dict[str, Any]:
    """The ``wanted`` fields of the single YAML document in ``text``."""
    text = _prepared(text)
    line = _LINE.match(text)
    if line is not None and line[2] == "---" and not line[1]:
        line = _LINE.match(text, line.end())  # an explicit start of the (only) document
    if line is None or line[1]:
        raise Unsupported("no document at the left margin")
    if _MARKER.search(text, line.start()):
        raise Unsupported("document marker or directive")
    value, after = _block(text, line, 0, wanted)
    if after is not None or not isinstance(value, dict):
        raise Unsupported("not a single mapping")
    return value


def _prepared(text: str) -> str:
    """``text`` between line breaks, with ``\\n`` line ends; refused if it has other breaks or tabs."""
    if "\r" in text:
        text = text.replace("\r\n", "\n")
    if (not text.isascii() or "\r" in text) and _OTHER_BREAK.search(text):
        raise Unsupported("line break other than \\n or \\r\\n, or a byte-order mark")
    text = "\n" + text if text.endswith("\n") else "\n" + text + "\n"
    if "\t" in text and _TAB_START.search(text):
        raise Unsupported("tab in the indentation")
    return text


_UP_TO: dict[tuple[int, bool], re.Pattern[str]] = {}


def _up_to(indent: int, items_too: bool = True) -> re.Pattern[str]:
    """A search for the next line at or left of ``indent`` (groups as :data:`_LINE`).

    Deeper lines are passed over inside the regular expression engine: this is how the
    values of fields that are not wanted are skipped. Without ``items_too``, sequence
    items at ``indent`` are passed over too (they are the value of a key at ``indent``).
    """
    pattern = _UP_TO.get((indent, items_too))
    if pattern is None:
        not_item = "" if items_too else f"(?! {{{indent}}}-[ \\n])"
        pattern = _UP_TO[indent, items_too] = re.compile(
            f"\\n{not_item}( {{0,{indent}}}+)([^ \\n#](?:[^\\n]*[^ \\t\\n])?)[ \\t]*(?=\\n)"
        )
    return pattern


def _is_item(content: str) -> bool:
    return content[0] == "-" and (len(content) == 1 or content[1] == " ")


def _block(text: str, line: _Line, indent: int, want: Any) -> tuple[Any, _Line | None]:
    """The mapping or sequence whose first line is ``line``, at ``indent``.

    Also the line after it (None at the end of the text), which is left of ``indent``
    or, for a sequence that is a key's value at its indentation, the next key.
    """
    if _is_item(line[2]):
        return _sequence(text, line, indent, want)
    return _mapping(text, line[2], line.end(), indent, want)


def _scalar_ends(text: str, end: int, after: _Line | None) -> None:
    """Refuse a scalar ending at ``end`` when a deeper line comes before ``after``."""
    following = _LINE.match(text, end)
    if following is not None and (after is None or following.start(1) < after.start(1)):
        raise Unsupported("multi-line scalar or block scalar")


def _mapping(
    text: str, content: str, end: int, indent: int, want: Any
) -> tuple[dict[str, Any], _Line | None]:
    """The mapping at ``indent`` whose first line has ``content`` and ends at ``end``."""
    if isinstance(want, list):
        raise Unsupported("a mapping where a list is wanted")
    next_line = (_UP_TO.get((indent, True)) or _up_to(indent)).search
    wanted = None if want is True else want.get
    result: dict[str, Any] = {}
    line: _Line | None
    while True:
        if content[0] in _NOT_PLAIN:
            key, rest = _split_key(content)
        else:
            key, colon, rest = content.partition(": ")
            if colon:
                if rest[0] == " ":
                    rest = rest.lstrip(" ")
            elif content[-1] == ":":
                key = content[:-1]
            else:
                raise Unsupported("expected a mapping key")
            if key[-1] == " ":
                raise Unsupported("blank before a colon")
        sub = want if wanted is None else wanted(key)
        if sub is None:
            # Not wanted: the search passes over its value.
            line = (next_line if rest else _up_to(indent, False).search)(text, end)
        else:
            if not _PLAIN_KEYS.get(key, False):
                key, rest = _split_key(content)
            if key in result:
                raise Unsupported("duplicate key")
            if rest:
                value = _SCALARS.get(rest)
                result[key] = _scalar_value(rest) if value is None else value
                line = next_line(text, end)
                if (len(text) - 1 if line is None else line.start()) != end:
                    _scalar_ends(text, end, line)  # something between: blank lines, or deeper ones
            elif sub is True:
                result[key], line = _whole_value(text, end, indent)
            else:
                result[key], line = _value(text, end, indent, sub)
        if line is None:
            return result, None
        content = line[2]
        line_indent = len(line[1])
        if line_indent != indent or (content[0] == "-" and (len(content) == 1 or content[1] == " ")):
            if line_indent > indent:
                raise Unsupported("unexpected indentation")
            return result, line
        end = line.end()


def _value(text: str, end: int, indent: int, want: Any) -> tuple[Any, _Line | None]:
    """The value of a key at ``indent`` that has nothing after its colon (the key's line ends
    at ``end``): the block below it, a sequence at its indentation, or null."""
    line = _NEXT.match(text, end) or _LINE.match(text, end)
    if line is None:
        return None, None
    deeper = len(line[1])
    if deeper > indent:
        return _block(text, line, deeper, want)
    if deeper == indent and _is_item(line[2]):
        return _sequence(text, line, indent, want)
    return None, line


_WHOLE: dict[tuple[int, str], Any] = {}
"""Whole values read so far (``resources`` blocks and the like), by indentation and text."""


def _whole_value(text: str, end: int, indent: int) -> tuple[Any, _Line | None]:
    """:func:`_value` when the whole value is wanted: read once per distinct text.

    The same blocks recur (container resources of the same sizes); the text of the value
    runs to the next line at or left of the key that is not an item of it, and a block
    read before is copied instead of read again.
    """
    after = (_UP_TO.get((indent, False)) or _up_to(indent, False)).search(text, end)
    block = text[end : len(text) - 1 if after is None else after.start()]
    known = _WHOLE.get((indent, block))
    if known is not None:
        return _copy(known), after
    value, line = _value(text, end, indent, True)
    if (None if line is None else line.start(1)) != (None if after is None else after.start(1)):
        raise Unsupported("unexpected indentation")
    if isinstance(value, dict | list) and len(block) <= _MAX_WHOLE_TEXT and len(_WHOLE) < _MAX_REMEMBERED:
        _WHOLE[indent, block] = _copy(value)
    return value, line


def _copy(value: Any) -> Any:
    """A copy of a value read from YAML (mappings, sequences and scalars)."""
    if isinstance(value, dict):
        return {key: _copy(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_copy(item) for item in value]
    return value


def _scalar_value(text: str) -> Any:
    """:func:`_scalar`, remembered for the next time (the same sizes and images recur)."""
    value = _scalar(text)
    if value is not None and len(_SCALARS) < _MAX_REMEMBERED and not isinstance(value, dict | list):
        _SCALARS[text] = value
    return value


def _sequence(text: str, line: _Line, indent: int, want: Any) -> tuple[list[Any], _Line | None]:
    """The sequence at ``indent`` whose first item is ``line``."""
    items: list[Any] = []
    item_want = want[0] if isinstance(want, list) and want else True if want is True else None
    if item_want is None:
        raise Unsupported("a list where a mapping is wanted")
    following: _Line | None = line
    while following is not None and len(following[1]) == indent and _is_item(following[2]):
        content = following[2][1:]
        body = content.lstrip(" ")
        end = following.end()
        if not body:
            following = _NEXT.match(text, end) or _LINE.match(text, end)
            if following is not None and len(following[1]) > indent:
                value, following = _block(text, following, len(following[1]), item_want)
                items.append(value)
            else:
                items.append(None)
            continue
        if _is_item(body):
            raise Unsupported("nested inline sequence")
        if _key_split(body) is not None:
            column = indent + 1 + len(content) - len(body)
            value, following = _mapping(text, body, end, column, item_want)
            items.append(value)
            continue
        following = _up_to(indent).search(text, end)
        if (len(text) - 1 if following is None else following.start()) != end:
            _scalar_ends(text, end, following)
        items.append(_scalar_value(body))
    return items, following


def _key_split(content: str) -> tuple[str, str] | None:
    first = content[0]
    if first in '"?{[&*!|>%@`#':
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
"""Whether a key, written plain, is that same string (not a number, boolean or null)."""
_SCALARS: dict[str, Any] = {}
"""The values of scalars read so far, by their text (most repeat: images, sizes, versions)."""
_MAX_REMEMBERED = 100_000
"""Most scalars, and most whole values, remembered (a bound on the memory they take)."""
_MAX_WHOLE_TEXT = 4096
"""Longest text of a whole value remembered."""


def _split_key(content: str) -> tuple[str, str]:
    found = _key_split(content)
    if found is None:
        raise Unsupported("expected a mapping key")
    key, rest = found
    if content[0] != "'":
        plain = _PLAIN_KEYS.get(key)
        if plain is None:
            resolved = resolve_plain(key) if key else None
            plain = _PLAIN_KEYS[key] = (
                isinstance(resolved, str) and resolved == key and " #" not in key and key[-1] != " "
            )
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
    if first in "{[&*!|>%@`?#":
        raise Unsupported("flow, anchor, alias, tag, block scalar or comment")
    comment = text.find(" #")
    if comment != -1:
        text = text[:comment].rstrip()
    if ": " in text or text.endswith(":"):
        raise Unsupported("colon in a plain scalar")
    return resolve_plain(text)
