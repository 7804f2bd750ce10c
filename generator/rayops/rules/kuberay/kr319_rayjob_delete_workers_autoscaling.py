"""KR319: ``DeleteWorkers`` is not supported on an autoscaled RayCluster.

The ``DeleteWorkers`` deletion policy suspends the worker groups of the RayJob's
cluster, which the Ray autoscaler does not support yet. The operator refuses it when
``rayClusterSpec.enableInTreeAutoscaling`` is true, in ``deletionPolicy`` (until
1.4.2), ``deletionStrategy.onSuccess``/``onFailure`` and ``deletionRules`` (since
1.5.1), with an ``InvalidRayJobSpec`` event ("DeletionStrategy=DeleteWorkers currently
does not support RayCluster with autoscaling enabled"). Checked when the
``RayJobDeletionPolicy`` gate is on (see KR317). The same check applies to a
RayCronJob's ``jobTemplate``.

```yaml fail
apiVersion: ray.io/v1
kind: RayJob
metadata:
  name: train
spec:
  entrypoint: python train.py
  deletionStrategy:
    onSuccess:
      policy: DeleteWorkers  # <- KR319
    onFailure: {policy: DeleteCluster}
  rayClusterSpec:
    enableInTreeAutoscaling: true
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
    onFailure: {policy: DeleteCluster}
  rayClusterSpec:
    enableInTreeAutoscaling: true
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
from rayops.rules.kuberay._rayjob import (
    DELETE_WORKERS,
    DELETION_GATE,
    JOB_KINDS,
    autoscaling_enabled,
    cluster_selector_mode,
    deletion_policies,
    job_specs,
    ray_cluster_spec,
)

ID = "KR319"
TITLE = "DeleteWorkers is not supported on an autoscaled RayCluster"
SEVERITY = "error"
KINDS = JOB_KINDS
SINCE = None
UNTIL = None
GATES = ("RayJobDeletionPolicy", "RayCronJob")


def check(resource: Resource) -> Iterator[Violation]:
    """Yield a violation for each DeleteWorkers policy on an autoscaled cluster."""
    if not resource.gate(DELETION_GATE):
        return
    for prefix, spec in job_specs(resource):
        # In ClusterSelector mode the operator reports the policy itself (KR318) first.
        if cluster_selector_mode(spec) or not autoscaling_enabled(ray_cluster_spec(spec)):
            continue
        for path, policy in deletion_policies(resource, prefix, spec, rules=True):
            if policy == DELETE_WORKERS:
                yield Violation(
                    path,
                    "DeleteWorkers currently does not support RayCluster with autoscaling enabled: use "
                    "DeleteCluster, or disable enableInTreeAutoscaling",
                )
