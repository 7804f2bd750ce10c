"""KR407: an incremental RayService upgrade sets ``clusterUpgradeOptions``.

``upgradeStrategy.type: NewClusterWithIncrementalUpgrade`` shifts traffic through a
Gateway API Gateway in steps; ``upgradeStrategy.clusterUpgradeOptions`` says which
GatewayClass to use and how big and how frequent the steps are. Since 1.5.1 the
operator refuses the incremental type without it ("ClusterUpgradeOptions are required
for NewClusterWithIncrementalUpgrade", an ``InvalidRayServiceSpec`` event). Checked
when the ``RayServiceIncrementalUpgrade`` feature gate is on (the default since
1.7.0).

```yaml fail
apiVersion: ray.io/v1
kind: RayService
metadata:
  name: fruit-stand
spec:
  upgradeStrategy:  # <- KR407
    type: NewClusterWithIncrementalUpgrade
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
apiVersion: ray.io/v1
kind: RayService
metadata:
  name: fruit-stand
spec:
  upgradeStrategy:
    type: NewClusterWithIncrementalUpgrade
    clusterUpgradeOptions:
      gatewayClassName: istio
      maxSurgePercent: 50
      stepSizePercent: 25
      intervalSeconds: 30
  rayClusterConfig:
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

from rayops.rules import Resource, Violation, as_dict
from rayops.rules.kuberay._rayjob import incremental_upgrade

ID = "KR407"
TITLE = "incremental RayService upgrade sets clusterUpgradeOptions"
SEVERITY = "error"
KINDS = ("RayService",)
SINCE = "1.5.1"
UNTIL = None
GATES = ("RayServiceIncrementalUpgrade",)


def check(resource: Resource) -> Iterator[Violation]:
    """Yield a violation for an incremental upgrade without its options."""
    if not incremental_upgrade(resource):
        return
    if as_dict(resource.spec.get("upgradeStrategy")).get("clusterUpgradeOptions") is None:
        yield Violation(
            ("spec", "upgradeStrategy", "clusterUpgradeOptions"),
            "ClusterUpgradeOptions are required for NewClusterWithIncrementalUpgrade: set "
            "upgradeStrategy.clusterUpgradeOptions (gatewayClassName, stepSizePercent, intervalSeconds)",
        )
