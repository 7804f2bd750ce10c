"""KR323: no two ``deletionRules`` share a condition and a policy.

Each deletion rule is identified by its policy and its condition (a ``jobStatus``, or
since 1.6.2 a ``jobDeploymentStatus``). Two rules with the same pair are ambiguous
(which TTL wins?), so since 1.5.1 the operator refuses them ("duplicate rule for
DeletionPolicyType '...' and JobStatus '...'", an ``InvalidRayJobSpec`` event).
Rules the operator already refuses for another reason (KR318, KR319) do not count.
Checked when the ``RayJobDeletionPolicy`` gate is on (see KR317). The same check
applies to a RayCronJob's ``jobTemplate``.

```yaml fail
apiVersion: ray.io/v1
kind: RayJob
metadata:
  name: train
spec:
  entrypoint: python train.py
  deletionStrategy:
    deletionRules:
    - {policy: DeleteCluster, condition: {jobStatus: FAILED, ttlSeconds: 60}}
    - policy: DeleteCluster  # <- KR323
      condition: {jobStatus: FAILED, ttlSeconds: 600}
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
    - {policy: DeleteCluster, condition: {jobStatus: FAILED, ttlSeconds: 60}}
    - {policy: DeleteCluster, condition: {jobDeploymentStatus: Failed, ttlSeconds: 60}}
    - {policy: DeleteSelf, condition: {jobStatus: FAILED, ttlSeconds: 600}}
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
    DELETION_GATE,
    JOB_KINDS,
    accepted_deletion_rules,
    job_specs,
    rules_path,
)

ID = "KR323"
TITLE = "no two deletionRules share a condition and a policy"
SEVERITY = "error"
KINDS = JOB_KINDS
SINCE = "1.5.1"
UNTIL = None
GATES = ("RayJobDeletionPolicy", "RayCronJob")


def check(resource: Resource) -> Iterator[Violation]:
    """Yield a violation for each repeated (condition, policy) deletion rule."""
    if not resource.gate(DELETION_GATE):
        return
    for prefix, spec in job_specs(resource):
        seen: dict[tuple[str, str, str], int] = {}
        for rule in accepted_deletion_rules(spec):
            key = (rule.condition_type, rule.condition_value, rule.policy)
            if key in seen:
                yield Violation(
                    rules_path(prefix, rule.index, "policy"),
                    f"duplicate rule for DeletionPolicyType '{rule.policy}' and {rule.condition_type} "
                    f"'{rule.condition_value}' (same as deletionRules[{seen[key]}]): keep one of them",
                )
            else:
                seen[key] = rule.index
