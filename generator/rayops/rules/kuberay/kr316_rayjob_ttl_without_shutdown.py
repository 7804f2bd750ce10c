"""KR316: ``ttlSecondsAfterFinished`` needs ``shutdownAfterJobFinishes: true``.

``ttlSecondsAfterFinished`` delays the deletion of the RayCluster after the job
finishes, which only happens with ``shutdownAfterJobFinishes: true``. Since 1.4.2 the
operator refuses a positive TTL without it ("a RayJob with shutdownAfterJobFinishes
set to false cannot have TTLSecondsAfterFinished", an ``InvalidRayJobSpec`` event)
rather than silently ignoring it. The same check applies to a RayCronJob's
``jobTemplate``.

```yaml fail
apiVersion: ray.io/v1
kind: RayJob
metadata:
  name: train
spec:
  entrypoint: python train.py
  ttlSecondsAfterFinished: 600  # <- KR316
  clusterSelector:
    ray.io/cluster: shared
```

```yaml pass
apiVersion: ray.io/v1
kind: RayJob
metadata:
  name: train
spec:
  entrypoint: python train.py
  shutdownAfterJobFinishes: true
  ttlSecondsAfterFinished: 600
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

ID = "KR316"
TITLE = "ttlSecondsAfterFinished needs shutdownAfterJobFinishes: true"
SEVERITY = "error"
KINDS = JOB_KINDS
SINCE = "1.4.2"
UNTIL = None
GATES = ("RayCronJob",)


def check(resource: Resource) -> Iterator[Violation]:
    """Yield a violation for a TTL that would never apply."""
    for prefix, spec in job_specs(resource):
        ttl = integer(spec.get("ttlSecondsAfterFinished"))
        if ttl is not None and ttl > 0 and spec.get("shutdownAfterJobFinishes") is not True:
            yield Violation(
                (*prefix, "ttlSecondsAfterFinished"),
                "a RayJob with shutdownAfterJobFinishes set to false cannot have TTLSecondsAfterFinished: "
                "set shutdownAfterJobFinishes: true or remove ttlSecondsAfterFinished",
            )
