"""Shared helpers of the RayClusterSpec feature rules (KR150-KR199).

These rules port the checks the operator's cluster-spec validation makes on GCS fault
tolerance, authentication, NetworkPolicy, TLS and the history server. The operator runs
that validation on a RayCluster's own spec (every release), on a RayJob's
``rayClusterSpec`` and a RayService's ``rayClusterConfig`` (since v1.4.2, with the
owning resource's annotations), and on a RayCronJob's ``jobTemplate.rayClusterSpec``
(since v1.6.2, when the RayCronJob controller runs; the template is checked as a RayJob
without any annotation).

Before v1.4.2 a RayJob or RayService is not checked itself, but the RayCluster it creates
is: it carries a copy of the cluster spec and of the owner's annotations, so it fails the
same checks and never gets Pods. A RayJob with a ``clusterSelector`` creates no cluster.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from rayops.findings import Path
from rayops.rules import Resource, as_dict, as_list, ray_container
from rayops.rules.kuberay._raycluster_spec import cluster_specs
from rayops.rules.rayversion import parse_generic_version as parse_rayversion
from rayops.rules.rayversion import version_less_than

FT_ENABLED_ANNOTATION = "ray.io/ft-enabled"
EXTERNAL_STORAGE_NS_ANNOTATION = "ray.io/external-storage-namespace"

HEAD_CONTAINER: Path = ("headGroupSpec", "template", "spec", "containers", 0)


@dataclass(frozen=True)
class ClusterSpec:
    """A RayClusterSpec the operator validates, where it is, and the annotations it is checked with."""

    path: Path
    spec: dict[str, Any]
    annotations: dict[str, Any]

    def at(self, *elements: str | int) -> Path:
        """A path below this cluster spec."""
        return self.path + elements

    def head_group(self) -> dict[str, Any]:
        """``headGroupSpec``."""
        return as_dict(self.spec.get("headGroupSpec"))

    def head_container(self) -> dict[str, Any]:
        """The head Pod's Ray container (the first container)."""
        return ray_container(self.head_group())

    def head_params(self) -> dict[str, Any]:
        """``headGroupSpec.rayStartParams``."""
        return as_dict(self.head_group().get("rayStartParams"))

    def gcs_ft(self) -> dict[str, Any] | None:
        """``gcsFaultToleranceOptions`` when set (even empty), else None."""
        value = self.spec.get("gcsFaultToleranceOptions")
        return value if isinstance(value, dict) else None

    def annotation(self, key: str) -> str:
        """The annotation ``key`` of the owning resource ("" when absent)."""
        value = self.annotations.get(key)
        return value if isinstance(value, str) else ""

    def gcs_ft_enabled(self) -> bool:
        """Whether GCS fault tolerance is on: ``ray.io/ft-enabled: "true"`` or gcsFaultToleranceOptions."""
        return self.annotation(FT_ENABLED_ANNOTATION).lower() == "true" or self.gcs_ft() is not None


def validated_specs(resource: Resource) -> tuple[ClusterSpec, ...]:
    """Every RayClusterSpec the operator of the target release validates in ``resource``.

    Computed once per resource: most rules of this family start here.
    """
    found = resource.memo.get("validated_specs")
    if found is None:
        found = resource.memo["validated_specs"] = tuple(_validated_specs(resource))
    return found


def _validated_specs(resource: Resource) -> Iterator[ClusterSpec]:
    """Every RayClusterSpec the target release validates, with the annotations it reads.

    Which specs count is decided once, in ``_raycluster_spec.cluster_specs``; a
    RayCronJob's template is checked with no annotations (the RayJob it creates has none).
    """
    annotations = {} if resource.kind == "RayCronJob" else resource.annotations
    for path, spec in cluster_specs(resource):
        yield ClusterSpec(path, spec, annotations)


def env_entries(container: dict[str, Any]) -> Iterator[tuple[int, str]]:
    """(index, name) of each named entry of a container's (or options') ``env``."""
    for index, entry in enumerate(as_list(container.get("env"))):
        if isinstance(entry, dict) and isinstance(entry.get("name"), str):
            yield index, entry["name"]


def env_index(container: dict[str, Any], name: str) -> int | None:
    """Index of the first ``env`` entry called ``name``, or None."""
    return next((index for index, found in env_entries(container) if found == name), None)


def mounts(container: dict[str, Any]) -> Iterator[tuple[int, dict[str, Any]]]:
    """(index, mount) of each ``volumeMounts`` entry."""
    for index, mount in enumerate(as_list(container.get("volumeMounts"))):
        if isinstance(mount, dict):
            yield index, mount


def text(value: Any) -> str:
    """``value`` if it is a string, else ""."""
    return value if isinstance(value, str) else ""


def is_set(mapping: dict[str, Any], key: str) -> bool:
    """Whether an optional pointer field is set (present and not null), as the operator sees it."""
    return mapping.get(key) is not None


# The operator parses rayVersion with Kubernetes' "generic" version parser: optional blanks
# and "v", two or more dot-separated numbers (the first without a leading zero), then any
# text on the same line, which is ignored.


def parse_generic_version(value: str) -> tuple[int, ...] | None:
    """The numeric components of a generic version, or None when the operator cannot parse it."""
    parsed = parse_rayversion(value)
    return parsed if isinstance(parsed, tuple) else None


version_less = version_less_than
