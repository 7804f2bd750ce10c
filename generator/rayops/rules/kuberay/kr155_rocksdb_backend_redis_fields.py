"""KR155: the embedded RocksDB GCS backend takes no Redis settings.

With ``gcsFaultToleranceOptions.backend: rocksdb`` GCS state is kept on a volume of the
head Pod, so the Redis-only fields ``redisAddress``, ``redisUsername``, ``redisPassword``
and ``externalStorageNamespace`` make no sense: the operator refuses a cluster spec that
sets any of them (an empty ``redisUsername: {}`` or ``redisPassword: {}`` counts as set).
The check runs once the ``GCSFaultToleranceEmbeddedStorage`` gate is on (without it, KR154
reports the backend itself).

The API server accepts the resource; the operator refuses it when it reconciles: a
RayCluster gets an ``InvalidRayClusterSpec`` Warning event and no Pods, a RayJob an
``InvalidRayJobSpec`` event and the ``ValidationFailed`` deployment status, a RayService
an ``InvalidRayServiceSpec`` event, a RayCronJob an ``InvalidRayCronJobSpec`` event.

```yaml fail
# rayops: gates=GCSFaultToleranceEmbeddedStorage=true
apiVersion: ray.io/v1
kind: RayCluster
metadata:
  name: rocksdb-cluster
spec:
  gcsFaultToleranceOptions:
    backend: rocksdb
    redisAddress: redis:6379  # <- KR155
    redisPassword: {value: secret}  # <- KR155
    externalStorageNamespace: my-ns  # <- KR155
  headGroupSpec:
    rayStartParams: {}
    template:
      spec:
        containers: [{name: ray-head, image: rayproject/ray:2.46.0}]
```

```yaml pass
# rayops: gates=GCSFaultToleranceEmbeddedStorage=true
apiVersion: ray.io/v1
kind: RayCluster
metadata:
  name: rocksdb-cluster
spec:
  gcsFaultToleranceOptions:
    backend: rocksdb
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
from rayops.rules.kuberay._cluster_features import is_set, text, validated_specs

ID = "KR155"
TITLE = "the embedded RocksDB GCS backend takes no Redis settings"
SEVERITY = "error"
KINDS = ("RayCluster", "RayJob", "RayService", "RayCronJob")
SINCE = "1.7.0"
UNTIL = None
GATES = ("GCSFaultToleranceEmbeddedStorage",)

# Redis-only fields: the two credentials count when present, the strings when non-empty.
CREDENTIAL_FIELDS = ("redisUsername", "redisPassword")
REDIS_FIELDS = ("redisAddress", *CREDENTIAL_FIELDS, "externalStorageNamespace")


def check(resource: Resource) -> Iterator[Violation]:
    """Yield a violation for each Redis-only field set with backend rocksdb."""
    if not resource.gate("GCSFaultToleranceEmbeddedStorage"):
        return
    for cluster in validated_specs(resource):
        options = cluster.gcs_ft()
        if options is None or options.get("backend") != "rocksdb":
            continue
        for field in REDIS_FIELDS:
            if is_set(options, field) if field in CREDENTIAL_FIELDS else text(options.get(field)):
                yield Violation(
                    cluster.at("gcsFaultToleranceOptions", field),
                    f"cannot set gcsFaultToleranceOptions.{field} when backend is 'rocksdb': it only applies "
                    "to the redis backend",
                )
