"""Shared view for the pod-template rules: each group's containers, computed once per resource."""

from __future__ import annotations

from typing import Any

from rayops.findings import Path
from rayops.rules import Resource, as_dict, as_list, pod_spec, worker_groups

GroupContainers = tuple[Path, list[Any]]
"""The path of a group (head or worker) and the raw list of its containers."""


def group_containers(resource: Resource) -> tuple[GroupContainers, ...]:
    """(group path, containers) for the head group and every worker group of every cluster spec."""
    found = resource.memo.get("group_containers")
    if found is None:
        views: list[GroupContainers] = []
        for spec_path, cluster_spec in resource.cluster_specs():
            head = as_dict(cluster_spec.get("headGroupSpec"))
            views.append(((*spec_path, "headGroupSpec"), as_list(pod_spec(head).get("containers"))))
            for index, group in worker_groups(cluster_spec):
                path = (*spec_path, "workerGroupSpecs", index)
                views.append((path, as_list(pod_spec(group).get("containers"))))
        found = resource.memo["group_containers"] = tuple(views)
    return found


def container_path(group_path: Path, index: int, field: str) -> Path:
    """The path of ``field`` of container ``index`` in the group at ``group_path``."""
    return (*group_path, "template", "spec", "containers", index, field)
