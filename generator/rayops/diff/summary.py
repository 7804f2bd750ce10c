"""The Ray-level view of an environment: clusters, worker groups, images, resources.

Every Ray cluster an environment defines is summarised: a RayCluster's ``spec``, a
RayService's ``spec.rayClusterConfig``, a RayJob's ``spec.rayClusterSpec`` and a
RayCronJob's ``spec.jobTemplate.rayClusterSpec``.

What a Pod asks for is the sum over its containers (init containers are not counted)
of each resource's **request, else its limit** (Kubernetes sets a missing request to
the limit, so this is what the scheduler reserves). GPUs are every resource whose name
ends in ``/gpu`` (``nvidia.com/gpu``, ``amd.com/gpu``). A worker group counts
``numOfHosts`` Pods per replica.

Scale: with ``enableInTreeAutoscaling: true`` a group runs between ``minReplicas``
(default 0) and ``maxReplicas`` (no maximum: unbounded); without it the operator keeps
``replicas`` (clamped to min..max), so the minimum and maximum are both that number.
The initial size, what a new cluster starts with, is ``replicas`` clamped to min..max.

Suspended is zero, as the operator keeps it: a worker group with ``suspend: true`` has
no Pods, and a suspended cluster none at all, head included (the cluster spec's
``suspend``, or the owner's: a RayService's ``spec.suspend``, KubeRay 1.7, deletes its
clusters; a suspended RayJob or RayCronJob runs none).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from rayops.diff.quantity import parse_quantity
from rayops.diff.scan import RAY_FIELDS

RAY_KINDS = ("RayCluster", "RayService", "RayJob", "RayCronJob")


def _with_suspend(wanted: Any) -> Any:
    """``wanted`` with ``suspend`` read beside every cluster spec and worker group."""
    if isinstance(wanted, list):
        return [_with_suspend(item) for item in wanted]
    if not isinstance(wanted, dict):
        return wanted
    found = {key: _with_suspend(value) for key, value in wanted.items()}
    if "workerGroupSpecs" in wanted or "groupName" in wanted:
        found["suspend"] = True
    return found


SUMMARY_FIELDS: dict[str, Any] = _with_suspend(RAY_FIELDS)
"""What :func:`summarize` reads: the fast reader's fields and every ``suspend``."""


@dataclass(frozen=True)
class Resources:
    """CPU, memory and GPUs, in nano-units (see :mod:`rayops.diff.quantity`)."""

    cpu: int = 0
    memory: int = 0
    gpu: int = 0

    def __add__(self, other: Resources) -> Resources:
        return Resources(self.cpu + other.cpu, self.memory + other.memory, self.gpu + other.gpu)

    def times(self, count: int) -> Resources:
        """These resources ``count`` times over."""
        return Resources(self.cpu * count, self.memory * count, self.gpu * count)


@dataclass(frozen=True)
class WorkerGroup:
    """One worker group: its scale bounds and what each of its Pods asks for."""

    name: str
    replicas: int | None
    min_replicas: int | None
    max_replicas: int | None
    hosts: int
    pod: Resources
    images: tuple[str, ...]
    suspended: bool = False

    def count(self, which: str, autoscaling: bool) -> int | None:
        """Pods at ``which`` scale (``min``, ``max`` or ``initial``); None when unbounded."""
        if self.suspended:
            return 0
        high = self.max_replicas
        # As the operator clamps: up to minReplicas, then down to maxReplicas (which wins).
        low = self.min_replicas or 0 if high is None else min(self.min_replicas or 0, high)
        fixed = max(self.min_replicas or 0, self.replicas if self.replicas is not None else low)
        fixed = fixed if high is None else min(fixed, high)
        if autoscaling and which == "min":
            replicas: int | None = low
        elif autoscaling and which == "max":
            replicas = high
        else:
            replicas = fixed
        return None if replicas is None else replicas * self.hosts


@dataclass(frozen=True)
class ClusterSummary:
    """One Ray cluster as the operator will run it."""

    kind: str
    namespace: str
    name: str
    ray_version: str
    autoscaling: bool
    head: Resources
    head_images: tuple[str, ...]
    groups: tuple[WorkerGroup, ...]
    upgrade_strategy: str = ""
    suspended: bool = False

    @property
    def images(self) -> tuple[str, ...]:
        """Every container image of the head and the worker groups, sorted."""
        found = set(self.head_images)
        for group in self.groups:
            found.update(group.images)
        return tuple(sorted(found))

    def total(self, which: str) -> Resources | None:
        """Head plus workers at ``which`` scale; None when a group is unbounded."""
        return self._totals[which]

    @cached_property
    def _totals(self) -> dict[str, Resources | None]:
        return {which: self._total(which) for which in ("min", "max", "initial")}

    def _total(self, which: str) -> Resources | None:
        if self.suspended:
            return Resources()
        head = self.head
        cpu, memory, gpu = head.cpu, head.memory, head.gpu
        for group in self.groups:
            count = group.count(which, self.autoscaling)
            if count is None:
                return None
            pod = group.pod
            cpu, memory, gpu = cpu + pod.cpu * count, memory + pod.memory * count, gpu + pod.gpu * count
        return Resources(cpu, memory, gpu)


