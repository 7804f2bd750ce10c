"""KR307: ``backoffLimit`` cannot be used with ``clusterSelector``.

A retry of a RayJob deletes its RayCluster and creates a new one; a RayJob that runs
on an existing cluster (``clusterSelector``) cannot do that, so since 1.6.2 the
operator refuses a ``backoffLimit`` above 0 there ("BackoffLimit is incompatible with
ClusterSelector mode", an ``InvalidRayJobSpec`` event). The same check applies to a
RayCronJob's ``jobTemplate``.

```yaml fail
apiVersion: ray.io/v1
kind: RayJob
metadata:
  name: on-shared-cluster
spec:
  entrypoint: python train.py
  backoffLimit: 2  # <- KR307
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
  backoffLimit: 0
  clusterSelector:
    ray.io/cluster: shared
```
"""

from __future__ import annotations

from collections.abc import Iterator

from rayops.rules import Resource, Violation
from rayops.rules.kuberay._rayjob import JOB_KINDS, cluster_selector_mode, integer, job_specs

ID = "KR307"
TITLE = "backoffLimit cannot be used with clusterSelector"
SEVERITY = "error"
KINDS = JOB_KINDS
SINCE = "1.6.2"
UNTIL = None
GATES = ("RayCronJob",)


def check(resource: Resource) -> Iterator[Violation]:
    """Yield a violation for retries in ClusterSelector mode."""
    for prefix, spec in job_specs(resource):
        limit = integer(spec.get("backoffLimit"))
        if limit is not None and limit > 0 and cluster_selector_mode(spec):
            yield Violation(
                (*prefix, "backoffLimit"),
                "BackoffLimit is incompatible with ClusterSelector mode: set backoffLimit to 0, or use "
                "rayClusterSpec so each retry gets a new RayCluster",
            )
