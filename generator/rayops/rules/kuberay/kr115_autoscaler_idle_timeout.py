"""KR115: autoscalerOptions.idleTimeoutSeconds is not negative.

``autoscalerOptions.idleTimeoutSeconds`` tells the Ray autoscaler (v1 or v2) how long a
worker may sit idle before it is removed. Since KubeRay 1.6.2 the operator refuses a
negative value; the CRD schema has no minimum, so the API server accepts it.

The operator refuses the resource when it reconciles: a RayCluster gets an
``InvalidRayClusterSpec`` Warning event and no Pods, a RayJob an ``InvalidRayJobSpec``
event, a RayService an ``InvalidRayServiceSpec`` event and a RayCronJob (RayCronJob gate)
an ``InvalidRayCronJobSpec`` event.

```yaml fail
apiVersion: ray.io/v1
kind: RayCluster
metadata:
  name: autoscaled
spec:
  enableInTreeAutoscaling: true
  autoscalerOptions:
    idleTimeoutSeconds: -60  # <- KR115
  headGroupSpec:
    rayStartParams: {}
    template:
      spec:
        containers: [{name: ray-head, image: rayproject/ray:2.46.0}]
```

```yaml fail
# rayops: gates=RayCronJob=true
apiVersion: ray.io/v1
kind: RayCronJob
metadata:
  name: nightly
spec:
  schedule: "0 2 * * *"
  jobTemplate:
    entrypoint: python -c "print(1)"
    shutdownAfterJobFinishes: true
    rayClusterSpec:
      enableInTreeAutoscaling: true
      autoscalerOptions:
        idleTimeoutSeconds: -1  # <- KR115
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
  name: autoscaled
spec:
  enableInTreeAutoscaling: true
  autoscalerOptions:
    idleTimeoutSeconds: 0
  headGroupSpec:
    rayStartParams: {}
    template:
      spec:
        containers: [{name: ray-head, image: rayproject/ray:2.46.0}]
```
"""

from __future__ import annotations

from collections.abc import Iterator

from rayops.rules import Resource, Violation
from rayops.rules.kuberay._raycluster_spec import CLUSTER_KINDS, autoscaler_options, cluster_specs, int_value

ID = "KR115"
TITLE = "autoscalerOptions.idleTimeoutSeconds is not negative"
SEVERITY = "error"
KINDS = CLUSTER_KINDS
SINCE = "1.6.2"
UNTIL = None
GATES = ()


def check(resource: Resource) -> Iterator[Violation]:
    """Yield a violation for a negative autoscalerOptions.idleTimeoutSeconds."""
    for base, spec in cluster_specs(resource):
        timeout = int_value(autoscaler_options(spec).get("idleTimeoutSeconds"))
        if timeout is not None and timeout < 0:
            yield Violation(
                (*base, "autoscalerOptions", "idleTimeoutSeconds"),
                f"autoscalerOptions.idleTimeoutSeconds must be non-negative, got {timeout}",
            )
