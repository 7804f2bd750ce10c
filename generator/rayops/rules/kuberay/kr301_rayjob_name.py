"""KR301: a RayJob's name is a DNS-1035 label of at most 47 characters.

The RayCluster a RayJob creates is named after the RayJob plus a dash and 5 random
characters, and must pass the RayCluster checks (53 characters, DNS-1035), so the
operator refuses RayJob names longer than 47 characters (``MaxRayJobNameLength``) or
that are not DNS-1035 labels (lower case letters, digits and '-', starting with a
letter). The API server only asks for a DNS subdomain, so it stores such a RayJob; the
operator emits an ``InvalidRayJobMetadata`` event and sets ``jobDeploymentStatus:
ValidationFailed`` (since 1.5.1 the optional validating webhook also refuses it).

```yaml fail
apiVersion: ray.io/v1
kind: RayJob
metadata:
  name: 2nd.training-run  # <- KR301
spec:
  entrypoint: python train.py
  shutdownAfterJobFinishes: true
  rayClusterSpec:
    headGroupSpec:
      rayStartParams: {}
      template:
        spec:
          containers:
          - {name: ray-head, image: rayproject/ray:2.46.0, resources: {limits: {cpu: "1", memory: 2Gi}}}
```

```yaml fail
apiVersion: ray.io/v1
kind: RayJob
metadata:
  name: nightly-training-run-for-the-recommendation-model  # <- KR301
spec:
  entrypoint: python train.py
  shutdownAfterJobFinishes: true
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
  name: second-training-run
spec:
  entrypoint: python train.py
  shutdownAfterJobFinishes: true
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
from rayops.rules.kuberay._rayjob import MAX_RAYJOB_NAME_LENGTH
from rayops.validate.objectmeta import is_dns1035_label

ID = "KR301"
TITLE = "RayJob name is a DNS-1035 label of at most 47 characters"
SEVERITY = "error"
KINDS = ("RayJob",)
SINCE = "1.4.2"
UNTIL = None
GATES = ()


def check(resource: Resource) -> Iterator[Violation]:
    """Yield a violation for a RayJob name the operator refuses."""
    name = resource.name
    if not name:
        return
    if len(name) > MAX_RAYJOB_NAME_LENGTH:
        yield Violation(
            ("metadata", "name"),
            f"RayJob name should be no more than {MAX_RAYJOB_NAME_LENGTH} characters "
            f"(it has {len(name)}): the RayCluster named after it would be too long",
        )
    problems = is_dns1035_label(name)
    if problems:
        yield Violation(
            ("metadata", "name"), "RayJob name should be a valid DNS1035 label: " + "; ".join(problems)
        )
