"""KR317: RayJob deletion policies need the ``RayJobDeletionPolicy`` feature gate.

``deletionPolicy`` (until 1.4.2) and ``deletionStrategy`` (since 1.5.1) choose what
the operator deletes when a RayJob finishes. Both are behind the operator's
``RayJobDeletionPolicy`` feature gate, off by default until 1.5.1 and on by default
since 1.6.2. With the gate off the operator refuses a RayJob that sets them
("RayJobDeletionPolicy feature gate must be enabled to use ...", an
``InvalidRayJobSpec`` event). The same check applies to a RayCronJob's
``jobTemplate``.

```yaml fail
# rayops: kuberay=1.5.1
apiVersion: ray.io/v1
kind: RayJob
metadata:
  name: train
spec:
  entrypoint: python train.py
  deletionStrategy: {onSuccess: {policy: DeleteCluster}, onFailure: {policy: DeleteNone}}  # <- KR317
  rayClusterSpec:
    headGroupSpec:
      rayStartParams: {}
      template:
        spec:
          containers:
          - {name: ray-head, image: rayproject/ray:2.46.0, resources: {limits: {cpu: "1", memory: 2Gi}}}
```

```yaml fail
# rayops: kuberay=1.4.2
apiVersion: ray.io/v1
kind: RayJob
metadata:
  name: train
spec:
  entrypoint: python train.py
  deletionPolicy: DeleteCluster  # <- KR317
  rayClusterSpec:
    headGroupSpec:
      rayStartParams: {}
      template:
        spec:
          containers:
          - {name: ray-head, image: rayproject/ray:2.46.0, resources: {limits: {cpu: "1", memory: 2Gi}}}
```

```yaml pass
# rayops: kuberay=1.5.1 gates=RayJobDeletionPolicy=true
apiVersion: ray.io/v1
kind: RayJob
metadata:
  name: train
spec:
  entrypoint: python train.py
  deletionStrategy: {onSuccess: {policy: DeleteCluster}, onFailure: {policy: DeleteNone}}
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
from rayops.rules.kuberay._rayjob import DELETION_GATE, JOB_KINDS, job_specs

ID = "KR317"
TITLE = "RayJob deletion policies need the RayJobDeletionPolicy feature gate"
SEVERITY = "error"
KINDS = JOB_KINDS
SINCE = None
UNTIL = None
GATES = ("RayJobDeletionPolicy", "RayCronJob")


def check(resource: Resource) -> Iterator[Violation]:
    """Yield a violation for a deletion policy while the gate is off."""
    if resource.gate(DELETION_GATE):
        return
    field = "deletionStrategy" if resource.at_least("1.5.1") else "deletionPolicy"
    for prefix, spec in job_specs(resource):
        if spec.get(field) is not None:
            yield Violation(
                (*prefix, field),
                f"{DELETION_GATE} feature gate must be enabled to use {field}: enable the gate on the "
                "operator (--feature-gates=RayJobDeletionPolicy=true) or remove the field",
            )
