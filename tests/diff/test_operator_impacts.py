"""Impact labels against what the KubeRay operator does, case by case (in-memory revisions)."""

from __future__ import annotations

from typing import Any

import pytest

from rayops.diff.compare import compare
from rayops.diff.engine import unchanged_clusters
from rayops.diff.impact import muted_cluster_spec
from rayops.diff.model import KeyedItem
from rayops.diff.quantity import NANO
from rayops.rules.releases import Target, parse_release
from tests.diff.revisions import diff, dump, example, impacts, labels


def _single(result: Any) -> list[tuple[str, str]]:
    """(label, path) of the only changed resource's impacts, validation aside."""
    (found,) = impacts(result).values()
    return [(i.label, i.path) for i in found if not i.label.startswith("validation")]


def _service_with_two_groups() -> dict[str, Any]:
    service = example("rayservice")
    groups = service["spec"]["rayClusterConfig"]["workerGroupSpecs"]
    groups.append({**groups[0], "groupName": "other"})
    return service


# D4: order


def test_reordered_keyed_list_is_a_change() -> None:
    """Groups (or env) in another order: a ``reordered`` change on the list, with the keys."""
    old = {"workerGroupSpecs": [{"groupName": "a"}, {"groupName": "b"}]}
    new = {"workerGroupSpecs": [{"groupName": "b"}, {"groupName": "a"}]}
    (change,) = compare(old, new)
    assert (change.where, change.op, change.old, change.new) == (
        "workerGroupSpecs",
        "reordered",
        ["groupName=a", "groupName=b"],
        ["groupName=b", "groupName=a"],
    )
    appended = {"workerGroupSpecs": [{"groupName": "a"}, {"groupName": "b"}, {"groupName": "c"}]}
    assert [c.op for c in compare(old, appended)] == ["added"]


def test_reordered_worker_groups_start_a_new_cluster() -> None:
    """KubeRay hashes the spec in order: reordered groups of a RayService mean a new cluster."""
    base = _service_with_two_groups()
    head = _service_with_two_groups()
    head["spec"]["rayClusterConfig"]["workerGroupSpecs"].reverse()
    result, _, texts = diff({"s.yaml": dump(base)}, {"s.yaml": dump(head)})
    assert _single(result) == [("new-cluster", "spec.rayClusterConfig.workerGroupSpecs")]
    assert "order groupName=serve-workers, groupName=other" in texts["text"]
    assert '"op": "reordered"' in texts["json"]


def test_reordered_env_is_reported() -> None:
    """Env order decides what ``$(VAR)`` sees: reordering env is a change."""
    base = example("rayservice")
    container = base["spec"]["rayClusterConfig"]["headGroupSpec"]["template"]["spec"]["containers"][0]
    container["env"] = [{"name": "A", "value": "1"}, {"name": "B", "value": "$(A)x"}]
    head = example("rayservice")
    head_container = head["spec"]["rayClusterConfig"]["headGroupSpec"]["template"]["spec"]["containers"][0]
    head_container["env"] = list(reversed(container["env"]))
    result, _, _ = diff({"s.yaml": dump(base)}, {"s.yaml": dump(head)})
    path = "spec.rayClusterConfig.headGroupSpec.template.spec.containers[name=ray-head].env"
    assert _single(result) == [("new-cluster", path)]


# D5: typed, defaulted specs


@pytest.mark.parametrize(
    ("edit", "path"),
    [
        (
            lambda c: c["headGroupSpec"]["template"]["spec"]["containers"][0]["resources"]["limits"].update(
                cpu="1000m"
            ),
            "spec.rayClusterConfig.headGroupSpec.template.spec.containers[name=ray-head].resources.limits.cpu",
        ),
        (
            lambda c: c["workerGroupSpecs"][0].update(numOfHosts=1),
            "spec.rayClusterConfig.workerGroupSpecs[groupName=serve-workers].numOfHosts",
        ),
    ],
    ids=["1-is-1000m", "numOfHosts-default"],
)
def test_equal_typed_spec_is_no_new_cluster(edit: Any, path: str) -> None:
    """``cpu: "1"`` → ``1000m``, or writing out a CRD default: KubeRay sees the same spec."""
    base = example("rayservice")
    head = example("rayservice")
    edit(head["spec"]["rayClusterConfig"])
    result, _, _ = diff({"s.yaml": dump(base)}, {"s.yaml": dump(head)})
    assert _single(result) == [("no-effect", path)]


