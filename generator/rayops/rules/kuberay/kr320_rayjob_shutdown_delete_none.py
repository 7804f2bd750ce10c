"""KR320: ``shutdownAfterJobFinishes: true`` contradicts the ``DeleteNone`` policy.

``shutdownAfterJobFinishes: true`` asks the operator to delete the RayCluster when
the job finishes; a ``DeleteNone`` deletion policy asks it to keep everything. The
operator refuses the contradiction ("shutdownAfterJobFinshes is set to 'true' while
deletion policy is 'DeleteNone'", an ``InvalidRayJobSpec`` event) for
``deletionPolicy`` (until 1.4.2) and for ``deletionStrategy.onSuccess``/``onFailure``
(since 1.5.1). Checked when the ``RayJobDeletionPolicy`` gate is on (see KR317). The
same check applies to a RayCronJob's ``jobTemplate``.

```yaml fail
apiVersion: ray.io/v1
kind: RayJob
metadata:
  name: train
spec:
  entrypoint: python train.py
  shutdownAfterJobFinishes: true
  deletionStrategy:
    onSuccess: {policy: DeleteCluster}
    onFailure:
      policy: DeleteNone  # <- KR320
  rayClusterSpec:
    headGroupSpec:
      rayStartParams: {}
      template:
        spec:
          containers:
          - {name: ray-head, image: rayproject/ray:2.46.0, resources: {limits: {cpu: "1", memory: 2Gi}}}
```

```yaml fail
# rayops: kuberay=1.4.2 gates=RayJobDeletionPolicy=true
apiVersion: ray.io/v1
kind: RayJob
metadata:
  name: train
spec:
  entrypoint: python train.py
  shutdownAfterJobFinishes: true
  deletionPolicy: DeleteNone  # <- KR320
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
    onSuccess: {policy: DeleteCluster}
    onFailure: {policy: DeleteNone}
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
from rayops.rules.kuberay._rayjob import DELETE_NONE, DELETION_GATE, JOB_KINDS, deletion_policies, job_specs

ID = "KR320"
TITLE = "shutdownAfterJobFinishes: true contradicts the DeleteNone policy"
SEVERITY = "error"
KINDS = JOB_KINDS
SINCE = None
UNTIL = None
GATES = ("RayJobDeletionPolicy", "RayCronJob")


def check(resource: Resource) -> Iterator[Violation]:
    """Yield a violation for DeleteNone with shutdownAfterJobFinishes."""
    if not resource.gate(DELETION_GATE):
        return
    for prefix, spec in job_specs(resource):
        if spec.get("shutdownAfterJobFinishes") is not True:
            continue
        for path, policy in deletion_policies(resource, prefix, spec, rules=False):
            if policy == DELETE_NONE:
                yield Violation(
                    path,
                    "shutdownAfterJobFinishes is set to 'true' while the deletion policy is 'DeleteNone': "
                    "remove shutdownAfterJobFinishes and let the deletion policies decide",
                )
