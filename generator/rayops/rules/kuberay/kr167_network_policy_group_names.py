"""KR167: with networkPolicy, worker group names are DNS-1123 labels.

The operator names a worker group's NetworkPolicy ``<cluster>-workers-<groupName>``, so
when ``networkPolicy`` is set it refuses a cluster spec with a worker group whose name is
not a DNS-1123 label (lower case letters, digits and '-', starting and ending with a letter
or digit, at most 63 characters). Without ``networkPolicy`` such names are accepted. The
check runs when the ``RayClusterNetworkPolicy`` gate is on (without it, KR165 reports
``networkPolicy`` itself).

The API server accepts the resource; the operator refuses it when it reconciles: a
RayCluster gets an ``InvalidRayClusterSpec`` Warning event and no Pods, a RayJob an
``InvalidRayJobSpec`` event and the ``ValidationFailed`` deployment status, a RayService
an ``InvalidRayServiceSpec`` event, a RayCronJob an ``InvalidRayCronJobSpec`` event.

```yaml fail
# rayops: gates=RayClusterNetworkPolicy=true
apiVersion: ray.io/v1
kind: RayCluster
metadata:
  name: isolated
spec:
  networkPolicy: {mode: DenyAllIngress}
  headGroupSpec:
    rayStartParams: {}
    template:
      spec:
        containers: [{name: ray-head, image: rayproject/ray:2.46.0}]
  workerGroupSpecs:
  - groupName: GPU_Workers  # <- KR167
    replicas: 1
    minReplicas: 1
    maxReplicas: 1
    rayStartParams: {}
    template:
      spec:
        containers: [{name: ray-worker, image: rayproject/ray:2.46.0}]
```

```yaml pass
# rayops: gates=RayClusterNetworkPolicy=true
apiVersion: ray.io/v1
kind: RayCluster
metadata:
  name: isolated
spec:
  networkPolicy: {mode: DenyAllIngress}
  headGroupSpec:
    rayStartParams: {}
    template:
      spec:
        containers: [{name: ray-head, image: rayproject/ray:2.46.0}]
  workerGroupSpecs:
  - groupName: gpu-workers
    replicas: 1
    minReplicas: 1
    maxReplicas: 1
    rayStartParams: {}
    template:
      spec:
        containers: [{name: ray-worker, image: rayproject/ray:2.46.0}]
```
"""

from __future__ import annotations

from collections.abc import Iterator

from rayops.rules import Resource, Violation, worker_groups
from rayops.rules.kuberay._cluster_features import is_set, text, validated_specs
from rayops.validate.objectmeta import is_dns1123_label

ID = "KR167"
TITLE = "with networkPolicy, worker group names are DNS-1123 labels"
SEVERITY = "error"
KINDS = ("RayCluster", "RayJob", "RayService", "RayCronJob")
SINCE = "1.7.0"
UNTIL = None
GATES = ("RayClusterNetworkPolicy",)


def check(resource: Resource) -> Iterator[Violation]:
    """Yield a violation for each worker group name that cannot go into a NetworkPolicy name."""
    if not resource.gate("RayClusterNetworkPolicy"):
        return
    for cluster in validated_specs(resource):
        if not is_set(cluster.spec, "networkPolicy"):
            continue
        for index, group in worker_groups(cluster.spec):
            name = text(group.get("groupName"))
            problems = is_dns1123_label(name)
            if problems:
                yield Violation(
                    cluster.at("workerGroupSpecs", index, "groupName"),
                    f"worker group name {name!r} must be a valid DNS-1123 label when networkPolicy is set "
                    f"(it is part of the NetworkPolicy name): {'; '.join(problems)}",
                )
