"""KR502: the RayJobs a RayCronJob creates get names the operator accepts.

A RayCronJob names each RayJob it creates ``<name>-<suffix>`` (5 random characters in
1.6.2; the schedule time in minutes since 1.7.0). Such a RayJob then goes through the
RayJob name check (KR301): a DNS-1035 label of at most 47 characters. A RayCronJob
name that starts with a digit or contains a '.' (both fine for the API server), or,
in 1.6.2, is longer than 41 characters, gives RayJobs that the operator fails with
``ValidationFailed`` at every tick. Checked with the ``RayCronJob`` gate on (see
KR500).

```yaml fail
# rayops: gates=RayCronJob=true
apiVersion: ray.io/v1
kind: RayCronJob
metadata:
  name: etl.nightly  # <- KR502
spec:
  schedule: "0 2 * * *"
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
  name: nightly-recommendation-model-retraining-eu  # <- KR502
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
  name: etl-nightly
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
from rayops.rules.kuberay._rayjob import MAX_RAYJOB_NAME_LENGTH, cron_enabled
from rayops.validate.objectmeta import is_dns1035_label

ID = "KR502"
TITLE = "RayJobs created by a RayCronJob get names the operator accepts"
SEVERITY = "error"
KINDS = ("RayCronJob",)
SINCE = "1.6.2"
UNTIL = None
GATES = ("RayCronJob",)

RANDOM_SUFFIX = "-x7k2q"
"""Shape of the 1.6.2 suffix: a dash and 5 lower-case alphanumerics."""
MINUTES_SUFFIX = "-29000000"
"""Shape of the 1.7.0 suffix: a dash and the schedule time in minutes since 1970."""


def check(resource: Resource) -> Iterator[Violation]:
    """Yield a violation when the child RayJob names would fail the RayJob name check."""
    name = resource.name
    if not name or not cron_enabled(resource):
        return
    child = name + (MINUTES_SUFFIX if resource.at_least("1.7.0") else RANDOM_SUFFIX)
    problems = is_dns1035_label(child)
    if problems:
        yield Violation(
            ("metadata", "name"),
            f"the RayJobs this RayCronJob creates are named '{name}-...', which is not a valid DNS1035 "
            "label (it must start with a letter and contain only lower case letters, digits and '-'): "
            "every scheduled RayJob would fail validation",
        )
    elif not resource.at_least("1.7.0") and len(child) > MAX_RAYJOB_NAME_LENGTH:
        yield Violation(
            ("metadata", "name"),
            f"the RayJobs this RayCronJob creates are named '{name}-' plus 5 characters, longer than "
            f"{MAX_RAYJOB_NAME_LENGTH}: every scheduled RayJob would fail validation; use at most "
            f"{MAX_RAYJOB_NAME_LENGTH - len(RANDOM_SUFFIX)} characters",
        )
