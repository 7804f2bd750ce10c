"""KR501: a RayCronJob's name has at most 36 characters.

Since 1.7.0 each RayJob a RayCronJob creates is named ``<name>-<minutes since
1970>``, and that name must pass the RayJob name check (47 characters, KR301). The
operator therefore refuses RayCronJob names longer than 36 characters
(``MaxRayCronJobNameLength``) with an ``InvalidRayCronJobSpec`` event, and creates no
RayJob. Checked with the ``RayCronJob`` gate on (see KR500).

```yaml fail
# rayops: gates=RayCronJob=true
apiVersion: ray.io/v1
kind: RayCronJob
metadata:
  name: nightly-recommendation-model-retraining  # <- KR501
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
  name: nightly-retraining
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
from rayops.rules.kuberay._rayjob import MAX_RAYCRONJOB_NAME_LENGTH, cron_enabled

ID = "KR501"
TITLE = "RayCronJob name has at most 36 characters"
SEVERITY = "error"
KINDS = ("RayCronJob",)
SINCE = "1.7.0"
UNTIL = None
GATES = ("RayCronJob",)


def check(resource: Resource) -> Iterator[Violation]:
    """Yield a violation for a RayCronJob name that is too long."""
    name = resource.name
    if cron_enabled(resource) and len(name) > MAX_RAYCRONJOB_NAME_LENGTH:
        yield Violation(
            ("metadata", "name"),
            f"RayCronJob name should be no more than {MAX_RAYCRONJOB_NAME_LENGTH} characters (it has "
            f"{len(name)}): the RayJobs it creates are named after it",
        )
