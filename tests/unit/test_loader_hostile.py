"""Hostile and tricky input for :func:`rayops.loader.load_bytes`.

Every case must come back quickly, never raise, and report exactly the expected rule
at the expected 1-based line and column. Scalar cases pin the go-yaml v2 meaning that
``sigs.k8s.io/yaml`` (kubectl, the API server) gives to plain scalars and keys.
"""

from __future__ import annotations

import math
import time
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rayops import loader
from rayops.loader import LoadedFile, load_bytes

FILE = "hostile.yaml"
TIME_LIMIT = 1.0  # seconds; a generous sanity bound, not a benchmark

ANY = object()
"""Sentinel: do not check the loaded documents."""

BILLION_LAUGHS = (
    b'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
    b"b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\n"
    b"c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n"
    b"d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\n"
    b"e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\n"
    b"f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]\n"
    b"g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]\n"
    b"h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]\n"
    b"i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]\n"
)


def _mapping_bomb() -> bytes:
    keys = "abcdefghij"
    lines = ["a: &a {" + ", ".join(f"{k}: {n}" for n, k in enumerate(keys)) + "}"]
    for previous, name in zip("abcde", "bcdef", strict=True):
        lines.append(f"{name}: &{name} {{" + ", ".join(f"{k}: *{previous}" for k in keys) + "}")
    return ("\n".join(lines) + "\n").encode()


def _block_mapping(depth: int) -> bytes:
    return "".join("  " * level + "a:\n" for level in range(depth)).encode() + b"  " * depth + b"x\n"


def _block_sequence(depth: int) -> bytes:
    return "".join("  " * level + "-\n" for level in range(depth)).encode() + b"  " * depth + b"x\n"


def _many_anchors(count: int) -> bytes:
    anchors = "".join(f"k{i}: &a{i} v{i}\n" for i in range(count))
    aliases = "".join(f"r{i}: *a{i}\n" for i in range(count))
    return (anchors + aliases).encode()


LONG_FLOW_MAPPING = b"{" + b"".join(b"k%d: %d, " % (i, i) for i in range(20_000)) + b"k0: 0}\n"
DEEP_FLOW = b"[" * 10_000 + b"]" * 10_000


def case(
    case_id: str,
    data: bytes,
    rules: tuple[str, ...] = (),
    position: tuple[int | None, int | None] | None = None,
    documents: Any = ANY,
    marks: Any = (),
) -> Any:
    """One table row: expected rule IDs (in order), first finding's position, documents."""
    return pytest.param(data, rules, position, documents, id=case_id, marks=marks)


def value(text: str, expected: Any, case_id: str, marks: Any = ()) -> Any:
    """A clean one-key document ``v: <text>`` whose value must be exactly ``expected``."""
    return case(case_id, f"v: {text}\n".encode(), (), None, [{"v": expected}], marks)


