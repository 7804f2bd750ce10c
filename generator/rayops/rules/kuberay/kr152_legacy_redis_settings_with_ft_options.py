"""KR152: with gcsFaultToleranceOptions, the legacy Redis settings are not used.

``gcsFaultToleranceOptions`` configures the Redis connection of GCS fault tolerance, so
the operator refuses a cluster spec that also configures it the old way:

- ``redis-password`` in the head group's ``rayStartParams`` (use
  ``gcsFaultToleranceOptions.redisPassword``);
- a ``REDIS_PASSWORD`` env var on the head Pod's Ray container (use
  ``gcsFaultToleranceOptions.redisPassword``);
- a ``RAY_REDIS_ADDRESS`` env var on the head Pod's Ray container (use
  ``gcsFaultToleranceOptions.redisAddress``);
- the ``ray.io/external-storage-namespace`` annotation on the resource (use
  ``gcsFaultToleranceOptions.externalStorageNamespace``). For a RayJob or RayService the
  annotation of the RayJob or RayService itself counts; a RayCronJob's template is checked
  without annotations.

The API server accepts the resource; the operator refuses it when it reconciles: a
RayCluster gets an ``InvalidRayClusterSpec`` Warning event and no Pods, a RayJob an
``InvalidRayJobSpec`` event (and, since v1.5.1, the ``ValidationFailed`` deployment
status), a RayService an ``InvalidRayServiceSpec`` event, a RayCronJob an
``InvalidRayCronJobSpec`` event.

With KubeRay v1.3.2 a RayJob or RayService is not checked itself, but the RayCluster
it creates (a copy of its cluster spec and annotations) is, and never gets Pods.

```yaml fail
apiVersion: ray.io/v1
kind: RayCluster
metadata:
  name: ft-cluster
  annotations:
    ray.io/external-storage-namespace: my-ns  # <- KR152
spec:
  gcsFaultToleranceOptions:
    redisAddress: redis:6379
  headGroupSpec:
    rayStartParams:
      redis-password: secret  # <- KR152
    template:
      spec:
        containers:
        - name: ray-head
          image: rayproject/ray:2.46.0
          env:
          - name: REDIS_PASSWORD  # <- KR152
            value: secret
          - name: RAY_REDIS_ADDRESS  # <- KR152
            value: redis:6379
```

```yaml pass
apiVersion: ray.io/v1
kind: RayCluster
metadata:
  name: ft-cluster
spec:
  gcsFaultToleranceOptions:
    redisAddress: redis:6379
    externalStorageNamespace: my-ns
    redisPassword:
      valueFrom:
        secretKeyRef: {name: redis-password-secret, key: password}
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
  name: legacy-ft
  annotations:
    ray.io/ft-enabled: "true"
    ray.io/external-storage-namespace: my-ns
spec:
  headGroupSpec:
    rayStartParams:
      redis-password: secret
    template:
      spec:
        containers:
        - name: ray-head
          image: rayproject/ray:2.46.0
          env:
          - name: RAY_REDIS_ADDRESS
            value: redis:6379
```
"""

from __future__ import annotations

from collections.abc import Iterator

from rayops.rules import Resource, Violation
from rayops.rules.kuberay._cluster_features import (
    EXTERNAL_STORAGE_NS_ANNOTATION,
    HEAD_CONTAINER,
    env_index,
    text,
    validated_specs,
)

ID = "KR152"
TITLE = "with gcsFaultToleranceOptions, the legacy Redis settings are not used"
SEVERITY = "error"
KINDS = ("RayCluster", "RayJob", "RayService", "RayCronJob")
SINCE = None
UNTIL = None
GATES = ()

LEGACY_ENV = {
    "REDIS_PASSWORD": "gcsFaultToleranceOptions.redisPassword",
    "RAY_REDIS_ADDRESS": "gcsFaultToleranceOptions.redisAddress",
}


def check(resource: Resource) -> Iterator[Violation]:
    """Yield a violation for each legacy Redis setting next to gcsFaultToleranceOptions."""
    for cluster in validated_specs(resource):
        if cluster.gcs_ft() is None:
            continue
        if text(cluster.head_params().get("redis-password")):
            yield Violation(
                cluster.at("headGroupSpec", "rayStartParams", "redis-password"),
                "cannot set redis-password in rayStartParams when gcsFaultToleranceOptions is set: "
                "use gcsFaultToleranceOptions.redisPassword instead",
            )
        head = cluster.head_container()
        for name, replacement in LEGACY_ENV.items():
            index = env_index(head, name)
            if index is not None:
                yield Violation(
                    cluster.at(*HEAD_CONTAINER, "env", index, "name"),
                    f"cannot set the {name} env var in the head Pod when gcsFaultToleranceOptions is set: "
                    f"use {replacement} instead",
                )
        if cluster.annotation(EXTERNAL_STORAGE_NS_ANNOTATION):
            yield Violation(
                ("metadata", "annotations", EXTERNAL_STORAGE_NS_ANNOTATION),
                f"cannot set the {EXTERNAL_STORAGE_NS_ANNOTATION} annotation when gcsFaultToleranceOptions "
                "is set: use gcsFaultToleranceOptions.externalStorageNamespace instead",
            )
