"""KR104: a worker group's minReplicas and maxReplicas are non-negative, and min <= max.

Since KubeRay 1.6.2 the operator refuses a worker group with a negative ``minReplicas``
or ``maxReplicas``, or with ``minReplicas`` greater than ``maxReplicas``. The CRD
schema has no bounds on these fields, so the API server accepts them. (Older releases
do not refuse them: see KR105.)

The same release also refuses a group without ``minReplicas`` or ``maxReplicas`` when
autoscaling is off; the CRD defaults them (0 and 2147483647) before the operator ever
sees the object, so that case cannot happen and is not checked here.

The operator refuses the resource when it reconciles: a RayCluster gets an
``InvalidRayClusterSpec`` Warning event and no Pods, a RayJob an ``InvalidRayJobSpec``
event, a RayService an ``InvalidRayServiceSpec`` event and a RayCronJob (RayCronJob gate)
an ``InvalidRayCronJobSpec`` event.

```yaml fail
apiVersion: ray.io/v1
kind: RayCluster
metadata:
  name: bounds
spec:
  headGroupSpec:
    rayStartParams: {}
    template:
      spec:
        containers: [{name: ray-head, image: rayproject/ray:2.46.0}]
  workerGroupSpecs:
  - groupName: cpu
    minReplicas: 4  # <- KR104
    maxReplicas: 2
    rayStartParams: {}
    template:
      spec:
        containers: [{name: ray-worker, image: rayproject/ray:2.46.0}]
  - groupName: gpu
    minReplicas: -1  # <- KR104
    rayStartParams: {}
    template:
      spec:
        containers: [{name: ray-worker, image: rayproject/ray:2.46.0}]
```

```yaml fail
# rayops: kuberay=1.6.2
apiVersion: ray.io/v1
kind: RayJob
metadata:
  name: bounded-job
spec:
  entrypoint: python -c "print(1)"
  shutdownAfterJobFinishes: true
  rayClusterSpec:
    headGroupSpec:
      template:
        spec:
          containers: [{name: ray-head, image: rayproject/ray:2.46.0}]
    workerGroupSpecs:
    - groupName: cpu
      maxReplicas: -3  # <- KR104
      template:
        spec:
          containers: [{name: ray-worker, image: rayproject/ray:2.46.0}]
```

```yaml pass
apiVersion: ray.io/v1
kind: RayCluster
metadata:
  name: bounds
spec:
  headGroupSpec:
    rayStartParams: {}
    template:
      spec:
        containers: [{name: ray-head, image: rayproject/ray:2.46.0}]
  workerGroupSpecs:
  - groupName: cpu
    replicas: 2
    minReplicas: 2
    maxReplicas: 2
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
    cluster_specs,
    group_name,
    int_value,
    worker_path,
)

ID = "KR104"
TITLE = "worker group minReplicas and maxReplicas are non-negative and minReplicas <= maxReplicas"
SEVERITY = "error"
KINDS = CLUSTER_KINDS
SINCE = "1.6.2"
UNTIL = None
GATES = ()


def check(resource: Resource) -> Iterator[Violation]:
    """Yield a violation for negative or inverted replica bounds of a worker group."""
    for base, spec in cluster_specs(resource):
        for index, group in worker_groups(spec):
            name = group_name(group)
            low = int_value(group.get("minReplicas"))
            high = int_value(group.get("maxReplicas"))
            if low is not None and low < 0:
                yield Violation(
                    worker_path(base, index, "minReplicas"),
                    f"worker group {name} has negative minReplicas {low}: set it to 0 or more",
                )
            elif high is not None and high < 0:
                yield Violation(
                    worker_path(base, index, "maxReplicas"),
                    f"worker group {name} has negative maxReplicas {high}: set it to 0 or more",
                )
            elif low is not None and high is not None and low > high:
                yield Violation(
                    worker_path(base, index, "minReplicas"),
                    f"worker group {name} has minReplicas {low} greater than maxReplicas {high}: "
                    "lower minReplicas or raise maxReplicas",
                )
