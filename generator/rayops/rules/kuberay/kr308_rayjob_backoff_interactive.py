"""KR308: ``backoffLimit`` cannot be used with ``InteractiveMode``.

In ``InteractiveMode`` the user submits the Ray job and writes its ID into
``spec.jobId``; a retry would keep that ID and misreport the new attempt as running.
Since 1.4.2 the operator therefore refuses a ``backoffLimit`` above 0 in this mode
("BackoffLimit is incompatible with InteractiveMode", an ``InvalidRayJobSpec``
event). The same check applies to a RayCronJob's ``jobTemplate``.

```yaml fail
apiVersion: ray.io/v1
kind: RayJob
metadata:
  name: notebook
spec:
  submissionMode: InteractiveMode
  backoffLimit: 1  # <- KR308
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
  name: notebook
spec:
  submissionMode: InteractiveMode
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
from rayops.rules.kuberay._rayjob import INTERACTIVE_MODE, JOB_KINDS, integer, job_specs, submission_mode

ID = "KR308"
TITLE = "backoffLimit cannot be used with InteractiveMode"
SEVERITY = "error"
KINDS = JOB_KINDS
SINCE = "1.4.2"
UNTIL = None
GATES = ("RayCronJob",)


def check(resource: Resource) -> Iterator[Violation]:
    """Yield a violation for retries in InteractiveMode."""
    for prefix, spec in job_specs(resource):
        limit = integer(spec.get("backoffLimit"))
        if limit is not None and limit > 0 and submission_mode(spec) == INTERACTIVE_MODE:
            yield Violation(
                (*prefix, "backoffLimit"),
                "BackoffLimit is incompatible with InteractiveMode: set backoffLimit to 0",
            )
