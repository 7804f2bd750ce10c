"""KR153: the Redis username is set only through gcsFaultToleranceOptions.redisUsername.

The operator refuses a cluster spec that sets a Redis username the old way, with
``redis-username`` in the head group's ``rayStartParams`` or a ``REDIS_USERNAME`` env var
on the head Pod's Ray container (the first container), whether or not GCS fault tolerance
is enabled. Use ``gcsFaultToleranceOptions.redisUsername`` instead.

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
  name: redis-user
  annotations:
    ray.io/ft-enabled: "true"
spec:
  headGroupSpec:
    rayStartParams:
      redis-username: ray  # <- KR153
    template:
      spec:
        containers:
        - name: ray-head
          image: rayproject/ray:2.46.0
          env:
          - name: REDIS_USERNAME  # <- KR153
            value: ray
```

```yaml pass
apiVersion: ray.io/v1
kind: RayCluster
metadata:
  name: redis-user
spec:
  gcsFaultToleranceOptions:
    redisAddress: redis:6379
    redisUsername: {value: ray}
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
from rayops.rules.kuberay._cluster_features import HEAD_CONTAINER, env_index, text, validated_specs

ID = "KR153"
TITLE = "the Redis username is set only through gcsFaultToleranceOptions.redisUsername"
SEVERITY = "error"
KINDS = ("RayCluster", "RayJob", "RayService", "RayCronJob")
SINCE = None
UNTIL = None
GATES = ()

USERNAME_ENV = "REDIS_USERNAME"


def check(resource: Resource) -> Iterator[Violation]:
    """Yield a violation for a Redis username in rayStartParams or the head env."""
    for cluster in validated_specs(resource):
        if text(cluster.head_params().get("redis-username")):
            yield Violation(
                cluster.at("headGroupSpec", "rayStartParams", "redis-username"),
                "cannot set redis-username in rayStartParams: "
                "use gcsFaultToleranceOptions.redisUsername instead",
            )
        index = env_index(cluster.head_container(), USERNAME_ENV)
        if index is not None:
            yield Violation(
                cluster.at(*HEAD_CONTAINER, "env", index, "name"),
                f"cannot set the {USERNAME_ENV} env var in the head Pod: "
                "use gcsFaultToleranceOptions.redisUsername instead",
            )
