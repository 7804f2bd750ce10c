"""KR177: the history collector's env does not set the variables the operator injects.

The operator injects ``POD_IP``, ``FQ_RAY_IP``, ``RAY_CLUSTER_NAME``,
``RAY_CLUSTER_NAMESPACE``, ``RAY_ROLE``, ``OWNER_KIND``, ``OWNER_NAME`` and ``EVENTS_PORT``
into the history server's collector container, and refuses a cluster spec that sets any of
them in ``historyServerOptions.collectorOptions.env``. The check runs when the
``RayClusterHistoryServer`` gate is on.

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
  historyServerOptions:
    collectorOptions:
      image: quay.io/kuberay/collector:v1.7.0
      env:
      - {name: STORAGE_BACKEND, value: s3}
      - {name: S3_REGION, value: us-west-2}
      - {name: RAY_CLUSTER_NAME, value: with-history}  # <- KR177
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
      - {name: S3_BUCKET, value: ray-history}
  headGroupSpec:
    rayStartParams: {}
    template:
      spec:
        containers: [{name: ray-head, image: rayproject/ray:2.46.0}]
```
"""

from __future__ import annotations

from collections.abc import Iterator

from rayops.rules import Resource, Violation, as_dict
from rayops.rules.kuberay._cluster_features import env_entries, validated_specs

ID = "KR177"
TITLE = "the history collector's env does not set the variables the operator injects"
SEVERITY = "error"
KINDS = ("RayCluster", "RayJob", "RayService", "RayCronJob")
SINCE = "1.7.0"
UNTIL = None
GATES = ("RayClusterHistoryServer",)

MANAGED_ENV = (
    "POD_IP",
    "FQ_RAY_IP",
    "RAY_CLUSTER_NAME",
    "RAY_CLUSTER_NAMESPACE",
    "RAY_ROLE",
    "OWNER_KIND",
    "OWNER_NAME",
    "EVENTS_PORT",
)


def check(resource: Resource) -> Iterator[Violation]:
    """Yield a violation for each operator-injected variable set in the collector env."""
    if not resource.gate("RayClusterHistoryServer"):
        return
    for cluster in validated_specs(resource):
        collector = as_dict(cluster.spec.get("historyServerOptions")).get("collectorOptions")
        if not isinstance(collector, dict):
            continue
        for index, name in env_entries(collector):
            if name in MANAGED_ENV:
                yield Violation(
                    cluster.at("historyServerOptions", "collectorOptions", "env", index, "name"),
                    f"historyServerOptions.collectorOptions.env must not contain {name}: it is managed by "
                    "KubeRay and injected automatically into the collector container",
                )
