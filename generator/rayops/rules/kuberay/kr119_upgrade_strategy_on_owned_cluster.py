"""KR119: upgradeStrategy is only for RayClusters that a user creates directly.

A RayCluster's ``upgradeStrategy.type`` (``Recreate`` or ``None``, since KubeRay 1.6.2)
says what the operator does with running Pods when the Pod templates change. It is meant
for RayClusters a user creates directly: a RayJob or RayService decides itself what
happens to the RayCluster it owns (a RayService upgrades by preparing a new cluster), so
the operator refuses a RayCluster that sets ``upgradeStrategy.type`` and carries the
``ray.io/originated-from-crd: RayJob`` or ``RayService`` label, which is what a RayJob's
``rayClusterSpec`` or a RayService's ``rayClusterConfig`` (or a RayCronJob's template)
with ``upgradeStrategy.type`` becomes. Remove it from the embedded cluster spec.

The RayJob or RayService itself is accepted; the RayCluster it creates gets an
``InvalidRayClusterSpec`` Warning event ("The RayCluster UpgradeStrategy is invalid") and
no Pods, so the RayJob or RayService never becomes ready. (The CRD schema already
restricts the type to ``Recreate`` and ``None``, so the operator's own check of the
value can never fail.)

```yaml fail
apiVersion: ray.io/v1
kind: RayService
metadata:
  name: serve
spec:
  rayClusterConfig:
    upgradeStrategy:
      type: Recreate  # <- KR119
    headGroupSpec:
      rayStartParams: {}
      template:
        spec:
          containers: [{name: ray-head, image: rayproject/ray:2.46.0}]
```

```yaml fail
apiVersion: ray.io/v1
kind: RayCluster
metadata:
  name: copied-from-job
  labels:
    ray.io/originated-from-crd: RayJob
spec:
  upgradeStrategy:
    type: None  # <- KR119
  headGroupSpec:
    rayStartParams: {}
    template:
      spec:
        containers: [{name: ray-head, image: rayproject/ray:2.46.0}]
```

```yaml pass
apiVersion: ray.io/v1
kind: RayCluster
metadata:
  name: standalone
spec:
  upgradeStrategy:
    type: Recreate
  headGroupSpec:
    rayStartParams: {}
    template:
      spec:
        containers: [{name: ray-head, image: rayproject/ray:2.46.0}]
```
"""

from __future__ import annotations

from collections.abc import Iterator

from rayops.rules import Resource, Violation, as_dict
from rayops.rules.kuberay._raycluster_spec import CLUSTER_KINDS, child_cluster_specs

ID = "KR119"
TITLE = "upgradeStrategy is only for RayClusters that a user creates directly"
SEVERITY = "error"
KINDS = CLUSTER_KINDS
SINCE = "1.6.2"
UNTIL = None
GATES = ()

ORIGIN_LABEL = "ray.io/originated-from-crd"
OWNING_KINDS = ("RayJob", "RayService")


def _creator(resource: Resource) -> str | None:
    if resource.kind == "RayCluster":
        origin = resource.labels.get(ORIGIN_LABEL)
        return origin if origin in OWNING_KINDS else None
    return "RayService" if resource.kind == "RayService" else "RayJob"


def check(resource: Resource) -> Iterator[Violation]:
    """Yield a violation for upgradeStrategy.type on a RayCluster that a RayJob or RayService creates."""
    creator = _creator(resource)
    if creator is None:
        return
    for base, spec in child_cluster_specs(resource):
        strategy = as_dict(spec.get("upgradeStrategy"))
        if strategy.get("type") is None:
            continue
        owned = (
            ""
            if resource.kind == "RayCluster"
            else f"; the RayCluster this {resource.kind} creates is refused"
        )
        yield Violation(
            (*base, "upgradeStrategy", "type"),
            f"upgradeStrategy cannot be set when RayCluster is created by {creator}{owned}: "
            "remove upgradeStrategy",
        )
