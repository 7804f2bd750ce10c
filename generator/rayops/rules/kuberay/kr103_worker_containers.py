"""KR103: every worker group's Pod template has at least one container.

The operator builds each worker Pod from the group's ``template`` and treats its first
container as the Ray container, so a worker group whose template has no container is
refused, and with it the whole cluster. The CRD schema only requires the ``containers``
key, so the API server accepts an empty list (or a template without ``spec``).

The operator refuses the resource when it reconciles: a RayCluster gets an
``InvalidRayClusterSpec`` Warning event and no Pods; since 1.4.2 a RayJob gets an
``InvalidRayJobSpec`` event and a RayService an ``InvalidRayServiceSpec`` event (before
1.4.2 the RayCluster they create is refused instead); a RayCronJob (1.6.2, RayCronJob
gate) gets an ``InvalidRayCronJobSpec`` event.

```yaml fail
apiVersion: ray.io/v1
kind: RayCluster
metadata:
  name: empty-workers
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
        containers: []  # <- KR103
```

```yaml fail
apiVersion: ray.io/v1
kind: RayService
metadata:
  name: serve
spec:
  rayClusterConfig:
    headGroupSpec:
      rayStartParams: {}
      template:
        spec:
          containers: [{name: ray-head, image: rayproject/ray:2.46.0}]
    workerGroupSpecs:
    - groupName: cpu
      template:  # <- KR103
        metadata: {labels: {team: serve}}
```

```yaml pass
apiVersion: ray.io/v1
kind: RayCluster
metadata:
  name: workers
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
```
"""

from __future__ import annotations

from collections.abc import Iterator

from rayops.rules import Resource, Violation, containers, worker_groups
from rayops.rules.kuberay._raycluster_spec import CLUSTER_KINDS, cluster_specs, group_name, worker_path

ID = "KR103"
TITLE = "every worker group's Pod template has at least one container"
SEVERITY = "error"
KINDS = CLUSTER_KINDS
SINCE = None
UNTIL = None
GATES = ()


def check(resource: Resource) -> Iterator[Violation]:
    """Yield a violation for each worker group whose Pod template has no container."""
    for base, spec in cluster_specs(resource):
        for index, group in worker_groups(spec):
            if not containers(group):
                yield Violation(
                    worker_path(base, index, "template", "spec", "containers"),
                    f"workerGroupSpec should have at least one container: add the Ray worker container "
                    f"to the template of worker group {group_name(group)!r}",
                )
