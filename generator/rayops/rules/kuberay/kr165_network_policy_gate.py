"""KR165: spec.networkPolicy needs the RayClusterNetworkPolicy feature gate.

KubeRay v1.7.0 can create NetworkPolicies that isolate a cluster's Pods
(``networkPolicy``). The feature is alpha: the operator refuses a cluster spec that sets
``networkPolicy`` (even empty) unless it runs with the ``RayClusterNetworkPolicy`` feature
gate (off by default).

The API server accepts the resource; the operator refuses it when it reconciles: a
RayCluster gets an ``InvalidRayClusterSpec`` Warning event and no Pods, a RayJob an
``InvalidRayJobSpec`` event and the ``ValidationFailed`` deployment status, a RayService
an ``InvalidRayServiceSpec`` event, a RayCronJob an ``InvalidRayCronJobSpec`` event.

```yaml fail
apiVersion: ray.io/v1
kind: RayCluster
metadata:
  name: isolated
spec:
  networkPolicy: {mode: DenyAllIngress}  # <- KR165
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
  networkPolicy: {mode: DenyAllIngress}
  headGroupSpec:
    rayStartParams: {}
    template:
      spec:
        containers: [{name: ray-head, image: rayproject/ray:2.46.0}]
```
"""

from __future__ import annotations

from collections.abc import Iterator

from rayops.rules import Resource, Violation
from rayops.rules.kuberay._cluster_features import is_set, validated_specs

ID = "KR165"
TITLE = "spec.networkPolicy needs the RayClusterNetworkPolicy feature gate"
SEVERITY = "error"
KINDS = ("RayCluster", "RayJob", "RayService", "RayCronJob")
SINCE = "1.7.0"
UNTIL = None
GATES = ("RayClusterNetworkPolicy",)

GATE = "RayClusterNetworkPolicy"


def check(resource: Resource) -> Iterator[Violation]:
    """Yield a violation for networkPolicy while the feature gate is off."""
    if resource.gate(GATE):
        return
    for cluster in validated_specs(resource):
        if is_set(cluster.spec, "networkPolicy"):
            yield Violation(
                cluster.at("networkPolicy"),
                f"spec.networkPolicy requires the {GATE} feature gate: enable it on the operator "
                "or remove networkPolicy",
            )
