"""KR113: with autoscaler v2, Ray Pods have restartPolicy Never (or unset).

Autoscaler v2 tracks Ray nodes by Pod: a container restarted in place would come back as
a new Ray node in an old Pod. So with ``enableInTreeAutoscaling: true`` and
``autoscalerOptions.version: v2`` the operator (since KubeRay 1.4.2) refuses a head or
worker Pod template whose ``restartPolicy`` is set to anything but ``Never``; an unset
policy is fine (the operator uses ``Never`` for it).

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
  autoscalerOptions: {version: v2}
  headGroupSpec:
    rayStartParams: {}
    template:
      spec:
        restartPolicy: Always  # <- KR113
        containers: [{name: ray-head, image: rayproject/ray:2.46.0}]
  workerGroupSpecs:
  - groupName: cpu
    maxReplicas: 4
    rayStartParams: {}
    template:
      spec:
        restartPolicy: OnFailure  # <- KR113
        containers: [{name: ray-worker, image: rayproject/ray:2.46.0}]
```

```yaml pass
apiVersion: ray.io/v1
kind: RayCluster
metadata:
  name: autoscaled
spec:
  enableInTreeAutoscaling: true
  autoscalerOptions: {version: v2}
  headGroupSpec:
    rayStartParams: {}
    template:
      spec:
        restartPolicy: Never
        containers: [{name: ray-head, image: rayproject/ray:2.46.0}]
  workerGroupSpecs:
  - groupName: cpu
    maxReplicas: 4
    rayStartParams: {}
    template:
      spec:
        containers: [{name: ray-worker, image: rayproject/ray:2.46.0}]
```
"""

from __future__ import annotations

from collections.abc import Iterator

from rayops.rules import Resource, Violation
from rayops.rules.kuberay._raycluster_spec import (
    CLUSTER_KINDS,
    autoscaler_v2,
    autoscaling_enabled,
    cluster_specs,
    ray_groups,
    restart_policy,
)

ID = "KR113"
TITLE = "with autoscaler v2, Ray Pods have restartPolicy Never (or unset)"
SEVERITY = "error"
KINDS = CLUSTER_KINDS
SINCE = "1.4.2"
UNTIL = None
GATES = ()


def check(resource: Resource) -> Iterator[Violation]:
    """Yield a violation for each head or worker restartPolicy other than Never under autoscaler v2."""
    for base, spec in cluster_specs(resource):
        if not (autoscaling_enabled(spec) and autoscaler_v2(spec)):
            continue
        for path, group, name in ray_groups(base, spec):
            policy = restart_policy(group)
            if policy in ("", "Never"):
                continue
            where = "head Pod" if path[-1] == "headGroupSpec" else f"worker group {name}"
            yield Violation(
                (*path, "template", "spec", "restartPolicy"),
                f"restartPolicy for {where} should be Never or unset when using autoscaler V2 "
                f"(found {policy})",
            )