CASES = [
    # Aliases: bombs and recursion (Y104).
    case("billion-laughs", BILLION_LAUGHS, ("Y104",), (1, 1), []),
    case("billion-laughs-mappings", _mapping_bomb(), ("Y104",), (1, 1), []),
    case("recursive-alias-sequence", b"&a [*a]\n", ("Y104",), (1, 1), []),
    case("recursive-alias-mapping", b"x: &a\n  y: *a\n", ("Y104",), (1, 4), []),
    case("recursive-alias-merge", b"a: &a\n  <<: *a\n", ("Y104",), (1, 4), []),
    # The recursive key is never built: a mapping used as a key is the finding.
    case("recursive-alias-key", b"&a {*a : 1}\n", ("Y108",), (1, 1), [{}]),
    case(
        "many-anchors-no-false-alarm",
        _many_anchors(2000),
        (),
        None,
        [{**{f"k{i}": f"v{i}" for i in range(2000)}, **{f"r{i}": f"v{i}" for i in range(2000)}}],
    ),
    case(
        "shared-list-aliased-1000-times",
        b"base: &b [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]\n" + b"".join(b"r%d: *b\n" % i for i in range(1000)),
        (),
        None,
        [{"base": list(range(1, 11)), **{f"r{i}": list(range(1, 11)) for i in range(1000)}}],
    ),
    case(
        "merge-ok",
        b"base: &b {x: 1, z: 2}\nd:\n  <<: *b\n  z: 3\n",
        (),
        None,
        [{"base": {"x": 1, "z": 2}, "d": {"z": 3, "x": 1}}],
    ),
    # Syntax (Y101).
    case("tab-indentation", b"a:\n\tb: 1\n", ("Y101",), (2, 1), []),
    case("tab-indentation-after-spaces", b"a:\n  b: 1\n\tc: 2\n", ("Y101",), (3, 1), []),
    case("unclosed-double-quote", b'a: "abc\nb: 1\n', ("Y101",), (3, 1), []),
    case("unclosed-single-quote", b"a: 'abc\n", ("Y101",), (2, 1), []),
    case("unclosed-flow-mapping", b"a: {b: 1, c: 2\n", ("Y101",), (2, 1), []),
    case("unclosed-flow-sequence", b"a: [1, 2\n", ("Y101",), (2, 1), []),
    case("undefined-alias", b"a: *nope\n", ("Y101",), (1, 4), []),
    case("bad-dedent", b"a:\n  b: 1\n c: 2\n", ("Y101",), (3, 2), []),
    case("sequence-then-mapping", b"- a\nb: 1\n", ("Y101",), (2, 1), []),
    case("yaml-2-directive", b"%YAML 2.0\n---\na: 1\n", ("Y101",), (1, 1), []),
    case("implicit-key-over-1024-chars", b"k" * 2000 + b": 1\n", ("Y101",), (1, 2001), []),
    case("good-document-then-syntax-error", b"a: 1\n---\nb: [\n---\nc: 1\n", ("Y101",), (4, 1), [{"a": 1}]),
    case("long-line-then-error", b"a: " + b"x" * 100_000 + b"\nb: [\n", ("Y101",), (3, 1), []),
    # Duplicate keys (Y102).
    case("duplicate-key", b"a: 1\nb: 2\na: 3\n", ("Y102",), (3, 1), [{"a": 3, "b": 2}]),
    case(
        "duplicate-key-nested", b"a:\n  x: 1\n  z: 2\n  x: 3\n", ("Y102",), (4, 3), [{"a": {"x": 3, "z": 2}}]
    ),
    case("duplicate-key-flow", b"{a: 1, a: 2}\n", ("Y102",), (1, 8), [{"a": 2}]),
    case("duplicate-key-quoting-differs", b"\"a\": 1\n'a': 2\n", ("Y102",), (2, 1), [{"a": 2}]),
    case("duplicate-key-yes-and-true", b"yes: 1\ntrue: 2\n", ("Y102",), (2, 1), [{"true": 2}]),
    case("duplicate-key-int-and-string", b'1: a\n"1": b\n', ("Y102",), (2, 1), [{"1": "b"}]),
    case(
        "duplicate-key-second-document", b"a: 1\n---\nb: 1\nb: 2\n", ("Y102",), (4, 1), [{"a": 1}, {"b": 2}]
    ),
    case(
        "duplicate-key-far-along-a-long-line",
        LONG_FLOW_MAPPING,
        ("Y102",),
        (1, LONG_FLOW_MAPPING.rfind(b"k0:") + 1),
        ANY,
    ),
    # Tags (Y103).
    case("python-object-apply", b'x: !!python/object/apply:os.system ["echo hi"]\n', ("Y103",), (1, 4), ANY),
    case("python-name", b"x: !!python/name:os.system\n", ("Y103",), (1, 4), ANY),
    case("python-object-document", b"a: 1\n--- !!python/object:os.system\nb: 2\n", ("Y103",), (2, 5), ANY),
    case("custom-ref-tag", b"a: 1\nb: !Ref foo\n", ("Y103",), (2, 4), [{"a": 1, "b": "foo"}]),
    case("custom-tag-on-mapping", b"a: !foo {x: 1}\n", ("Y103",), (1, 4), ANY),
    case("set-tag", b"a: !!set {x}\n", ("Y103",), (1, 4), ANY),
    case("tag-directive", b"%TAG !e! tag:example.com,2000:\n---\na: !e!foo 1\n", ("Y103",), (3, 4), ANY),
    case("int-tag-on-text", b"a: !!int abc\n", ("Y103",), (1, 4), [{"a": "abc"}]),
    case("merge-key-with-scalar", b"a:\n  <<: 5\n  b: 1\n", ("Y103",), (2, 7), [{"a": {"b": 1}}]),
    case("merge-list-with-scalar", b"a: &a {x: 1}\nc:\n  <<: [*a, 3]\n", ("Y103",), (3, 12), ANY),
    # Nesting (Y105).
    case("flow-nesting-200", b"[" * 200 + b"]" * 200, ("Y105",), (1, 130), []),
    case("flow-mapping-nesting-200", b"{a: " * 200 + b"1" + b"}" * 200, ("Y105",), (1, 517), []),
    case("flow-nesting-128-is-fine", b"[" * 128 + b"]" * 128, (), None, ANY),
    case("block-mapping-nesting-200", _block_mapping(200), ("Y105",), (130, 259), []),
    case("block-sequence-nesting-200", _block_sequence(200), ("Y105",), (130, 259), []),
    case("compact-sequence-nesting-200", b"- " * 200 + b"x\n", ("Y105",), (1, 259), []),
    case("flow-nesting-10000", DEEP_FLOW, ("Y105",), (1, None), []),
    case("block-nesting-2000", _block_mapping(2000), ("Y105",), None, []),
    # Size (Y106).
    case("over-max-file-bytes", b"a" * (loader.MAX_FILE_BYTES + 1), ("Y106",), (1, 1), []),
    case("exactly-max-file-bytes", b"#" * (loader.MAX_FILE_BYTES - 1) + b"\n", (), None, []),
    # Encoding (Y107).
    case("invalid-utf8-mid-line-3", b"a: 1\nb: 2\nc: x\xffy\n", ("Y107",), (3, 5), []),
    case("invalid-utf8-after-emoji", "x: \U0001f600".encode() + b"\xff\n", ("Y107",), (1, 5), []),
    case("utf8-encoded-surrogate", b"a: \xed\xa0\x80\n", ("Y107",), (1, 4), []),
    case("overlong-utf8", b"a: \xc0\xaf\n", ("Y107",), (1, 4), []),
    case("nul-byte", b"a: 1\nb: \x00\n", ("Y107",), (2, 4), []),
    case("binary-garbage", bytes(range(256)) * 4, ("Y107",), (1, 1), []),
    case("bom-then-nul", b"\xef\xbb\xbfa: \x00\n", ("Y107",), (1, 4), []),
    case("utf16-le-bom", b"\xff\xfe" + "a: 1\n".encode("utf-16-le"), ("Y107",), (1, 1), []),
    case("utf16-be-bom", b"\xfe\xff" + "a: 1\n".encode("utf-16-be"), ("Y107",), (1, 1), []),
    case("utf32-le-bom", b"\xff\xfe\x00\x00" + "a: 1\n".encode("utf-32-le"), ("Y107",), (1, 1), []),
    case("control-char-bel", b"a: 1\nb: x\x07\n", ("Y107",), (2, 5), []),
    case("control-char-escape", b"a: \x1b[31m\n", ("Y107",), (1, 4), []),
    case("control-char-del", b"a: x\x7f\n", ("Y107",), (1, 5), []),
    case("control-char-in-comment", b"# \x01\na: 1\n", ("Y107",), (1, 3), []),
    case("control-char-crlf", b"a: 1\r\nb: x\x07\r\n", ("Y107",), (2, 5), []),
    case("c1-control-char", "a: 1\nb: x\u0080\n".encode(), ("Y107",), (2, 5), []),
    case("control-char-cr-only-lines", b"a: 1\rb: 2\rc: \x01\r", ("Y107",), (3, 4), []),
    # Keys JSON cannot hold (Y108).
    case("null-key-tilde", b"~: x\n", ("Y108",), (1, 1), [{}]),
    case("null-key-word", b"a: 1\nnull: x\n", ("Y108",), (2, 1), [{"a": 1}]),
    case("complex-key-sequence", b"? [a]\n: x\n", ("Y108",), (1, 3), [{}]),
    case("complex-key-mapping", b"? {a: 1}\n: x\n", ("Y108",), (1, 3), [{}]),
    case("flow-sequence-as-implicit-key", b"[a, b]: x\n", ("Y108",), (1, 1), [{}]),
    # Infinity and NaN (Y109).
    case("inf", b"a: .inf\n", ("Y109",), (1, 4), [{"a": math.inf}]),
    case("negative-inf", b"a: 1\nb: -.Inf\n", ("Y109",), (2, 4), [{"a": 1, "b": -math.inf}]),
    case("nan", b"a: .nan\n", ("Y109",), (1, 4), ANY),
    # sigs.k8s.io/yaml turns infinite and NaN keys into the strings ".inf", "-.inf", ".nan".
    case("inf-key", b".inf: x\n", (), None, [{".inf": "x"}]),
    case("negative-inf-key", b"-.Inf: x\n", (), None, [{"-.inf": "x"}]),
    case("nan-key", b".NaN: x\n", (), None, [{".nan": "x"}]),
    # Clean but tricky documents.
    case("document-is-a-scalar", b"hello\n", (), None, ["hello"]),
    case("documents-are-scalars", b"--- hello\n--- 42\n", (), None, ["hello", 42]),
    case("empty-file", b"", (), None, []),
    case("only-comments", b"# one\n# two\n", (), None, []),
    case("only-separators", b"---\n---\n---\n", (), None, []),
    case("bom-prefixed", b"\xef\xbb\xbfa: 1\n", (), None, [{"a": 1}]),
    case("bom-prefixed-positions", b"\xef\xbb\xbf{a: 1, a: 2}\n", ("Y102",), (1, 8), [{"a": 2}]),
    case("crlf", b"a: 1\r\nb:\r\n  c: 2\r\n", (), None, [{"a": 1, "b": {"c": 2}}]),
    case("crlf-positions", b"a:\r\n  x: 1\r\n  x: 2\r\nb: [\r\n", ("Y101",), (5, 1), []),
    case("crlf-duplicate", b"a: 1\r\nb: 2\r\na: 3\r\n", ("Y102",), (3, 1), [{"a": 3, "b": 2}]),
    case("very-long-single-line", b"a: " + b"x" * 1_000_000 + b"\n", (), None, [{"a": "x" * 1_000_000}]),
    case("tab-inside-value", b"a: b\tc\n", (), None, [{"a": "b\tc"}]),
    # Scalars as sigs.k8s.io/yaml (go-yaml v2) reads them.
    value("y", True, "bool-y"),
    value("yes", True, "bool-yes"),
    value("on", True, "bool-on"),
    value("Off", False, "bool-Off"),
    value("n", False, "bool-n"),
    value('"yes"', "yes", "quoted-yes-is-string"),
    value("1e3", 1000.0, "float-1e3"),
    value("010", 8, "octal-010"),
    value("0o17", 15, "octal-0o17"),
    value("0x1F", 31, "hex-0x1F"),
    value("08", 8.0, "float-08-like-go"),
    value("1_000", 1000, "underscores-1_000"),
    value(".5", 0.5, "float-leading-dot"),
    value("99999999999999999999", 1e20, "beyond-uint64-is-float"),
    value("2024-01-01", "2024-01-01", "timestamp-stays-string"),
    value('"quoted 123"', "quoted 123", "quoted-stays-string"),
    value("'123'", "123", "single-quoted-number-stays-string"),
    value("!!str 123", "123", "str-tag"),
    value("~", None, "null-tilde"),
    case("binary-invalid-base64", b"v: !!binary '=='\n", ("Y103",), (1, 4), ANY),
    value("!!binary aGVsbG8=", "hello", "binary-decoded-like-go"),
    value("1e400", "1e400", "float-overflow-stays-string-like-go"),
    case("dense-file-over-node-estimate", b"[" + b"1," * 300_000 + b"1]\n", ("Y106",), (1, 1), []),
    case("key-yes-is-true", b"yes: x\n", (), None, [{"true": "x"}]),
    case("key-1-is-string", b"1: x\n", (), None, [{"1": "x"}]),
    case("key-hex-is-decimal-string", b"0x1F: x\n", (), None, [{"31": "x"}]),
    case("key-timestamp", b"2024-01-01: x\n", (), None, [{"2024-01-01": "x"}]),
    case("key-float-1.0", b"1.0: x\n", (), None, [{"1": "x"}]),
    case("key-float-1e3", b"1e3: x\n", (), None, [{"1000": "x"}]),
]


