"""KR322: ``deletionStrategy.onSuccess`` and ``onFailure`` each set a ``policy``.

With the legacy form of ``deletionStrategy`` (since 1.5.1; deprecated in favour of
``deletionRules``) both ``onSuccess`` and ``onFailure`` are required, and each must
say what to delete. The CRD requires the two blocks but not their ``policy`` field,
so ``onSuccess: {}`` is stored; the operator then refuses the RayJob ("the
DeletionPolicyType field of DeletionStrategy.OnSuccess cannot be unset when
DeletionStrategy is enabled", an ``InvalidRayJobSpec`` event). Checked when the
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
    onSuccess: {policy: DeleteCluster}
    onFailure: {}  # <- KR322
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

from rayops.rules import Resource, Violation, as_dict
from rayops.rules.kuberay._rayjob import (
    DELETION_GATE,
    JOB_KINDS,
    deletion_strategy,
    job_specs,
    legacy_configured,
    rules_configured,
)

ID = "KR322"
TITLE = "deletionStrategy onSuccess and onFailure each set a policy"
SEVERITY = "error"
KINDS = JOB_KINDS
SINCE = "1.5.1"
UNTIL = None
GATES = ("RayJobDeletionPolicy", "RayCronJob")


def check(resource: Resource) -> Iterator[Violation]:
    """Yield a violation for each legacy policy block without a policy."""
    if not resource.gate(DELETION_GATE):
        return
    for prefix, spec in job_specs(resource):
        strategy = deletion_strategy(spec)
        if strategy is None or not legacy_configured(strategy) or rules_configured(strategy):
            continue
        for key, name in (("onSuccess", "OnSuccess"), ("onFailure", "OnFailure")):
            block = strategy.get(key)
            if block is not None and not isinstance(as_dict(block).get("policy"), str):
                yield Violation(
                    (*prefix, "deletionStrategy", key),
                    f"the DeletionPolicyType field of DeletionStrategy.{name} cannot be unset when "
                    f"DeletionStrategy is enabled: set {key}.policy (DeleteCluster, DeleteWorkers, "
                    "DeleteSelf or DeleteNone)",
                )
