"""KR120: worker group names are unique within a cluster.

The operator tells worker groups apart by ``groupName`` (the ``ray.io/group`` label of
their Pods), so two groups with the same name count, scale and delete each other's Pods.
KubeRay's optional validating webhook for RayClusters rejects a RayCluster with a
repeated ``groupName`` ("worker group names must be unique"), and with it the RayCluster
a RayJob, RayService or RayCronJob would create. The webhook is off by default (it runs
only when the operator is deployed with ``ENABLE_WEBHOOKS=true``, which the Helm chart
does not do) and the controller itself does not check this, so without the webhook the
cluster is created and misbehaves: hence a warning. Give each worker group its own name.

```yaml fail
apiVersion: ray.io/v1
kind: RayCluster
metadata:
  name: twins
spec:
  headGroupSpec:
    rayStartParams: {}
    template:
      spec:
        containers: [{name: ray-head, image: rayproject/ray:2.46.0}]
  workerGroupSpecs:
  - groupName: cpu
    rayStartParams: {}
    template:
      spec:
        containers: [{name: ray-worker, image: rayproject/ray:2.46.0}]
  - groupName: cpu  # <- KR120
    rayStartParams: {}
    template:
      spec:
        containers: [{name: ray-worker, image: rayproject/ray:2.46.0}]
```

```yaml pass
apiVersion: ray.io/v1
kind: RayCluster
metadata:
  name: siblings
spec:
  headGroupSpec:
    rayStartParams: {}
    template:
      spec:
        containers: [{name: ray-head, image: rayproject/ray:2.46.0}]
  workerGroupSpecs:
  - groupName: cpu
    rayStartParams: {}
    template:
      spec:
        containers: [{name: ray-worker, image: rayproject/ray:2.46.0}]
  - groupName: gpu
    rayStartParams: {}
    template:
      spec:
        containers: [{name: ray-worker, image: rayproject/ray:2.46.0}]
```
"""

from __future__ import annotations

from collections.abc import Iterator

from rayops.rules import Resource, Violation, worker_groups
from rayops.rules.kuberay._raycluster_spec import CLUSTER_KINDS, child_cluster_specs, worker_path

ID = "KR120"
TITLE = "worker group names are unique within a cluster"
SEVERITY = "warning"
KINDS = CLUSTER_KINDS
SINCE = None
UNTIL = None
GATES = ()


def check(resource: Resource) -> Iterator[Violation]:
    """Yield a warning for each worker group that repeats an earlier group's name."""
    for base, spec in child_cluster_specs(resource):
        first: dict[str, int] = {}
        for index, group in worker_groups(spec):
            name = group.get("groupName")
            if not isinstance(name, str):
                continue
            if name in first:
                yield Violation(
                    worker_path(base, index, "groupName"),
                    f"worker group names must be unique: {name!r} is also the name of "
                    f"workerGroupSpecs[{first[name]}]; rename one of them",
                )
            else:
                first[name] = index
