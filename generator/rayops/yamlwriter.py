"""Block-style YAML for JSON-like data, written directly: what libyaml writes, only faster.

``rayops render`` writes thousands of resources; building PyYAML nodes and handing them
to libyaml's emitter costs more than the rest of rendering. This writer produces the same
text libyaml's emitter produces for such data (with no line width limit, PyYAML's
``indent=2`` and indentless sequences inside mappings) in one pass over the values:

* a string that, written plain, would read as anything but this string under YAML 1.1,
  YAML 1.2 or go-yaml (sigs.k8s.io/yaml), such as ``yes``, ``08`` or ``1e3``, is
  double-quoted; other strings are plain where libyaml allows it, else single-quoted, or
  double-quoted with escapes when they hold characters outside printable ASCII;
* multi-line strings are literal blocks (``|``, ``|-``, ``|+``, with an indentation
  indicator when the text starts with a space or a line break), unless a line ends in a
  space, when they are double-quoted;
* numbers, booleans and null as PyYAML writes them.

Differential tests compare it with libyaml on generated data. Values of any other type
(or a mapping key that is not a string, or an unusually long key) make
:func:`dump_block` return None, and the caller falls back to libyaml.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from rayops.loader import resolve_plain

_PRINTABLE_ASCII = re.compile(r"[\x20-\x7e]*\Z")
_BLOCK_TEXT = re.compile(r"[\x20-\x7e\n]*\Z")
_ESCAPES = {
    "\0": "\\0",
    "\x07": "\\a",
    "\x08": "\\b",
    "\x09": "\\t",
    "\x0a": "\\n",
    "\x0b": "\\v",
    "\x0c": "\\f",
    "\x0d": "\\r",
    "\x1b": "\\e",
    '"': '\\"',
    "\\": "\\\\",
    "\x85": "\\N",
    "\xa0": "\\_",
    "\u2028": "\\L",
    "\u2029": "\\P",
}
_NEEDS_ESCAPE = re.compile(r'[^\x20-\x7e]|["\\]')
# Longest key written as a simple key; libyaml writes longer ones as "? key".
MAX_SIMPLE_KEY = 128
_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1


def _escape(match: re.Match[str]) -> str:
    character = match.group()
    named = _ESCAPES.get(character)
    if named is not None:
        return named
    code = ord(character)
    if code <= 0xFF:
        return f"\\x{code:02X}"
    if code <= 0xFFFF:
        return f"\\u{code:04X}"
    return f"\\U{code:08X}"


def _double_quoted(text: str) -> str:
    return '"' + _NEEDS_ESCAPE.sub(_escape, text) + '"'


def _plain_allowed(text: str) -> bool:
    """Whether libyaml may write ``text`` as a plain scalar in block context."""
    if not text or text[0] == " " or text[-1] == " " or not _PRINTABLE_ASCII.match(text):
        return False
    if text.startswith(("---", "...")):
        return False
    first = text[0]
    if first in "#,[]{}&*!|>'\"%@`":
        return False
    if first in "?:-" and (len(text) == 1 or text[1] == " "):
        return False
    return not (": " in text or " #" in text or text.endswith(":"))


def _is_yaml12_number(text: str) -> bool:
    try:
        float(text.replace("_", ""))
    except ValueError:
        return text.lower().startswith(("0x", "0o", "0b", "+0x", "-0x"))
    return True


def reads_as_string(text: str) -> bool:
    """Whether ``text`` written plain reads back as this string under YAML 1.1, 1.2 and go-yaml."""
    if not text or not isinstance(resolve_plain(text), str):
        return False
    if text[:1] in "0123456789+-." and _is_yaml12_number(text):
        return False
    return text not in ("y", "n", "Y", "N", "=", "<<")


@lru_cache(maxsize=65536)
def inline_scalar(text: str) -> str | None:
    """A single-line string as written after ``key: `` or ``- ``; None if it needs a block."""
    if "\n" in text:
        return None
    if not reads_as_string(text):
        return _double_quoted(text)
    if _plain_allowed(text):
        return text
    if _PRINTABLE_ASCII.match(text):
        return "'" + text.replace("'", "''") + "'"
    return _double_quoted(text)


def _literal_allowed(text: str) -> bool:
    return bool(_BLOCK_TEXT.match(text)) and " \n" not in text and not text.endswith(" ")


def _literal(text: str, indent: str) -> tuple[str, bool]:
    """A literal block scalar: its header and lines; and whether it keeps trailing breaks."""
    hints = ""
    if text[0] in " \n":
        hints += "2"
    if text[-1] != "\n":
        hints += "-"
    elif len(text) == 1 or text[-2] == "\n":
        hints += "+"
    lines = text.split("\n")
    if text.endswith("\n"):
        lines.pop()
    body = "".join(indent + line + "\n" if line else "\n" for line in lines)
    return "|" + hints + "\n" + body, hints.endswith("+")


class _Writer:
    def __init__(self) -> None:
        self.parts: list[str] = []
        self.open_ended = False
        append = self.parts.append
        self.append: Callable[[str], None] = append

    def scalar(self, value: Any, indent: str) -> bool:
        """Write a scalar after ``key: `` or ``- `` (the caller wrote that); False if not JSON-like."""
        append = self.append
        if isinstance(value, str):
            inline = inline_scalar(value)
            if inline is not None:
                append(inline + "\n")
            elif _literal_allowed(value):
                text, keep = _literal(value, indent + "  ")
                append(text)
                # As libyaml: a kept final break anywhere ends the document with "...".
                self.open_ended = self.open_ended or keep
            else:
                append(_double_quoted(value) + "\n")
        elif value is None:
            append("null\n")
        elif value is True:
            append("true\n")
        elif value is False:
            append("false\n")
        elif isinstance(value, int):
            if not _INT64_MIN <= value <= _INT64_MAX:
                return False  # reads back as a float: libyaml's writer adds a tag
            append(f"{value}\n")
        elif isinstance(value, float):
            text = float_text(value)
            if not isinstance(resolve_plain(text), float):
                return False
            append(text + "\n")
        else:
            return False
        return True

    def mapping(self, value: dict[Any, Any], indent: str, first_prefix: str | None) -> bool:
        """Write a non-empty mapping whose keys start at ``indent`` (the first after ``first_prefix``)."""
        append = self.append
        prefix = first_prefix if first_prefix is not None else indent
        for key, item in value.items():
            if not isinstance(key, str) or len(key) > MAX_SIMPLE_KEY or not _PRINTABLE_ASCII.match(key):
                return False
            key_text = inline_scalar(key)
            if key_text is None:
                return False
            append(prefix + key_text + ":")
            prefix = indent
            if isinstance(item, dict):
                if item:
                    append("\n")
                    if not self.mapping(item, indent + "  ", None):
                        return False
                    continue
                append(" {}\n")
            elif isinstance(item, list):
                if item:
                    append("\n")
                    if not self.sequence(item, indent, None):
                        return False
                    continue
                append(" []\n")
            else:
                append(" ")
                if not self.scalar(item, indent):
                    return False
        return True

    def sequence(self, value: list[Any], indent: str, first_prefix: str | None) -> bool:
        """Write a non-empty sequence whose dashes start at ``indent``."""
        append = self.append
        prefix = first_prefix if first_prefix is not None else indent
        for item in value:
            if isinstance(item, dict) and item:
                if not self.mapping(item, indent + "  ", prefix + "- "):
                    return False
            elif isinstance(item, list) and item:
                if not self.sequence(item, indent + "  ", prefix + "- "):
                    return False
            elif isinstance(item, dict):
                append(prefix + "- {}\n")
            elif isinstance(item, list):
                append(prefix + "- []\n")
            else:
                append(prefix + "- ")
                if not self.scalar(item, indent):
                    return False
            prefix = indent
        return True


def dump_block(value: dict[str, Any]) -> str | None:
    """``value`` as a block-style YAML document; None if it holds anything but JSON-like data."""
    if not value:
        return "{}\n"
    writer = _Writer()
    if not writer.mapping(value, "", None):
        return None
    if writer.open_ended:
        writer.append("...\n")
    return "".join(writer.parts)


def float_text(value: float) -> str:
    """A float as PyYAML's SafeRepresenter writes it."""
    if value != value:
        return ".nan"
    if value in (float("inf"), float("-inf")):
        return ".inf" if value > 0 else "-.inf"
    text = repr(value).lower()
    if "." not in text and "e" in text:
        text = text.replace("e", ".0e", 1)
    return text
