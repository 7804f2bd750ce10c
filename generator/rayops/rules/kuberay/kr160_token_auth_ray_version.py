"""KR160: token authentication (authOptions.mode: token) needs rayVersion 2.52.0 or later.

Ray supports token authentication from Ray 2.52.0. When ``authOptions.mode`` is
``token``, the operator reads the cluster spec's ``rayVersion`` and refuses the spec when
it is missing or empty, when it cannot be parsed as a version (two or more dot-separated
numbers, optionally preceded by ``v``; anything after the numbers is ignored, so
``2.52.0rc1`` reads as 2.52.0), or when it is older than 2.52.0. Set ``rayVersion`` to the
Ray version of your image.

The API server accepts the resource; the operator refuses it when it reconciles: a
RayCluster gets an ``InvalidRayClusterSpec`` Warning event and no Pods, a RayJob an
``InvalidRayJobSpec`` event and the ``ValidationFailed`` deployment status, a RayService
an ``InvalidRayServiceSpec`` event, a RayCronJob an ``InvalidRayCronJobSpec`` event.

```yaml fail
apiVersion: ray.io/v1
kind: RayCluster
metadata:
  name: auth-cluster
spec:
  rayVersion: "2.46.0"  # <- KR160
  authOptions: {mode: token}
  headGroupSpec:
    rayStartParams: {}
    template:
      spec:
        containers: [{name: ray-head, image: rayproject/ray:2.46.0}]
```

```yaml fail
# rayops: kuberay=1.5.1
apiVersion: ray.io/v1
kind: RayJob
metadata:
  name: auth-job
spec:
  entrypoint: python -c "print(1)"
  rayClusterSpec:
    authOptions:
      mode: token  # <- KR160
    headGroupSpec:
      rayStartParams: {}
      template:
        spec:
          containers: [{name: ray-head, image: rayproject/ray:2.52.0}]
```

```yaml fail
apiVersion: ray.io/v1
kind: RayCluster
metadata:
  name: auth-cluster
spec:
  rayVersion: latest  # <- KR160
  authOptions: {mode: token}
  headGroupSpec:
    rayStartParams: {}
    template:
      spec:
        containers: [{name: ray-head, image: rayproject/ray:latest}]
```

```yaml pass
apiVersion: ray.io/v1
kind: RayCluster
metadata:
  name: auth-cluster
spec:
  rayVersion: "2.52.0"
  authOptions: {mode: token}
  headGroupSpec:
    rayStartParams: {}
    template:
      spec:
        containers: [{name: ray-head, image: rayproject/ray:2.52.0}]
```

```yaml pass
apiVersion: ray.io/v1
kind: RayCluster
metadata:
  name: auth-cluster
spec:
  authOptions: {mode: disabled}
  headGroupSpec:
    rayStartParams: {}
    template:
      spec:
        containers: [{name: ray-head, image: rayproject/ray:2.46.0}]
```
"""

from __future__ import annotations

from collections.abc import Iterator

from rayops.rules import Resource, Violation, as_dict
from rayops.rules.kuberay._cluster_features import (
    parse_generic_version,
    text,
    validated_specs,
    version_less,
)

ID = "KR160"
TITLE = "token authentication (authOptions.mode: token) needs rayVersion 2.52.0 or later"
SEVERITY = "error"
KINDS = ("RayCluster", "RayJob", "RayService", "RayCronJob")
SINCE = "1.5.1"
UNTIL = None
GATES = ()

MINIMUM = (2, 52, 0)


def check(resource: Resource) -> Iterator[Violation]:
    """Yield a violation when token auth is on and rayVersion is missing, invalid or too old."""
    for cluster in validated_specs(resource):
        if as_dict(cluster.spec.get("authOptions")).get("mode") != "token":
            continue
        ray_version = text(cluster.spec.get("rayVersion"))
        if not ray_version:
            where = (
                cluster.at("rayVersion")
                if "rayVersion" in cluster.spec
                else cluster.at("authOptions", "mode")
            )
            yield Violation(
                where,
                "authOptions.mode is 'token' but rayVersion is not set: token authentication needs "
                "Ray 2.52.0 or later, set rayVersion to the Ray version of the image",
            )
            continue
        version = parse_generic_version(ray_version)
        if version is None:
            yield Violation(
                cluster.at("rayVersion"),
                f"authOptions.mode is 'token' but rayVersion {ray_version!r} is not a valid version: "
                "set it to the Ray version of the image, such as 2.52.0",
            )
        elif version_less(version, MINIMUM):
            yield Violation(
                cluster.at("rayVersion"),
                f"authOptions.mode is 'token' but the minimum Ray version is 2.52.0, got {ray_version}: "
                "use Ray 2.52.0 or later, or turn token authentication off",
            )