def _load_timed(data: bytes) -> LoadedFile:
    started = time.perf_counter()
    loaded = load_bytes(data, FILE)
    elapsed = time.perf_counter() - started
    assert elapsed < TIME_LIMIT, f"load_bytes took {elapsed:.2f}s"
    return loaded


def _describe(loaded: LoadedFile) -> list[tuple[str, int, int, str]]:
    return [(f.rule, f.location.line, f.location.column, f.message) for f in loaded.findings]


@pytest.mark.parametrize(("data", "rules", "position", "documents"), CASES)
def test_hostile_input(
    data: bytes,
    rules: tuple[str, ...],
    position: tuple[int | None, int | None] | None,
    documents: Any,
) -> None:
    loaded = _load_timed(data)
    found = _describe(loaded)
    assert tuple(rule for rule, *_ in found) == rules, found
    for finding in loaded.findings:
        assert finding.location.file == FILE
        assert finding.location.line >= 1
        assert finding.location.column >= 1
        assert finding.message
        assert finding.rule in loader.LOADER_RULES
    if position is not None:
        first = loaded.findings[0].location
        line, column = position
        if line is not None:
            assert first.line == line, found
        if column is not None:
            assert first.column == column, found
    if documents is not ANY:
        values = [document.value for document in loaded.documents]
        # repr() makes the comparison type-exact: 1000 != 1000.0, True != 1.
        assert repr(values) == repr(documents)


