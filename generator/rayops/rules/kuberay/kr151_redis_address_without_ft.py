"""KR151: RAY_REDIS_ADDRESS in the head container needs GCS fault tolerance to be enabled.

Setting ``RAY_REDIS_ADDRESS`` on the head Pod's Ray container (the first container)
implicitly turns on GCS fault tolerance in Ray, behind the operator's back. The operator
refuses such a cluster spec unless fault tolerance is enabled explicitly: with
``gcsFaultToleranceOptions`` (preferred) or with the legacy ``ray.io/ft-enabled: "true"``
annotation on the resource. A RayCronJob's template is checked without annotations, so
only ``gcsFaultToleranceOptions`` counts there.

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
  name: redis-cluster
spec:
  headGroupSpec:
    rayStartParams: {}
    template:
      spec:
        containers:
        - name: ray-head
          image: rayproject/ray:2.46.0
          env:
          - name: RAY_REDIS_ADDRESS  # <- KR151
            value: redis:6379
```

```yaml fail
# rayops: gates=RayCronJob=true
apiVersion: ray.io/v1
kind: RayCronJob
metadata:
  name: nightly
  annotations:
    ray.io/ft-enabled: "true"
spec:
  schedule: "0 2 * * *"
  jobTemplate:
    entrypoint: python -c "print(1)"
    rayClusterSpec:
      headGroupSpec:
        rayStartParams: {}
        template:
          spec:
            containers:
            - name: ray-head
              image: rayproject/ray:2.46.0
              env:
              - name: RAY_REDIS_ADDRESS  # <- KR151
                value: redis:6379
```

```yaml pass
apiVersion: ray.io/v1
kind: RayCluster
metadata:
  name: redis-cluster
spec:
  gcsFaultToleranceOptions:
    redisAddress: redis:6379
  headGroupSpec:
    rayStartParams: {}
    template:
      spec:
        containers: [{name: ray-head, image: rayproject/ray:2.46.0}]
```

```yaml pass
apiVersion: ray.io/v1
kind: RayJob
metadata:
  name: legacy-ft
  annotations:
    ray.io/ft-enabled: "True"
spec:
  entrypoint: python -c "print(1)"
  rayClusterSpec:
    headGroupSpec:
      rayStartParams: {}
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
from rayops.rules.kuberay._cluster_features import HEAD_CONTAINER, env_index, validated_specs

ID = "KR151"
TITLE = "RAY_REDIS_ADDRESS in the head container needs GCS fault tolerance enabled"
SEVERITY = "error"
KINDS = ("RayCluster", "RayJob", "RayService", "RayCronJob")
SINCE = None
UNTIL = None
GATES = ()

REDIS_ADDRESS_ENV = "RAY_REDIS_ADDRESS"


def check(resource: Resource) -> Iterator[Violation]:
    """Yield a violation for RAY_REDIS_ADDRESS on a head Pod without GCS fault tolerance."""
    for cluster in validated_specs(resource):
        if cluster.gcs_ft_enabled():
            continue
        index = env_index(cluster.head_container(), REDIS_ADDRESS_ENV)
        if index is not None:
            yield Violation(
                cluster.at(*HEAD_CONTAINER, "env", index, "name"),
                f"{REDIS_ADDRESS_ENV} is set, which implicitly enables GCS fault tolerance, but "
                "gcsFaultToleranceOptions is not set: set gcsFaultToleranceOptions (with redisAddress) "
                f"instead of the {REDIS_ADDRESS_ENV} env var",
            )
