"""Every rule's documented FAIL and PASS examples, run as tests.

A FAIL example marks each line where the rule must report with ``# <- KRxxx``; the
finding must be on that line, at its value (or at its key when the line has none).
A PASS example must produce no finding of the rule and no error of any kind. An
example's first line may set the target:
``# rayops: kuberay=1.5.1 gates=RayJobDeletionPolicy=true``.
"""

from __future__ import annotations

import re

import pytest

from rayops.findings import Severity
from rayops.loader import load_bytes
from rayops.rules import Rule, all_rules, examples
from rayops.rules.releases import RELEASES, format_release, parse_release
from rayops.validate.engine import ValidationOptions, Validator
from rayops.workspace import parse_feature_gates

MARKER = re.compile(r"#\s*<-\s*(KR\d{3})")
SETTINGS = re.compile(r"^#\s*rayops:(.*)$", re.MULTILINE)

CASES = [
    pytest.param(rule, verdict, text, id=f"{rule.id}-{verdict}-{index}")
    for rule in all_rules()
    for index, (verdict, text) in enumerate(examples(rule))
]


def _target(rule: Rule, text: str) -> tuple[str, dict[str, bool]]:
    release = next(format_release(r) for r in reversed(RELEASES) if rule.applies_to(r))
    gates: dict[str, bool] = {}
    settings = SETTINGS.search(text)
    if settings:
        for item in settings.group(1).split():
            key, _, value = item.partition("=")
            if key == "kuberay":
                release = value
            elif key == "gates":
                gates = parse_feature_gates(value)
    return release, gates


def _expected_column(line: str) -> int:
    content = MARKER.split(line)[0].rstrip()
    content = content.split("  #")[0].rstrip()
    if content.endswith(":"):
        return len(content) - len(content.lstrip()) + 1
    if ": " in content:
        return content.index(": ") + 3
    stripped = content.lstrip()
    if stripped.startswith("- "):
        return len(content) - len(stripped) + 3
    return len(content) - len(stripped) + 1


def test_every_rule_has_both_kinds_of_example() -> None:
    for rule in all_rules():
        verdicts = {verdict for verdict, _ in examples(rule)}
        assert verdicts == {"fail", "pass"}, f"{rule.id} needs a yaml fail and a yaml pass example"


@pytest.mark.parametrize(("rule", "verdict", "text"), CASES)
def test_rule_example(rule: Rule, verdict: str, text: str) -> None:
    release, gates = _target(rule, text)
    options = ValidationOptions(kuberay_version=release, feature_gates=tuple(sorted(gates.items())))
    result = Validator(options).validate_loaded(load_bytes(text.encode(), "example.yaml"))
    found = [(f.rule, f.location.line, f.location.column) for f in result.findings]
    # Other rules' warnings (best practices) may show up; errors and this rule's findings may not.
    relevant = [
        (f.rule, f.location.line, f.location.column)
        for f in result.findings
        if f.rule == rule.id or f.severity == Severity.ERROR
    ]
    if verdict == "pass":
        assert relevant == []
        return
    lines = text.splitlines()
    expected = sorted(
        (marker, number, _expected_column(line))
        for number, line in enumerate(lines, start=1)
        for marker in MARKER.findall(line)
    )
    assert expected, "a fail example must mark its finding lines with # <- KRxxx"
    assert all(rule_id.startswith("KR") for rule_id, _, _ in found), f"schema findings: {found}"
    assert sorted(f for f in found if f[0] == rule.id) == [e for e in expected if e[0] == rule.id]


def test_resources_managed_by_another_controller_are_not_checked() -> None:
    text = (
        "apiVersion: ray.io/v1\nkind: RayCluster\nmetadata:\n  name: 2nd.cluster\nspec:\n"
        "  managedBy: kueue.x-k8s.io/multikueue\n  headGroupSpec:\n    rayStartParams: {}\n"
        "    template:\n      spec:\n        containers: [{name: ray-head, image: rayproject/ray:2.46.0}]\n"
    )
    options = ValidationOptions(kuberay_version="1.7.0")
    result = Validator(options).validate_loaded(load_bytes(text.encode(), "managed.yaml"))
    assert [f.rule for f in result.findings] == []
    unmanaged = text.replace("  managedBy: kueue.x-k8s.io/multikueue\n", "")
    findings = Validator(options).validate_loaded(load_bytes(unmanaged.encode(), "x")).findings
    assert "KR101" in [f.rule for f in findings]


def test_the_catalog_matches_the_rule_modules() -> None:
    """`make rules-catalog` regenerates it when a rule is added or its releases change."""
    from rayops.rules import kuberay

    actual = {rule.id: (sorted(rule.kinds), rule.since, rule.until) for rule in all_rules()}
    catalog = {
        rule_id: (
            sorted(kinds),
            parse_release(since) if since else None,
            parse_release(until) if until else None,
        )
        for rule_id, kinds, since, until in kuberay.CATALOG.values()
    }
    assert catalog == actual
