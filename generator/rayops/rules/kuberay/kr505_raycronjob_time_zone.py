"""KR505: a RayCronJob's ``timeZone`` is a known IANA time zone.

Since 1.7.0 ``spec.timeZone`` sets the zone ``schedule`` is read in (without it, the
operator's local zone, usually UTC). The operator loads it with Go's
``time.LoadLocation`` from the tz database compiled into it and refuses an unknown
name, or an empty string, with an ``InvalidRayCronJobSpec`` event ("invalid time
zone: unknown time zone ..."). Zone names are case-sensitive IANA names such as
``Europe/Paris`` or ``America/New_York``; rayops checks them against this machine's
tz database. Checked with the ``RayCronJob`` gate on (see KR500).

```yaml fail
# rayops: gates=RayCronJob=true
apiVersion: ray.io/v1
kind: RayCronJob
metadata:
  name: nightly
spec:
  schedule: "0 2 * * *"
  timeZone: Europe/Paaris  # <- KR505
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
  timeZone: America/New_York
  jobTemplate:
    entrypoint: python train.py
    clusterSelector:
      ray.io/cluster: shared
```
"""

from __future__ import annotations

from collections.abc import Iterator

from rayops.rules import Resource, Violation
from rayops.rules.kuberay._rayjob import cron_enabled, time_zone_problem

ID = "KR505"
TITLE = "RayCronJob timeZone is a known IANA time zone"
SEVERITY = "error"
KINDS = ("RayCronJob",)
SINCE = "1.7.0"
UNTIL = None
GATES = ("RayCronJob",)


def check(resource: Resource) -> Iterator[Violation]:
    """Yield a violation for a time zone the operator cannot load."""
    zone = resource.spec.get("timeZone")
    if not cron_enabled(resource) or not isinstance(zone, str):
        return
    if zone == "":
        yield Violation(
            ("spec", "timeZone"),
            "timeZone must not be empty string, omit the field to use the local time zone of the "
            "KubeRay operator",
        )
        return
    problem = time_zone_problem(zone)
    if problem:
        yield Violation(("spec", "timeZone"), f"invalid time zone: {problem}")
