"""KR503: a RayCronJob's ``schedule`` carries no ``TZ=``/``CRON_TZ=`` prefix.

Since 1.7.0 the time zone of a RayCronJob is set with ``spec.timeZone``; the
operator refuses a ``schedule`` that contains ``TZ`` (as in ``CRON_TZ=Europe/Paris 0
2 * * *``) with an ``InvalidRayCronJobSpec`` event ("cannot use TZ or CRON_TZ in
schedule, use timeZone field instead"). (1.6.2 accepted the prefix.) Checked with the
``RayCronJob`` gate on (see KR500).

```yaml fail
# rayops: gates=RayCronJob=true
apiVersion: ray.io/v1
kind: RayCronJob
metadata:
  name: nightly
spec:
  schedule: "CRON_TZ=Europe/Paris 0 2 * * *"  # <- KR503
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
  timeZone: Europe/Paris
  jobTemplate:
    entrypoint: python train.py
    clusterSelector:
      ray.io/cluster: shared
```
"""

from __future__ import annotations

from collections.abc import Iterator

from rayops.rules import Resource, Violation
from rayops.rules.kuberay._rayjob import cron_enabled

ID = "KR503"
TITLE = "RayCronJob schedule carries no TZ= or CRON_TZ= prefix"
SEVERITY = "error"
KINDS = ("RayCronJob",)
SINCE = "1.7.0"
UNTIL = None
GATES = ("RayCronJob",)


def check(resource: Resource) -> Iterator[Violation]:
    """Yield a violation for a time zone inside the schedule."""
    schedule = resource.spec.get("schedule")
    if cron_enabled(resource) and isinstance(schedule, str) and "TZ" in schedule:
        yield Violation(
            ("spec", "schedule"),
            "cannot use TZ or CRON_TZ in schedule, use timeZone field instead",
        )
