"""Data-driven cases: each YAML file under valid/ and invalid/ states what it expects.

A case file's header comments give the KubeRay release (``# kuberay: 1.5.1``) and one
``# expect: RULE LINE:COLUMN`` line per finding; a file with no expectation must have no
error (warnings of rules it does not expect are tolerated).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from rayops.findings import Severity
from rayops.validate.engine import ValidationOptions, validate_paths

HERE = Path(__file__).parent
CASES = sorted(HERE.glob("*/*.yaml"))
EXPECT = re.compile(r"^# expect: (\S+) (\d+):(\d+)\s*$", re.MULTILINE)
KUBERAY = re.compile(r"^# kuberay: (\S+)\s*$", re.MULTILINE)


@pytest.mark.parametrize("case", CASES, ids=[f"{p.parent.name}/{p.name}" for p in CASES])
def test_case(case: Path) -> None:
    text = case.read_text(encoding="utf-8")
    expected = sorted((rule, int(line), int(column)) for rule, line, column in EXPECT.findall(text))
    if case.parent.name == "valid":
        assert not expected, "a valid case cannot expect findings"
    else:
        assert expected, "an invalid case must expect at least one finding"
    version = KUBERAY.search(text)
    options = ValidationOptions(kuberay_version=version.group(1) if version else "1.5.1")
    report = validate_paths([str(case)], options, jobs=1)
    expected_rules = {rule for rule, _, _ in expected}
    found = sorted(
        (f.rule, f.location.line, f.location.column)
        for f in report.findings
        if f.severity == Severity.ERROR or f.rule in expected_rules
    )
    assert found == expected
