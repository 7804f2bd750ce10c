"""Load YAML the way the Kubernetes tool chain reads it, keeping every node's position.

Each file is parsed exactly once, by PyYAML's C parser, into a node graph that keeps
start marks. Values are then built from that graph by this module, with the scalar
meaning of ``sigs.k8s.io/yaml`` (the go-yaml v2 reader behind kubectl and the API
server): YAML 1.1 booleans including ``y``/``yes``/``on``, ``0x``/``0o``/leading-zero
octal integers, ``1e3`` as a number, timestamps kept as strings, keys converted to
strings. Positions are looked up in the node graph only for documents that have a
finding (:meth:`Document.locate`).

Hostile input never raises: sizes, nesting, alias expansion and tags are bounded, and
every problem becomes a :class:`~rayops.findings.Finding` with a location.
"""

from __future__ import annotations

import base64
import binascii
import marshal
import math
import os
import re
import struct
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, cast

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from rayops.errors import UsageError
from rayops.findings import Finding, Location, Path, Severity

MAX_FILE_BYTES = 4 * 1024 * 1024
"""Largest file read (4 MiB; the API server refuses objects over 1.5 MB anyway)."""
MAX_DEPTH = 128
"""Deepest nesting of mappings and sequences accepted in a document."""
MAX_EXPANDED_NODES = 200_000
"""Alias expansion beyond this many nodes (and 10x the written ones) is an alias bomb."""
MAX_DOCUMENTS = 10_000
"""Most documents read from one file."""

YAML_EXTENSIONS = (".yaml", ".yml")

# Rule IDs of problems found while loading.
RULE_READ = "Y100"
RULE_SYNTAX = "Y101"
RULE_DUPLICATE_KEY = "Y102"
RULE_TAG = "Y103"
RULE_ALIAS = "Y104"
RULE_DEPTH = "Y105"
RULE_SIZE = "Y106"
RULE_ENCODING = "Y107"
RULE_KEY = "Y108"
RULE_NUMBER = "Y109"

LOADER_RULES: dict[str, str] = {
    RULE_READ: "file cannot be read",
    RULE_SYNTAX: "YAML syntax error (including tabs used for indentation)",
    RULE_DUPLICATE_KEY: "duplicate mapping key",
    RULE_TAG: "unsupported or unsafe YAML tag",
    RULE_ALIAS: "alias expansion too large or recursive (alias bomb)",
    RULE_DEPTH: "nesting too deep",
    RULE_SIZE: "file or document count over the limit",
    RULE_ENCODING: "not valid UTF-8, or contains NUL bytes or control characters",
    RULE_KEY: "mapping key that JSON cannot represent",
    RULE_NUMBER: "number that JSON cannot represent (infinity, NaN)",
}

_TAG = "tag:yaml.org,2002:"
_STR, _INT, _FLOAT, _BOOL, _NULL = (_TAG + t for t in ("str", "int", "float", "bool", "null"))
_MAP, _SEQ, _MERGE = _TAG + "map", _TAG + "seq", _TAG + "merge"
_PLAIN = "!rayops/plain"
_BINARY = _TAG + "binary"
_STRINGY_TAGS = {_STR, _TAG + "timestamp", _TAG + "value", "!"}

