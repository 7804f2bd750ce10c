"""KR604: a RayJob that never deletes the RayCluster it creates.

A RayJob with a ``rayClusterSpec`` creates a whole Ray cluster. Unless
``shutdownAfterJobFinishes: true`` (or a ``deletionStrategy``) says otherwise, the
cluster, with all its workers, keeps running after the job has finished, until someone
deletes the RayJob by hand. Under GitOps nobody does: the manifest stays in git.

```yaml fail
apiVersion: ray.io/v1
kind: RayJob
metadata:
  name: nightly  # <- KR604
spec:
  entrypoint: python train.py
  rayClusterSpec:
    headGroupSpec:
      rayStartParams: {}
      template:
        spec:
          containers:
          - {name: ray-head, image: rayproject/ray:2.46.0, resources: {limits: {cpu: "1", memory: 2Gi}}}
```

```yaml pass
apiVersion: ray.io/v1
kind: RayJob
metadata:
  name: nightly
spec:
  entrypoint: python train.py
  shutdownAfterJobFinishes: true
  ttlSecondsAfterFinished: 600
  rayClusterSpec:
    headGroupSpec:
      rayStartParams: {}
      template:
        spec:
          containers:
          - {name: ray-head, image: rayproject/ray:2.46.0, resources: {limits: {cpu: "1", memory: 2Gi}}}
```
"""

from __future__ import annotations

from collections.abc import Iterator

from rayops.rules import Resource, Violation

ID = "KR604"
TITLE = "RayJob that never deletes its RayCluster"
SEVERITY = "warning"
KINDS = ("RayJob",)
SINCE = None
UNTIL = None
GATES = ()


def check(resource: Resource) -> Iterator[Violation]:
    """Yield a warning for a RayJob whose cluster outlives the job."""
    spec = resource.spec
    if not isinstance(spec.get("rayClusterSpec"), dict) or spec.get("clusterSelector"):
        return
    if spec.get("shutdownAfterJobFinishes") is True or isinstance(spec.get("deletionStrategy"), dict):
        return
    yield Violation(
        ("metadata", "name"),
        "the RayCluster this RayJob creates keeps running after the job finishes: set "
        "shutdownAfterJobFinishes: true (with ttlSecondsAfterFinished) or a deletionStrategy",
    )
