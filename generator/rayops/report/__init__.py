"""Output formats of a validate report: text, json, junit, sarif and github.

Every formatter takes the report and a stream; none reads global state. The JSON
format is stable and documented in the README.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import IO, Any

from rayops.findings import Finding, Severity, format_path
from rayops.loader import LOADER_RULES
from rayops.validate.cel import CEL_RULES
from rayops.validate.engine import RESOURCE_RULES, Report
from rayops.validate.structural import SCHEMA_RULES

JSON_FORMAT_VERSION = 1

RULE_DESCRIPTIONS: dict[str, str] = {
    **LOADER_RULES,
    **SCHEMA_RULES,
    **RESOURCE_RULES,
    **CEL_RULES,
}

_COLOURS = {Severity.ERROR: "\033[31m", Severity.WARNING: "\033[33m", Severity.INFO: "\033[36m"}
_RESET = "\033[0m"


def _resource(finding: Finding) -> str:
    if finding.kind and finding.name:
        return f" ({finding.kind}/{finding.name})"
    return f" ({finding.kind})" if finding.kind else ""


def format_text_line(finding: Finding, *, colour: bool = False) -> str:
    """``path:line:col: severity [RULE] message (Kind/name)``."""
    loc = finding.location
    label = finding.severity.label
    if colour:
        label = f"{_COLOURS[finding.severity]}{label}{_RESET}"
    return (
        f"{loc.file}:{loc.line}:{loc.column}: {label} [{finding.rule}] {finding.message}{_resource(finding)}"
    )


def summary_line(report: Report) -> str:
    """One line of counts, like kubeconform's ``-summary``."""
    return (
        f"{report.resources} resources in {report.files} files validated against KubeRay "
        f"{report.kuberay_version} and Kubernetes {report.kubernetes_version}: "
        f"{report.count(Severity.ERROR)} errors, {report.count(Severity.WARNING)} warnings, "
        f"{report.skipped} skipped"
    )


def write_text(report: Report, stream: IO[str], *, colour: bool = False) -> None:
    """Human-readable lines, one per finding."""
    for finding in report.findings:
        stream.write(format_text_line(finding, colour=colour) + "\n")


def summary(report: Report) -> dict[str, Any]:
    """The ``summary`` object of the JSON format."""
    return {
        "files": report.files,
        "documents": report.documents,
        "resources": report.resources,
        "skipped": report.skipped,
        "errors": report.count(Severity.ERROR),
        "warnings": report.count(Severity.WARNING),
        "kuberayVersion": report.kuberay_version,
        "kubernetesVersion": report.kubernetes_version,
    }


def finding_json(finding: Finding) -> dict[str, Any]:
    """One finding as the JSON format's object."""
    return {
        "file": finding.location.file,
        "line": finding.location.line,
        "column": finding.location.column,
        "severity": finding.severity.label,
        "rule": finding.rule,
        "message": finding.message,
        "path": format_path(finding.path),
        "kind": finding.kind,
        "name": finding.name,
    }


def write_json(report: Report, stream: IO[str]) -> None:
    """``{"version": 1, "findings": [...], "summary": {...}}``."""
    document = {
        "version": JSON_FORMAT_VERSION,
        "findings": [finding_json(f) for f in report.findings],
        "summary": summary(report),
    }
    json.dump(document, stream, indent=2, ensure_ascii=False)
    stream.write("\n")


def write_junit(report: Report, stream: IO[str]) -> None:
    """JUnit XML: one test case per file, failing with that file's findings."""
    from xml.etree import ElementTree

    by_file: dict[str, list[Finding]] = {}
    for finding in report.findings:
        by_file.setdefault(finding.location.file, []).append(finding)
    suites = ElementTree.Element("testsuites", name="rayops validate")
    failing = [f for f in by_file.values() if any(x.severity == Severity.ERROR for x in f)]
    suite = ElementTree.SubElement(
        suites,
        "testsuite",
        name="rayops validate",
        tests=str(max(report.files, len(by_file))),
        failures=str(len(failing)),
        errors="0",
        skipped=str(report.skipped),
    )
    for file, findings in by_file.items():
        case = ElementTree.SubElement(suite, "testcase", name=file, classname="rayops.validate")
        errors = [f for f in findings if f.severity == Severity.ERROR]
        body = "\n".join(format_text_line(f) for f in findings)
        if errors:
            failure = ElementTree.SubElement(
                case, "failure", message=f"{len(errors)} errors", type=errors[0].rule
            )
            failure.text = body
        else:
            output = ElementTree.SubElement(case, "system-out")
            output.text = body
    ElementTree.indent(suites)
    stream.write('<?xml version="1.0" encoding="UTF-8"?>\n')
    stream.write(ElementTree.tostring(suites, encoding="unicode"))
    stream.write("\n")


def write_sarif(report: Report, stream: IO[str]) -> None:
    """SARIF 2.1.0, for GitHub code scanning and other SARIF viewers."""
    used = sorted({f.rule for f in report.findings})
    descriptions = RULE_DESCRIPTIONS
    if any(rule.startswith("KC") for rule in used):  # the kubeconform engine's (import it only then)
        from rayops.validate.kubeconform import KUBECONFORM_RULES

        descriptions = {**RULE_DESCRIPTIONS, **KUBECONFORM_RULES}
    rules = [{"id": rule, "shortDescription": {"text": descriptions.get(rule, rule)}} for rule in used]
    levels = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}
    results = [
        {
            "ruleId": f.rule,
            "ruleIndex": used.index(f.rule),
            "level": levels[f.severity],
            "message": {"text": f.message + _resource(f)},
            "locations": [
                {
                    "physicalLocation": {
                        "artifactLocation": {"uri": f.location.file},
                        "region": {
                            "startLine": max(1, f.location.line),
                            "startColumn": max(1, f.location.column),
                        },
                    }
                }
            ],
        }
        for f in report.findings
    ]
    document = {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {"name": "rayops", "informationUri": "https://rayops.dev", "rules": rules}
                },
                "results": results,
            }
        ],
    }
    json.dump(document, stream, indent=2, ensure_ascii=False)
    stream.write("\n")


def _github_escape(text: str, *, property_value: bool = False) -> str:
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    if property_value:
        text = text.replace(":", "%3A").replace(",", "%2C")
    return text


def write_github(report: Report, stream: IO[str]) -> None:
    """GitHub Actions workflow commands: one annotation per finding."""
    commands = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}
    for f in report.findings:
        properties = ",".join(
            (
                f"file={_github_escape(f.location.file, property_value=True)}",
                f"line={f.location.line}",
                f"col={f.location.column}",
                f"title={_github_escape('rayops ' + f.rule, property_value=True)}",
            )
        )
        stream.write(f"::{commands[f.severity]} {properties}::{_github_escape(f.message + _resource(f))}\n")


WRITERS: dict[str, Callable[[Report, IO[str]], None]] = {
    "text": write_text,
    "json": write_json,
    "junit": write_junit,
    "sarif": write_sarif,
    "github": write_github,
}
