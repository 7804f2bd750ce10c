"""KR157: the embedded RocksDB GCS backend's env vars, volume and mount are left to the operator.

With ``gcsFaultToleranceOptions.backend: rocksdb`` the operator wires the store into the
head Pod itself: it sets the ``RAY_gcs_storage`` and ``RAY_gcs_storage_path`` env vars on
the Ray container (the first container), adds a volume named ``gcs-storage`` and mounts it
at ``/data/gcs``. It refuses a cluster spec whose head Pod template already has one of
those env vars, a volume named ``gcs-storage``, or a Ray-container mount with that name or
that path. The check runs once the ``GCSFaultToleranceEmbeddedStorage`` gate is on.

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
  headGroupSpec:
    rayStartParams: {}
    template:
      spec:
        containers:
        - name: ray-head
          image: rayproject/ray:2.46.0
          env:
          - name: RAY_gcs_storage_path  # <- KR157
            value: /data/gcs
          volumeMounts:
          - name: state
            mountPath: /data/gcs  # <- KR157
        volumes:
        - name: gcs-storage  # <- KR157
          emptyDir: {}
        - name: state
          emptyDir: {}
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
        containers:
        - name: ray-head
          image: rayproject/ray:2.46.0
          volumeMounts:
          - name: state
            mountPath: /data/state
        volumes:
        - name: state
          emptyDir: {}
```
"""

from __future__ import annotations

from collections.abc import Iterator

from rayops.rules import Resource, Violation, as_list, pod_spec
from rayops.rules.kuberay._cluster_features import HEAD_CONTAINER, env_entries, mounts, validated_specs

ID = "KR157"
TITLE = "the embedded RocksDB GCS backend's env vars, volume and mount are left to the operator"
SEVERITY = "error"
KINDS = ("RayCluster", "RayJob", "RayService", "RayCronJob")
SINCE = "1.7.0"
UNTIL = None
GATES = ("GCSFaultToleranceEmbeddedStorage",)

MANAGED_ENV = ("RAY_gcs_storage", "RAY_gcs_storage_path")
VOLUME_NAME = "gcs-storage"
MOUNT_PATH = "/data/gcs"
SUFFIX = "it is managed by KubeRay for the embedded (rocksdb) GCS fault tolerance backend"


def check(resource: Resource) -> Iterator[Violation]:
    """Yield a violation for each head Pod setting that collides with the RocksDB store wiring."""
    if not resource.gate("GCSFaultToleranceEmbeddedStorage"):
        return
    for cluster in validated_specs(resource):
        options = cluster.gcs_ft()
        if options is None or options.get("backend") != "rocksdb":
            continue
        head = cluster.head_container()
        for index, name in env_entries(head):
            if name in MANAGED_ENV:
                yield Violation(
                    cluster.at(*HEAD_CONTAINER, "env", index, "name"),
                    f"cannot set the {name} env var in the head Pod: {SUFFIX}",
                )
        for index, mount in mounts(head):
            if mount.get("name") == VOLUME_NAME:
                yield Violation(
                    cluster.at(*HEAD_CONTAINER, "volumeMounts", index, "name"),
                    f"cannot mount a volume named {VOLUME_NAME} in the head container: {SUFFIX}",
                )
            elif mount.get("mountPath") == MOUNT_PATH:
                yield Violation(
                    cluster.at(*HEAD_CONTAINER, "volumeMounts", index, "mountPath"),
                    f"cannot mount a volume at {MOUNT_PATH} in the head container: {SUFFIX}",
                )
        volumes = as_list(pod_spec(cluster.head_group()).get("volumes"))
        for index, volume in enumerate(volumes):
            if isinstance(volume, dict) and volume.get("name") == VOLUME_NAME:
                yield Violation(
                    cluster.at("headGroupSpec", "template", "spec", "volumes", index, "name"),
                    f"cannot define a volume named {VOLUME_NAME} in the head Pod: {SUFFIX}",
                )
