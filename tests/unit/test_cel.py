"""The CRDs' CEL rules, evaluated on KubeRay 1.7.0 objects (with transition rules)."""

from __future__ import annotations

from typing import Any

from rayops.loader import load_bytes
from rayops.schemas import registry
from rayops.validate import cel
from rayops.validate.engine import FileResult, ValidationOptions, Validator

RAYJOB = """\
apiVersion: ray.io/v1
kind: RayJob
metadata:
  name: job
spec:
  entrypoint: python main.py
  managedBy: ray.io/kuberay-operator
  shutdownAfterJobFinishes: true
  deletionStrategy:
    onSuccess: {policy: DeleteCluster}
    onFailure: {policy: DeleteNone}
  rayClusterSpec:
    headGroupSpec:
      rayStartParams: {}
      template:
        spec:
          containers: [{name: ray-head, image: "rayproject/ray:2.46.0"}]
"""


def _schema_findings(text: str, previous: dict[str, Any] | None = None) -> list[tuple[str, int, int, str]]:
    loaded = load_bytes(text.encode(), "job.yaml")
    validator = Validator(ValidationOptions(kuberay_version="1.7.0"))
    result = FileResult("job.yaml")
    validator.validate_document(loaded.documents[0], result, previous)
    schema_findings = [f for f in result.findings if f.rule.startswith("S")]
    return [(f.rule, f.location.line, f.location.column, f.message) for f in schema_findings]


def test_a_valid_object_passes_every_rule() -> None:
    assert _schema_findings(RAYJOB) == []


def test_managed_by_must_be_one_of_two_controllers() -> None:
    [finding] = _schema_findings(RAYJOB.replace("ray.io/kuberay-operator", "someone-else"))
    assert finding[:3] == ("S214", 7, 14)
    assert "must be either 'ray.io/kuberay-operator' or 'kueue.x-k8s.io/multikueue'" in finding[3]


def test_deletion_strategy_needs_both_legacy_policies() -> None:
    text = RAYJOB.replace("    onFailure: {policy: DeleteNone}\n", "")
    [finding] = _schema_findings(text)
    assert finding[:3] == ("S214", 9, 3)
    assert "requires either BOTH onSuccess and onFailure" in finding[3]


def test_transition_rules_run_only_with_a_previous_version() -> None:
    assert _schema_findings(RAYJOB) == []
    old_text = RAYJOB.replace("ray.io/kuberay-operator", "kueue.x-k8s.io/multikueue")
    previous = load_bytes(old_text.encode(), "old")
    [finding] = _schema_findings(RAYJOB, previous.documents[0].value)
    assert finding[:3] == ("S214", 7, 14)
    assert "immutable" in finding[3]


def test_only_schemas_with_rules_are_walked() -> None:
    kuberay = registry.select_set("kuberay", "1.7.0")
    entry = kuberay.entries[("ray.io/v1", "RayJob")]
    assert ("spec", "managedBy") in entry.cel_paths
    tree = cel._site_tree(registry.load_json(entry.path), entry.cel_paths)
    assert tree is not None
    assert set(tree) == {".spec"}
    assert ".deletionStrategy" in tree[".spec"]
