"""KR110: a worker group cannot be suspended while the Ray autoscaler is enabled.

With ``enableInTreeAutoscaling: true`` the Ray autoscaler decides how many Pods each
worker group runs, and the operator does not support suspending a group behind its back:
it refuses ``suspend: true`` on a worker group of an autoscaled cluster. Remove
``suspend`` or turn autoscaling off.

The operator refuses the resource when it reconciles: a RayCluster gets an
``InvalidRayClusterSpec`` Warning event and no Pods; since 1.4.2 a RayJob gets an
``InvalidRayJobSpec`` event and a RayService an ``InvalidRayServiceSpec`` event (before
1.4.2 the RayCluster they create is refused instead); a RayCronJob (1.6.2, RayCronJob
gate) gets an ``InvalidRayCronJobSpec`` event.

```yaml fail
apiVersion: ray.io/v1
kind: RayCluster
metadata:
  name: paused
spec:
  enableInTreeAutoscaling: true
  headGroupSpec:
    rayStartParams: {}
    template:
      spec:
        containers: [{name: ray-head, image: rayproject/ray:2.46.0}]
  workerGroupSpecs:
  - groupName: cpu
    suspend: true  # <- KR110
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
  name: paused
spec:
  enableInTreeAutoscaling: true
  headGroupSpec:
    rayStartParams: {}
    template:
      spec:
        containers: [{name: ray-head, image: rayproject/ray:2.46.0}]
  workerGroupSpecs:
  - groupName: cpu
    suspend: false
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
    CLUSTER_KINDS,
    autoscaling_enabled,
    cluster_specs,
    group_name,
    worker_path,
)

ID = "KR110"
TITLE = "a worker group cannot be suspended while the Ray autoscaler is enabled"
SEVERITY = "error"
KINDS = CLUSTER_KINDS
SINCE = None
UNTIL = None
GATES = ()


def check(resource: Resource) -> Iterator[Violation]:
    """Yield a violation for each suspended worker group of an autoscaled cluster."""
    for base, spec in cluster_specs(resource):
        if not autoscaling_enabled(spec):
            continue
        for index, group in worker_groups(spec):
            if group.get("suspend") is True:
                yield Violation(
                    worker_path(base, index, "suspend"),
                    f"worker group {group_name(group)} cannot be suspended with Autoscaler enabled: "
                    "remove suspend or set enableInTreeAutoscaling to false",
                )
