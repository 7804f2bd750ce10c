"""KR168: every networkPolicy.workerGroups entry names an existing worker group.

``networkPolicy.workerGroups`` holds per-group rules that replace ``networkPolicy.worker``
for the group named by ``groupName``. The operator refuses a cluster spec with an entry
whose ``groupName`` matches no ``workerGroupSpecs`` entry (a typo would otherwise silently
leave the group with the default rules). The check runs when the
``RayClusterNetworkPolicy`` gate is on (without it, KR165 reports ``networkPolicy`` itself).

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
  networkPolicy:
    mode: DenyAll
    workerGroups:
    - groupName: gpus  # <- KR168
      egressRules: [{to: [{namespaceSelector: {}}]}]
  headGroupSpec:
    rayStartParams: {}
    template:
      spec:
        containers: [{name: ray-head, image: rayproject/ray:2.46.0}]
  workerGroupSpecs:
  - groupName: gpu
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
  networkPolicy:
    mode: DenyAll
    workerGroups:
    - groupName: gpu
      egressRules: [{to: [{namespaceSelector: {}}]}]
  headGroupSpec:
    rayStartParams: {}
    template:
      spec:
        containers: [{name: ray-head, image: rayproject/ray:2.46.0}]
  workerGroupSpecs:
  - groupName: gpu
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

from rayops.rules import Resource, Violation, as_dict, as_list, worker_groups
from rayops.rules.kuberay._cluster_features import text, validated_specs

ID = "KR168"
TITLE = "every networkPolicy.workerGroups entry names an existing worker group"
SEVERITY = "error"
KINDS = ("RayCluster", "RayJob", "RayService", "RayCronJob")
SINCE = "1.7.0"
UNTIL = None
GATES = ("RayClusterNetworkPolicy",)


def check(resource: Resource) -> Iterator[Violation]:
    """Yield a violation for each per-group entry that matches no worker group."""
    if not resource.gate("RayClusterNetworkPolicy"):
        return
    for cluster in validated_specs(resource):
        entries = as_list(as_dict(cluster.spec.get("networkPolicy")).get("workerGroups"))
        if not entries:
            continue
        names = {text(group.get("groupName")) for _, group in worker_groups(cluster.spec)}
        for index, entry in enumerate(entries):
            if not isinstance(entry, dict):
                continue
            name = text(entry.get("groupName"))
            if name not in names:
                yield Violation(
                    cluster.at("networkPolicy", "workerGroups", index, "groupName"),
                    f"networkPolicy.workerGroups[{name!r}] does not match any group name in "
                    "workerGroupSpecs: fix the groupName or remove the entry",
                )