_BOOLS = {
    **dict.fromkeys(["y", "Y", "yes", "Yes", "YES", "on", "On", "ON", "true", "True", "TRUE"], True),
    **dict.fromkeys(["n", "N", "no", "No", "NO", "off", "Off", "OFF", "false", "False", "FALSE"], False),
}
_NULLS = frozenset(("", "~", "null", "Null", "NULL"))
_SPECIAL_FLOATS = {
    ".inf": math.inf,
    ".Inf": math.inf,
    ".INF": math.inf,
    "+.inf": math.inf,
    "+.Inf": math.inf,
    "+.INF": math.inf,
    "-.inf": -math.inf,
    "-.Inf": -math.inf,
    "-.INF": -math.inf,
    ".nan": math.nan,
    ".NaN": math.nan,
    ".NAN": math.nan,
}
_GO_FLOAT = re.compile(r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?\Z")
_INT64_MIN, _UINT64_MAX = -(2**63), 2**64 - 1
_MAYBE_NOT_STRING = frozenset("yYnNtTfFoO0123456789+-.~")
"""First characters of plain scalars that may be a boolean, number or null."""
# Characters YAML does not allow in a stream (outside escapes): C0 and C1 controls but
# tab, line feed, carriage return and NEL; surrogates; U+FFFE and U+FFFF.
_CONTROL_CHARS = re.compile("[\x01-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f\ud800-\udfff\ufffe\uffff]")
_ALLOWED_ASCII = bytes([9, 10, 13, *range(32, 127)])
_LINE_BREAK = re.compile(r"\r\n|\r|\n")
MAX_NODES_ESTIMATE = 250_000
"""Most lines plus commas (a bound on nodes) in one file: keeps any file under a second."""


class _NodeLoader(yaml.CSafeLoader):
    """C parser and composer; tags of plain scalars are left for :func:`resolve_plain`."""

    def resolve(self, kind: type[Node], value: Any, implicit: tuple[bool, bool]) -> str:
        if kind is ScalarNode:
            return _PLAIN if implicit[0] else _STR
        return _SEQ if kind is SequenceNode else _MAP

    # The composer calls these for every node; path resolvers are not used, so C-level
    # callables that return at once save two Python calls per node.
    descend_resolver = staticmethod({}.get)  # type: ignore[assignment,var-annotated]
    ascend_resolver = staticmethod(tuple)  # type: ignore[assignment]


def _go_int(text: str) -> int | None:
    """Parse like Go's ``strconv.ParseInt(s, 0, 64)`` (then ParseUint), else None."""
    body = text
    sign = 1
    if body[:1] in "+-":
        sign = -1 if body[0] == "-" else 1
        body = body[1:]
    if not body:
        return None
    base = 10
    lowered = body[:2].lower()
    if lowered == "0x":
        base, body = 16, body[2:]
    elif lowered == "0o":
        base, body = 8, body[2:]
    elif lowered == "0b":
        base, body = 2, body[2:]
    elif len(body) > 1 and body[0] == "0":
        base, body = 8, body[1:]
    if not body or not body.isascii() or not body.isalnum():
        return None
    try:
        number = sign * int(body, base)
    except ValueError:
        return None
    if _INT64_MIN <= number <= _UINT64_MAX:
        return number
    return None


def resolve_plain(text: str) -> Any:
    """The value of a plain (unquoted, untagged) scalar, as sigs.k8s.io/yaml reads it."""
    if text in _NULLS:
        return None
    first = text[0]
    if first in "yYnNtTfFoO":
        found = _BOOLS.get(text)
        return text if found is None else found
    if first in "0123456789+-.":
        special = _SPECIAL_FLOATS.get(text)
        if special is not None:
            return special
        if first == ".":
            return float(text) if _GO_FLOAT.match(text) else text
        plain = text.replace("_", "")
        number = _go_int(plain)
        if number is not None:
            return number
        if _GO_FLOAT.match(plain):
            result = float(plain)
            # Go's ParseFloat fails on overflow, and go-yaml then keeps the string.
            return text if math.isinf(result) else result
    return text


def _key_string(value: Any) -> str | None:
    """Convert a mapping key the way sigs.k8s.io/yaml does; None if JSON cannot hold it."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        text = go_format_float32(value)
        return {"+Inf": ".inf", "-Inf": "-.inf", "NaN": ".nan"}.get(text, text)
    return None


def go_format_float32(value: float) -> str:
    """Go's ``strconv.FormatFloat(value, 'g', -1, 32)``, as sigs.k8s.io/yaml writes float keys."""
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    if math.isnan(value):
        return "NaN"
    single = struct.unpack("f", struct.pack("f", value))[0] if abs(value) < 3.4e38 else value
    if single == 0:
        return "0"
    for digits in range(1, 10):  # the shortest decimal that reads back as the same float32
        text = f"{single:.{digits - 1}e}"
        if struct.unpack("f", struct.pack("f", float(text)))[0] == single:
            break
    mantissa, exponent_text = text.split("e")
    exponent = int(exponent_text)
    sign = "-" if mantissa.startswith("-") else ""
    significant = mantissa.lstrip("-").replace(".", "").rstrip("0") or "0"
    if exponent < -4 or exponent >= 6:
        body = significant[0] + ("." + significant[1:] if len(significant) > 1 else "")
        return f"{sign}{body}e{'-' if exponent < 0 else '+'}{abs(exponent):02d}"
    if exponent < 0:
        return f"{sign}0.{'0' * (-exponent - 1)}{significant}"
    whole = significant[: exponent + 1].ljust(exponent + 1, "0")
    fraction = significant[exponent + 1 :]
    return f"{sign}{whole}{'.' + fraction if fraction else ''}"


@dataclass
class Document:
    """One Kubernetes object read from a file, with its node graph for positions."""

    file: str
    index: int
    value: Any
    node: Node | None

    @property
    def line(self) -> int:
        """1-based line where the document's content starts."""
        return self.node.start_mark.line + 1 if self.node is not None else 1

    def defines(self, path: Path) -> bool:
        """Whether the document itself writes a value at ``path`` (not just an ancestor)."""
        node = self.node
        for element in path:
            if node is None:
                return False
            found = _child(node, element)
            if found is None:
                return False
            node = found[1]
        return node is not None

    def locate(self, path: Path, *, key: bool = False) -> Location:
        """The file position of ``path``; the nearest existing ancestor if it is absent.

        With ``key`` true the position of the mapping key is given rather than its value
        (used for unknown fields and duplicate keys); so it is for a value written as a
        block mapping or sequence.
        """
        node = self.node
        if node is None:
            return Location(self.file, 1, 1)
        mark = node.start_mark
        for position, element in enumerate(path):
            last = position == len(path) - 1
            found = _child(node, element)
            if found is None:
                break
            key_node, node = found
            # A block mapping or sequence starts on the line after its key: the key is
            # where a reader looks for it.
            block = node.__class__ is not ScalarNode and not getattr(node, "flow_style", False)
            at_key = key or not last or block
            mark = key_node.start_mark if key_node is not None and at_key else node.start_mark
        return Location(self.file, mark.line + 1, mark.column + 1)


def _child(node: Node, element: str | int) -> tuple[Node | None, Node] | None:
    """The (key node, value node) of ``element`` inside ``node``, following merges."""
    if isinstance(node, SequenceNode) and isinstance(element, int):
        if 0 <= element < len(node.value):
            item: Node = node.value[element]
            return None, item
        return None
    if isinstance(node, MappingNode) and isinstance(element, str):
        merges: list[Node] = []
        for key_node, value_node in reversed(node.value):  # the last duplicate is the value kept
            tag = key_node.tag
            if tag == _MERGE or (tag == _PLAIN and key_node.value == "<<"):
                merges.append(value_node)
                continue
            if key_node.__class__ is ScalarNode:
                text = key_node.value
                if tag == _STR or (tag == _PLAIN and text and text[0] not in _MAYBE_NOT_STRING):
                    if text == element:
                        return key_node, value_node
                    continue
                key_value = resolve_plain(text) if tag == _PLAIN else text
                if _key_string(key_value) == element:
                    return key_node, value_node
        for merge in merges:
            sources = merge.value if isinstance(merge, SequenceNode) else [merge]
            for source in sources:
                found = _child(source, element)
                if found is not None:
                    return found
    return None


@dataclass
class LoadedFile:
    """The documents of one file and the problems met while reading it."""

    path: str
    documents: list[Document] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)


