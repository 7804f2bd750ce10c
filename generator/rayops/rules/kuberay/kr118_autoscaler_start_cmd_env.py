"""KR118: autoscalerOptions.env does not set KUBERAY_GEN_AUTOSCALER_START_CMD.

The operator injects ``KUBERAY_GEN_AUTOSCALER_START_CMD`` (the autoscaler command it
generates) into the autoscaler container, so that custom ``autoscalerOptions.args`` can
run ``$KUBERAY_GEN_AUTOSCALER_START_CMD``. A user value in ``autoscalerOptions.env``
would silently replace it, so since KubeRay 1.7.0 the operator refuses it: remove the
entry.

The operator refuses the resource when it reconciles: a RayCluster gets an
``InvalidRayClusterSpec`` Warning event and no Pods, a RayJob an ``InvalidRayJobSpec``
event, a RayService an ``InvalidRayServiceSpec`` event and a RayCronJob (RayCronJob gate)
an ``InvalidRayCronJobSpec`` event.

```yaml fail
apiVersion: ray.io/v1
kind: RayCluster
metadata:
  name: custom-autoscaler
spec:
  enableInTreeAutoscaling: true
  autoscalerOptions:
    args: ["sleep 5 && $KUBERAY_GEN_AUTOSCALER_START_CMD"]
    env:
    - name: KUBERAY_GEN_AUTOSCALER_START_CMD  # <- KR118
      value: ray kuberay-autoscaler
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
  name: custom-autoscaler
spec:
  enableInTreeAutoscaling: true
  autoscalerOptions:
    args: ["sleep 5 && $KUBERAY_GEN_AUTOSCALER_START_CMD"]
    env:
    - name: AUTOSCALER_LOG_LEVEL
      value: debug
  headGroupSpec:
    rayStartParams: {}
    template:
      spec:
        containers: [{name: ray-head, image: rayproject/ray:2.46.0}]
```
"""

from __future__ import annotations

from collections.abc import Iterator

from rayops.rules import Resource, Violation, as_list
from rayops.rules.kuberay._raycluster_spec import CLUSTER_KINDS, autoscaler_options, cluster_specs

ID = "KR118"
TITLE = "autoscalerOptions.env does not set KUBERAY_GEN_AUTOSCALER_START_CMD"
SEVERITY = "error"
KINDS = CLUSTER_KINDS
SINCE = "1.7.0"
UNTIL = None
GATES = ()

START_CMD_ENV = "KUBERAY_GEN_AUTOSCALER_START_CMD"


def check(resource: Resource) -> Iterator[Violation]:
    """Yield a violation for KUBERAY_GEN_AUTOSCALER_START_CMD in autoscalerOptions.env."""
    for base, spec in cluster_specs(resource):
        for index, entry in enumerate(as_list(autoscaler_options(spec).get("env"))):
            if isinstance(entry, dict) and entry.get("name") == START_CMD_ENV:
                yield Violation(
                    (*base, "autoscalerOptions", "env", index, "name"),
                    f"autoscalerOptions.env must not contain {START_CMD_ENV}: it is managed by KubeRay "
                    "and injected automatically into the autoscaler container",
                )
                break
