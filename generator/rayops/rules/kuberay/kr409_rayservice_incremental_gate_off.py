"""KR409: ``NewClusterWithIncrementalUpgrade`` without its feature gate disables upgrades.

``upgradeStrategy.type: NewClusterWithIncrementalUpgrade`` (since 1.5.1) only works
with the operator's ``RayServiceIncrementalUpgrade`` feature gate, off by default
until 1.6.2. With the gate off the operator does not refuse the RayService: it treats
every type but ``NewCluster`` as "zero-downtime upgrade disabled": a change to
``rayClusterConfig`` that needs a new RayCluster is never rolled out (only worker
group changes are applied in place). Enable the gate, or use ``type: NewCluster``.

```yaml fail
# rayops: kuberay=1.6.2
apiVersion: ray.io/v1
kind: RayService
metadata:
  name: fruit-stand
spec:
  upgradeStrategy:
    type: NewClusterWithIncrementalUpgrade  # <- KR409
    clusterUpgradeOptions: {gatewayClassName: istio, stepSizePercent: 10, intervalSeconds: 60}
  rayClusterConfig:
    enableInTreeAutoscaling: true
    headGroupSpec:
      rayStartParams: {}
      template:
        spec:
          containers:
          - {name: ray-head, image: rayproject/ray:2.46.0, resources: {limits: {cpu: "1", memory: 2Gi}}}
```

```yaml pass
# rayops: kuberay=1.6.2
apiVersion: ray.io/v1
kind: RayService
metadata:
  name: fruit-stand
spec:
  upgradeStrategy:
    type: NewCluster
  rayClusterConfig:
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
from rayops.rules.kuberay._rayjob import INCREMENTAL_GATE, INCREMENTAL_UPGRADE, upgrade_type

ID = "KR409"
TITLE = "NewClusterWithIncrementalUpgrade without its feature gate disables upgrades"
SEVERITY = "warning"
KINDS = ("RayService",)
SINCE = "1.5.1"
UNTIL = None
GATES = ("RayServiceIncrementalUpgrade",)


def check(resource: Resource) -> Iterator[Violation]:
    """Yield a warning for the incremental type while its gate is off."""
    if upgrade_type(resource) == INCREMENTAL_UPGRADE and not resource.gate(INCREMENTAL_GATE):
        yield Violation(
            ("spec", "upgradeStrategy", "type"),
            f"the {INCREMENTAL_GATE} feature gate is off: the operator disables zero-downtime upgrades for "
            f"{INCREMENTAL_UPGRADE}, so rayClusterConfig changes that need a new RayCluster are never "
            "rolled out; enable the gate or use type NewCluster",
        )
