"""KR305: a RayJob's ``clusterSelector`` names the RayCluster with ``ray.io/cluster``.

In ClusterSelector mode the operator looks the RayCluster up by the value of the
``ray.io/cluster`` key; other keys are not used to find it. Since 1.5.1 a
``clusterSelector`` without a non-empty ``ray.io/cluster`` is refused ("cluster name
in ClusterSelector should not be empty", an ``InvalidRayJobSpec`` event). The same
check applies to a RayCronJob's ``jobTemplate``.

```yaml fail
apiVersion: ray.io/v1
kind: RayJob
metadata:
  name: on-shared-cluster
spec:
  entrypoint: python train.py
  clusterSelector:  # <- KR305
    team: data
```

```yaml fail
apiVersion: ray.io/v1
kind: RayJob
metadata:
  name: on-shared-cluster
spec:
  entrypoint: python train.py
  clusterSelector:
    ray.io/cluster: ""  # <- KR305
```

```yaml pass
apiVersion: ray.io/v1
kind: RayJob
metadata:
  name: on-shared-cluster
spec:
  entrypoint: python train.py
  clusterSelector:
    ray.io/cluster: shared
```
"""

from __future__ import annotations

from collections.abc import Iterator

from rayops.rules import Resource, Violation, as_dict
from rayops.rules.kuberay._rayjob import CLUSTER_SELECTOR_KEY, JOB_KINDS, cluster_selector_mode, job_specs

ID = "KR305"
TITLE = "RayJob clusterSelector names the cluster with ray.io/cluster"
SEVERITY = "error"
KINDS = JOB_KINDS
SINCE = "1.5.1"
UNTIL = None
GATES = ("RayCronJob",)


def check(resource: Resource) -> Iterator[Violation]:
    """Yield a violation for a clusterSelector without a cluster name."""
    for prefix, spec in job_specs(resource):
        if not cluster_selector_mode(spec):
            continue
        selector = as_dict(spec.get("clusterSelector"))
        if selector.get(CLUSTER_SELECTOR_KEY):
            continue
        yield Violation(
            (*prefix, "clusterSelector", CLUSTER_SELECTOR_KEY),
            f"cluster name in ClusterSelector should not be empty: set {CLUSTER_SELECTOR_KEY} to the name "
            "of the RayCluster to run the job on",
        )
