"""The diff's building blocks: quantities, keyed comparison, renames, totals, hashes."""

from __future__ import annotations

from typing import Any

import pytest

from rayops.diff.compare import compare
from rayops.diff.impact import muted_cluster_spec
from rayops.diff.match import match
from rayops.diff.model import KeyedItem, Resource, ResourceKey
from rayops.diff.quantity import NANO, format_cpu, format_memory, parse_quantity
from rayops.diff.secrets import Hidden, redact, scrub
from rayops.diff.summary import summarize
from rayops.rules.releases import Target, parse_release


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("500m", NANO // 2),
        ("1", NANO),
        (2, 2 * NANO),
        (0.5, NANO // 2),
        ("1Gi", 2**30 * NANO),
        ("1.5Gi", 3 * 2**29 * NANO),
        ("1e3", 1000 * NANO),
        ("1E-2", NANO // 100),
        ("128974848", 128974848 * NANO),
        ("129M", 129 * 10**6 * NANO),
        ("123Mi", 123 * 2**20 * NANO),
        ("100n", 100),
        (".5", NANO // 2),
        ("1.5n", 2),
        ("-1", -NANO),
    ],
)
def test_quantities_parse_exactly(text: Any, expected: int) -> None:
    """Kubernetes quantity grammar, exact in nano-units (finer is rounded up)."""
    assert parse_quantity(text) == expected


@pytest.mark.parametrize("text", ["", ".", "1Gb", "abc", "1.2.3", True, None])
def test_not_quantities(text: Any) -> None:
    """Anything else is not a quantity."""
    assert parse_quantity(text) is None


def test_formatting() -> None:
    """CPU and memory for people."""
    assert format_cpu(17 * NANO // 10) == "1.7"
    assert format_cpu(4 * NANO) == "4"
    assert format_memory(3 * 2**29 * NANO) == "1.5Gi"
    assert format_memory(512 * 2**20 * NANO) == "512Mi"


def _group(name: str, replicas: int, image: str = "ray:2.46.0") -> dict[str, Any]:
    return {
        "groupName": name,
        "replicas": replicas,
        "template": {"spec": {"containers": [{"name": "ray-worker", "image": image}]}},
    }


def test_worker_groups_matched_by_group_name_not_position() -> None:
    """An edit is reported at the group's name; the new order is a change of its own."""
    old = {"workerGroupSpecs": [_group("a", 1), _group("b", 2)]}
    new = {"workerGroupSpecs": [_group("b", 3), _group("a", 1)]}
    changes = compare(old, new)
    assert [(c.path, c.op, c.old, c.new) for c in changes] == [
        (("workerGroupSpecs", KeyedItem("groupName", "b"), "replicas"), "changed", 2, 3),
        (("workerGroupSpecs",), "reordered", ["groupName=a", "groupName=b"], ["groupName=b", "groupName=a"]),
    ]
    assert changes[0].where == "workerGroupSpecs[groupName=b].replicas"


def test_containers_and_env_by_name_scalars_lists_whole() -> None:
    """Containers and env by name; args compared as one value."""
    old = {"containers": [{"name": "c", "env": [{"name": "A", "value": "1"}], "args": ["x"]}]}
    new = {
        "containers": [
            {"name": "c", "env": [{"name": "B", "value": "2"}, {"name": "A", "value": "1"}], "args": ["y"]}
        ]
    }
    found = {(c.where, c.op) for c in compare(old, new)}
    assert found == {("containers[name=c].env[name=B]", "added"), ("containers[name=c].args", "changed")}


def test_type_change_is_a_change() -> None:
    """1 and 1.0 or true and 1 differ for Kubernetes."""
    assert [c.op for c in compare({"a": 1}, {"a": 1.0})] == ["changed"]
    assert [c.op for c in compare({"a": True}, {"a": 1})] == ["changed"]


def _configmap(name: str, data: dict[str, str]) -> Resource:
    value = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": name, "namespace": "ns"},
        "data": data,
    }
    return Resource(ResourceKey("v1", "ConfigMap", "ns", name), value, f"{name}.yaml")


def test_rename_found_by_similarity() -> None:
    """A hash-named ConfigMap whose name changed but content barely did is a rename."""
    data = {f"k{i}": f"v{i}" for i in range(10)}
    old = _configmap("code-1111", data)
    new = _configmap("code-2222", {**data, "k0": "changed"})
    other = _configmap("unrelated", {"x": "y"})
    matching = match({old.key: old}, {new.key: new, other.key: other})
    assert [(a.key.name, b.key.name) for a, b in matching.renames] == [("code-1111", "code-2222")]
    assert [r.key.name for r in matching.added] == ["unrelated"]
    assert matching.deleted == []


def test_summary_totals() -> None:
    """Requests else limits, GPUs by /gpu suffix, numOfHosts, autoscaling bounds."""
    container = {
        "name": "ray-worker",
        "image": "rayproject/ray:2.46.0",
        "resources": {
            "limits": {"cpu": "2", "nvidia.com/gpu": 1, "memory": "8Gi"},
            "requests": {"cpu": "500m"},
        },
    }
    value = {
        "kind": "RayCluster",
        "metadata": {"name": "c", "namespace": "ns"},
        "spec": {
            "rayVersion": "2.46.0",
            "enableInTreeAutoscaling": True,
            "headGroupSpec": {
                "template": {
                    "spec": {
                        "containers": [{"name": "h", "resources": {"requests": {"cpu": 1, "memory": "4Gi"}}}]
                    }
                }
            },
            "workerGroupSpecs": [
                {
                    "groupName": "gpu",
                    "minReplicas": 1,
                    "maxReplicas": 3,
                    "numOfHosts": 2,
                    "template": {"spec": {"containers": [container]}},
                }
            ],
        },
    }
    summary = summarize(value)
    assert summary is not None
    low, high = summary.total("min"), summary.total("max")
    assert low is not None and high is not None
    assert (low.cpu, low.gpu, low.memory) == (2 * NANO, 2 * NANO, 20 * 2**30 * NANO)
    assert (high.cpu, high.gpu, high.memory) == (4 * NANO, 6 * NANO, 52 * 2**30 * NANO)
    del value["spec"]["workerGroupSpecs"][0]["maxReplicas"]
    unbounded = summarize(value)
    assert unbounded is not None and unbounded.total("max") is None


def test_hash_muting_follows_the_release() -> None:
    """Tolerations join the muted fields in KubeRay 1.6, suspend in 1.7."""
    spec = {
        "suspend": False,
        "headGroupSpec": {"template": {"spec": {"tolerations": [{"key": "a"}]}}},
        "workerGroupSpecs": [{"groupName": "g", "replicas": 1, "template": {"spec": {}}}],
    }
    old = muted_cluster_spec(spec, Target(parse_release("1.5.1")))
    assert "tolerations" in old["headGroupSpec"]["template"]["spec"]
    assert "replicas" not in old["workerGroupSpecs"][0]
    newer = muted_cluster_spec(spec, Target(parse_release("1.6.2")))
    assert "tolerations" not in newer["headGroupSpec"]["template"]["spec"] and "suspend" in newer
    newest = muted_cluster_spec(spec, Target(parse_release("1.7.0")))
    assert "suspend" not in newest


def test_secret_values_hidden_but_comparable() -> None:
    """Equal values give equal markers; the marker never shows the value."""
    secret = {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": "s"},
        "data": {"a": "c2VjcmV0LXZhbHVl"},
    }
    collected: set[str] = set()
    first = redact(secret, collected)
    second = redact(secret, set())
    assert first["data"]["a"] == second["data"]["a"]
    assert isinstance(first["data"]["a"], Hidden)
    assert "c2Vj" not in repr(first) and "secret-value" in collected
    assert scrub('{"x": "secret-value"}', collected) == '{"x": "(secret value hidden)"}'


def test_replicas_clamped_as_the_operator_does() -> None:
    """replicas is raised to minReplicas, then lowered to maxReplicas, which wins."""
    from rayops.diff.summary import Resources, WorkerGroup

    group = WorkerGroup(
        "g", replicas=3, min_replicas=12, max_replicas=10, hosts=1, pod=Resources(), images=()
    )
    assert group.count("initial", autoscaling=False) == 10
    assert group.count("min", autoscaling=True) == 10
    hosts = WorkerGroup(
        "tpu", replicas=2, min_replicas=1, max_replicas=4, hosts=4, pod=Resources(), images=()
    )
    assert (hosts.count("min", True), hosts.count("max", True), hosts.count("max", False)) == (4, 16, 8)
