"""Validation in the API server's order, on the bundled KubeRay schemas."""

from __future__ import annotations

from typing import Any

import pytest

from rayops.loader import load_bytes
from rayops.validate.engine import FileResult, ValidationOptions, Validator


def _findings(text: str, version: str = "1.5.1") -> list[tuple[str, int, int]]:
    loaded = load_bytes(text.encode(), "test.yaml")
    validator = Validator(ValidationOptions(kuberay_version=version))
    result: FileResult = validator.validate_loaded(loaded)
    # Schema findings only: the operator rules (KRxxx) have their own tests.
    return [
        (f.rule, f.location.line, f.location.column) for f in result.findings if not f.rule.startswith("KR")
    ]


RAYCLUSTER = """\
apiVersion: ray.io/v1
kind: RayCluster
metadata:
  name: demo
spec:
  rayVersion: "2.46.0"
  headGroupSpec:
    rayStartParams: {}
    template:
      spec:
        containers:
        - name: ray-head
          image: rayproject/ray:2.46.0
  workerGroupSpecs:
  - groupName: small
    replicas: 1
    rayStartParams: {}
    template:
      metadata: null
      spec:
        containers:
        - name: ray-worker
          image: rayproject/ray:2.46.0
"""


def test_worker_group_without_min_and_max_replicas_is_valid() -> None:
    """KubeRay marks defaulted minReplicas/maxReplicas required; the server defaults them first."""
    assert _findings(RAYCLUSTER) == []


def test_null_template_metadata_is_pruned_not_rejected() -> None:
    assert "metadata: null" in RAYCLUSTER
    assert _findings(RAYCLUSTER) == []


def test_defaults_are_applied_to_the_document() -> None:
    loaded = load_bytes(RAYCLUSTER.encode(), "test.yaml")
    Validator(ValidationOptions(kuberay_version="1.5.1")).validate_loaded(loaded)
    group: dict[str, Any] = loaded.documents[0].value["spec"]["workerGroupSpecs"][0]
    assert group["minReplicas"] == 0
    assert group["maxReplicas"] == 2147483647
    assert "metadata" not in group["template"]


def test_root_level_typo_is_caught_at_the_key() -> None:
    text = RAYCLUSTER.replace("\nspec:\n", "\nspecs:\n")
    assert ("S201", 5, 1) in _findings(text)


def test_nested_typo_names_the_close_match() -> None:
    text = RAYCLUSTER.replace("    replicas: 1", "    replica: 1")
    loaded = load_bytes(text.encode(), "test.yaml")
    result = Validator(ValidationOptions(kuberay_version="1.5.1")).validate_loaded(loaded)
    [finding] = [f for f in result.findings if not f.rule.startswith("KR")]
    assert (finding.rule, finding.location.line, finding.location.column) == ("S201", 16, 5)
    assert 'did you mean "replicas"' in finding.message


def test_null_in_a_required_field_is_pruned_then_required() -> None:
    text = RAYCLUSTER.replace("  - groupName: small", "  - groupName: null")
    # The finding points at the null that was pruned.
    assert _findings(text) == [("S202", 15, 16)]


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("    replicas: 1", "    replicas: one", ("S203", 16, 15)),
        ("    replicas: 1", "    replicas: 1.0", None),
        ("    replicas: 1", "    replicas: 1.5", ("S203", 16, 15)),
        ("    replicas: 1", '    replicas: "1"', ("S203", 16, 15)),
        # A negative replica count passes the schema: only the operator rejects it.
        ("    replicas: 1", "    replicas: -1", None),
        (
            '  rayVersion: "2.46.0"\n',
            '  rayVersion: "2.46.0"\n  autoscalerOptions:\n    upscalingMode: Fast\n',
            ("S204", 8, 20),
        ),
        ('  rayVersion: "2.46.0"', "  rayVersion: 2.46", ("S203", 6, 15)),
    ],
)
def test_type_enum_and_bound_errors_point_at_the_value(old: str, new: str, expected: Any) -> None:
    text = RAYCLUSTER.replace(old, new, 1)
    assert text != RAYCLUSTER
    assert _findings(text) == ([expected] if expected else [])


def test_duplicate_container_names_break_the_list_map() -> None:
    text = RAYCLUSTER.replace(
        "        - name: ray-worker\n          image: rayproject/ray:2.46.0\n",
        "        - name: ray-worker\n          image: rayproject/ray:2.46.0\n"
        "        - name: ray-worker\n          image: busybox\n",
    )
    assert ("S208", 24, 11) in _findings(text)


def test_an_unquoted_yes_in_an_annotation_is_a_boolean_and_an_error() -> None:
    text = RAYCLUSTER.replace("  name: demo\n", "  name: demo\n  annotations:\n    enabled: yes\n")
    assert _findings(text) == [("S209", 6, 14)]


