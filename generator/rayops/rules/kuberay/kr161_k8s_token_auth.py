"""KR161: authOptions.enableK8sTokenAuth needs token mode, Ray 2.55.0 and no secretName.

``authOptions.enableK8sTokenAuth: true`` makes Ray delegate token checks to the
Kubernetes API server. The operator refuses a RayCluster that enables it

- without ``authOptions.mode: token``;
- with a ``rayVersion`` older than 2.55.0 (a missing or older-than-2.52.0 ``rayVersion`` is
  already reported by KR160);
- together with ``authOptions.secretName`` (a user-provided static token).

A RayJob, RayService or RayCronJob that enables it is refused for another reason: the
operator does not support Kubernetes token authentication for them at all.

The API server accepts the RayCluster; the operator emits an ``InvalidRayClusterSpec``
Warning event and creates no Pods.

```yaml fail
apiVersion: ray.io/v1
kind: RayCluster
metadata:
  name: k8s-auth
spec:
  rayVersion: "2.54.0"  # <- KR161
  authOptions:
    mode: token
    enableK8sTokenAuth: true
    secretName: my-token  # <- KR161
  headGroupSpec:
    rayStartParams: {}
    template:
      spec:
        containers: [{name: ray-head, image: rayproject/ray:2.54.0}]
```

```yaml fail
apiVersion: ray.io/v1
kind: RayCluster
metadata:
  name: k8s-auth
spec:
  rayVersion: "2.55.0"
  authOptions:
    enableK8sTokenAuth: true  # <- KR161
  headGroupSpec:
    rayStartParams: {}
    template:
      spec:
        containers: [{name: ray-head, image: rayproject/ray:2.55.0}]
```

```yaml pass
apiVersion: ray.io/v1
kind: RayCluster
metadata:
  name: k8s-auth
spec:
  rayVersion: "2.55.0"
  authOptions:
    mode: token
    enableK8sTokenAuth: true
  headGroupSpec:
    rayStartParams: {}
    template:
      spec:
        containers: [{name: ray-head, image: rayproject/ray:2.55.0}]
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

ID = "KR161"
TITLE = "authOptions.enableK8sTokenAuth needs token mode, Ray 2.55.0 and no secretName"
SEVERITY = "error"
KINDS = ("RayCluster",)
SINCE = "1.6.2"
UNTIL = None
GATES = ()

TOKEN_MINIMUM = (2, 52, 0)
K8S_MINIMUM = (2, 55, 0)


def check(resource: Resource) -> Iterator[Violation]:
    """Yield a violation for each unmet requirement of Kubernetes token authentication."""
    for cluster in validated_specs(resource):
        auth = as_dict(cluster.spec.get("authOptions"))
        if auth.get("enableK8sTokenAuth") is not True:
            continue
        if auth.get("mode") != "token":
            yield Violation(
                cluster.at("authOptions", "enableK8sTokenAuth"),
                "authOptions.enableK8sTokenAuth is enabled but authOptions.mode is not 'token': "
                "set authOptions.mode: token",
            )
            continue
        version = parse_generic_version(text(cluster.spec.get("rayVersion")))
        if version is None or version_less(version, TOKEN_MINIMUM):
            continue  # KR160 reports it; the operator stops there
        if version_less(version, K8S_MINIMUM):
            yield Violation(
                cluster.at("rayVersion"),
                "authOptions.enableK8sTokenAuth is enabled but the minimum Ray version is 2.55.0, "
                f"got {cluster.spec.get('rayVersion')}: use Ray 2.55.0 or later",
            )
        if text(auth.get("secretName")):
            yield Violation(
                cluster.at("authOptions", "secretName"),
                "authOptions.enableK8sTokenAuth is enabled and authOptions.secretName is also set: "
                "remove secretName, Kubernetes token authentication does not use a static token",
            )
