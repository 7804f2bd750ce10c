"""KR158: gcsFaultToleranceOptions.storage applies only to the rocksdb backend.

``gcsFaultToleranceOptions.storage`` configures the volume of the embedded RocksDB GCS
store. With the Redis backend (``backend: redis``, or no backend, which means redis) the
operator refuses a cluster spec that sets it, even empty. Either remove ``storage`` or set
``backend: rocksdb`` (which needs the ``GCSFaultToleranceEmbeddedStorage`` gate).

The API server accepts the resource; the operator refuses it when it reconciles: a
RayCluster gets an ``InvalidRayClusterSpec`` Warning event and no Pods, a RayJob an
``InvalidRayJobSpec`` event and the ``ValidationFailed`` deployment status, a RayService
an ``InvalidRayServiceSpec`` event, a RayCronJob an ``InvalidRayCronJobSpec`` event.

```yaml fail
apiVersion: ray.io/v1
kind: RayCluster
metadata:
  name: redis-cluster
spec:
  gcsFaultToleranceOptions:
    redisAddress: redis:6379
    storage: {size: 2Gi}  # <- KR158
  headGroupSpec:
    rayStartParams: {}
    template:
      spec:
        containers: [{name: ray-head, image: rayproject/ray:2.46.0}]
```

```yaml pass
apiVersion: ray.io/v1
kind: RayCluster
metadata:
  name: redis-cluster
spec:
  gcsFaultToleranceOptions:
    backend: redis
    redisAddress: redis:6379
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

ID = "KR158"
TITLE = "gcsFaultToleranceOptions.storage applies only to the rocksdb backend"
SEVERITY = "error"
KINDS = ("RayCluster", "RayJob", "RayService", "RayCronJob")
SINCE = "1.7.0"
UNTIL = None
GATES = ()


def check(resource: Resource) -> Iterator[Violation]:
    """Yield a violation for storage with the redis backend."""
    for cluster in validated_specs(resource):
        options = cluster.gcs_ft()
        if options is None or options.get("backend") == "rocksdb" or not is_set(options, "storage"):
            continue
        yield Violation(
            cluster.at("gcsFaultToleranceOptions", "storage"),
            "cannot set gcsFaultToleranceOptions.storage when backend is 'redis': it only applies to the "
            "'rocksdb' backend",
        )
