"""KR401: a RayService's name is a DNS-1035 label of at most 47 characters.

The RayClusters a RayService creates are named after it plus a dash and 5 random
characters, and must pass the RayCluster name checks (53 characters, DNS-1035), so since 1.4.2 the
operator refuses RayService names longer than 47 characters
(``MaxRayServiceNameLength``) or that are not DNS-1035 labels (lower case letters,
digits and '-', starting with a letter). The API server only asks for a DNS
subdomain; the operator emits an ``InvalidRayServiceMetadata`` event (since 1.5.1 the
optional validating webhook also refuses it).

```yaml fail
apiVersion: ray.io/v1
kind: RayService
metadata:
  name: fruit.stand  # <- KR401
spec:
  rayClusterConfig:
    headGroupSpec:
      rayStartParams: {}
      template:
        spec:
          containers:
          - {name: ray-head, image: rayproject/ray:2.46.0, resources: {limits: {cpu: "1", memory: 2Gi}}}
```

```yaml fail
apiVersion: ray.io/v1
kind: RayService
metadata:
  name: fruit-stand-recommendation-service-for-the-eu-region  # <- KR401
spec:
  rayClusterConfig:
    headGroupSpec:
      rayStartParams: {}
      template:
        spec:
          containers:
          - {name: ray-head, image: rayproject/ray:2.46.0, resources: {limits: {cpu: "1", memory: 2Gi}}}
```

```yaml pass
apiVersion: ray.io/v1
kind: RayService
metadata:
  name: fruit-stand
spec:
  rayClusterConfig:
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
from rayops.rules.kuberay._rayjob import MAX_RAYSERVICE_NAME_LENGTH
from rayops.validate.objectmeta import is_dns1035_label

ID = "KR401"
TITLE = "RayService name is a DNS-1035 label of at most 47 characters"
SEVERITY = "error"
KINDS = ("RayService",)
SINCE = "1.4.2"
UNTIL = None
GATES = ()


def check(resource: Resource) -> Iterator[Violation]:
    """Yield a violation for a RayService name the operator refuses."""
    name = resource.name
    if not name:
        return
    if len(name) > MAX_RAYSERVICE_NAME_LENGTH:
        yield Violation(
            ("metadata", "name"),
            f"RayService name should be no more than {MAX_RAYSERVICE_NAME_LENGTH} characters "
            f"(it has {len(name)}): the RayClusters named after it would be too long",
        )
    problems = is_dns1035_label(name)
    if problems:
        yield Violation(
            ("metadata", "name"), "RayService name should be a valid DNS1035 label: " + "; ".join(problems)
        )
