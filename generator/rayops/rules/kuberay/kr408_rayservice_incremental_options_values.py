"""KR408: ``clusterUpgradeOptions`` values are in range.

For an incremental upgrade (``upgradeStrategy.type: NewClusterWithIncrementalUpgrade``)
the operator refuses, with an ``InvalidRayServiceSpec`` event:

* ``maxSurgePercent`` (default 100) or ``stepSizePercent`` outside 0-100;
* since 1.7.0, ``stepSizePercent`` above ``maxSurgePercent`` (traffic cannot move
  faster than capacity is added);
* ``intervalSeconds`` of 0 or less;
* an empty ``gatewayClassName``.

The CRD only requires the fields to be present. Checked when the
``RayServiceIncrementalUpgrade`` feature gate is on (the default since 1.7.0).

```yaml fail
apiVersion: ray.io/v1
kind: RayService
metadata:
  name: fruit-stand
spec:
  upgradeStrategy:
    type: NewClusterWithIncrementalUpgrade
    clusterUpgradeOptions:
      gatewayClassName: ""  # <- KR408
      maxSurgePercent: 20
      stepSizePercent: 50  # <- KR408
      intervalSeconds: 0  # <- KR408
  rayClusterConfig:
    enableInTreeAutoscaling: true
    headGroupSpec:
      rayStartParams: {}
      template:
        spec:
          containers:
          - {name: ray-head, image: rayproject/ray:2.46.0, resources: {limits: {cpu: "1", memory: 2Gi}}}
```

```yaml fail
# rayops: kuberay=1.6.2 gates=RayServiceIncrementalUpgrade=true
apiVersion: ray.io/v1
kind: RayService
metadata:
  name: fruit-stand
spec:
  upgradeStrategy:
    type: NewClusterWithIncrementalUpgrade
    clusterUpgradeOptions:
      gatewayClassName: istio
      maxSurgePercent: 150  # <- KR408
      stepSizePercent: 120  # <- KR408
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

```yaml pass
apiVersion: ray.io/v1
kind: RayService
metadata:
  name: fruit-stand
spec:
  upgradeStrategy:
    type: NewClusterWithIncrementalUpgrade
    clusterUpgradeOptions: {gatewayClassName: istio, stepSizePercent: 20, intervalSeconds: 30}
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
from rayops.rules.kuberay._rayjob import incremental_upgrade, integer

ID = "KR408"
TITLE = "clusterUpgradeOptions values are in range"
SEVERITY = "error"
KINDS = ("RayService",)
SINCE = "1.5.1"
UNTIL = None
GATES = ("RayServiceIncrementalUpgrade",)

OPTIONS = ("spec", "upgradeStrategy", "clusterUpgradeOptions")


def check(resource: Resource) -> Iterator[Violation]:
    """Yield a violation for each out-of-range incremental upgrade option."""
    if not incremental_upgrade(resource):
        return
    options = as_dict(resource.spec.get("upgradeStrategy")).get("clusterUpgradeOptions")
    if not isinstance(options, dict):
        return
    surge = integer(options.get("maxSurgePercent"))
    step = integer(options.get("stepSizePercent"))
    interval = integer(options.get("intervalSeconds"))
    if surge is not None and not 0 <= surge <= 100:
        yield Violation(
            (*OPTIONS, "maxSurgePercent"), f"maxSurgePercent must be between 0 and 100, got {surge}"
        )
    if step is not None and not 0 <= step <= 100:
        yield Violation(
            (*OPTIONS, "stepSizePercent"), f"stepSizePercent must be between 0 and 100, got {step}"
        )
    elif step is not None and surge is not None and step > surge and resource.at_least("1.7.0"):
        yield Violation(
            (*OPTIONS, "stepSizePercent"),
            f"stepSizePercent ({step}) must be less than or equal to maxSurgePercent ({surge})",
        )
    if interval is not None and interval <= 0:
        yield Violation(
            (*OPTIONS, "intervalSeconds"), f"intervalSeconds must be greater than 0, got {interval}"
        )
    if options.get("gatewayClassName") == "":
        yield Violation(
            (*OPTIONS, "gatewayClassName"),
            "gatewayClassName is required for NewClusterWithIncrementalUpgrade: set it to the GatewayClass "
            "installed by the cluster admin",
        )
