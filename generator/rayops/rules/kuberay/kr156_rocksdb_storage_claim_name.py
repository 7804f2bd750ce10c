"""KR156: gcsFaultToleranceOptions.storage.claimName excludes size, storageClassName and accessModes.

For the embedded RocksDB GCS backend, ``storage.claimName`` names an existing
PersistentVolumeClaim the user owns; ``size``, ``storageClassName`` and ``accessModes``
describe the claim the operator would create instead. The operator refuses a cluster spec
that sets ``claimName`` together with any of them (an empty ``storageClassName: ""``
counts as set, an empty ``accessModes`` list does not). The check runs once the
``GCSFaultToleranceEmbeddedStorage`` gate is on and the backend is ``rocksdb``.

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
    storage:
      claimName: gcs-state
      size: 5Gi  # <- KR156
      accessModes: [ReadWriteMany]  # <- KR156
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
    storage:
      claimName: gcs-state
      subPath: cluster-a
  headGroupSpec:
    rayStartParams: {}
    template:
      spec:
        containers: [{name: ray-head, image: rayproject/ray:2.46.0}]
```
"""

from __future__ import annotations

from collections.abc import Iterator

from rayops.rules import Resource, Violation, as_dict, as_list
from rayops.rules.kuberay._cluster_features import is_set, text, validated_specs

ID = "KR156"
TITLE = "gcsFaultToleranceOptions.storage.claimName excludes size, storageClassName and accessModes"
SEVERITY = "error"
KINDS = ("RayCluster", "RayJob", "RayService", "RayCronJob")
SINCE = "1.7.0"
UNTIL = None
GATES = ("GCSFaultToleranceEmbeddedStorage",)


def check(resource: Resource) -> Iterator[Violation]:
    """Yield a violation for each operator-managed PVC setting next to storage.claimName."""
    if not resource.gate("GCSFaultToleranceEmbeddedStorage"):
        return
    for cluster in validated_specs(resource):
        options = cluster.gcs_ft()
        if options is None or options.get("backend") != "rocksdb":
            continue
        storage = as_dict(options.get("storage"))
        claim = text(storage.get("claimName"))
        if not claim:
            continue
        conflicts = [field for field in ("size", "storageClassName") if is_set(storage, field)]
        if as_list(storage.get("accessModes")):
            conflicts.append("accessModes")
        for field in conflicts:
            yield Violation(
                cluster.at("gcsFaultToleranceOptions", "storage", field),
                f"gcsFaultToleranceOptions.storage.claimName ({claim}) is mutually exclusive with size, "
                f"storageClassName and accessModes: remove {field}, or remove claimName to let the operator "
                "create the claim",
            )
