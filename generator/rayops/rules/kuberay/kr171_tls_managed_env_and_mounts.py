"""KR171: with TLS enabled, the TLS env vars and the TLS volume mount are left to the operator.

When ``tlsOptions.enabled`` is true (and the ``RayClusterMTLS`` gate is on), the operator
sets ``RAY_USE_TLS``, ``RAY_TLS_SERVER_CERT``, ``RAY_TLS_SERVER_KEY`` and
``RAY_TLS_CA_CERT`` and mounts the certificates as the volume ``ray-tls`` at
``/etc/ray/tls`` in the Ray container (the first container) of the head and worker Pods
and in the autoscaler container. It refuses a cluster spec that already sets one of those
env vars, or has a volume mount with that name or that path, in the head or a worker
group's Ray container or in ``autoscalerOptions.env`` / ``autoscalerOptions.volumeMounts``:
a user value would silently override the operator's.

The API server accepts the resource; the operator refuses it when it reconciles: a
RayCluster gets an ``InvalidRayClusterSpec`` Warning event and no Pods, a RayJob an
``InvalidRayJobSpec`` event and the ``ValidationFailed`` deployment status, a RayService
an ``InvalidRayServiceSpec`` event, a RayCronJob an ``InvalidRayCronJobSpec`` event.

```yaml fail
# rayops: gates=RayClusterMTLS=true
apiVersion: ray.io/v1
kind: RayCluster
metadata:
  name: mtls
spec:
  tlsOptions: {enabled: true}
  enableInTreeAutoscaling: true
  autoscalerOptions:
    env:
    - name: RAY_TLS_CA_CERT  # <- KR171
      value: /certs/ca.crt
  headGroupSpec:
    rayStartParams: {}
    template:
      spec:
        containers:
        - name: ray-head
          image: rayproject/ray:2.46.0
          env:
          - name: RAY_USE_TLS  # <- KR171
            value: "1"
  workerGroupSpecs:
  - groupName: small
    replicas: 1
    minReplicas: 1
    maxReplicas: 1
    rayStartParams: {}
    template:
      spec:
        containers:
        - name: ray-worker
          image: rayproject/ray:2.46.0
          volumeMounts:
          - name: certs
            mountPath: /etc/ray/tls  # <- KR171
        volumes:
        - name: certs
          secret: {secretName: my-certs}
```

```yaml pass
# rayops: gates=RayClusterMTLS=true
apiVersion: ray.io/v1
kind: RayCluster
metadata:
  name: mtls
spec:
  tlsOptions: {enabled: false}
  headGroupSpec:
    rayStartParams: {}
    template:
      spec:
        containers:
        - name: ray-head
          image: rayproject/ray:2.46.0
          env:
          - name: RAY_USE_TLS
            value: "1"
```
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from rayops.findings import Path
from rayops.rules import Resource, Violation, as_dict, ray_container, worker_groups
from rayops.rules.kuberay._cluster_features import HEAD_CONTAINER, env_entries, mounts, validated_specs

ID = "KR171"
TITLE = "with TLS enabled, the TLS env vars and the TLS volume mount are left to the operator"
SEVERITY = "error"
KINDS = ("RayCluster", "RayJob", "RayService", "RayCronJob")
SINCE = "1.7.0"
UNTIL = None
GATES = ("RayClusterMTLS",)

MANAGED_ENV = ("RAY_USE_TLS", "RAY_TLS_SERVER_CERT", "RAY_TLS_SERVER_KEY", "RAY_TLS_CA_CERT")
VOLUME_NAME = "ray-tls"
MOUNT_PATH = "/etc/ray/tls"
SUFFIX = "the operator manages the TLS configuration when tlsOptions is enabled"


def _conflicts(path: Path, where: str, holder: dict[str, Any]) -> Iterator[Violation]:
    for index, name in env_entries(holder):
        if name in MANAGED_ENV:
            yield Violation(
                (*path, "env", index, "name"), f"cannot set the {name} env var in {where}: {SUFFIX}"
            )
    for index, mount in mounts(holder):
        if mount.get("name") == VOLUME_NAME:
            yield Violation(
                (*path, "volumeMounts", index, "name"),
                f"cannot use a volume mount named {VOLUME_NAME} in {where}: {SUFFIX}",
            )
        elif mount.get("mountPath") == MOUNT_PATH:
            yield Violation(
                (*path, "volumeMounts", index, "mountPath"),
                f"cannot use a volume mount at {MOUNT_PATH} in {where}: {SUFFIX}",
            )


def check(resource: Resource) -> Iterator[Violation]:
    """Yield a violation for each user setting that collides with the operator's TLS wiring."""
    if not resource.gate("RayClusterMTLS"):
        return
    for cluster in validated_specs(resource):
        if as_dict(cluster.spec.get("tlsOptions")).get("enabled") is not True:
            continue
        yield from _conflicts(cluster.at(*HEAD_CONTAINER), "the head Pod", cluster.head_container())
        for index, group in worker_groups(cluster.spec):
            where = f"worker group {group.get('groupName')!r}"
            path = cluster.at("workerGroupSpecs", index, *HEAD_CONTAINER[1:])
            yield from _conflicts(path, where, ray_container(group))
        autoscaler = cluster.spec.get("autoscalerOptions")
        if isinstance(autoscaler, dict):
            yield from _conflicts(cluster.at("autoscalerOptions"), "autoscalerOptions", autoscaler)
