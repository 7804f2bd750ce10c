"""KubeRay's own samples: every ray.io document is valid for the release it ships with."""

from __future__ import annotations

from pathlib import Path

import pytest
from scripts.samples import gates_from_index

from rayops.findings import Severity
from rayops.loader import expand_lists, read_file
from rayops.validate.engine import FileResult, ValidationOptions, Validator

NOT_BUNDLED_GROUPS = ("scheduling.volcano.sh/", "scheduling.run.ai/", "gateway.networking.k8s.io/")


def _validate_each_file(samples: Path, version: str) -> tuple[int, list[str], int]:
    """Validate every sample file on its own (samples reuse names across files).

    Returns the number of ray.io documents, the errors, and the number of warnings.
    """
    needed = gates_from_index(samples)
    validators: dict[str, Validator] = {}
    ray_documents = warnings = 0
    problems: list[str] = []
    for path in sorted(samples.rglob("*.yaml")):
        gates = needed.get(str(path.relative_to(samples)), {})
        key = ",".join(f"{k}={v}" for k, v in sorted(gates.items()))
        if key not in validators:
            options = ValidationOptions(kuberay_version=version, feature_gates=tuple(sorted(gates.items())))
            validators[key] = Validator(options)
        validator = validators[key]
        loaded = read_file(str(path))
        documents = list(expand_lists(loaded.documents))
        ray_documents += sum(1 for d in documents if str(d.value.get("apiVersion", "")).startswith("ray.io/"))
        result = FileResult(loaded.path, findings=list(loaded.findings))
        for document in documents:
            if str(document.value.get("apiVersion", "")).startswith(NOT_BUNDLED_GROUPS):
                continue
            validator.validate_document(document, result)
        warnings += sum(1 for f in result.findings if f.severity == Severity.WARNING)
        problems.extend(
            f"{f.location.file}:{f.location.line}:{f.location.column} [{f.rule}] {f.message}"
            for f in result.findings
            if f.severity == Severity.ERROR
        )
    return ray_documents, problems, warnings


@pytest.mark.parametrize("version", ["1.5.1", "1.6.2", "1.7.0"])
def test_every_sample_validates_without_findings(shared_samples: Path, version: str) -> None:
    ray_documents, problems, _ = _validate_each_file(shared_samples, version)
    assert ray_documents == 69
    assert problems == []


def test_gated_samples_are_found_in_the_index(shared_samples: Path) -> None:
    needed = gates_from_index(shared_samples)
    assert needed["ray-operator/config/samples/ray-job.deletion-rules.yaml"] == {"RayJobDeletionPolicy": True}


def test_older_releases_reject_fields_the_samples_need(shared_samples: Path) -> None:
    """v1.5.1's auth sample uses spec.authOptions, which KubeRay 1.4.2 does not know."""
    _, problems, _ = _validate_each_file(shared_samples, "1.4.2")
    expected = "`spec.authOptions` is not in KubeRay 1.4.2"
    assert any("ray-cluster.auth.yaml" in p and expected in p for p in problems)
