"""KR102: the head group's Pod template has at least one container.

The operator builds the head Pod from ``headGroupSpec.template`` and treats its first
container as the Ray container, so a head template without any container is refused.
The CRD schema only requires the ``containers`` key, so the API server accepts an empty
list (or a template without ``spec``).

The operator refuses the resource when it reconciles: a RayCluster gets an
``InvalidRayClusterSpec`` Warning event and no Pods; since 1.4.2 a RayJob gets an
``InvalidRayJobSpec`` event and a RayService an ``InvalidRayServiceSpec`` event (before
1.4.2 the RayCluster they create is refused instead); a RayCronJob (1.6.2, RayCronJob
gate) gets an ``InvalidRayCronJobSpec`` event.

```yaml fail
apiVersion: ray.io/v1
kind: RayCluster
metadata:
  name: headless
spec:
  headGroupSpec:
    rayStartParams: {}
    template:
      spec:
        containers: []  # <- KR102
```

```yaml fail
apiVersion: ray.io/v1
kind: RayJob
metadata:
  name: headless-job
spec:
  entrypoint: python -c "print(1)"
  shutdownAfterJobFinishes: true
  rayClusterSpec:
    headGroupSpec:
      template:  # <- KR102
        metadata:
          labels: {team: ml}
```

```yaml pass
apiVersion: ray.io/v1
kind: RayCluster
metadata:
  name: headed
spec:
  headGroupSpec:
    rayStartParams: {}
    template:
      spec:
        containers: [{name: ray-head, image: rayproject/ray:2.46.0}]
```
"""

from __future__ import annotations

from collections.abc import Iterator

from rayops.rules import Resource, Violation, containers
from rayops.rules.kuberay._raycluster_spec import CLUSTER_KINDS, cluster_specs, head_group

ID = "KR102"
TITLE = "the head group's Pod template has at least one container"
SEVERITY = "error"
KINDS = CLUSTER_KINDS
SINCE = None
UNTIL = None
GATES = ()


def check(resource: Resource) -> Iterator[Violation]:
    """Yield a violation for a head Pod template without containers."""
    for base, spec in cluster_specs(resource):
        if not containers(head_group(spec)):
            yield Violation(
                (*base, "headGroupSpec", "template", "spec", "containers"),
                "headGroupSpec should have at least one container: add the Ray head container "
                "to headGroupSpec.template.spec.containers",
            )
