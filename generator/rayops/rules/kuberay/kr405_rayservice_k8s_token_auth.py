"""KR405: a RayService's cluster does not use Kubernetes token authentication.

``authOptions.enableK8sTokenAuth`` lets Ray authenticate callers with Kubernetes
service account tokens. The operator's RayService path (health checks and Serve
config submission through the dashboard) does not support it yet, so since 1.6.2 it
refuses it in ``rayClusterConfig`` ("K8s token auth mode is currently not supported
for RayService", an ``InvalidRayServiceSpec`` event).

```yaml fail
apiVersion: ray.io/v1
kind: RayService
metadata:
  name: fruit-stand
spec:
  rayClusterConfig:
    rayVersion: "2.55.0"
    authOptions:
      mode: token
      enableK8sTokenAuth: true  # <- KR405
    headGroupSpec:
      rayStartParams: {}
      template:
        spec:
          containers:
          - {name: ray-head, image: rayproject/ray:2.55.0, resources: {limits: {cpu: "1", memory: 2Gi}}}
```

```yaml pass
apiVersion: ray.io/v1
kind: RayService
metadata:
  name: fruit-stand
spec:
  rayClusterConfig:
    rayVersion: "2.55.0"
    authOptions:
      mode: token
    headGroupSpec:
      rayStartParams: {}
      template:
        spec:
          containers:
          - {name: ray-head, image: rayproject/ray:2.55.0, resources: {limits: {cpu: "1", memory: 2Gi}}}
```
"""

from __future__ import annotations

from collections.abc import Iterator

from rayops.rules import Resource, Violation, as_dict

ID = "KR405"
TITLE = "RayService cluster does not use Kubernetes token authentication"
SEVERITY = "error"
KINDS = ("RayService",)
SINCE = "1.6.2"
UNTIL = None
GATES = ()


def check(resource: Resource) -> Iterator[Violation]:
    """Yield a violation for enableK8sTokenAuth in a RayService's cluster."""
    auth = as_dict(as_dict(resource.spec.get("rayClusterConfig")).get("authOptions"))
    if auth.get("enableK8sTokenAuth") is True:
        yield Violation(
            ("spec", "rayClusterConfig", "authOptions", "enableK8sTokenAuth"),
            "K8s token auth mode is currently not supported for RayService: remove "
            "authOptions.enableK8sTokenAuth (authOptions.mode: token is supported)",
        )