def test_metadata_name_must_be_a_dns_subdomain() -> None:
    text = RAYCLUSTER.replace("  name: demo\n", "  name: Demo_Cluster\n")
    assert _findings(text) == [("S209", 4, 9)]


def test_a_kind_from_a_newer_release_says_when_it_arrived() -> None:
    text = "apiVersion: ray.io/v1\nkind: RayCronJob\nmetadata:\n  name: nightly\nspec: {}\n"
    loaded = load_bytes(text.encode(), "cron.yaml")
    result = Validator(ValidationOptions(kuberay_version="1.5.1")).validate_loaded(loaded)
    [finding] = result.findings
    assert finding.rule == "S210"
    assert "added in v1.6.2" in finding.message


def test_deprecated_v1alpha1_is_a_warning_in_1_7() -> None:
    text = RAYCLUSTER.replace("ray.io/v1\n", "ray.io/v1alpha1\n", 1)
    findings = _findings(text, version="1.7.0")
    assert ("S213", 1, 13) in findings


def test_status_values_are_ignored_but_unknown_status_fields_are_not() -> None:
    """The server resets status (a subresource) on create; strict decoding still sees typos."""
    text = RAYCLUSTER + "status:\n  desiredCPU: 0.5\n  lastUpdateTime: '2024-01-01T00:00:00'\n  bogus: 1\n"
    assert _findings(text) == [("S201", 27, 3)]


def test_pattern_dollar_means_end_of_text_as_in_go() -> None:
    """Go's $ does not match before a trailing newline: "4Gi\\n" is not a quantity."""
    text = RAYCLUSTER.replace(
        "          image: rayproject/ray:2.46.0\n  workerGroupSpecs",
        "          image: rayproject/ray:2.46.0\n          resources:\n            limits:\n"
        "              memory: |\n                4Gi\n  workerGroupSpecs",
    )
    assert _findings(text) == [("S205", 16, 23)]


@pytest.mark.parametrize(
    ("value", "valid"),
    [
        ("2024-01-01T10:00:00Z", True),
        ("2024-01-01t10:00:00.5+02:00", True),
        ("2024-01-01 10:00:00Z", False),
        ("2024-13-45T10:00:00Z", False),
        ("2024-01-01T25:00:00Z", False),
    ],
)
def test_date_time_format_is_kube_openapis(value: str, valid: bool) -> None:
    from rayops.validate.structural import _format_problem

    assert (_format_problem("date-time", value, crd=True) is None) == valid


def test_generate_name_prefix_and_owner_references() -> None:
    text = RAYCLUSTER.replace(
        "  name: demo\n",
        "  generateName: demo-\n  finalizers: [orphan, foregroundDeletion]\n"
        "  ownerReferences:\n  - {apiVersion: v1, kind: ConfigMap, name: owner}\n",
    )
    assert _findings(text) == [("S209", 5, 15), ("S209", 7, 5)]


def test_statefulset_service_name_is_optional_as_the_api_server_treats_it() -> None:
    text = (
        "apiVersion: apps/v1\nkind: StatefulSet\nmetadata:\n  name: redis\nspec:\n"
        "  selector: {matchLabels: {app: redis}}\n"
        "  template:\n    metadata: {labels: {app: redis}}\n"
        "    spec:\n      containers: [{name: redis, image: redis:7}]\n"
    )
    loaded = load_bytes(text.encode(), "sts.yaml")
    result = Validator(ValidationOptions(kubernetes_version="1.32")).validate_loaded(loaded)
    assert result.findings == []


def test_a_field_from_a_newer_release_says_when_it_arrived() -> None:
    text = RAYCLUSTER.replace(
        '  rayVersion: "2.46.0"\n', '  rayVersion: "2.46.0"\n  authOptions: {mode: token}\n'
    )
    loaded = load_bytes(text.encode(), "auth.yaml")
    [finding] = Validator(ValidationOptions(kuberay_version="1.4.2")).validate_loaded(loaded).findings
    assert (finding.rule, finding.location.line, finding.location.column) == ("S201", 7, 3)
    assert finding.message == "`spec.authOptions` is not in KubeRay 1.4.2; it was added in 1.5"


def test_v1alpha1_is_deprecated_in_every_release() -> None:
    text = RAYCLUSTER.replace("ray.io/v1\n", "ray.io/v1alpha1\n", 1)
    loaded = load_bytes(text.encode(), "old.yaml")
    findings = Validator(ValidationOptions(kuberay_version="1.3.2")).validate_loaded(loaded).findings
    assert [(f.rule, f.severity.label) for f in findings if f.rule == "S213"] == [("S213", "warning")]
    assert "removed in KubeRay 1.9" in findings[0].message