def test_muted_spec_normalises_quantities_not_formats() -> None:
    """1 = 1000m = 1.0 (decimal), but 1Gi and 1073741824 print apart, so they hash apart."""
    target = Target(parse_release("1.7.0"))

    def spec(cpu: Any, memory: Any) -> Any:
        container = {"name": "c", "resources": {"limits": {"cpu": cpu, "memory": memory}}}
        return muted_cluster_spec(
            {"headGroupSpec": {"template": {"spec": {"containers": [container]}}}}, target
        )

    assert spec("1", "1Gi") == spec("1000m", "1024Mi") == spec(1, "1Gi")
    assert spec("1", "1Gi") != spec("1", "1073741824")
    assert spec("1", "1Gi") != spec("2", "1Gi")


# D6: Recreate


def _recreate_cluster() -> dict[str, Any]:
    cluster = example("raycluster")
    cluster["spec"]["upgradeStrategy"] = {"type": "Recreate"}
    return cluster


@pytest.mark.parametrize(
    ("edit", "path"),
    [
        (
            lambda s: s["headGroupSpec"].update(rayStartParams={"num-cpus": "0"}),
            "spec.headGroupSpec.rayStartParams.num-cpus",
        ),
        (lambda s: s.update(rayVersion="2.47.0"), "spec.rayVersion"),
        (
            lambda s: s["autoscalerOptions"].update(idleTimeoutSeconds=120),
            "spec.autoscalerOptions.idleTimeoutSeconds",
        ),
        (
            lambda s: s["workerGroupSpecs"].append({**s["workerGroupSpecs"][0], "groupName": "x"}),
            "spec.workerGroupSpecs[groupName=x]",
        ),
    ],
    ids=["rayStartParams", "rayVersion", "autoscalerOptions", "added-group"],
)
def test_recreate_follows_the_whole_spec_hash(edit: Any, path: str) -> None:
    """With Recreate, any change to the hashed spec (not only the template) recreates every Pod."""
    head = _recreate_cluster()
    edit(head["spec"])
    result, _, _ = diff({"c.yaml": dump(_recreate_cluster())}, {"c.yaml": dump(head)})
    assert _single(result) == [("recreate-all-pods", path)]


def test_recreate_not_for_muted_fields_and_no_advice_to_set_it() -> None:
    """Tolerations are out of the hash: no recreation, and no advice to set what is set."""
    head = _recreate_cluster()
    head["spec"]["headGroupSpec"]["template"]["spec"]["tolerations"] = [{"key": "a", "operator": "Exists"}]
    result, _, _ = diff({"c.yaml": dump(_recreate_cluster())}, {"c.yaml": dump(head)})
    (found,) = impacts(result).values()
    (impact,) = [i for i in found if i.label == "pods-not-updated"]
    assert "set spec.upgradeStrategy" not in impact.message
    assert "tolerations" in impact.message
    replicas = _recreate_cluster()
    replicas["spec"]["workerGroupSpecs"][0]["replicas"] = 7
    result, _, _ = diff({"c.yaml": dump(_recreate_cluster())}, {"c.yaml": dump(replicas)})
    assert _single(result) == []


# D7: RayJob lifecycle fields


def test_rayjob_lifecycle_fields_take_effect() -> None:
    """Deadlines, backoffLimit, shutdown, deletion strategy and TTL are re-read: not ignored."""
    head = example("rayjob")
    head["spec"].update(ttlSecondsAfterFinished=999, activeDeadlineSeconds=600, backoffLimit=2)
    result, _, _ = diff({"j.yaml": dump(example("rayjob"))}, {"j.yaml": dump(head)})
    (found,) = impacts(result).values()
    assert [i.label for i in found if not i.label.startswith("validation")] == ["job-lifecycle-updated"]
    assert "activeDeadlineSeconds" in found[0].message or any(
        "activeDeadlineSeconds" in i.message for i in found
    )
    cluster = example("rayjob")
    cluster["spec"]["rayClusterSpec"]["rayVersion"] = "2.47.0"
    cluster["spec"]["ttlSecondsAfterFinished"] = 5
    result, _, _ = diff({"j.yaml": dump(example("rayjob"))}, {"j.yaml": dump(cluster)})
    assert {"job-spec-ignored", "job-lifecycle-updated"} <= labels(result)
    (found,) = impacts(result).values()
    ignored = next(i for i in found if i.label == "job-spec-ignored")
    assert ignored.path == "spec.rayClusterSpec.rayVersion"


