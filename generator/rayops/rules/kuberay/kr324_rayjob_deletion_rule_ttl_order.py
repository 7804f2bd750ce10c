"""KR324: deletion rule TTLs delete workers, then the cluster, then the RayJob.

For one condition (a ``jobStatus``, or since 1.6.2 a ``jobDeploymentStatus``), the
rules must not delete a bigger thing before a smaller one: the TTL of
``DeleteWorkers`` must be at most that of ``DeleteCluster``, which must be at most
that of ``DeleteSelf`` (deleting the RayJob also deletes its cluster). Since 1.5.1 the
operator refuses rules out of this order ("for JobStatus 'FAILED': DeleteCluster TTL
(600) must be >= DeleteWorkers TTL (900)", an ``InvalidRayJobSpec`` event). Checked
when the ``RayJobDeletionPolicy`` gate is on (see KR317). The same check applies to a
RayCronJob's ``jobTemplate``.

```yaml fail
apiVersion: ray.io/v1
kind: RayJob
metadata:
  name: train
spec:
  entrypoint: python train.py
  deletionStrategy:
    deletionRules:
    - policy: DeleteCluster
      condition:
        jobStatus: FAILED
        ttlSeconds: 600
    - policy: DeleteSelf
      condition:
        jobStatus: FAILED
        ttlSeconds: 60  # <- KR324
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
    - {policy: DeleteWorkers, condition: {jobStatus: FAILED, ttlSeconds: 0}}
    - {policy: DeleteCluster, condition: {jobStatus: FAILED, ttlSeconds: 600}}
    - {policy: DeleteSelf, condition: {jobStatus: FAILED, ttlSeconds: 3600}}
    - {policy: DeleteSelf, condition: {jobStatus: SUCCEEDED, ttlSeconds: 60}}
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
from rayops.rules.kuberay._rayjob import (
    DELETE_CLUSTER,
    DELETE_SELF,
    DELETE_WORKERS,
    DELETION_GATE,
    JOB_KINDS,
    DeletionRule,
    accepted_deletion_rules,
    job_specs,
    rules_path,
)

ID = "KR324"
TITLE = "deletion rule TTLs delete workers, then the cluster, then the RayJob"
SEVERITY = "error"
KINDS = JOB_KINDS
SINCE = "1.5.1"
UNTIL = None
GATES = ("RayJobDeletionPolicy", "RayCronJob")

ORDER = (DELETE_WORKERS, DELETE_CLUSTER, DELETE_SELF)


def check(resource: Resource) -> Iterator[Violation]:
    """Yield a violation for each rule whose TTL is below the one it must follow."""
    if not resource.gate(DELETION_GATE):
        return
    for prefix, spec in job_specs(resource):
        groups: dict[tuple[str, str], dict[str, DeletionRule]] = {}
        for rule in accepted_deletion_rules(spec):
            group = groups.setdefault((rule.condition_type, rule.condition_value), {})
            group.setdefault(rule.policy, rule)  # the operator keeps the first of duplicates
        for (condition_type, condition_value), by_policy in groups.items():
            previous: DeletionRule | None = None
            for policy in ORDER:
                current = by_policy.get(policy)
                if current is None:
                    continue
                if previous is not None and current.ttl < previous.ttl:
                    yield Violation(
                        rules_path(prefix, current.index, "condition", "ttlSeconds"),
                        f"for {condition_type} '{condition_value}': {policy} TTL ({current.ttl}) must be >= "
                        f"{previous.policy} TTL ({previous.ttl}): workers are deleted first, then the "
                        "cluster, then the RayJob",
                    )
                previous = current
