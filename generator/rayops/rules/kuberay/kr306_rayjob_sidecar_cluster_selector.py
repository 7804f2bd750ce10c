"""KR306: ``SidecarMode`` cannot be used with ``clusterSelector``.

In ``SidecarMode`` the operator injects the job submitter as a container of the head
Pod of the RayCluster it creates; an existing cluster chosen by ``clusterSelector``
has no such container, so since 1.5.1 the operator refuses the combination
("ClusterSelector is not supported in SidecarMode", an ``InvalidRayJobSpec`` event).
The same check applies to a RayCronJob's ``jobTemplate``.

```yaml fail
apiVersion: ray.io/v1
kind: RayJob
metadata:
  name: on-shared-cluster
spec:
  entrypoint: python train.py
  submissionMode: SidecarMode  # <- KR306
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
  submissionMode: HTTPMode
  clusterSelector:
    ray.io/cluster: shared
```
"""

from __future__ import annotations

from collections.abc import Iterator

from rayops.rules import Resource, Violation
from rayops.rules.kuberay._rayjob import (
    JOB_KINDS,
    SIDECAR_MODE,
    cluster_selector_mode,
    job_specs,
    submission_mode,
)

ID = "KR306"
TITLE = "SidecarMode cannot be used with clusterSelector"
SEVERITY = "error"
KINDS = JOB_KINDS
SINCE = "1.5.1"
UNTIL = None
GATES = ("RayCronJob",)


def check(resource: Resource) -> Iterator[Violation]:
    """Yield a violation for SidecarMode in ClusterSelector mode."""
    for prefix, spec in job_specs(resource):
        if submission_mode(spec) == SIDECAR_MODE and cluster_selector_mode(spec):
            yield Violation(
                (*prefix, "submissionMode"),
                "ClusterSelector is not supported in SidecarMode: use K8sJobMode or HTTPMode to submit "
                "to an existing RayCluster",
            )
