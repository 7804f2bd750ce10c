"""KR326: a RayJob that KubeRay submits has an ``entrypoint``.

The operator does not validate ``spec.entrypoint``, but it is the command the job
runs: in ``K8sJobMode`` and ``SidecarMode`` it becomes the argument of ``ray job
submit``, in ``HTTPMode`` the entrypoint of the job the operator submits to the
dashboard. Without it the RayJob creates its RayCluster and then has nothing to run,
and the submission fails after the cluster has started. Only ``InteractiveMode``,
where the user submits the job and sets ``spec.jobId``, goes without it. The same
applies to a RayCronJob's ``jobTemplate``.

```yaml fail
apiVersion: ray.io/v1
kind: RayJob
metadata:
  name: train
spec:  # <- KR326
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
from rayops.rules.kuberay._rayjob import INTERACTIVE_MODE, JOB_KINDS, job_specs, submission_mode

ID = "KR326"
TITLE = "RayJob that KubeRay submits has an entrypoint"
SEVERITY = "warning"
KINDS = JOB_KINDS
SINCE = None
UNTIL = None
GATES = ("RayCronJob",)


def check(resource: Resource) -> Iterator[Violation]:
    """Yield a warning for a submitted RayJob without an entrypoint."""
    for prefix, spec in job_specs(resource):
        if submission_mode(spec) == INTERACTIVE_MODE:
            continue
        entrypoint = spec.get("entrypoint")
        if isinstance(entrypoint, str) and entrypoint.strip():
            continue
        yield Violation(
            (*prefix, "entrypoint"),
            "spec.entrypoint is empty: the job has nothing to run once its RayCluster is up; set the "
            "command (such as 'python train.py'), or use submissionMode: InteractiveMode to submit yourself",
        )
