"""KR318: a RayJob with ``clusterSelector`` cannot delete the cluster or its workers.

A RayJob that runs on an existing RayCluster (``clusterSelector``) does not own that
cluster, so the operator refuses deletion policies ``DeleteCluster`` and
``DeleteWorkers`` for it: in ``deletionPolicy`` (until 1.4.2), in
``deletionStrategy.onSuccess``/``onFailure`` and in each of
``deletionStrategy.deletionRules`` (since 1.5.1). It emits an ``InvalidRayJobSpec``
event ("the ClusterSelector mode doesn't support DeletionStrategy=..." or
"DeletionPolicyType '...' not supported when ClusterSelector is set"). Checked when
the ``RayJobDeletionPolicy`` gate is on (see KR317). The same check applies to a
RayCronJob's ``jobTemplate``.

```yaml fail
apiVersion: ray.io/v1
kind: RayJob
metadata:
  name: on-shared-cluster
spec:
  entrypoint: python train.py
  clusterSelector:
    ray.io/cluster: shared
  deletionStrategy:
    deletionRules:
    - policy: DeleteCluster  # <- KR318
      condition: {jobStatus: SUCCEEDED}
    - policy: DeleteSelf
      condition: {jobStatus: SUCCEEDED, ttlSeconds: 600}
```

```yaml fail
# rayops: kuberay=1.3.2 gates=RayJobDeletionPolicy=true
apiVersion: ray.io/v1
kind: RayJob
metadata:
  name: on-shared-cluster
spec:
  entrypoint: python train.py
  deletionPolicy: DeleteWorkers  # <- KR318
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
  clusterSelector:
    ray.io/cluster: shared
  deletionStrategy:
    onSuccess: {policy: DeleteSelf}
    onFailure: {policy: DeleteNone}
```
"""

from __future__ import annotations

from collections.abc import Iterator

from rayops.rules import Resource, Violation
from rayops.rules.kuberay._rayjob import (
    DELETE_CLUSTER,
    DELETE_WORKERS,
    DELETION_GATE,
    JOB_KINDS,
    cluster_selector_mode,
    deletion_policies,
    job_specs,
)

ID = "KR318"
TITLE = "RayJob with clusterSelector cannot delete the cluster or its workers"
SEVERITY = "error"
KINDS = JOB_KINDS
SINCE = None
UNTIL = None
GATES = ("RayJobDeletionPolicy", "RayCronJob")


def check(resource: Resource) -> Iterator[Violation]:
    """Yield a violation for each cluster-deleting policy in ClusterSelector mode."""
    if not resource.gate(DELETION_GATE):
        return
    for prefix, spec in job_specs(resource):
        if not cluster_selector_mode(spec):
            continue
        for path, policy in deletion_policies(resource, prefix, spec, rules=True):
            if policy in (DELETE_CLUSTER, DELETE_WORKERS):
                yield Violation(
                    path,
                    f"the ClusterSelector mode doesn't support deletion policy {policy}: this RayJob does "
                    "not own the RayCluster; use DeleteSelf or DeleteNone",
                )
