"""KR309: a RayJob's ``backoffLimit`` is not negative.

``backoffLimit`` is the number of retries of a failed RayJob. The CRD does not bound
it, but the operator refuses a negative value ("backoffLimit must be a positive
integer", an ``InvalidRayJobSpec`` event; 0, the default, means no retry). The same
check applies to a RayCronJob's ``jobTemplate``.

```yaml fail
apiVersion: ray.io/v1
kind: RayJob
metadata:
  name: train
spec:
  entrypoint: python train.py
  backoffLimit: -1  # <- KR309
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
  backoffLimit: 3
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

ID = "KR309"
TITLE = "RayJob backoffLimit is not negative"
SEVERITY = "error"
KINDS = JOB_KINDS
SINCE = None
UNTIL = None
GATES = ("RayCronJob",)


def check(resource: Resource) -> Iterator[Violation]:
    """Yield a violation for a negative backoffLimit."""
    for prefix, spec in job_specs(resource):
        limit = integer(spec.get("backoffLimit"))
        if limit is not None and limit < 0:
            yield Violation(
                (*prefix, "backoffLimit"),
                f"backoffLimit must be a positive integer (or 0 for no retry), got {limit}",
            )