class _Builder:
    """Builds plain Python values from a composed node graph, with hostile-input bounds."""

    def __init__(self, file: str, findings: list[Finding]) -> None:
        self.file = file
        self.findings = findings
        self.budget = 0

    def problem(self, rule: str, message: str, node: Node | None) -> None:
        line = node.start_mark.line + 1 if node is not None else 1
        column = node.start_mark.column + 1 if node is not None else 1
        self.findings.append(Finding(rule, Severity.ERROR, message, Location(self.file, line, column)))

    def check_expansion(self, root: Node) -> bool:
        """False (with a finding) if aliases make the document recursive or explode it."""
        sizes: dict[int, int] = {}
        written: set[int] = set()
        on_stack: set[int] = set()
        # Iterative post-order walk: (node, children done?)
        stack: list[tuple[Node, bool]] = [(root, False)]
        while stack:
            node, done = stack.pop()
            ident = id(node)
            if done:
                on_stack.discard(ident)
                total = 1
                for child in _children(node):
                    total += sizes[id(child)]
                    if total > 10 * MAX_EXPANDED_NODES:
                        break
                sizes[ident] = total
                continue
            if ident in sizes:
                continue
            if ident in on_stack:
                self.problem(RULE_ALIAS, "recursive alias: a node contains itself", node)
                return False
            on_stack.add(ident)
            written.add(ident)
            stack.append((node, True))
            for child in _children(node):
                if id(child) in on_stack:
                    self.problem(RULE_ALIAS, "recursive alias: a node contains itself", child)
                    return False
                if id(child) not in sizes:
                    stack.append((child, False))
        expanded = sizes[id(root)]
        if expanded > MAX_EXPANDED_NODES and expanded > 10 * len(written):
            self.problem(
                RULE_ALIAS,
                f"aliases expand this document to over {MAX_EXPANDED_NODES:,} nodes "
                f"from {len(written):,} written (alias bomb)",
                root,
            )
            return False
        return True

    def build(self, node: Node, depth: int = 0) -> Any:
        """The value of ``node``; raises on nesting or alias expansion over the bounds."""
        if depth > MAX_DEPTH:
            raise _TooDeepError(node)
        cls = node.__class__
        tag = node.tag
        if cls is ScalarNode:
            if tag == _PLAIN:
                text = node.value
                if text and text[0] not in _MAYBE_NOT_STRING:
                    return text
            return self.scalar(cast(ScalarNode, node), tag)
        if cls is SequenceNode:
            if tag != _SEQ:
                self.problem(RULE_TAG, f"unsupported tag {tag!r} on a sequence", node)
            self.spend(len(node.value), node)
            return [self.build(item, depth + 1) for item in node.value]
        if cls is MappingNode:
            if tag != _MAP:
                self.problem(RULE_TAG, f"unsupported tag {tag!r} on a mapping", node)
            return self.mapping(cast(MappingNode, node), depth)
        return None  # pragma: no cover - the composer makes no other node kinds

    def spend(self, nodes: int, node: Node) -> None:
        """Count ``nodes`` more built nodes against the budget (alias expansion bound)."""
        self.budget -= nodes
        if self.budget < 0:
            raise _ExpansionError(node)

    def scalar(self, node: ScalarNode, tag: str) -> Any:
        """The value of a scalar node under its (explicit or plain) tag."""
        text: str = node.value
        if tag == _PLAIN:
            value = resolve_plain(text)
        elif tag in _STRINGY_TAGS:
            return text
        elif tag == _BINARY:
            # go-yaml decodes !!binary; the bytes then travel as a (JSON) string.
            try:
                return base64.b64decode("".join(text.split()), validate=True).decode("utf-8", "replace")
            except (binascii.Error, ValueError):
                self.problem(RULE_TAG, "!!binary value is not valid base64", node)
                return text
        elif tag == _INT:
            value = _go_int(text.replace("_", ""))
            if value is None:
                self.problem(RULE_TAG, f"{text!r} is not an integer (tagged !!int)", node)
                return text
        elif tag == _FLOAT:
            resolved = resolve_plain(text)
            if isinstance(resolved, bool) or not isinstance(resolved, int | float):
                self.problem(RULE_TAG, f"{text!r} is not a number (tagged !!float)", node)
                return text
            value = float(resolved)
        elif tag == _BOOL:
            if text not in _BOOLS:
                self.problem(RULE_TAG, f"{text!r} is not a boolean (tagged !!bool)", node)
                return text
            return _BOOLS[text]
        elif tag == _NULL:
            return None
        else:
            self.problem(RULE_TAG, f"unsupported tag {tag!r}: only the standard YAML tags are safe", node)
            return text
        if isinstance(value, float) and (math.isinf(value) or math.isnan(value)):
            self.problem(RULE_NUMBER, f"{text!r} is not a number JSON can represent", node)
        return value

    def mapping(self, node: MappingNode, depth: int) -> dict[str, Any]:
        """A mapping's value: keys as sigs.k8s.io/yaml converts them, merges applied."""
        result: dict[str, Any] = {}
        merged: dict[str, Any] | None = None
        build = self.build
        child_depth = depth + 1
        self.spend(len(node.value), node)
        for key_node, value_node in node.value:
            key: str | None
            if key_node.__class__ is not ScalarNode:
                self.problem(RULE_KEY, "a mapping or sequence cannot be a key", key_node)
                continue
            key_tag = key_node.tag
            text = key_node.value
            if key_tag == _PLAIN:
                if text == "<<":
                    merged = self.merge_into(merged or {}, value_node, depth)
                    continue
                key = text if text and text[0] not in _MAYBE_NOT_STRING else _key_string(resolve_plain(text))
            elif key_tag == _MERGE:
                merged = self.merge_into(merged or {}, value_node, depth)
                continue
            elif key_tag == _STR:
                key = text
            else:
                key = _key_string(self.scalar(key_node, key_tag))
            if key is None:
                self.problem(RULE_KEY, "a null key cannot be converted to JSON", key_node)
                continue
            if key in result:
                self.duplicate(node, key, key_node)
            if value_node.__class__ is ScalarNode and value_node.tag == _PLAIN:
                text = value_node.value
                if text and text[0] not in _MAYBE_NOT_STRING:
                    result[key] = text
                    continue
            result[key] = build(value_node, child_depth)
        if merged:
            for key, value in merged.items():
                result.setdefault(key, value)
        return result

    def duplicate(self, node: MappingNode, key: str, key_node: Node) -> None:
        """Report ``key`` defined twice in ``node``, naming where it was first."""
        for first_node, _ in node.value:
            if first_node is key_node:
                break
            if isinstance(first_node, ScalarNode):
                value = resolve_plain(first_node.value) if first_node.tag == _PLAIN else first_node.value
                if _key_string(value) == key:
                    mark = first_node.start_mark
                    where = f" (first at line {mark.line + 1}, column {mark.column + 1})"
                    break
        else:  # pragma: no cover - the key was seen earlier in this mapping
            where = ""
        self.problem(RULE_DUPLICATE_KEY, f'duplicate key "{key}"{where}', key_node)

    def merge_into(self, merged: dict[str, Any], value_node: Node, depth: int) -> dict[str, Any]:
        """Add the mappings a merge key (``<<``) names to ``merged``; earlier ones win."""
        sources = value_node.value if isinstance(value_node, SequenceNode) else [value_node]
        for source in sources:
            if not isinstance(source, MappingNode):
                self.problem(RULE_TAG, "a merge key (<<) needs a mapping or a list of mappings", source)
                continue
            self.budget -= 1
            for key, value in self.mapping(source, depth + 1).items():
                merged.setdefault(key, value)
        return merged


