"""KR500: a RayCronJob is only reconciled with the ``RayCronJob`` feature gate on.

RayCronJob (since 1.6.2) creates a RayJob from ``spec.jobTemplate`` on each tick of
``spec.schedule``. Its controller is alpha: the operator only starts it when the
``RayCronJob`` feature gate is enabled (off by default). With the gate off the API
server still stores RayCronJobs, but nothing ever runs them and no event says why.
Enable the gate on the operator (``--feature-gates=RayCronJob=true``); rayops only
checks a RayCronJob's content (KR501-KR505 and the RayJob rules on its template) with
the gate on.

```yaml fail
apiVersion: ray.io/v1
kind: RayCronJob  # <- KR500
metadata:
  name: nightly
spec:
  schedule: "0 2 * * *"
  jobTemplate:
    entrypoint: python train.py
    clusterSelector:
      ray.io/cluster: shared
```

```yaml pass
# rayops: gates=RayCronJob=true
apiVersion: ray.io/v1
kind: RayCronJob
metadata:
  name: nightly
spec:
  schedule: "0 2 * * *"
  jobTemplate:
    entrypoint: python train.py
    clusterSelector:
      ray.io/cluster: shared
```
"""

from __future__ import annotations

from collections.abc import Iterator

from rayops.rules import Resource, Violation
from rayops.rules.kuberay._rayjob import CRON_GATE

ID = "KR500"
TITLE = "RayCronJob is only reconciled with the RayCronJob feature gate on"
SEVERITY = "warning"
KINDS = ("RayCronJob",)
SINCE = "1.6.2"
UNTIL = None
GATES = ("RayCronJob",)


def check(resource: Resource) -> Iterator[Violation]:
    """Yield a warning when the operator would not reconcile RayCronJobs."""
    if not resource.gate(CRON_GATE):
        yield Violation(
            ("kind",),
            f"the {CRON_GATE} feature gate is off: the operator does not start the RayCronJob controller, so "
            f"this RayCronJob never creates RayJobs; enable it with --feature-gates={CRON_GATE}=true",
        )
