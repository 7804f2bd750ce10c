"""KR107: Ray node labels go in the group's ``labels`` field, not in ``rayStartParams``.

Since KubeRay 1.5.1 a head or worker group declares its Ray node labels in its
``labels`` map; the operator passes them to ``ray start --labels`` and also puts them on
the group's Pods. It refuses a ``labels`` key in ``rayStartParams`` (even an empty one):
move the labels to the group's ``labels`` field.

The operator refuses the resource when it reconciles: a RayCluster gets an
``InvalidRayClusterSpec`` Warning event and no Pods, a RayJob an ``InvalidRayJobSpec``
event, a RayService an ``InvalidRayServiceSpec`` event and a RayCronJob (RayCronJob gate)
an ``InvalidRayCronJobSpec`` event.

```yaml fail
apiVersion: ray.io/v1
kind: RayCluster
metadata:
  name: labelled
spec:
  headGroupSpec:
    rayStartParams: {}
    template:
      spec:
        containers: [{name: ray-head, image: rayproject/ray:2.46.0}]
  workerGroupSpecs:
  - groupName: gpu
    rayStartParams:
      labels: accelerator=a100  # <- KR107
    template:
      spec:
        containers: [{name: ray-worker, image: rayproject/ray:2.46.0}]
```

```yaml pass
apiVersion: ray.io/v1
kind: RayCluster
metadata:
  name: labelled
spec:
  headGroupSpec:
    rayStartParams: {}
    template:
      spec:
        containers: [{name: ray-head, image: rayproject/ray:2.46.0}]
  workerGroupSpecs:
  - groupName: gpu
    rayStartParams: {}
    labels: {accelerator: a100}
    template:
      spec:
        containers: [{name: ray-worker, image: rayproject/ray:2.46.0}]
```
"""

from __future__ import annotations

from collections.abc import Iterator

from rayops.rules import Resource, Violation, as_dict
from rayops.rules.kuberay._raycluster_spec import CLUSTER_KINDS, cluster_specs, ray_groups

ID = "KR107"
TITLE = "Ray node labels go in the group's labels field, not in rayStartParams"
SEVERITY = "error"
KINDS = CLUSTER_KINDS
SINCE = "1.5.1"
UNTIL = None
GATES = ()


def check(resource: Resource) -> Iterator[Violation]:
    """Yield a violation for each group with a ``labels`` entry in rayStartParams."""
    for base, spec in cluster_specs(resource):
        for path, group, name in ray_groups(base, spec):
            if "labels" in as_dict(group.get("rayStartParams")):
                yield Violation(
                    (*path, "rayStartParams", "labels"),
                    f"rayStartParams['labels'] is not supported for {name} group; "
                    "please use the top-level Labels field instead",
                )
