"""KR321: ``deletionRules`` and ``shutdownAfterJobFinishes`` are mutually exclusive.

``deletionStrategy.deletionRules`` (since 1.5.1) decide, per job outcome and with
their own TTLs, what the operator deletes after the job finishes;
``shutdownAfterJobFinishes`` (with ``ttlSecondsAfterFinished``) is the older way to
say the same thing. The operator refuses both together ("spec.shutdownAfterJobFinishes
and spec.deletionStrategy.deletionRules are mutually exclusive", an
``InvalidRayJobSpec`` event). Checked when the ``RayJobDeletionPolicy`` gate is on
(see KR317). The same check applies to a RayCronJob's ``jobTemplate``.

```yaml fail
apiVersion: ray.io/v1
kind: RayJob
metadata:
  name: train
spec:
  entrypoint: python train.py
  shutdownAfterJobFinishes: true  # <- KR321
  deletionStrategy:
    deletionRules:
    - {policy: DeleteCluster, condition: {jobStatus: SUCCEEDED, ttlSeconds: 60}}
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
  deletionStrategy:
    deletionRules:
    - {policy: DeleteCluster, condition: {jobStatus: SUCCEEDED, ttlSeconds: 60}}
    - {policy: DeleteCluster, condition: {jobStatus: FAILED, ttlSeconds: 3600}}
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
from rayops.rules.kuberay._rayjob import DELETION_GATE, JOB_KINDS, deletion_rules, job_specs

ID = "KR321"
TITLE = "deletionRules and shutdownAfterJobFinishes are mutually exclusive"
SEVERITY = "error"
KINDS = JOB_KINDS
SINCE = "1.5.1"
UNTIL = None
GATES = ("RayJobDeletionPolicy", "RayCronJob")


def check(resource: Resource) -> Iterator[Violation]:
    """Yield a violation for deletionRules combined with shutdownAfterJobFinishes."""
    if not resource.gate(DELETION_GATE):
        return
    for prefix, spec in job_specs(resource):
        if spec.get("shutdownAfterJobFinishes") is True and deletion_rules(spec):
            yield Violation(
                (*prefix, "shutdownAfterJobFinishes"),
                "spec.shutdownAfterJobFinishes and spec.deletionStrategy.deletionRules are mutually "
                "exclusive: remove shutdownAfterJobFinishes (and ttlSecondsAfterFinished) and express "
                "the cleanup as deletion rules",
            )
