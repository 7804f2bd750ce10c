"""KR402: the ``ray.io/initializing-timeout`` annotation is a positive duration.

Since 1.5.1 a RayService may carry ``ray.io/initializing-timeout``: if it is not ready
within that time the operator marks it failed (reason ``InitializingTimeout``). The
value is a Go duration (``30m``, ``1h30m``) or a whole number of seconds (``600``).
The operator refuses anything else, and zero or negative values ("annotation
ray.io/initializing-timeout has invalid format", an ``InvalidRayServiceMetadata``
event).

```yaml fail
apiVersion: ray.io/v1
kind: RayService
metadata:
  name: fruit-stand
  annotations:
    ray.io/initializing-timeout: 10 minutes  # <- KR402
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
  name: fruit-stand
  annotations:
    ray.io/initializing-timeout: "0s"  # <- KR402
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
  annotations:
    ray.io/initializing-timeout: 1h30m
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
  annotations:
    ray.io/initializing-timeout: "900"
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
from rayops.rules.kuberay._rayjob import go_atoi, go_parse_duration

ID = "KR402"
TITLE = "ray.io/initializing-timeout annotation is a positive duration"
SEVERITY = "error"
KINDS = ("RayService",)
SINCE = "1.5.1"
UNTIL = None
GATES = ()

ANNOTATION = "ray.io/initializing-timeout"


def check(resource: Resource) -> Iterator[Violation]:
    """Yield a violation for an initializing timeout the operator cannot use."""
    value = resource.annotations.get(ANNOTATION)
    if not isinstance(value, str) or not value:
        return
    path = ("metadata", "annotations", ANNOTATION)
    duration = go_parse_duration(value)
    if duration is not None:
        if duration <= 0:
            yield Violation(path, f"annotation {ANNOTATION} must be a positive duration, got: {value}")
        return
    seconds = go_atoi(value)
    if seconds is not None:
        if seconds <= 0:
            yield Violation(
                path, f"annotation {ANNOTATION} must be a positive integer (seconds), got: {value}"
            )
        return
    yield Violation(
        path,
        f"annotation {ANNOTATION} has invalid format: {value}. Expected Go duration format "
        "(e.g., '5m', '1h') or positive integer seconds",
    )
