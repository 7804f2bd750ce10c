"""Shared helpers of the RayCluster spec rules (KR102-KR149).

The operator's RayClusterSpec validation runs on a RayCluster's own ``spec`` (every
release), on a RayJob's ``spec.rayClusterSpec`` and a RayService's
``spec.rayClusterConfig`` (since 1.4.2, from the RayJob and RayService validation) and
on a RayCronJob's ``spec.jobTemplate.rayClusterSpec`` (since 1.6.2, when the RayCronJob
gate starts its controller). Before 1.4.2 a RayJob or RayService is not refused itself,
but the RayCluster it creates (with a copy of the cluster spec) fails the same checks and
never gets Pods, so the rules check their cluster specs at every release.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from rayops.findings import Path
from rayops.rules import Resource, as_dict, as_list, pod_spec, ray_container, worker_groups

HEAD_CONTAINER: Path = ("headGroupSpec", "template", "spec", "containers", 0)

CLUSTER_KINDS = ("RayCluster", "RayJob", "RayService", "RayCronJob")
"""Kinds that carry a RayClusterSpec."""

AUTOSCALER_V2_ENV = "RAY_enable_autoscaler_v2"
EMBEDDED_SINCE = "1.4.2"


def cluster_specs(resource: Resource) -> tuple[tuple[Path, dict[str, Any]], ...]:
    """Every RayClusterSpec of ``resource`` that the target release's operator validates (cached).

    Before 1.4.2 a RayJob's or RayService's cluster spec counts through the RayCluster it
    creates (a RayJob with a ``clusterSelector`` creates none).
    """
    found = resource.memo.get("cluster_specs")
    if found is None:
        found = resource.memo["cluster_specs"] = tuple(_cluster_specs(resource))
    return found


def _cluster_specs(resource: Resource) -> Iterator[tuple[Path, dict[str, Any]]]:
    """Every RayClusterSpec of ``resource`` that the target release's operator validates.

    Before 1.4.2 a RayJob's or RayService's cluster spec counts through the RayCluster it
    creates (a RayJob with a ``clusterSelector`` creates none).
    """
    if (
        resource.kind == "RayJob"
        and not resource.at_least(EMBEDDED_SINCE)
        and as_dict(resource.spec.get("clusterSelector"))
    ):
        return
    if resource.kind == "RayCronJob" and not (resource.at_least("1.6.2") and resource.gate("RayCronJob")):
        return
    yield from resource.cluster_specs()


def child_cluster_specs(resource: Resource) -> Iterator[tuple[Path, dict[str, Any]]]:
    """Every RayClusterSpec of ``resource`` that becomes a RayCluster, at any release.

    For checks the operator makes on the RayCluster object itself (webhook, RayCluster
    controller): a RayJob's or RayService's cluster spec is copied into the RayCluster it
    creates. A RayJob with a ``clusterSelector`` creates none; a RayCronJob only creates
    RayJobs when the RayCronJob gate is on.
    """
    if resource.kind == "RayJob" and as_dict(resource.spec.get("clusterSelector")):
        return
    if resource.kind == "RayCronJob":
        template = as_dict(resource.spec.get("jobTemplate"))
        if not resource.gate("RayCronJob") or as_dict(template.get("clusterSelector")):
            return
    yield from resource.cluster_specs()


def head_group(spec: dict[str, Any]) -> dict[str, Any]:
    """``headGroupSpec`` of a cluster spec."""
    return as_dict(spec.get("headGroupSpec"))


def autoscaling_enabled(spec: dict[str, Any]) -> bool:
    """``enableInTreeAutoscaling: true`` (the operator's ``IsAutoscalingEnabled``)."""
    return spec.get("enableInTreeAutoscaling") is True


def autoscaler_options(spec: dict[str, Any]) -> dict[str, Any]:
    """``autoscalerOptions`` (empty when absent)."""
    return as_dict(spec.get("autoscalerOptions"))


def autoscaler_version_set(spec: dict[str, Any]) -> bool:
    """Whether ``autoscalerOptions.version`` is set."""
    return autoscaler_options(spec).get("version") is not None


def autoscaler_v2(spec: dict[str, Any]) -> bool:
    """``autoscalerOptions.version: v2`` (the operator's ``IsAutoscalingV2Enabled``)."""
    return autoscaler_options(spec).get("version") == "v2"


def autoscaler_v1(spec: dict[str, Any]) -> bool:
    """``autoscalerOptions.version: v1`` (the operator's ``IsAutoscalingV1Enabled``)."""
    return autoscaler_options(spec).get("version") == "v1"


def head_env(spec: dict[str, Any], name: str) -> tuple[int, dict[str, Any]] | None:
    """(index, entry) of env var ``name`` in the head's Ray container, or None."""
    for index, entry in enumerate(as_list(ray_container(head_group(spec)).get("env"))):
        if isinstance(entry, dict) and entry.get("name") == name:
            return index, entry
    return None


def head_env_path(base: Path, index: int) -> Path:
    """Path of env entry ``index`` of the head's Ray container."""
    return (*base, *HEAD_CONTAINER, "env", index)


def worker_path(base: Path, index: int, *rest: str | int) -> Path:
    """Path of worker group ``index`` (and below) of the cluster spec at ``base``."""
    return (*base, "workerGroupSpecs", index, *rest)


def env_value(entry: dict[str, Any]) -> str:
    """An env entry's literal ``value`` ("" when it has none)."""
    value = entry.get("value")
    return value if isinstance(value, str) else ""


def env_enables_autoscaler_v2(spec: dict[str, Any]) -> bool:
    """Whether the head sets ``RAY_enable_autoscaler_v2`` to ``1`` or ``true``."""
    found = head_env(spec, AUTOSCALER_V2_ENV)
    return found is not None and env_value(found[1]) in ("1", "true")


def group_name(group: dict[str, Any]) -> str:
    """A worker group's ``groupName`` ("" when absent)."""
    name = group.get("groupName")
    return name if isinstance(name, str) else ""


def restart_policy(group: dict[str, Any]) -> str:
    """A group's pod ``restartPolicy`` ("" when unset)."""
    policy = pod_spec(group).get("restartPolicy")
    return policy if isinstance(policy, str) else ""


def int_value(value: Any) -> int | None:
    """``value`` if it is an integer (not a bool), else None."""
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    return value


def ray_groups(base: Path, spec: dict[str, Any]) -> Iterator[tuple[Path, dict[str, Any], str]]:
    """(path, group, name) of the head group (named ``Head`` as in the operator) and of each worker group."""
    head = spec.get("headGroupSpec")
    if isinstance(head, dict):
        yield (*base, "headGroupSpec"), head, "Head"
    for index, group in worker_groups(spec):
        yield worker_path(base, index), group, group_name(group)
