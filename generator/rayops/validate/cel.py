"""The CRDs' CEL rules (``x-kubernetes-validations``), evaluated as the API server does.

Rules run on the pruned and defaulted object, once the structural schema accepted it.
A transition rule (one that reads ``oldSelf``) only runs when the caller passes the
previous version of the object and that version has a value at the same place: the
API server skips transition rules on create, and so does rayops. ``rayops diff``
passes the base revision's object to check immutable fields.

The evaluator is Google's CEL runtime (the ``cel-expr-python`` package, the C++
implementation of the specification the API server's cel-go also implements): it
imports in about 2 ms and evaluates a rule in about 0.1 ms.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

from rayops.findings import Path, PathElement
from rayops.validate.structural import Problem

RULE_CEL = "S214"
CEL_RULES: dict[str, str] = {RULE_CEL: "a CRD validation rule (x-kubernetes-validations, CEL) fails"}

_OLD_SELF = re.compile(r"\boldSelf\b")
_FIELD_PATH = re.compile(r"\.([A-Za-z_][A-Za-z0-9_]*)|\['([^']*)'\]")
_Sites = dict[str, Any]


def _site_tree(schema: dict[str, Any], paths: tuple[tuple[str, ...], ...]) -> _Sites | None:
    """The schema nodes at ``paths`` that carry CEL rules, as a tree of edges.

    Keys: ``"rules"`` for a node's own rules, ``"."`` + property name, ``"[]"`` for list
    items and ``"{}"`` for map values. The compiler lists the paths in ``index.json``,
    so no run walks a whole schema to find its few rules.
    """
    key = id(schema)
    if key in _SITE_CACHE:
        return _SITE_CACHE[key]
    tree: _Sites = {}
    for path in paths:
        node: Any = schema
        branch = tree
        for element in path:
            if element == "[]":
                node, edge = node.get("items"), "[]"
            elif element == "{}":
                node, edge = node.get("additionalProperties"), "{}"
            else:
                node, edge = (node.get("properties") or {}).get(element), "." + element
            if not isinstance(node, dict):
                break
            branch = branch.setdefault(edge, {})
        else:
            rules = node.get("x-kubernetes-validations")
            if rules:
                branch["rules"] = rules
    result = tree or None
    _SITE_CACHE[key] = result
    return result


_SITE_CACHE: dict[int, _Sites | None] = {}


@cache
def _environment() -> Any:
    from cel_expr_python import cel

    return cel.NewEnv(variables={"self": cel.Type.DYN, "oldSelf": cel.Type.DYN})


@cache
def _compiled(rule: str) -> Any:
    return _environment().compile(rule)


def _relative_path(field_path: str) -> tuple[PathElement, ...]:
    """``.spec.replicas`` or ``['a.b']`` as path elements (rule ``fieldPath``)."""
    return tuple(name or quoted for name, quoted in _FIELD_PATH.findall(field_path))


_MISSING: Any = object()
NO_PREVIOUS: Any = _MISSING
"""Pass as ``old_value`` when there is no previous version (a create)."""


def evaluate(
    value: Any, schema: dict[str, Any], paths: tuple[tuple[str, ...], ...], old_value: Any = _MISSING
) -> list[Problem]:
    """Every failing CEL rule in ``value`` (the whole object) under ``schema``.

    ``paths`` are where the schema has rules (``SchemaEntry.cel_paths``).
    """
    if not paths:
        return []
    tree = _site_tree(schema, paths)
    if tree is None:
        return []
    problems: list[Problem] = []
    _walk(value, old_value, tree, [], problems)
    return problems


def _walk(value: Any, old: Any, tree: _Sites, path: list[PathElement], problems: list[Problem]) -> None:
    for rule in tree.get("rules", ()):
        _run_rule(rule, value, old, tuple(path), problems)
    for edge, sub in tree.items():
        if edge == "rules":
            continue
        if edge.startswith(".") and isinstance(value, dict):
            name = edge[1:]
            if name in value:
                child_old = old.get(name, _MISSING) if isinstance(old, dict) else _MISSING
                path.append(name)
                _walk(value[name], child_old, sub, path, problems)
                path.pop()
        elif edge == "[]" and isinstance(value, list):
            for index, item in enumerate(value):
                path.append(index)
                # List items are matched to old ones only for map lists (by key); rayops
                # does not correlate them, so item-level transition rules are skipped.
                _walk(item, _MISSING, sub, path, problems)
                path.pop()
        elif edge == "{}" and isinstance(value, dict):
            for key, item in value.items():
                child_old = old.get(key, _MISSING) if isinstance(old, dict) else _MISSING
                path.append(key)
                _walk(item, child_old, sub, path, problems)
                path.pop()


def _run_rule(rule: dict[str, Any], value: Any, old: Any, path: Path, problems: list[Problem]) -> None:
    text = rule.get("rule")
    if not isinstance(text, str):
        return
    transition = bool(_OLD_SELF.search(text))
    if transition and old is _MISSING:
        return
    data = {"self": value}
    if transition:
        data["oldSelf"] = old
    where = path + _relative_path(str(rule.get("fieldPath") or ""))
    try:
        result = _compiled(text).eval(data=data)
        outcome = None if result.type().name().lower() == "error" else result.plain_value()
    except RuntimeError as error:
        problems.append((where, RULE_CEL, f"rule {text!r} cannot be evaluated: {error}", False))
        return
    if outcome is True:
        return
    message = rule.get("message") or f"failed rule: {text}"
    if outcome is None:
        message = f"{message} (rule {text!r} raised an error)"
    problems.append((where, RULE_CEL, f"Invalid value: {message}", False))
