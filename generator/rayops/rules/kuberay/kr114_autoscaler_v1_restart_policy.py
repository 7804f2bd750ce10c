"""KR114: with autoscaler v1, worker Pods should have restartPolicy Never (or unset).

Since KubeRay 1.7.0, when ``enableInTreeAutoscaling: true`` and
``autoscalerOptions.version: v1``, the RayCluster controller warns about worker groups
whose Pod ``restartPolicy`` is set to anything but ``Never``: KubeRay expects a failed
Ray worker to be replaced by a new Pod, not restarted in place. The cluster still
starts; the operator emits an ``InvalidRayClusterSpec`` Warning event ("RayCluster spec
warning") on the RayCluster (for a RayJob, RayService or RayCronJob: on the RayCluster
it creates) at every reconcile.

```yaml fail
apiVersion: ray.io/v1
kind: RayCluster
metadata:
  name: autoscaled
spec:
  enableInTreeAutoscaling: true
  autoscalerOptions: {version: v1}
  headGroupSpec:
    rayStartParams: {}
    template:
      spec:
        containers: [{name: ray-head, image: rayproject/ray:2.46.0}]
  workerGroupSpecs:
  - groupName: cpu
    maxReplicas: 4
    rayStartParams: {}
    template:
      spec:
        restartPolicy: Always  # <- KR114
        containers: [{name: ray-worker, image: rayproject/ray:2.46.0}]
```

```yaml pass
apiVersion: ray.io/v1
kind: RayCluster
metadata:
  name: autoscaled
spec:
  enableInTreeAutoscaling: true
  autoscalerOptions: {version: v1}
  headGroupSpec:
    rayStartParams: {}
    template:
      spec:
        containers: [{name: ray-head, image: rayproject/ray:2.46.0}]
  workerGroupSpecs:
  - groupName: cpu
    maxReplicas: 4
    rayStartParams: {}
    template:
      spec:
        restartPolicy: Never
        containers: [{name: ray-worker, image: rayproject/ray:2.46.0}]
```
"""

from __future__ import annotations

from collections.abc import Iterator

from rayops.rules import Resource, Violation, worker_groups
from rayops.rules.kuberay._raycluster_spec import (
    CLUSTER_KINDS,
    autoscaler_v1,
    autoscaling_enabled,
    child_cluster_specs,
    group_name,
    restart_policy,
    worker_path,
)

ID = "KR114"
TITLE = "with autoscaler v1, worker Pods should have restartPolicy Never (or unset)"
SEVERITY = "warning"
KINDS = CLUSTER_KINDS
SINCE = "1.7.0"
UNTIL = None
GATES = ()


def check(resource: Resource) -> Iterator[Violation]:
    """Yield a warning for each worker restartPolicy other than Never under autoscaler v1."""
    for base, spec in child_cluster_specs(resource):
        if not (autoscaling_enabled(spec) and autoscaler_v1(spec)):
            continue
        for index, group in worker_groups(spec):
            policy = restart_policy(group)
            if policy not in ("", "Never"):
                yield Violation(
                    worker_path(base, index, "template", "spec", "restartPolicy"),
                    f"restartPolicy for worker group {group_name(group)} should be Never or unset when "
                    f"using autoscaler V1 (found {policy})",
                )
