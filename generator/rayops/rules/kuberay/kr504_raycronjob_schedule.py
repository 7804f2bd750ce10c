"""KR504: a RayCronJob's ``schedule`` is a valid cron expression.

The operator parses ``spec.schedule`` with robfig/cron's standard parser: five fields
(minute 0-59, hour 0-23, day of month 1-31, month 1-12 or JAN-DEC, day of week 0-6
or SUN-SAT, where 7 is not Sunday) with ``*``, ``?``, ranges, steps and lists, or a
descriptor (``@hourly``, ``@daily``, ``@weekly``, ``@monthly``, ``@yearly``,
``@every 1h30m``). The CRD accepts any string; the operator refuses the RayCronJob
("invalid cron schedule", an ``InvalidRayCronJobSpec`` event) and never schedules it.
In 1.6.2 a ``TZ=``/``CRON_TZ=`` prefix with a known zone is accepted (KR503 covers
1.7.0). Checked with the ``RayCronJob`` gate on (see KR500).

```yaml fail
# rayops: gates=RayCronJob=true
apiVersion: ray.io/v1
kind: RayCronJob
metadata:
  name: weekdays
spec:
  schedule: "0 9 * * 1-7"  # <- KR504
  jobTemplate:
    entrypoint: python train.py
    clusterSelector:
      ray.io/cluster: shared
```

```yaml fail
# rayops: gates=RayCronJob=true
apiVersion: ray.io/v1
kind: RayCronJob
metadata:
  name: frequent
spec:
  schedule: "@every 90min"  # <- KR504
  jobTemplate:
    entrypoint: python train.py
    clusterSelector:
      ray.io/cluster: shared
```

```yaml fail
# rayops: kuberay=1.6.2 gates=RayCronJob=true
apiVersion: ray.io/v1
kind: RayCronJob
metadata:
  name: seconds
spec:
  schedule: "0 */5 * * * *"  # <- KR504
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
  name: weekdays
spec:
  schedule: "*/15 9-17 * jan-jun,SEP MON-FRI"
  jobTemplate:
    entrypoint: python train.py
    clusterSelector:
      ray.io/cluster: shared
```

```yaml pass
# rayops: kuberay=1.6.2 gates=RayCronJob=true
apiVersion: ray.io/v1
kind: RayCronJob
metadata:
  name: frequent
spec:
  schedule: "CRON_TZ=Asia/Tokyo @every 1h30m"
  jobTemplate:
    entrypoint: python train.py
    clusterSelector:
      ray.io/cluster: shared
```
"""

from __future__ import annotations

from collections.abc import Iterator

from rayops.rules import Resource, Violation
from rayops.rules.kuberay._rayjob import cron_enabled, cron_schedule_problem, time_zone_problem

ID = "KR504"
TITLE = "RayCronJob schedule is a valid cron expression"
SEVERITY = "error"
KINDS = ("RayCronJob",)
SINCE = "1.6.2"
UNTIL = None
GATES = ("RayCronJob",)


def check(resource: Resource) -> Iterator[Violation]:
    """Yield a violation for a schedule robfig/cron rejects."""
    schedule = resource.spec.get("schedule")
    if not cron_enabled(resource) or not isinstance(schedule, str):
        return
    if resource.at_least("1.7.0") and "TZ" in schedule:
        return  # refused before parsing (KR503)
    problem = cron_schedule_problem(schedule, lambda zone: time_zone_problem(zone) is None)
    if problem:
        yield Violation(
            ("spec", "schedule"),
            f"invalid cron schedule: {problem} (expected minute hour day-of-month month day-of-week, "
            "or a descriptor such as @daily or @every 1h)",
        )
