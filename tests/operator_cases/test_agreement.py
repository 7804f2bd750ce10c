"""Verdict agreement with the KubeRay operator on cases transcribed from its own tests.

Each file under ``v1.7.0/`` is a manifest equivalent to one table-driven case of
KubeRay's Go unit tests (``validation_test.go``, the webhook tests), with its expected
verdict in a header (``# verdict: valid|invalid``), the release and any feature gates
the Go test sets. rayops's verdict is "invalid" when it reports any error. The cases are
held out: they were transcribed independently of the rules, to measure agreement.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from rayops.findings import Severity
from rayops.loader import load_bytes
from rayops.validate.engine import ValidationOptions, Validator
from rayops.workspace import parse_feature_gates

HERE = Path(__file__).parent
CASES = sorted(HERE.glob("v*/*.yaml"))
HEADER = re.compile(r"^# (\w[\w-]*): (.*)$", re.MULTILINE)

# Webhook-only verdicts: KubeRay's validating webhook is off unless the operator is
# deployed with it, and rayops reports its checks as warnings (KR120), which then count.
WEBHOOK_SOURCE = "pkg/webhooks/"
WEBHOOK_RULES = frozenset({"KR120"})


def _headers(text: str) -> dict[str, str]:
    return {key: value.strip() for key, value in HEADER.findall(text.split("\napiVersion:", 1)[0])}


def rayops_verdict(case: Path) -> tuple[str, str, list[str]]:
    """(expected verdict, rayops verdict, rayops findings) for one case file."""
    text = case.read_text(encoding="utf-8")
    headers = _headers(text)
    gates = parse_feature_gates(headers.get("gates", "").split()[0] if headers.get("gates") else "")
    release = headers["kuberay"]
    options = ValidationOptions(kuberay_version=release, feature_gates=tuple(sorted(gates.items())))
    result = Validator(options).validate_loaded(load_bytes(text.encode(), str(case)))
    webhook = WEBHOOK_SOURCE in headers.get("source", "")
    failing = [
        f"{f.rule} {f.message}"
        for f in result.findings
        if f.rule != "KR000" and (f.severity == Severity.ERROR or (webhook and f.rule in WEBHOOK_RULES))
    ]
    crashed = [f"{f.rule} {f.message}" for f in result.findings if f.rule == "KR000"]
    verdict = "invalid" if failing else "valid"
    return headers["verdict"], verdict, failing + crashed


@pytest.mark.parametrize("case", CASES, ids=[p.stem for p in CASES])
def test_same_verdict_as_the_operator(case: Path) -> None:
    expected, verdict, findings = rayops_verdict(case)
    assert not any(f.startswith("KR000") for f in findings), findings
    assert verdict == expected, findings
