"""KR302: a suspended RayJob must have ``shutdownAfterJobFinishes: true``.

Suspending a RayJob deletes its RayCluster and resuming it creates a new one, so the
operator only allows ``suspend: true`` on a RayJob that owns a disposable cluster:
one with ``shutdownAfterJobFinishes: true``. Otherwise it emits an
``InvalidRayJobSpec`` event ("a RayJob with shutdownAfterJobFinishes set to false is
not allowed to be suspended") and, since 1.5.1, fails the RayJob with
``jobDeploymentStatus: ValidationFailed``. The same check applies to a RayCronJob's
``jobTemplate``.

```yaml fail
apiVersion: ray.io/v1
kind: RayJob
metadata:
  name: queued
spec:
  entrypoint: python train.py
  suspend: true  # <- KR302
  rayClusterSpec:
    headGroupSpec:
      rayStartParams: {}
      template:
        spec:
          containers:
          - {name: ray-head, image: rayproject/ray:2.46.0, resources: {limits: {cpu: "1", memory: 2Gi}}}
```

```yaml pass
apiVersion: ray.io/v1
kind: RayJob
metadata:
  name: queued
spec:
  entrypoint: python train.py
  suspend: true
  shutdownAfterJobFinishes: true
  rayClusterSpec:
    headGroupSpec:
      rayStartParams: {}
      template:
        spec:
          containers:
          - {name: ray-head, image: rayproject/ray:2.46.0, resources: {limits: {cpu: "1", memory: 2Gi}}}
```
"""

from __future__ import annotations

from collections.abc import Iterator

from rayops.rules import Resource, Violation
from rayops.rules.kuberay._rayjob import JOB_KINDS, job_specs

ID = "KR302"
TITLE = "suspended RayJob needs shutdownAfterJobFinishes: true"
SEVERITY = "error"
KINDS = JOB_KINDS
SINCE = None
UNTIL = None
GATES = ("RayCronJob",)


def check(resource: Resource) -> Iterator[Violation]:
    """Yield a violation for suspend without shutdownAfterJobFinishes."""
    for prefix, spec in job_specs(resource):
        if spec.get("suspend") is True and spec.get("shutdownAfterJobFinishes") is not True:
            yield Violation(
                (*prefix, "suspend"),
                "a RayJob with shutdownAfterJobFinishes set to false is not allowed to be suspended: "
                "set shutdownAfterJobFinishes: true or remove suspend",
            )
