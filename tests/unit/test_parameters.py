"""Parameters: values only, typed single references, strict and sandboxed templates."""

from __future__ import annotations

import time

import pytest

from rayops.parameters import ParameterError, substitute


def test_a_single_reference_keeps_the_parameter_type() -> None:
    assert substitute({"replicas": "{{ workers }}"}, {"workers": 3}) == {"replicas": 3}


def test_text_around_expressions_is_rendered_as_a_string() -> None:
    value = {"image": "rayproject/ray:{{ ray }}-py311", "list": ["a-{{ env }}"]}
    assert substitute(value, {"ray": "2.46.0", "env": "prod"}) == {
        "image": "rayproject/ray:2.46.0-py311",
        "list": ["a-prod"],
    }


def test_a_newline_in_a_parameter_cannot_change_the_structure() -> None:
    hostile = "x\nkind: Secret\nmetadata: {name: stolen}"
    result = substitute({"metadata": {"name": "job-{{ suffix }}"}}, {"suffix": hostile})
    assert result == {"metadata": {"name": "job-" + hostile}}
    assert list(result) == ["metadata"]


def test_an_unknown_parameter_is_an_error_at_its_path() -> None:
    with pytest.raises(ParameterError) as raised:
        substitute({"spec": {"entrypoint": "python {{ script }}"}}, {})
    assert raised.value.path == ("spec", "entrypoint")
    assert "script" in raised.value.message


@pytest.mark.parametrize(
    "template",
    [
        "{{ ''.__class__.__mro__[1].__subclasses__() }}",
        "{{ cycler.__init__.__globals__.os.popen('id').read() }}",
        "{{ 'a' * 100000000 }}",
        "{{ 9 ** 9999999 }}",
        "{% for i in range(100000000) %}x{% endfor %}",
        "{{ lipsum.__globals__ }}",
        "{% set ns = namespace(x=[1]) %}{% for i in range(40) %}{% set ns.x = ns.x + ns.x %}{% endfor %}",
        "{% for i in range(100000) %}{% for j in range(100000) %}x{% endfor %}{% endfor %}",
    ],
)
def test_templates_cannot_escape_the_sandbox_or_blow_up(template: str) -> None:
    start = time.perf_counter()
    with pytest.raises(ParameterError):
        substitute({"value": template}, {})
    assert time.perf_counter() - start < 2.0


def test_values_without_templates_are_left_alone() -> None:
    value = {"a": "plain {braces}", "b": 1, "c": None, "d": [True]}
    assert substitute(value, {"x": 1}) == value
