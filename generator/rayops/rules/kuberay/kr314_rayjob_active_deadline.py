"""KR314: a RayJob's ``activeDeadlineSeconds`` is positive.

``activeDeadlineSeconds`` bounds how long a RayJob may run before the operator fails
it with reason ``DeadlineExceeded``. The CRD does not bound the value, but the
operator refuses 0 and negative values ("activeDeadlineSeconds must be a positive
integer", an ``InvalidRayJobSpec`` event); leave the field out for no deadline. The
same check applies to a RayCronJob's ``jobTemplate``.

```yaml fail
apiVersion: ray.io/v1
kind: RayJob
metadata:
  name: train
spec:
  entrypoint: python train.py
  activeDeadlineSeconds: 0  # <- KR314
  shutdownAfterJobFinishes: true
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
  activeDeadlineSeconds: 3600
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
from rayops.rules.kuberay._rayjob import JOB_KINDS, integer, job_specs

ID = "KR314"
TITLE = "RayJob activeDeadlineSeconds is positive"
SEVERITY = "error"
KINDS = JOB_KINDS
SINCE = None
UNTIL = None
GATES = ("RayCronJob",)


def check(resource: Resource) -> Iterator[Violation]:
    """Yield a violation for a zero or negative activeDeadlineSeconds."""
    for prefix, spec in job_specs(resource):
        deadline = integer(spec.get("activeDeadlineSeconds"))
        if deadline is not None and deadline <= 0:
            yield Violation(
                (*prefix, "activeDeadlineSeconds"),
                f"activeDeadlineSeconds must be a positive integer, got {deadline}: "
                "remove the field for no deadline",
            )
