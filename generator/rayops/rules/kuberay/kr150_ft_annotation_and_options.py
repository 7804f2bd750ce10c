"""KR150: the ray.io/ft-enabled annotation and gcsFaultToleranceOptions are not both set.

GCS fault tolerance used to be switched on with the ``ray.io/ft-enabled`` annotation;
``gcsFaultToleranceOptions`` replaces it. The operator refuses a cluster spec that has
both (any non-empty annotation value, even ``"false"``). For a RayJob or a RayService it is
the annotation of the RayJob or RayService itself that counts; a RayCronJob's template is
checked without annotations, so this rule never applies to it.

The API server accepts the resource; the operator refuses it when it reconciles: a
RayCluster gets an ``InvalidRayClusterSpec`` Warning event and no Pods, a RayJob an
``InvalidRayJobSpec`` event (and, since v1.5.1, the ``ValidationFailed`` deployment
status), a RayService an ``InvalidRayServiceSpec`` event.

With KubeRay v1.3.2 a RayJob or RayService is not checked itself, but the RayCluster
it creates (a copy of its cluster spec and annotations) is, and never gets Pods.

```yaml fail
apiVersion: ray.io/v1
kind: RayCluster
metadata:
  name: ft-cluster
  annotations:
    ray.io/ft-enabled: "true"  # <- KR150
spec:
  gcsFaultToleranceOptions:
    redisAddress: redis:6379
  headGroupSpec:
    rayStartParams: {}
    template:
      spec:
        containers: [{name: ray-head, image: rayproject/ray:2.46.0}]
```

```yaml fail
# rayops: kuberay=1.4.2
apiVersion: ray.io/v1
kind: RayService
metadata:
  name: ft-service
  annotations:
    ray.io/ft-enabled: "false"  # <- KR150
spec:
  rayClusterConfig:
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
kind: RayCluster
metadata:
  name: ft-cluster
spec:
  gcsFaultToleranceOptions:
    redisAddress: redis:6379
  headGroupSpec:
    rayStartParams: {}
    template:
      spec:
        containers: [{name: ray-head, image: rayproject/ray:2.46.0}]
```

```yaml fail
# rayops: kuberay=1.3.2
apiVersion: ray.io/v1
kind: RayService
metadata:
  name: ft-service
  annotations:
    ray.io/ft-enabled: "true"  # <- KR150
spec:
  rayClusterConfig:
    gcsFaultToleranceOptions:
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
from rayops.rules.kuberay._cluster_features import FT_ENABLED_ANNOTATION, validated_specs

ID = "KR150"
TITLE = "ray.io/ft-enabled annotation and gcsFaultToleranceOptions are not both set"
SEVERITY = "error"
KINDS = ("RayCluster", "RayJob", "RayService")
SINCE = None
UNTIL = None
GATES = ()


def check(resource: Resource) -> Iterator[Violation]:
    """Yield a violation when the legacy annotation is combined with gcsFaultToleranceOptions."""
    for cluster in validated_specs(resource):
        if cluster.annotation(FT_ENABLED_ANNOTATION) and cluster.gcs_ft() is not None:
            yield Violation(
                ("metadata", "annotations", FT_ENABLED_ANNOTATION),
                f"the {FT_ENABLED_ANNOTATION} annotation and gcsFaultToleranceOptions are both set: "
                "remove the annotation and configure GCS fault tolerance with gcsFaultToleranceOptions only",
            )
