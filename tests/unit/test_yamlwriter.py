"""rayops's block YAML writer: the text libyaml writes, and values every reader agrees on."""

from __future__ import annotations

from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML

from rayops.loader import load_bytes
from rayops.render import _Dumper, _node
from rayops.yamlwriter import dump_block

# Characters that steer YAML's scalar styles, escapes and implicit types.
_PIECES = [
    *" -:#?'\"\n\t|>{}[],&*!%@`.0123456789abceyYnN=<~\\_",
    *("\x85", "é", "\u2028", "😀", "\x00", "\x7f", "\ufeff"),
    *("true", "null", "0x1F", "1e3", "08", "0o17", "---", "...", ": ", " #", "no", "on", "1_000", ".inf"),
]
_TEXT = st.lists(st.sampled_from(_PIECES), max_size=10).map("".join)
_SCALARS = st.one_of(
    _TEXT,
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.floats(allow_nan=False, allow_infinity=False),  # what JSON, and so Kubernetes, can hold
    st.booleans(),
    st.none(),
)
_VALUES = st.recursive(
    _SCALARS,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(_TEXT, inner, max_size=4)),
    max_leaves=25,
)
_DOCUMENTS = st.dictionaries(_TEXT, _VALUES, max_size=5)
_SETTINGS = settings(max_examples=250, deadline=None, suppress_health_check=list(HealthCheck))


def _libyaml(value: dict[str, Any]) -> str:
    return yaml.serialize(_node(value), Dumper=_Dumper, width=-1)


@_SETTINGS
@given(_DOCUMENTS)
def test_the_writer_writes_what_libyaml_writes(value: dict[str, Any]) -> None:
    text = dump_block(value)
    if text is not None:  # None: a value the writer leaves to libyaml
        assert text == _libyaml(value)


def _go_yaml(text: str) -> Any:
    loaded = load_bytes(text.encode("utf-8"), "x.yaml")
    assert not loaded.findings, loaded.findings
    return loaded.documents[0].value


@_SETTINGS
@given(_DOCUMENTS)
def test_yaml_1_1_yaml_1_2_and_go_yaml_read_the_same_values(value: dict[str, Any]) -> None:
    text = dump_block(value)
    if text is None:
        return
    assert yaml.safe_load(text) == value  # YAML 1.1 (PyYAML)
    assert YAML(typ="safe", pure=True).load(text) == value  # YAML 1.2 (ruamel.yaml)
    if all("\x00" not in str(key) for key in value):
        assert _go_yaml(text) == value  # rayops's reader: sigs.k8s.io/yaml's scalar rules


@pytest.mark.parametrize(
    ("text", "written"),
    [
        ("plain", "plain"),
        ("yes", '"yes"'),
        ("08", '"08"'),
        ("1e3", '"1e3"'),
        ("", '""'),
        ("a: b", "'a: b'"),
        ("- item", "'- item'"),
        ("--port=6379", "--port=6379"),
        ("tab\there", '"tab\\there"'),
        ("café", '"caf\\xE9"'),
    ],
)
def test_how_single_line_strings_are_written(text: str, written: str) -> None:
    assert dump_block({"k": text}) == f"k: {written}\n"


def test_multi_line_strings_are_literal_blocks_with_their_final_breaks() -> None:
    assert dump_block({"code": "a\n  b\n"}) == "code: |\n  a\n    b\n"
    assert dump_block({"code": "a\nb"}) == "code: |-\n  a\n  b\n"
    assert dump_block({"code": " indented\n"}) == "code: |2\n   indented\n"
    assert dump_block({"code": "kept\n\n"}) == "code: |+\n  kept\n\n...\n"
    assert dump_block({"code": "trailing \nspace"}) == 'code: "trailing \\nspace"\n'


def test_values_that_are_not_json_like_are_left_to_libyaml() -> None:
    assert dump_block({"k": b"bytes"}) is None
    assert dump_block({1: "integer key"}) is None  # type: ignore[dict-item]
    assert dump_block({"k" * 200: "long key"}) is None
