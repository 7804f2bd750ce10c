"""KR304: a RayJob sets ``rayClusterSpec`` or ``clusterSelector``.

A RayJob either creates its own RayCluster from ``rayClusterSpec`` or submits to an
existing one chosen by ``clusterSelector``. With neither (or an empty
``clusterSelector``) the operator has no cluster to run the job on and emits an
``InvalidRayJobSpec`` event ("one of RayClusterSpec or ClusterSelector must be set").
The same check applies to a RayCronJob's ``jobTemplate``.

```yaml fail
apiVersion: ray.io/v1
kind: RayJob
metadata:
  name: nowhere
spec:  # <- KR304
  entrypoint: python train.py
  clusterSelector: {}
```

```yaml fail
# rayops: gates=RayCronJob=true
apiVersion: ray.io/v1
kind: RayCronJob
metadata:
  name: hourly
spec:
  schedule: "0 * * * *"
  jobTemplate:  # <- KR304
    entrypoint: python train.py
```

```yaml pass
apiVersion: ray.io/v1
kind: RayJob
metadata:
  name: somewhere
spec:
  entrypoint: python train.py
  clusterSelector:
    ray.io/cluster: shared
```
"""

from __future__ import annotations

from collections.abc import Iterator

from rayops.rules import Resource, Violation
from rayops.rules.kuberay._rayjob import JOB_KINDS, cluster_selector_mode, job_specs, ray_cluster_spec

ID = "KR304"
TITLE = "RayJob sets rayClusterSpec or clusterSelector"
SEVERITY = "error"
KINDS = JOB_KINDS
SINCE = None
UNTIL = None
GATES = ("RayCronJob",)


def check(resource: Resource) -> Iterator[Violation]:
    """Yield a violation when the job has no cluster to run on."""
    for prefix, spec in job_specs(resource):
        if ray_cluster_spec(spec) is None and not cluster_selector_mode(spec):
            yield Violation(
                (*prefix, "rayClusterSpec"),
                "one of RayClusterSpec or ClusterSelector must be set: add rayClusterSpec to create a "
                "RayCluster, or clusterSelector with ray.io/cluster to use an existing one",
            )
