"""KR109: suspending a worker group needs the RayJobDeletionPolicy feature gate.

A worker group's ``suspend`` field deletes all its Pods. It exists for the RayJob
``DeleteWorkers`` deletion policy, so the operator refuses ``suspend: true`` on a worker
group unless its ``RayJobDeletionPolicy`` feature gate is on (off by default before
KubeRay 1.6.2, on by default since). Remove ``suspend`` or turn the gate on.

The operator refuses the resource when it reconciles: a RayCluster gets an
``InvalidRayClusterSpec`` Warning event and no Pods; since 1.4.2 a RayJob gets an
``InvalidRayJobSpec`` event and a RayService an ``InvalidRayServiceSpec`` event (before
1.4.2 the RayCluster they create is refused instead); a RayCronJob (1.6.2, RayCronJob
gate) gets an ``InvalidRayCronJobSpec`` event.

```yaml fail
# rayops: kuberay=1.5.1
apiVersion: ray.io/v1
kind: RayCluster
metadata:
  name: paused
spec:
  headGroupSpec:
    rayStartParams: {}
    template:
      spec:
        containers: [{name: ray-head, image: rayproject/ray:2.46.0}]
  workerGroupSpecs:
  - groupName: cpu
    suspend: true  # <- KR109
    rayStartParams: {}
    template:
      spec:
        containers: [{name: ray-worker, image: rayproject/ray:2.46.0}]
```

```yaml fail
# rayops: kuberay=1.3.2
apiVersion: ray.io/v1
kind: RayJob
metadata:
  name: paused-job
spec:
  entrypoint: python -c "print(1)"
  shutdownAfterJobFinishes: true
  rayClusterSpec:
    headGroupSpec:
      rayStartParams: {}
      template:
        spec:
          containers: [{name: ray-head, image: rayproject/ray:2.46.0}]
    workerGroupSpecs:
    - groupName: cpu
      suspend: true  # <- KR109
      rayStartParams: {}
      template:
        spec:
          containers: [{name: ray-worker, image: rayproject/ray:2.46.0}]
```

```yaml pass
# rayops: kuberay=1.5.1 gates=RayJobDeletionPolicy=true
apiVersion: ray.io/v1
kind: RayCluster
metadata:
  name: paused
spec:
  headGroupSpec:
    rayStartParams: {}
    template:
      spec:
        containers: [{name: ray-head, image: rayproject/ray:2.46.0}]
  workerGroupSpecs:
  - groupName: cpu
    suspend: true
    rayStartParams: {}
    template:
      spec:
        containers: [{name: ray-worker, image: rayproject/ray:2.46.0}]
```
"""

from __future__ import annotations

from collections.abc import Iterator

from rayops.rules import Resource, Violation, worker_groups
from rayops.rules.kuberay._raycluster_spec import CLUSTER_KINDS, cluster_specs, group_name, worker_path

ID = "KR109"
TITLE = "suspending a worker group needs the RayJobDeletionPolicy feature gate"
SEVERITY = "error"
KINDS = CLUSTER_KINDS
SINCE = None
UNTIL = None
GATES = ("RayJobDeletionPolicy",)


def check(resource: Resource) -> Iterator[Violation]:
    """Yield a violation for each suspended worker group while the gate is off."""
    if resource.gate("RayJobDeletionPolicy"):
        return
    for base, spec in cluster_specs(resource):
        for index, group in worker_groups(spec):
            if group.get("suspend") is True:
                yield Violation(
                    worker_path(base, index, "suspend"),
                    f"worker group {group_name(group)} can be suspended only when the RayJobDeletionPolicy "
                    "feature gate is enabled: remove suspend or enable the gate",
                )
