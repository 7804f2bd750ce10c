"""KR101: a RayCluster's name is a DNS-1035 label of at most 53 characters.

The operator derives Service and Pod names from the RayCluster's name, so it rejects
names longer than 53 characters (``MaxRayClusterNameLength``) or that are not DNS-1035
labels (lower case letters, digits and '-', starting with a letter). The API server
accepts both, since a custom resource's name only has to be a DNS subdomain: the
RayCluster is stored, and the operator emits an ``InvalidRayClusterMetadata`` event.

```yaml fail
apiVersion: ray.io/v1
kind: RayCluster
metadata:
  name: 2nd.cluster  # <- KR101
spec:
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
  name: second-cluster
spec:
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
from rayops.validate.objectmeta import is_dns1035_label

ID = "KR101"
TITLE = "RayCluster name is a DNS-1035 label of at most 53 characters"
SEVERITY = "error"
KINDS = ("RayCluster",)
SINCE = "1.4.2"
UNTIL = None
GATES = ()

MAX_LENGTH = 53


def check(resource: Resource) -> Iterator[Violation]:
    """Yield a violation for a name the operator refuses."""
    name = resource.name
    if not name:
        return
    if len(name) > MAX_LENGTH:
        yield Violation(
            ("metadata", "name"), f"RayCluster name should be no more than {MAX_LENGTH} characters"
        )
    problems = is_dns1035_label(name)
    if problems:
        yield Violation(
            ("metadata", "name"), "RayCluster name should be a valid DNS1035 label: " + "; ".join(problems)
        )
