"""KR111: RAY_enable_autoscaler_v2 is not turned on while in-tree autoscaling is off.

Setting ``RAY_enable_autoscaler_v2`` to ``1`` or ``true`` on the head's Ray container
(the first container) switches Ray to autoscaler v2, but without
``enableInTreeAutoscaling: true`` the operator runs no autoscaler at all. Since KubeRay
1.5.1 the operator refuses that combination: set ``enableInTreeAutoscaling: true`` (and
prefer ``autoscalerOptions.version: v2`` to the env var), or drop the env var.

The operator refuses the resource when it reconciles: a RayCluster gets an
``InvalidRayClusterSpec`` Warning event and no Pods, a RayJob an ``InvalidRayJobSpec``
event, a RayService an ``InvalidRayServiceSpec`` event and a RayCronJob (RayCronJob gate)
an ``InvalidRayCronJobSpec`` event.

```yaml fail
apiVersion: ray.io/v1
kind: RayCluster
metadata:
  name: no-autoscaler
spec:
  headGroupSpec:
    rayStartParams: {}
    template:
      spec:
        containers:
        - name: ray-head
          image: rayproject/ray:2.46.0
          env:
          - name: RAY_enable_autoscaler_v2
            value: "true"  # <- KR111
```

```yaml pass
apiVersion: ray.io/v1
kind: RayCluster
metadata:
  name: autoscaled
spec:
  enableInTreeAutoscaling: true
  headGroupSpec:
    rayStartParams: {}
    template:
      spec:
        containers:
        - name: ray-head
          image: rayproject/ray:2.46.0
          env:
          - name: RAY_enable_autoscaler_v2
            value: "true"
```
"""

from __future__ import annotations

from collections.abc import Iterator

from rayops.rules import Resource, Violation
from rayops.rules.kuberay._raycluster_spec import (
    AUTOSCALER_V2_ENV,
    CLUSTER_KINDS,
    autoscaling_enabled,
    cluster_specs,
    env_value,
    head_env,
    head_env_path,
)

ID = "KR111"
TITLE = "RAY_enable_autoscaler_v2 is not turned on while in-tree autoscaling is off"
SEVERITY = "error"
KINDS = CLUSTER_KINDS
SINCE = "1.5.1"
UNTIL = None
GATES = ()


def check(resource: Resource) -> Iterator[Violation]:
    """Yield a violation for RAY_enable_autoscaler_v2=1/true on the head without autoscaling."""
    for base, spec in cluster_specs(resource):
        if autoscaling_enabled(spec):
            continue
        found = head_env(spec, AUTOSCALER_V2_ENV)
        if found is None or env_value(found[1]) not in ("1", "true"):
            continue
        yield Violation(
            (*head_env_path(base, found[0]), "value"),
            f"environment variable {AUTOSCALER_V2_ENV} cannot be set to '{env_value(found[1])}' when "
            "enableInTreeAutoscaling is false. Please set enableInTreeAutoscaling: true to use "
            "autoscaler v2",
        )
