"""KR406: an incremental RayService upgrade needs the Ray autoscaler.

With ``upgradeStrategy.type: NewClusterWithIncrementalUpgrade`` the operator grows the
new RayCluster step by step while it shifts traffic to it, by raising Ray Serve's
target capacity and letting the Ray autoscaler add workers. Without
``rayClusterConfig.enableInTreeAutoscaling: true`` this cannot work, so since 1.5.1
the operator refuses it ("Ray Autoscaler is required for
NewClusterWithIncrementalUpgrade", an ``InvalidRayServiceSpec`` event). Checked when
the ``RayServiceIncrementalUpgrade`` feature gate is on (the default since 1.7.0).

```yaml fail
apiVersion: ray.io/v1
kind: RayService
metadata:
  name: fruit-stand
spec:
  upgradeStrategy:
    type: NewClusterWithIncrementalUpgrade
    clusterUpgradeOptions: {gatewayClassName: istio, stepSizePercent: 10, intervalSeconds: 60}
  rayClusterConfig:  # <- KR406
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
"""

from __future__ import annotations

from collections.abc import Iterator

from rayops.rules import Resource, Violation, as_dict
from rayops.rules.kuberay._rayjob import autoscaling_enabled, incremental_upgrade

ID = "KR406"
TITLE = "incremental RayService upgrade needs the Ray autoscaler"
SEVERITY = "error"
KINDS = ("RayService",)
SINCE = "1.5.1"
UNTIL = None
GATES = ("RayServiceIncrementalUpgrade",)


def check(resource: Resource) -> Iterator[Violation]:
    """Yield a violation for an incremental upgrade without autoscaling."""
    if not incremental_upgrade(resource):
        return
    if not autoscaling_enabled(as_dict(resource.spec.get("rayClusterConfig"))):
        yield Violation(
            ("spec", "rayClusterConfig", "enableInTreeAutoscaling"),
            "Ray Autoscaler is required for NewClusterWithIncrementalUpgrade: set "
            "rayClusterConfig.enableInTreeAutoscaling: true, or use upgradeStrategy.type NewCluster",
        )
