"""KR175: spec.historyServerOptions needs the RayClusterHistoryServer feature gate.

KubeRay v1.7.0 can add a collector sidecar that ships Ray logs and events to object
storage for the Ray history server (``historyServerOptions``). The feature is alpha: the
operator refuses a cluster spec that sets ``historyServerOptions`` (even empty) unless it
runs with the ``RayClusterHistoryServer`` feature gate (off by default).

The API server accepts the resource; the operator refuses it when it reconciles: a
RayCluster gets an ``InvalidRayClusterSpec`` Warning event and no Pods, a RayJob an
``InvalidRayJobSpec`` event and the ``ValidationFailed`` deployment status, a RayService
an ``InvalidRayServiceSpec`` event, a RayCronJob an ``InvalidRayCronJobSpec`` event.

```yaml fail
apiVersion: ray.io/v1
kind: RayCluster
metadata:
  name: with-history
spec:
  historyServerOptions: {collectorOptions: {image: "quay.io/kuberay/collector:v1.7.0"}}  # <- KR175
  headGroupSpec:
    rayStartParams: {}
    template:
      spec:
        containers: [{name: ray-head, image: rayproject/ray:2.46.0}]
```

```yaml pass
# rayops: gates=RayClusterHistoryServer=true
apiVersion: ray.io/v1
kind: RayCluster
metadata:
  name: with-history
spec:
  historyServerOptions:
    collectorOptions:
      image: quay.io/kuberay/collector:v1.7.0
      env:
      - {name: STORAGE_BACKEND, value: s3}
      - {name: S3_REGION, value: us-west-2}
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

ID = "KR175"
TITLE = "spec.historyServerOptions needs the RayClusterHistoryServer feature gate"
SEVERITY = "error"
KINDS = ("RayCluster", "RayJob", "RayService", "RayCronJob")
SINCE = "1.7.0"
UNTIL = None
GATES = ("RayClusterHistoryServer",)

GATE = "RayClusterHistoryServer"


def check(resource: Resource) -> Iterator[Violation]:
    """Yield a violation for historyServerOptions while the feature gate is off."""
    if resource.gate(GATE):
        return
    for cluster in validated_specs(resource):
        if is_set(cluster.spec, "historyServerOptions"):
            yield Violation(
                cluster.at("historyServerOptions"),
                f"spec.historyServerOptions requires the {GATE} feature gate: enable it on the operator "
                "or remove historyServerOptions",
            )