# D8: suspend


def test_suspend_deletes_pods() -> None:
    """Suspending a RayCluster or (1.7) a RayService is a warning; totals count it as 0 Pods."""
    cluster = example("raycluster")
    cluster["spec"]["suspend"] = True
    result, _, _ = diff({"c.yaml": dump(example("raycluster"))}, {"c.yaml": dump(cluster)})
    assert _single(result) == [("cluster-suspended", "spec.suspend")]
    environment = result.environments[0]
    before, after = environment.before.total("max"), environment.after.total("max")
    assert before is not None and before.cpu > 0 and after is not None and after.cpu == 0
    service = example("rayservice")
    service["spec"]["suspend"] = True
    result, _, _ = diff({"s.yaml": dump(example("rayservice"))}, {"s.yaml": dump(service)})
    assert _single(result) == [("cluster-suspended", "spec.suspend")]
    older, _, _ = diff({"s.yaml": dump(example("rayservice"))}, {"s.yaml": dump(service)}, kuberay="1.6.2")
    assert "cluster-suspended" not in labels(older)


def test_suspended_groups_and_clusters_count_zero_also_when_unchanged() -> None:
    """A suspended worker group has no Pods; the fast reader of unchanged files sees suspend too."""
    cluster = example("raycluster")
    cluster["spec"]["workerGroupSpecs"][0]["suspend"] = True
    suspended = example("raycluster")
    suspended["metadata"]["name"] = "all-suspended"
    suspended["spec"]["suspend"] = True
    found = unchanged_clusters([("g.yaml", dump(cluster).encode()), ("c.yaml", dump(suspended).encode())])
    (group_suspended,), (all_suspended,) = found["g.yaml"], found["c.yaml"]
    head_only = group_suspended.total("max")
    assert head_only is not None and head_only == group_suspended.head
    assert all_suspended.total("max") == all_suspended.total("min") and all_suspended.total("max").cpu == 0  # type: ignore[union-attr]
    assert group_suspended.head.cpu == NANO


# D10: appended groups


def test_appended_group_mentions_the_other_edits() -> None:
    """The in-place update copies the whole spec: other edits to existing groups apply with it."""
    base = example("rayservice")
    head = example("rayservice")
    groups = head["spec"]["rayClusterConfig"]["workerGroupSpecs"]
    groups[0]["maxReplicas"] = 9
    groups.append({**groups[0], "groupName": "batch"})
    result, _, _ = diff({"s.yaml": dump(base)}, {"s.yaml": dump(head)})
    (found,) = impacts(result).values()
    (impact,) = [i for i in found if i.label == "cluster-updated-in-place"]
    assert "batch" in impact.message
    assert "spec.rayClusterConfig.workerGroupSpecs[groupName=serve-workers].maxReplicas" in impact.message
    only_added = example("rayservice")
    only_added["spec"]["rayClusterConfig"]["workerGroupSpecs"].append({**groups[0], "groupName": "batch"})
    result, _, _ = diff({"s.yaml": dump(base)}, {"s.yaml": dump(only_added)})
    (found,) = impacts(result).values()
    (impact,) = [i for i in found if i.label == "cluster-updated-in-place"]
    assert "other edits" not in impact.message


def test_keyed_item_paths_are_used_for_groups() -> None:
    """A sanity check of the path form the messages above rely on."""
    (change,) = compare({"g": [{"groupName": "a", "x": 1}]}, {"g": [{"groupName": "a", "x": 2}]})
    assert change.path == ("g", KeyedItem("groupName", "a"), "x")
