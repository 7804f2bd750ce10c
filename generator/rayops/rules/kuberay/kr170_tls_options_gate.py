"""KR170: spec.tlsOptions needs the RayClusterMTLS feature gate.

KubeRay v1.7.0 can enable mutual TLS between a cluster's Ray processes, with certificates
from cert-manager (``tlsOptions.enabled: true``). The feature is alpha: the operator
refuses a cluster spec that sets ``tlsOptions`` at all (even ``enabled: false`` or empty)
unless it runs with the ``RayClusterMTLS`` feature gate (off by default).

The API server accepts the resource; the operator refuses it when it reconciles: a
RayCluster gets an ``InvalidRayClusterSpec`` Warning event and no Pods, a RayJob an
``InvalidRayJobSpec`` event and the ``ValidationFailed`` deployment status, a RayService
an ``InvalidRayServiceSpec`` event, a RayCronJob an ``InvalidRayCronJobSpec`` event.

```yaml fail
apiVersion: ray.io/v1
kind: RayCluster
metadata:
  name: mtls
spec:
  tlsOptions: {enabled: false}  # <- KR170
  headGroupSpec:
    rayStartParams: {}
    template:
      spec:
        containers: [{name: ray-head, image: rayproject/ray:2.46.0}]
```

```yaml pass
# rayops: gates=RayClusterMTLS=true
apiVersion: ray.io/v1
kind: RayCluster
metadata:
  name: mtls
spec:
  tlsOptions: {enabled: true}
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

ID = "KR170"
TITLE = "spec.tlsOptions needs the RayClusterMTLS feature gate"
SEVERITY = "error"
KINDS = ("RayCluster", "RayJob", "RayService", "RayCronJob")
SINCE = "1.7.0"
UNTIL = None
GATES = ("RayClusterMTLS",)

GATE = "RayClusterMTLS"


def check(resource: Resource) -> Iterator[Violation]:
    """Yield a violation for tlsOptions while the feature gate is off."""
    if resource.gate(GATE):
        return
    for cluster in validated_specs(resource):
        if is_set(cluster.spec, "tlsOptions"):
            yield Violation(
                cluster.at("tlsOptions"),
                f"spec.tlsOptions requires the {GATE} feature gate: enable it on the operator "
                "or remove tlsOptions",
            )