def test_case_table_is_large_enough() -> None:
    assert len(CASES) >= 40
    ids = [param.id for param in CASES]
    assert len(ids) == len(set(ids))


def test_nan_value_is_nan() -> None:
    loaded = _load_timed(b"a: .NaN\n")
    number = loaded.documents[0].value["a"]
    assert isinstance(number, float)
    assert math.isnan(number)


def test_document_count_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(loader, "MAX_DOCUMENTS", 3)
    data = b"".join(b"---\ni: %d\n" % index for index in range(6))
    loaded = _load_timed(data)
    assert [f.rule for f in loaded.findings] == ["Y106"]
    location = loaded.findings[0].location
    assert (location.line, location.column) == (8, 1)  # the fourth document
    assert [document.value for document in loaded.documents] == [{"i": 0}, {"i": 1}, {"i": 2}]


def test_document_count_at_limit_is_fine(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(loader, "MAX_DOCUMENTS", 3)
    loaded = _load_timed(b"a: 1\n---\nb: 2\n---\nc: 3\n")
    assert loaded.findings == []
    assert len(loaded.documents) == 3


def test_file_size_limit_uses_module_constant(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(loader, "MAX_FILE_BYTES", 10)
    assert [f.rule for f in _load_timed(b"a: 12345\n").findings] == []
    assert [f.rule for f in _load_timed(b"a: 1234567\n").findings] == ["Y106"]


def test_duplicate_key_message_names_first_position() -> None:
    loaded = _load_timed(b"a:\n  x: 1\n  z: 2\n  x: 3\n")
    assert loaded.findings[0].message == 'duplicate key "x" (first at line 2, column 3)'


def test_document_positions_survive_crlf_and_bom() -> None:
    loaded = _load_timed(b"\xef\xbb\xbfa: 1\r\n---\r\nb:\r\n  c: 2\r\n")
    second = loaded.documents[1]
    assert second.line == 3
    location = second.locate(("b", "c"))
    assert (location.line, location.column) == (4, 6)


def _check_findings(loaded: LoadedFile) -> None:
    for finding in loaded.findings:
        assert finding.location.line >= 1, finding
        assert finding.location.column >= 1, finding
        assert finding.rule in loader.LOADER_RULES, finding


@settings(max_examples=300, deadline=None, derandomize=True, database=None)
@given(st.binary(max_size=2000))
def test_arbitrary_bytes_never_raise(data: bytes) -> None:
    _check_findings(load_bytes(data, FILE))


YAMLISH = "{}[]:,-&*!|>'\"#\n \t?abc01~%@`"


@settings(max_examples=300, deadline=None, derandomize=True, database=None)
@given(st.text(alphabet=YAMLISH, max_size=300))
def test_yamlish_text_never_raises(text: str) -> None:
    _check_findings(load_bytes(text.encode("utf-8"), FILE))