class _ExpansionError(Exception):
    def __init__(self, node: Node) -> None:
        super().__init__("expansion over budget")
        self.node = node


class _TooDeepError(Exception):
    def __init__(self, node: Node) -> None:
        super().__init__("too deep")
        self.node = node


def _children(node: Node) -> Iterator[Node]:
    if isinstance(node, SequenceNode):
        yield from node.value
    elif isinstance(node, MappingNode):
        for key_node, value_node in node.value:
            yield key_node
            yield value_node


def _position(text: str, index: int) -> tuple[int, int]:
    """1-based line and column of character ``index`` in ``text`` (CR, LF or CRLF breaks)."""
    line, line_start = 1, 0
    for match in _LINE_BREAK.finditer(text, 0, index):
        line += 1
        line_start = match.end()
    return line, index - line_start + 1


def _decode(data: bytes, file: str, findings: list[Finding]) -> str | None:
    def fail(message: str, line: int, column: int) -> None:
        findings.append(Finding(RULE_ENCODING, Severity.ERROR, message, Location(file, line, column)))

    if data.startswith((b"\xff\xfe", b"\xfe\xff")) or data[:4] in (b"\x00\x00\xfe\xff", b"\xff\xfe\x00\x00"):
        fail("UTF-16 and UTF-32 files are not supported: save the file as UTF-8", 1, 1)
        return None
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    nul = data.find(b"\x00")
    if nul >= 0:
        prefix = data[:nul].decode("utf-8", "replace")
        fail("NUL byte: this is a binary file, not YAML", *_position(prefix, len(prefix)))
        return None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        prefix = data[: error.start].decode("utf-8", "replace")
        fail(f"invalid UTF-8 byte 0x{data[error.start]:02x}", *_position(prefix, len(prefix)))
        return None
    # An ASCII file can only hold C0 controls: a byte-level check is much faster.
    if data.isascii() and not data.translate(None, _ALLOWED_ASCII):
        return text
    control = _CONTROL_CHARS.search(text)
    if control is not None:
        fail(
            f"control character U+{ord(control.group()):04X} is not allowed in YAML",
            *_position(text, control.start()),
        )
        return None
    return text


