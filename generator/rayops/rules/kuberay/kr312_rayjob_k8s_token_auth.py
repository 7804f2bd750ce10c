"""KR312: a RayJob's cluster does not use Kubernetes token authentication.

``authOptions.enableK8sTokenAuth`` lets Ray authenticate callers with Kubernetes
service account tokens. The job submission path of a RayJob does not support it yet,
so since 1.6.2 the operator refuses it in ``rayClusterSpec`` ("K8s token auth mode is
currently not supported for RayJob", an ``InvalidRayJobSpec`` event). The same check
applies to a RayCronJob's ``jobTemplate``.

```yaml fail
apiVersion: ray.io/v1
kind: RayJob
metadata:
  name: train
spec:
  entrypoint: python train.py
  shutdownAfterJobFinishes: true
  rayClusterSpec:
    rayVersion: "2.55.0"
    authOptions:
      mode: token
      enableK8sTokenAuth: true  # <- KR312
    headGroupSpec:
      rayStartParams: {}
      template:
        spec:
          containers:
          - {name: ray-head, image: rayproject/ray:2.55.0, resources: {limits: {cpu: "1", memory: 2Gi}}}
```

```yaml pass
apiVersion: ray.io/v1
kind: RayJob
metadata:
  name: train
spec:
  entrypoint: python train.py
  shutdownAfterJobFinishes: true
  rayClusterSpec:
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
from rayops.rules.kuberay._rayjob import JOB_KINDS, job_specs, ray_cluster_spec

ID = "KR312"
TITLE = "RayJob cluster does not use Kubernetes token authentication"
SEVERITY = "error"
KINDS = JOB_KINDS
SINCE = "1.6.2"
UNTIL = None
GATES = ("RayCronJob",)


def check(resource: Resource) -> Iterator[Violation]:
    """Yield a violation for enableK8sTokenAuth in a RayJob's cluster."""
    for prefix, spec in job_specs(resource):
        cluster = ray_cluster_spec(spec)
        if cluster is not None and as_dict(cluster.get("authOptions")).get("enableK8sTokenAuth") is True:
            yield Violation(
                (*prefix, "rayClusterSpec", "authOptions", "enableK8sTokenAuth"),
                "K8s token auth mode is currently not supported for RayJob: remove "
                "authOptions.enableK8sTokenAuth (authOptions.mode: token is supported)",
            )