@dataclass
class EnvironmentSummary:
    """Every Ray cluster of one revision of one environment, with totals."""

    clusters: list[ClusterSummary] = field(default_factory=list)
    _cache: dict[tuple[str, int], Resources | None] = field(default_factory=dict, repr=False, compare=False)

    def total(self, which: str) -> Resources | None:
        """The sum over clusters at ``which`` scale; None when one is unbounded."""
        key = (which, len(self.clusters))  # clusters are only ever added
        if key not in self._cache:
            self._cache[key] = self._total(which)
        return self._cache[key]

    def _total(self, which: str) -> Resources | None:
        cpu = memory = gpu = 0
        for cluster in self.clusters:
            part = cluster.total(which)
            if part is None:
                return None
            cpu, memory, gpu = cpu + part.cpu, memory + part.memory, gpu + part.gpu
        return Resources(cpu, memory, gpu)


def cluster_spec_of(value: dict[str, Any]) -> dict[str, Any] | None:
    """Where a Ray resource keeps its cluster spec, or None (a RayJob using clusterSelector)."""
    spec = value.get("spec")
    if not isinstance(spec, dict):
        return None
    kind = value.get("kind")
    found: Any = None
    if kind == "RayCluster":
        found = spec
    elif kind == "RayService":
        found = spec.get("rayClusterConfig")
    elif kind == "RayJob":
        found = spec.get("rayClusterSpec")
    elif kind == "RayCronJob":
        template = spec.get("jobTemplate")
        found = template.get("rayClusterSpec") if isinstance(template, dict) else None
    return found if isinstance(found, dict) else None


def _pod_resources(template: Any) -> tuple[Resources, tuple[str, ...]]:
    spec = template.get("spec") if isinstance(template, dict) else None
    containers = spec.get("containers") if isinstance(spec, dict) else None
    total_cpu = total_memory = total_gpu = 0
    images: list[str] = []
    for container in containers if isinstance(containers, list) else ():
        if not isinstance(container, dict):
            continue
        if isinstance(container.get("image"), str):
            images.append(container["image"])
        resources = container.get("resources")
        if not isinstance(resources, dict):
            continue
        requests = _mapping(resources.get("requests"))
        limits = _mapping(resources.get("limits"))
        cpu = memory = gpu = 0
        for name in set(requests) | set(limits):
            amount = _quantity(requests[name] if name in requests else limits[name])
            if amount is None:
                continue
            if name == "cpu":
                cpu += amount
            elif name == "memory":
                memory += amount
            elif str(name).endswith("/gpu"):
                gpu += amount
        total_cpu, total_memory, total_gpu = total_cpu + cpu, total_memory + memory, total_gpu + gpu
    return Resources(total_cpu, total_memory, total_gpu), tuple(images)


_QUANTITIES: dict[str, int | None] = {}
"""Quantities written as strings, parsed (the same few sizes recur across thousands of Pods)."""


def _quantity(value: Any) -> int | None:
    """:func:`parse_quantity`, remembering what strings mean."""
    if type(value) is not str:
        return parse_quantity(value)
    if value in _QUANTITIES:
        return _QUANTITIES[value]
    amount = parse_quantity(value)
    if len(_QUANTITIES) < 10_000:
        _QUANTITIES[value] = amount
    return amount


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def summarize(value: dict[str, Any]) -> ClusterSummary | None:
    """The summary of a Ray resource's cluster, or None when it defines none."""
    spec = cluster_spec_of(value)
    if spec is None:
        return None
    metadata = _mapping(value.get("metadata"))
    head_spec = _mapping(spec.get("headGroupSpec"))
    head, head_images = _pod_resources(head_spec.get("template"))
    groups = []
    for group in spec.get("workerGroupSpecs") or ():
        if not isinstance(group, dict):
            continue
        pod, images = _pod_resources(group.get("template"))
        hosts = _int(group.get("numOfHosts")) or 1
        groups.append(
            WorkerGroup(
                str(group.get("groupName", "")),
                _int(group.get("replicas")),
                _int(group.get("minReplicas")),
                _int(group.get("maxReplicas")),
                hosts,
                pod,
                images,
                group.get("suspend") is True,
            )
        )
    owner_spec = _mapping(value.get("spec"))
    strategy = owner_spec.get("upgradeStrategy") if value.get("kind") == "RayService" else None
    strategy = strategy if isinstance(strategy, dict) else spec.get("upgradeStrategy")
    suspended = spec.get("suspend") is True or owner_spec.get("suspend") is True
    return ClusterSummary(
        kind=str(value.get("kind")),
        namespace=str(metadata.get("namespace") or ""),
        name=str(metadata.get("name") or ""),
        ray_version=str(spec.get("rayVersion") or ""),
        autoscaling=spec.get("enableInTreeAutoscaling") is True,
        head=head,
        head_images=head_images,
        groups=tuple(groups),
        upgrade_strategy=str(strategy.get("type") or "") if isinstance(strategy, dict) else "",
        suspended=suspended,
    )
