"""`rayops validate` checks rayops specs (rayops.dev/v1alpha1) against their published schema."""

from __future__ import annotations

from pathlib import Path

from rayops.validate.engine import ValidationOptions, validate_paths

REPO = Path(__file__).resolve().parents[2]


def test_the_bundled_specs_validate() -> None:
    specs = sorted(str(path) for path in (REPO / "overlays" / "base").glob("*.yaml"))
    report = validate_paths(specs, ValidationOptions())
    assert report.resources == 3 and report.findings == []


def test_every_mistake_of_a_spec_is_reported_at_its_line(tmp_path: Path) -> None:
    text = (REPO / "overlays" / "base" / "raycluster-sample.yaml").read_text()
    broken = text.replace("rayVersion:", "rayVerson:").replace('cpu: "2"', "cpu: 2x")
    (tmp_path / "spec.yaml").write_text(broken)
    report = validate_paths([str(tmp_path / "spec.yaml")], ValidationOptions())
    found = [(f.rule, f.location.line, f.message.split(";")[0].split(" ^")[0]) for f in report.findings]
    assert found == [
        ("S215", 7, "missing required field 'rayVersion'"),
        ("S215", 8, "unknown field 'rayVerson'"),
        ("S215", 18, "'2x' does not match"),
    ]


def test_an_unknown_spec_kind_is_named(tmp_path: Path) -> None:
    (tmp_path / "spec.yaml").write_text(
        "apiVersion: rayops.dev/v1alpha1\nkind: RayJobs\nmetadata: {name: x}\n"
    )
    report = validate_paths([str(tmp_path / "spec.yaml")], ValidationOptions())
    assert [(f.rule, f.location.line) for f in report.findings] == [("S210", 2)]
    assert "unknown rayops spec kind 'RayJobs'" in report.findings[0].message
