"""KR315: a RayJob's ``ttlSecondsAfterFinished`` is not negative.

``ttlSecondsAfterFinished`` is how long the operator waits after the job finishes
before deleting the RayCluster (with ``shutdownAfterJobFinishes: true``). The CRD does
not bound it, but since 1.4.2 the operator refuses a negative value
("TTLSecondsAfterFinished must be a non-negative integer", an ``InvalidRayJobSpec``
event). The same check applies to a RayCronJob's ``jobTemplate``.

```yaml fail
apiVersion: ray.io/v1
kind: RayJob
metadata:
  name: train
spec:
  entrypoint: python train.py
  shutdownAfterJobFinishes: true
  ttlSecondsAfterFinished: -60  # <- KR315
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
  name: train
spec:
  entrypoint: python train.py
  shutdownAfterJobFinishes: true
  ttlSecondsAfterFinished: 60
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
from rayops.rules.kuberay._rayjob import JOB_KINDS, integer, job_specs

ID = "KR315"
TITLE = "RayJob ttlSecondsAfterFinished is not negative"
SEVERITY = "error"
KINDS = JOB_KINDS
SINCE = "1.4.2"
UNTIL = None
GATES = ("RayCronJob",)


def check(resource: Resource) -> Iterator[Violation]:
    """Yield a violation for a negative ttlSecondsAfterFinished."""
    for prefix, spec in job_specs(resource):
        ttl = integer(spec.get("ttlSecondsAfterFinished"))
        if ttl is not None and ttl < 0:
            yield Violation(
                (*prefix, "ttlSecondsAfterFinished"),
                f"TTLSecondsAfterFinished must be a non-negative integer, got {ttl}",
            )
