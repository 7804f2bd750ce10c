"""KR603: a Ray container has no CPU or memory limit.

KubeRay tells Ray how much CPU and memory a pod has from the Ray container's resources
(``num-cpus`` from the CPU limit, falling back to the request; memory from the memory
limit). Without limits Ray either sees the whole node and schedules more tasks than the
pod can run, or the pod is killed for memory. KubeRay's guide recommends limits equal
to requests on every Ray container.

```yaml fail
apiVersion: ray.io/v1
kind: RayCluster
metadata:
  name: unbounded
spec:
  headGroupSpec:
    rayStartParams: {}
    template:
      spec:
        containers:
        - name: ray-head  # <- KR603
          image: rayproject/ray:2.46.0
```

```yaml pass
apiVersion: ray.io/v1
kind: RayCluster
metadata:
  name: bounded
spec:
  headGroupSpec:
    rayStartParams: {}
    template:
      spec:
        containers:
        - name: ray-head
          image: rayproject/ray:2.46.0
          resources:
            limits: {cpu: "2", memory: 8Gi}
            requests: {cpu: "2", memory: 8Gi}
```
"""

from __future__ import annotations

from collections.abc import Iterator

from rayops.rules import Resource, Violation, as_dict
from rayops.rules.kuberay._pods import container_path, group_containers

ID = "KR603"
TITLE = "Ray container without CPU and memory limits"
SEVERITY = "warning"
KINDS = ("RayCluster", "RayJob", "RayService", "RayCronJob")
SINCE = None
UNTIL = None
GATES = ()


def check(resource: Resource) -> Iterator[Violation]:
    """Yield each Ray container (the first of a group) that lacks a CPU or memory limit."""
    for group_path, listed in group_containers(resource):
        first = listed[0] if listed and isinstance(listed[0], dict) else None
        if first is None:
            continue
        limits = as_dict(as_dict(first.get("resources")).get("limits"))
        if "cpu" in limits and "memory" in limits:
            continue
        missing = [name for name in ("cpu", "memory") if name not in limits]
        yield Violation(
            container_path(group_path, 0, "name"),
            f"Ray container {first.get('name', '')} has no {' or '.join(missing)} limit: "
            "Ray sizes itself from the limits; set them (equal to the requests)",
        )
