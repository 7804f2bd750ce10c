"""KR166: NetworkPolicy ingress and egress rules match the isolation mode.

``networkPolicy.mode`` says which direction the operator's NetworkPolicies restrict:
``DenyAll`` (the default) both, ``DenyAllIngress`` only ingress, ``DenyAllEgress`` only
egress. Extra rules only make sense for a restricted direction, so the operator refuses
``ingressRules`` under ``DenyAllEgress`` and ``egressRules`` under ``DenyAllIngress``, in
``head``, ``worker`` and every ``workerGroups`` entry (an empty list is fine). The check
runs when the ``RayClusterNetworkPolicy`` gate is on (without it, KR165 reports
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
  networkPolicy:
    mode: DenyAllIngress
    head:
      ingressRules: [{from: [{namespaceSelector: {}}]}]
      egressRules: [{to: [{namespaceSelector: {}}]}]  # <- KR166
    workerGroups:
    - groupName: small
      egressRules: [{to: [{namespaceSelector: {}}]}]  # <- KR166
  headGroupSpec:
    rayStartParams: {}
    template:
      spec:
        containers: [{name: ray-head, image: rayproject/ray:2.46.0}]
  workerGroupSpecs:
  - groupName: small
    replicas: 1
    minReplicas: 1
    maxReplicas: 1
    rayStartParams: {}
    template:
      spec:
        containers: [{name: ray-worker, image: rayproject/ray:2.46.0}]
```

```yaml fail
# rayops: gates=RayClusterNetworkPolicy=true
apiVersion: ray.io/v1
kind: RayCluster
metadata:
  name: isolated
spec:
  networkPolicy:
    mode: DenyAllEgress
    worker:
      ingressRules: [{from: [{podSelector: {}}]}]  # <- KR166
  headGroupSpec:
    rayStartParams: {}
    template:
      spec:
        containers: [{name: ray-head, image: rayproject/ray:2.46.0}]
```

```yaml pass
# rayops: gates=RayClusterNetworkPolicy=true
apiVersion: ray.io/v1
kind: RayCluster
metadata:
  name: isolated
spec:
  networkPolicy:
    head:
      ingressRules: [{from: [{namespaceSelector: {}}]}]
      egressRules: [{to: [{namespaceSelector: {}}]}]
  headGroupSpec:
    rayStartParams: {}
    template:
      spec:
        containers: [{name: ray-head, image: rayproject/ray:2.46.0}]
```
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from rayops.findings import Path
from rayops.rules import Resource, Violation, as_dict, as_list
from rayops.rules.kuberay._cluster_features import text, validated_specs

ID = "KR166"
TITLE = "NetworkPolicy ingress and egress rules match the isolation mode"
SEVERITY = "error"
KINDS = ("RayCluster", "RayJob", "RayService", "RayCronJob")
SINCE = "1.7.0"
UNTIL = None
GATES = ("RayClusterNetworkPolicy",)

# The rules field a mode leaves unrestricted, and the direction it is about.
UNRESTRICTED = {"DenyAllEgress": ("ingressRules", "ingress"), "DenyAllIngress": ("egressRules", "egress")}


def _misplaced(path: Path, where: str, rules: dict[str, Any], mode: str) -> Iterator[Violation]:
    field, direction = UNRESTRICTED[mode]
    if as_list(rules.get(field)):
        yield Violation(
            (*path, field),
            f"networkPolicy.{where}.{field} cannot be set when mode is {mode} ({direction} is not "
            f"restricted): remove them, or use mode DenyAll",
        )


def check(resource: Resource) -> Iterator[Violation]:
    """Yield a violation for rules of a direction the mode does not restrict."""
    if not resource.gate("RayClusterNetworkPolicy"):
        return
    for cluster in validated_specs(resource):
        policy = as_dict(cluster.spec.get("networkPolicy"))
        mode = text(policy.get("mode")) or "DenyAll"
        if mode not in UNRESTRICTED:
            continue
        for section in ("head", "worker"):
            yield from _misplaced(
                cluster.at("networkPolicy", section), section, as_dict(policy.get(section)), mode
            )
        for index, entry in enumerate(as_list(policy.get("workerGroups"))):
            if isinstance(entry, dict):
                where = f"workerGroups[{text(entry.get('groupName'))!r}]"
                yield from _misplaced(cluster.at("networkPolicy", "workerGroups", index), where, entry, mode)
