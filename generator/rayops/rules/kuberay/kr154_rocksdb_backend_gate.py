"""KR154: the embedded RocksDB GCS backend needs the GCSFaultToleranceEmbeddedStorage gate.

KubeRay v1.7.0 can keep GCS fault-tolerance state in an embedded RocksDB store on a
persistent volume of the head Pod instead of an external Redis
(``gcsFaultToleranceOptions.backend: rocksdb``). The backend is alpha: the operator refuses
it unless it runs with the ``GCSFaultToleranceEmbeddedStorage`` feature gate (off by
default).

The API server accepts the resource; the operator refuses it when it reconciles: a
RayCluster gets an ``InvalidRayClusterSpec`` Warning event and no Pods, a RayJob an
``InvalidRayJobSpec`` event and the ``ValidationFailed`` deployment status, a RayService
an ``InvalidRayServiceSpec`` event, a RayCronJob an ``InvalidRayCronJobSpec`` event.

```yaml fail
apiVersion: ray.io/v1
kind: RayCluster
metadata:
  name: rocksdb-cluster
spec:
  gcsFaultToleranceOptions:
    backend: rocksdb  # <- KR154
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
    storage: {size: 2Gi}
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
from rayops.rules.kuberay._cluster_features import validated_specs

ID = "KR154"
TITLE = "the embedded RocksDB GCS backend needs the GCSFaultToleranceEmbeddedStorage gate"
SEVERITY = "error"
KINDS = ("RayCluster", "RayJob", "RayService", "RayCronJob")
SINCE = "1.7.0"
UNTIL = None
GATES = ("GCSFaultToleranceEmbeddedStorage",)

GATE = "GCSFaultToleranceEmbeddedStorage"


def check(resource: Resource) -> Iterator[Violation]:
    """Yield a violation for backend rocksdb while the feature gate is off."""
    if resource.gate(GATE):
        return
    for cluster in validated_specs(resource):
        options = cluster.gcs_ft()
        if options is not None and options.get("backend") == "rocksdb":
            yield Violation(
                cluster.at("gcsFaultToleranceOptions", "backend"),
                "the embedded RocksDB GCS fault tolerance backend (gcsFaultToleranceOptions.backend: "
                f"rocksdb) requires the {GATE} feature gate: enable it on the operator or use the redis "
                "backend",
            )
