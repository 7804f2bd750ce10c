"""KR176: historyServerOptions sets collectorOptions with an image.

The history server's collector sidecar has no default image, so the operator refuses a
cluster spec whose ``historyServerOptions`` has no ``collectorOptions``, or whose
``collectorOptions`` has no (or an empty) ``image``. The check runs when the
``RayClusterHistoryServer`` gate is on (without it, KR175 reports
``historyServerOptions`` itself).

The API server accepts the resource; the operator refuses it when it reconciles: a
RayCluster gets an ``InvalidRayClusterSpec`` Warning event and no Pods, a RayJob an
``InvalidRayJobSpec`` event and the ``ValidationFailed`` deployment status, a RayService
an ``InvalidRayServiceSpec`` event, a RayCronJob an ``InvalidRayCronJobSpec`` event.

```yaml fail
# rayops: gates=RayClusterHistoryServer=true
apiVersion: ray.io/v1
kind: RayCluster
metadata:
  name: with-history
spec:
  historyServerOptions: {}  # <- KR176
  headGroupSpec:
    rayStartParams: {}
    template:
      spec:
        containers: [{name: ray-head, image: rayproject/ray:2.46.0}]
```

```yaml fail
# rayops: gates=RayClusterHistoryServer=true
apiVersion: ray.io/v1
kind: RayCluster
metadata:
  name: with-history
spec:
  historyServerOptions:
    collectorOptions:
      image: ""  # <- KR176
      env:
      - {name: STORAGE_BACKEND, value: s3}
      - {name: S3_REGION, value: us-west-2}
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
from rayops.rules.kuberay._cluster_features import text, validated_specs

ID = "KR176"
TITLE = "historyServerOptions sets collectorOptions with an image"
SEVERITY = "error"
KINDS = ("RayCluster", "RayJob", "RayService", "RayCronJob")
SINCE = "1.7.0"
UNTIL = None
GATES = ("RayClusterHistoryServer",)


def check(resource: Resource) -> Iterator[Violation]:
    """Yield a violation for missing collectorOptions or a missing collector image."""
    if not resource.gate("RayClusterHistoryServer"):
        return
    for cluster in validated_specs(resource):
        history = cluster.spec.get("historyServerOptions")
        if not isinstance(history, dict):
            continue
        collector = history.get("collectorOptions")
        if not isinstance(collector, dict):
            yield Violation(
                cluster.at("historyServerOptions"),
                "historyServerOptions.collectorOptions must be set (with the collector image and its "
                "storage env vars)",
            )
        elif not text(collector.get("image")):
            path = cluster.at("historyServerOptions", "collectorOptions")
            if "image" in collector:
                path += ("image",)
            yield Violation(path, "historyServerOptions.collectorOptions.image must be set")
