"""KR116: a worker group's idleTimeoutSeconds is non-negative and needs autoscaler v2.

A worker group's ``idleTimeoutSeconds`` overrides, for that group, how long the Ray
autoscaler lets a worker sit idle. Only autoscaler v2 reads it, so since KubeRay 1.6.2
the operator refuses it unless ``autoscalerOptions.version`` is ``v2`` or the head's Ray
container (the first container) sets ``RAY_enable_autoscaler_v2`` to ``1`` or ``true``;
it also refuses a negative value.

The operator refuses the resource when it reconciles: a RayCluster gets an
``InvalidRayClusterSpec`` Warning event and no Pods, a RayJob an ``InvalidRayJobSpec``
event, a RayService an ``InvalidRayServiceSpec`` event and a RayCronJob (RayCronJob gate)
an ``InvalidRayCronJobSpec`` event.

```yaml fail
apiVersion: ray.io/v1
kind: RayCluster
metadata:
  name: idle
spec:
  enableInTreeAutoscaling: true
  headGroupSpec:
    rayStartParams: {}
    template:
      spec:
        containers: [{name: ray-head, image: rayproject/ray:2.46.0}]
  workerGroupSpecs:
  - groupName: cpu
    idleTimeoutSeconds: 120  # <- KR116
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
  name: idle
spec:
  enableInTreeAutoscaling: true
  autoscalerOptions: {version: v2}
  headGroupSpec:
    rayStartParams: {}
    template:
      spec:
        containers: [{name: ray-head, image: rayproject/ray:2.46.0}]
  workerGroupSpecs:
  - groupName: cpu
    idleTimeoutSeconds: -1  # <- KR116
    maxReplicas: 4
    rayStartParams: {}
    template:
      spec:
        containers: [{name: ray-worker, image: rayproject/ray:2.46.0}]
```

```yaml pass
apiVersion: ray.io/v1
kind: RayCluster
metadata:
  name: idle
spec:
  enableInTreeAutoscaling: true
  autoscalerOptions: {version: v2}
  headGroupSpec:
    rayStartParams: {}
    template:
      spec:
        containers: [{name: ray-head, image: rayproject/ray:2.46.0}]
  workerGroupSpecs:
  - groupName: cpu
    idleTimeoutSeconds: 120
    maxReplicas: 4
    rayStartParams: {}
    template:
      spec:
        containers: [{name: ray-worker, image: rayproject/ray:2.46.0}]
```
"""

from __future__ import annotations

from collections.abc import Iterator

from rayops.rules import Resource, Violation, worker_groups
from rayops.rules.kuberay._raycluster_spec import (
    AUTOSCALER_V2_ENV,
    CLUSTER_KINDS,
    autoscaler_v2,
    cluster_specs,
    env_enables_autoscaler_v2,
    group_name,
    int_value,
    worker_path,
)

ID = "KR116"
TITLE = "a worker group's idleTimeoutSeconds is non-negative and needs autoscaler v2"
SEVERITY = "error"
KINDS = CLUSTER_KINDS
SINCE = "1.6.2"
UNTIL = None
GATES = ()


def check(resource: Resource) -> Iterator[Violation]:
    """Yield a violation for a negative idleTimeoutSeconds, or one set without autoscaler v2."""
    for base, spec in cluster_specs(resource):
        v2 = autoscaler_v2(spec) or env_enables_autoscaler_v2(spec)
        for index, group in worker_groups(spec):
            timeout = int_value(group.get("idleTimeoutSeconds"))
            if timeout is None:
                continue
            name = group_name(group)
            path = worker_path(base, index, "idleTimeoutSeconds")
            if timeout < 0:
                yield Violation(
                    path, f"worker group {name}: idleTimeoutSeconds must be non-negative, got {timeout}"
                )
            elif not v2:
                yield Violation(
                    path,
                    f"worker group {name}: idleTimeoutSeconds is set, but autoscaler v2 is not enabled. "
                    "Please set .spec.autoscalerOptions.version to 'v2' (or set "
                    f"{AUTOSCALER_V2_ENV} environment variable to 'true' in the head pod)",
                )
