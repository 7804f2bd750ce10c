"""KR105: a worker group's replica counts that the operator silently adjusts.

The operator never runs fewer Pods than ``minReplicas`` nor more than ``maxReplicas``
in a worker group: a ``replicas`` you wrote below ``minReplicas`` is raised to it, one
above ``maxReplicas`` is lowered to it, without any event. The manifest then says
something the cluster does not do.

Before KubeRay 1.6.2 the operator also accepts inverted or negative bounds: with
``minReplicas`` greater than ``maxReplicas`` it only logs a message and runs
``maxReplicas`` Pods, and it takes negative bounds as they are. From 1.6.2 on these
are refused instead (KR104).

```yaml fail
apiVersion: ray.io/v1
kind: RayCluster
metadata:
  name: clamped
spec:
  headGroupSpec:
    rayStartParams: {}
    template:
      spec:
        containers: [{name: ray-head, image: rayproject/ray:2.46.0}]
  workerGroupSpecs:
  - groupName: cpu
    replicas: 8  # <- KR105
    minReplicas: 1
    maxReplicas: 4
    rayStartParams: {}
    template:
      spec:
        containers: [{name: ray-worker, image: rayproject/ray:2.46.0}]
  - groupName: gpu
    replicas: 1  # <- KR105
    minReplicas: 2
    rayStartParams: {}
    template:
      spec:
        containers: [{name: ray-worker, image: rayproject/ray:2.46.0}]
```

```yaml fail
# rayops: kuberay=1.5.1
apiVersion: ray.io/v1
kind: RayCluster
metadata:
  name: inverted
spec:
  headGroupSpec:
    rayStartParams: {}
    template:
      spec:
        containers: [{name: ray-head, image: rayproject/ray:2.46.0}]
  workerGroupSpecs:
  - groupName: cpu
    minReplicas: 5  # <- KR105
    maxReplicas: 2
    rayStartParams: {}
    template:
      spec:
        containers: [{name: ray-worker, image: rayproject/ray:2.46.0}]
```

```yaml pass
apiVersion: ray.io/v1
kind: RayCluster
metadata:
  name: in-range
spec:
  headGroupSpec:
    rayStartParams: {}
    template:
      spec:
        containers: [{name: ray-head, image: rayproject/ray:2.46.0}]
  workerGroupSpecs:
  - groupName: cpu
    replicas: 2
    minReplicas: 1
    maxReplicas: 4
    rayStartParams: {}
    template:
      spec:
        containers: [{name: ray-worker, image: rayproject/ray:2.46.0}]
  - groupName: gpu
    minReplicas: 2
    rayStartParams: {}
    template:
      spec:
        containers: [{name: ray-worker, image: rayproject/ray:2.46.0}]
```
"""

from __future__ import annotations

from collections.abc import Iterator

from rayops.rules import Resource, Violation, worker_groups
from rayops.rules.kuberay._raycluster_spec import (
    CLUSTER_KINDS,
    child_cluster_specs,
    group_name,
    int_value,
    worker_path,
)

ID = "KR105"
TITLE = "worker group replica counts that the operator silently adjusts"
SEVERITY = "warning"
KINDS = CLUSTER_KINDS
SINCE = None
UNTIL = None
GATES = ()

REFUSED_SINCE = "1.6.2"


def check(resource: Resource) -> Iterator[Violation]:
    """Yield a warning for replicas outside [minReplicas, maxReplicas] and, before 1.6.2, bad bounds."""
    for base, spec in child_cluster_specs(resource):
        for index, group in worker_groups(spec):
            name = group_name(group)
            low = int_value(group.get("minReplicas"))
            high = int_value(group.get("maxReplicas"))
            if not resource.at_least(REFUSED_SINCE):
                bad_bounds = False
                for field, value in (("minReplicas", low), ("maxReplicas", high)):
                    if value is not None and value < 0:
                        bad_bounds = True
                        yield Violation(
                            worker_path(base, index, field),
                            f"worker group {name} has negative {field} {value}: this release accepts it "
                            "but KubeRay 1.6.2 and later refuse it; set it to 0 or more",
                        )
                if not bad_bounds and low is not None and high is not None and low > high:
                    yield Violation(
                        worker_path(base, index, "minReplicas"),
                        f"worker group {name} has minReplicas {low} greater than maxReplicas {high}: "
                        f"the operator runs {high} Pods (1.6.2 and later refuse this); "
                        "lower minReplicas or raise maxReplicas",
                    )
                if bad_bounds:
                    continue
            if group.get("suspend") is True or low is None or high is None or low < 0 or low > high:
                continue
            replicas = int_value(group.get("replicas"))
            path = worker_path(base, index, "replicas")
            if replicas is None or not resource.written(path):
                continue
            if replicas < low:
                yield Violation(
                    path,
                    f"worker group {name} has replicas {replicas} below minReplicas {low}: "
                    f"the operator runs {low} Pods; write replicas within [minReplicas, maxReplicas]",
                )
            elif replicas > high:
                yield Violation(
                    path,
                    f"worker group {name} has replicas {replicas} above maxReplicas {high}: "
                    f"the operator runs {high} Pods; write replicas within [minReplicas, maxReplicas]",
                )
