"""KR106: a group's Ray resources are set either in rayStartParams or in ``resources``, not both.

Since KubeRay 1.5.1 a head or worker group can declare the resources Ray advertises in
the group's ``resources`` map (``CPU``, ``GPU``, ``memory`` or custom resources). The
older way is ``rayStartParams`` (``num-cpus``, ``num-gpus``, ``memory``,
``resources``). The operator refuses a group that uses both: keep only one.

The operator refuses the resource when it reconciles: a RayCluster gets an
``InvalidRayClusterSpec`` Warning event and no Pods, a RayJob an ``InvalidRayJobSpec``
event, a RayService an ``InvalidRayServiceSpec`` event and a RayCronJob (RayCronJob gate)
an ``InvalidRayCronJobSpec`` event.

```yaml fail
apiVersion: ray.io/v1
kind: RayCluster
metadata:
  name: double-resources
spec:
  headGroupSpec:
    rayStartParams: {num-cpus: "0"}
    resources: {CPU: "0"}  # <- KR106
    template:
      spec:
        containers: [{name: ray-head, image: rayproject/ray:2.46.0}]
  workerGroupSpecs:
  - groupName: gpu
    rayStartParams:
      resources: '"{\"TPU\": 4}"'
    resources: {TPU: "4"}  # <- KR106
    template:
      spec:
        containers: [{name: ray-worker, image: rayproject/ray:2.46.0}]
```

```yaml pass
apiVersion: ray.io/v1
kind: RayCluster
metadata:
  name: one-way
spec:
  headGroupSpec:
    rayStartParams: {dashboard-host: 0.0.0.0}
    resources: {CPU: "0"}
    template:
      spec:
        containers: [{name: ray-head, image: rayproject/ray:2.46.0}]
  workerGroupSpecs:
  - groupName: gpu
    rayStartParams: {num-gpus: "1"}
    template:
      spec:
        containers: [{name: ray-worker, image: rayproject/ray:2.46.0}]
```
"""

from __future__ import annotations

from collections.abc import Iterator

from rayops.rules import Resource, Violation, as_dict
from rayops.rules.kuberay._raycluster_spec import CLUSTER_KINDS, cluster_specs, ray_groups

ID = "KR106"
TITLE = "a group's Ray resources are set in rayStartParams or in resources, not both"
SEVERITY = "error"
KINDS = CLUSTER_KINDS
SINCE = "1.5.1"
UNTIL = None
GATES = ()

RESOURCE_PARAMS = ("num-cpus", "num-gpus", "memory", "resources")


def check(resource: Resource) -> Iterator[Violation]:
    """Yield a violation for each group with resources in both rayStartParams and ``resources``."""
    for base, spec in cluster_specs(resource):
        for path, group, name in ray_groups(base, spec):
            params = as_dict(group.get("rayStartParams"))
            used = [key for key in RESOURCE_PARAMS if isinstance(params.get(key), str) and params[key]]
            if used and as_dict(group.get("resources")):
                yield Violation(
                    (*path, "resources"),
                    "resource fields should not be set in both rayStartParams and Resources for "
                    f"{name} group; please use only one (rayStartParams sets {', '.join(used)})",
                )