def load_bytes(data: bytes, file: str) -> LoadedFile:
    """Parse ``data`` (the bytes of ``file``) into documents and findings; never raises."""
    loaded = LoadedFile(file)
    findings = loaded.findings
    if len(data) > MAX_FILE_BYTES:
        findings.append(
            Finding(
                RULE_SIZE,
                Severity.ERROR,
                f"file is {len(data):,} bytes; the limit is {MAX_FILE_BYTES:,}",
                Location(file, 1, 1),
            )
        )
        return loaded
    text = _decode(data, file, findings)
    if text is None:
        return loaded
    estimate = text.count("\n") + text.count(",")
    if estimate > MAX_NODES_ESTIMATE:
        findings.append(
            Finding(
                RULE_SIZE,
                Severity.ERROR,
                f"file has {estimate:,} lines and commas; rayops reads at most "
                f"{MAX_NODES_ESTIMATE:,} per file (split it into several files)",
                Location(file, 1, 1),
            )
        )
        return loaded
    builder = _Builder(file, findings)
    # Written nodes number at most a few per line or comma, so alias expansion is all
    # that can exceed this budget; check_expansion then explains what happened.
    budget = 4 * (estimate + 16) + MAX_EXPANDED_NODES
    loader = _NodeLoader(text)
    index = 0
    try:
        while loader.check_node():
            node = loader.get_node()
            if index >= MAX_DOCUMENTS:
                builder.problem(RULE_SIZE, f"more than {MAX_DOCUMENTS:,} documents in one file", node)
                break
            builder.budget = budget
            _add_document(loaded, builder, node, index)
            index += 1
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        message = " ".join(part for part in (error.context, error.problem) if part) or "invalid YAML"
        line, column = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
        rule = RULE_SYNTAX
        if "maximum nesting depth" in message:  # libyaml's own limit, 1000 levels
            rule, message = RULE_DEPTH, f"nesting deeper than {MAX_DEPTH} levels"
        findings.append(Finding(rule, Severity.ERROR, message, Location(file, line, column)))
    except (yaml.YAMLError, RecursionError, ValueError) as error:
        findings.append(
            Finding(RULE_SYNTAX, Severity.ERROR, str(error) or "invalid YAML", Location(file, 1, 1))
        )
    finally:
        loader.dispose()
    return loaded


