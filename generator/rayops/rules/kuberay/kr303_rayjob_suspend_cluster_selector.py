"""KR303: a RayJob that uses ``clusterSelector`` cannot be suspended.

Suspending a RayJob deletes the RayCluster it created; a RayJob with a
``clusterSelector`` runs on an existing RayCluster it does not own, so the operator
refuses ``suspend: true`` there ("the ClusterSelector mode doesn't support the suspend
operation", an ``InvalidRayJobSpec`` event). The same check applies to a RayCronJob's
``jobTemplate``.

```yaml fail
apiVersion: ray.io/v1
kind: RayJob
metadata:
  name: on-shared-cluster
spec:
  entrypoint: python train.py
  shutdownAfterJobFinishes: true
  suspend: true  # <- KR303
  clusterSelector:
    ray.io/cluster: shared
```

```yaml pass
apiVersion: ray.io/v1
kind: RayJob
metadata:
  name: on-shared-cluster
spec:
  entrypoint: python train.py
  clusterSelector:
    ray.io/cluster: shared
```
"""

from __future__ import annotations

from collections.abc import Iterator

from rayops.rules import Resource, Violation
from rayops.rules.kuberay._rayjob import JOB_KINDS, cluster_selector_mode, job_specs

ID = "KR303"
TITLE = "RayJob with clusterSelector cannot be suspended"
SEVERITY = "error"
KINDS = JOB_KINDS
SINCE = None
UNTIL = None
GATES = ("RayCronJob",)


def check(resource: Resource) -> Iterator[Violation]:
    """Yield a violation for suspend in ClusterSelector mode."""
    for prefix, spec in job_specs(resource):
        if spec.get("suspend") is True and cluster_selector_mode(spec):
            yield Violation(
                (*prefix, "suspend"),
                "the ClusterSelector mode doesn't support the suspend operation: remove suspend, or "
                "use rayClusterSpec instead of clusterSelector",
            )
