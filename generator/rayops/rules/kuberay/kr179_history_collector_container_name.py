"""KR179: with historyServerOptions, no Pod template has a container named ray-history-collector.

The operator adds the history server's collector sidecar to the head and worker Pods
under the name ``ray-history-collector``, and refuses a cluster spec whose head or worker
Pod template already has a container with that name. The check runs when the
``RayClusterHistoryServer`` gate is on and ``historyServerOptions`` is set.

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
  headGroupSpec:
    rayStartParams: {}
    template:
      spec:
        containers:
        - name: ray-head
          image: rayproject/ray:2.46.0
        - name: ray-history-collector  # <- KR179
          image: quay.io/kuberay/collector:v1.7.0
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
        containers:
        - name: ray-head
          image: rayproject/ray:2.46.0
        - name: log-shipper
          image: fluent/fluent-bit:3.0
```
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from rayops.rules import Resource, Violation, as_list, pod_spec, worker_groups
from rayops.rules.kuberay._cluster_features import is_set, validated_specs

ID = "KR179"
TITLE = "with historyServerOptions, no Pod template has a container named ray-history-collector"
SEVERITY = "error"
KINDS = ("RayCluster", "RayJob", "RayService", "RayCronJob")
SINCE = "1.7.0"
UNTIL = None
GATES = ("RayClusterHistoryServer",)

COLLECTOR_NAME = "ray-history-collector"
CONTAINERS = ("template", "spec", "containers")


def _collector_named(group: dict[str, Any]) -> Iterator[int]:
    """Indexes of the containers of a group's Pod template named like the collector."""
    for index, container in enumerate(as_list(pod_spec(group).get("containers"))):
        if isinstance(container, dict) and container.get("name") == COLLECTOR_NAME:
            yield index


def check(resource: Resource) -> Iterator[Violation]:
    """Yield a violation for each user container that takes the collector's name."""
    if not resource.gate("RayClusterHistoryServer"):
        return
    for cluster in validated_specs(resource):
        if not is_set(cluster.spec, "historyServerOptions"):
            continue
        for index in _collector_named(cluster.head_group()):
            yield Violation(
                cluster.at("headGroupSpec", *CONTAINERS, index, "name"),
                f"the head Pod template must not define a container named {COLLECTOR_NAME} when "
                "historyServerOptions is set: the operator adds the collector sidecar under that name",
            )
        for group_index, group in worker_groups(cluster.spec):
            for index in _collector_named(group):
                yield Violation(
                    cluster.at("workerGroupSpecs", group_index, *CONTAINERS, index, "name"),
                    f"worker group {group.get('groupName')!r} Pod template must not define a container "
                    f"named {COLLECTOR_NAME} when historyServerOptions is set: the operator adds the "
                    "collector sidecar under that name",
                )