def _add_document(loaded: LoadedFile, builder: _Builder, node: Node | None, index: int) -> None:
    if node is None:
        return
    try:
        value = builder.build(node)
    except (_TooDeepError, _ExpansionError, RecursionError) as error:
        # Aliases cause most of these (recursion, alias bombs): check_expansion says so
        # precisely; otherwise the document is simply too deep or too large.
        if builder.check_expansion(node):
            if isinstance(error, _ExpansionError):
                builder.problem(RULE_ALIAS, "aliases expand this document far beyond its written size", node)
            else:
                where = error.node if isinstance(error, _TooDeepError) else node
                builder.problem(RULE_DEPTH, f"nesting deeper than {MAX_DEPTH} levels", where)
        return
    if value is None:
        return
    loaded.documents.append(Document(loaded.path, index, value, node))


def copy_json(value: Any) -> Any:
    """A deep copy of JSON-like data (what this loader builds): faster than copy.deepcopy.

    marshal's format 2 writes no back-references, so sub-objects that appear twice are
    copied apart (a YAML writer would otherwise emit anchors for them); anything marshal
    cannot write is copied by hand.
    """
    try:
        return marshal.loads(marshal.dumps(value, 2))
    except ValueError:
        return _copy_by_hand(value)


def _copy_by_hand(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _copy_by_hand(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_copy_by_hand(item) for item in value]
    return value


def expand_lists(documents: Iterable[Document]) -> Iterator[Document]:
    """Yield each document, replacing a ``kind: List`` by its items."""
    for document in documents:
        value = document.value
        if (
            isinstance(value, dict)
            and value.get("kind") == "List"
            and isinstance(value.get("items"), list)
            and str(value.get("apiVersion", "v1")) == "v1"
        ):
            found = _child(document.node, "items") if document.node is not None else None
            items_node = found[1] if found is not None else None
            for position, item in enumerate(value["items"]):
                item_node: Node | None = None
                if isinstance(items_node, SequenceNode) and position < len(items_node.value):
                    item_node = items_node.value[position]
                yield Document(document.file, document.index, item, item_node)
        else:
            yield document


def read_file(path: str) -> LoadedFile:
    """Read and parse one file (``-`` is standard input); read errors become findings."""
    if path == "-":
        data = sys.stdin.buffer.read(MAX_FILE_BYTES + 1)
        return load_bytes(data, "<stdin>")
    try:
        with open(path, "rb") as handle:
            data = handle.read(MAX_FILE_BYTES + 1)
    except OSError as error:
        loaded = LoadedFile(path)
        reason = error.strerror or str(error)
        loaded.findings.append(
            Finding(RULE_READ, Severity.ERROR, f"cannot read file: {reason}", Location(path, 1, 1))
        )
        return loaded
    return load_bytes(data, path)


def collect_files(paths: Iterable[str]) -> list[str]:
    """Expand folders (recursively, ``*.yaml``/``*.yml``, hidden folders skipped) in order.

    A path that does not exist is a usage error.
    """
    files: list[str] = []
    seen: set[str] = set()
    for path in paths:
        if path == "-":
            files.append(path)
            continue
        if os.path.isdir(path):
            found: list[str] = []
            for root, dirs, names in os.walk(path):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                found.extend(os.path.join(root, n) for n in names if n.endswith(YAML_EXTENSIONS))
            candidates = sorted(found)
        elif os.path.exists(path) or os.path.islink(path):
            candidates = [path]
        else:
            raise UsageError(f"no such file or folder: {path}")
        for candidate in candidates:
            if candidate not in seen:
                seen.add(candidate)
                files.append(candidate)
    return files
