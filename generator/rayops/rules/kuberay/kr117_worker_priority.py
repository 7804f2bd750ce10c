"""KR117: a worker group's priority needs Ray 2.56.0 or later and autoscaler v2.

Since KubeRay 1.7.0 a worker group's ``priority`` tells the Ray autoscaler which group
to prefer when several could satisfy the same demand. Only autoscaler v2 of Ray 2.56.0
and later reads it, so for a non-zero ``priority`` the operator refuses the cluster
unless ``rayVersion`` is set to 2.56.0 or later and autoscaler v2 is on
(``autoscalerOptions.version: v2``, or ``RAY_enable_autoscaler_v2`` set to ``1`` or
``true`` on the head's Ray container). ``priority: 0`` (the CRD default) is always fine.

The operator refuses the resource when it reconciles: a RayCluster gets an
``InvalidRayClusterSpec`` Warning event and no Pods, a RayJob an ``InvalidRayJobSpec``
event, a RayService an ``InvalidRayServiceSpec`` event and a RayCronJob (RayCronJob gate)
an ``InvalidRayCronJobSpec`` event.

```yaml fail
apiVersion: ray.io/v1
kind: RayCluster
metadata:
  name: prioritized
spec:
  rayVersion: "2.46.0"
  enableInTreeAutoscaling: true
  autoscalerOptions: {version: v2}
  headGroupSpec:
    rayStartParams: {}
    template:
      spec:
        containers: [{name: ray-head, image: rayproject/ray:2.46.0}]
  workerGroupSpecs:
  - groupName: spot
    priority: 10  # <- KR117
    maxReplicas: 4
    rayStartParams: {}
    template:
      spec:
        containers: [{name: ray-worker, image: rayproject/ray:2.46.0}]
```

```yaml fail
apiVersion: ray.io/v1
kind: RayCluster
metadata:
  name: prioritized
spec:
  rayVersion: "2.56.0"
  enableInTreeAutoscaling: true
  headGroupSpec:
    rayStartParams: {}
    template:
      spec:
        containers: [{name: ray-head, image: rayproject/ray:2.56.0}]
  workerGroupSpecs:
  - groupName: spot
    priority: 10  # <- KR117
    maxReplicas: 4
    rayStartParams: {}
    template:
      spec:
        containers: [{name: ray-worker, image: rayproject/ray:2.56.0}]
```

```yaml pass
apiVersion: ray.io/v1
kind: RayCluster
metadata:
  name: prioritized
spec:
  rayVersion: "2.56.0"
  enableInTreeAutoscaling: true
  autoscalerOptions: {version: v2}
  headGroupSpec:
    rayStartParams: {}
    template:
      spec:
        containers: [{name: ray-head, image: rayproject/ray:2.56.0}]
  workerGroupSpecs:
  - groupName: spot
    priority: 10
    maxReplicas: 4
    rayStartParams: {}
    template:
      spec:
        containers: [{name: ray-worker, image: rayproject/ray:2.56.0}]
  - groupName: on-demand
    maxReplicas: 4
    rayStartParams: {}
    template:
      spec:
        containers: [{name: ray-worker, image: rayproject/ray:2.56.0}]
```
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from rayops.rules import Resource, Violation, worker_groups
from rayops.rules.kuberay._raycluster_spec import (
    CLUSTER_KINDS,
    autoscaler_v2,
    cluster_specs,
    env_enables_autoscaler_v2,
    group_name,
    int_value,
    worker_path,
)
from rayops.rules.rayversion import parse_generic_version, version_less_than

ID = "KR117"
TITLE = "a worker group's priority needs Ray 2.56.0 or later and autoscaler v2"
SEVERITY = "error"
KINDS = CLUSTER_KINDS
SINCE = "1.7.0"
UNTIL = None
GATES = ()

MIN_RAY = (2, 56, 0)


def _ray_version_problem(spec: dict[str, Any]) -> str | None:
    ray_version = spec.get("rayVersion")
    text = ray_version if isinstance(ray_version, str) else ""
    if not text:
        return "priority is set, but RayVersion was not specified. Ray version 2.56.0 or later is required"
    parsed = parse_generic_version(text)
    if isinstance(parsed, str):
        return f"priority is set, but RayVersion format is invalid: {text}, {parsed}"
    if version_less_than(parsed, MIN_RAY):
        return f"priority is set, but minimum Ray version is 2.56.0, got {text}"
    return None


def check(resource: Resource) -> Iterator[Violation]:
    """Yield a violation for a non-zero priority without Ray >= 2.56.0 and autoscaler v2."""
    for base, spec in cluster_specs(resource):
        v2 = autoscaler_v2(spec) or env_enables_autoscaler_v2(spec)
        for index, group in worker_groups(spec):
            priority = int_value(group.get("priority"))
            if not priority:
                continue
            name = group_name(group)
            problem = _ray_version_problem(spec)
            if problem is None and not v2:
                problem = (
                    f"priority is set to {priority}, but autoscaler v2 is not enabled. Priority is only "
                    "supported with autoscaler v2 enabled: set autoscalerOptions.version to v2"
                )
            if problem is not None:
                yield Violation(worker_path(base, index, "priority"), f"worker group {name}: {problem}")
