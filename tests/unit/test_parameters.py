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


def test_a_parameter_holding_a_template_is_not_rendered_again() -> None:
    hostile = "{{ ''.__class__.__mro__ }}{% for i in range(10**9) %}x{% endfor %}"
    assert substitute({"name": "job-{{ suffix }}"}, {"suffix": hostile}) == {"name": "job-" + hostile}
    assert substitute({"name": "{{ suffix }}"}, {"suffix": hostile}) == {"name": hostile}


def test_templates_in_keys_stay_literal() -> None:
    value = {"{{ key }}": "v", "labels": {"team-{{ key }}": "{{ key }}"}}
    assert substitute(value, {"key": "ml"}) == {"{{ key }}": "v", "labels": {"team-{{ key }}": "ml"}}


def test_a_yaml_document_separator_in_a_parameter_stays_inside_the_value() -> None:
    hostile = "a\n---\napiVersion: v1\nkind: Secret"
    assert substitute({"data": {"x": "{{ p }}"}}, {"p": hostile}) == {"data": {"x": hostile}}


@pytest.mark.parametrize(
    "template",
    [
        "{% include '/etc/passwd' %}",
        "{% import 'os' as os %}",
        "{% extends '../../rayops.yaml' %}",
        "{{ self.__init__.__globals__ }}",
        "{{ '{0.__class__.__mro__}'.format(1) }}",
        "{{ ''.join.__self__.__class__ }}",
    ],
)
def test_templates_cannot_read_files_or_reach_python_internals(template: str) -> None:
    with pytest.raises(ParameterError):
        substitute({"value": template}, {})
