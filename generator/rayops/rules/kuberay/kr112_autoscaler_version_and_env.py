"""KR112: autoscalerOptions.version and the RAY_enable_autoscaler_v2 env var are not both set.

Since KubeRay 1.4.2 ``autoscalerOptions.version`` (``v1`` or ``v2``) chooses the Ray
autoscaler version; the operator then sets ``RAY_enable_autoscaler_v2`` on the Ray Pods
itself. With ``enableInTreeAutoscaling: true`` it refuses a head Ray container (the first
container) that also sets ``RAY_enable_autoscaler_v2``, whatever its value: keep only
``autoscalerOptions.version``.

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
    version: v2
  headGroupSpec:
    rayStartParams: {}
    template:
      spec:
        containers:
        - name: ray-head
          image: rayproject/ray:2.46.0
          env:
          - name: RAY_enable_autoscaler_v2  # <- KR112
            value: "1"
```

```yaml pass
apiVersion: ray.io/v1
kind: RayCluster
metadata:
  name: autoscaled
spec:
  enableInTreeAutoscaling: true
  autoscalerOptions:
    version: v2
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
from rayops.rules.kuberay._raycluster_spec import (
    AUTOSCALER_V2_ENV,
    CLUSTER_KINDS,
    autoscaler_version_set,
    autoscaling_enabled,
    cluster_specs,
    head_env,
    head_env_path,
)

ID = "KR112"
TITLE = "autoscalerOptions.version and the RAY_enable_autoscaler_v2 env var are not both set"
SEVERITY = "error"
KINDS = CLUSTER_KINDS
SINCE = "1.4.2"
UNTIL = None
GATES = ()


def check(resource: Resource) -> Iterator[Violation]:
    """Yield a violation for RAY_enable_autoscaler_v2 on the head next to autoscalerOptions.version."""
    for base, spec in cluster_specs(resource):
        if not (autoscaling_enabled(spec) and autoscaler_version_set(spec)):
            continue
        found = head_env(spec, AUTOSCALER_V2_ENV)
        if found is not None:
            yield Violation(
                (*head_env_path(base, found[0]), "name"),
                f"both .spec.autoscalerOptions.version and head Pod env var {AUTOSCALER_V2_ENV} are set, "
                "please only use the former",
            )
