"""KR311: in ``SidecarMode`` the head Pod's ``restartPolicy`` is ``Never`` or unset.

In ``SidecarMode`` the job submitter runs as a container of the head Pod. A head Pod
that restarts its containers would run the submitter again and submit the job twice,
so since 1.5.1 the operator refuses any other ``restartPolicy`` on the head Pod
template ("restartPolicy for head Pod should be Never or unset when using
SidecarMode", an ``InvalidRayJobSpec`` event). The same check applies to a
RayCronJob's ``jobTemplate``.

```yaml fail
apiVersion: ray.io/v1
kind: RayJob
metadata:
  name: sidecar
spec:
  entrypoint: python train.py
  submissionMode: SidecarMode
  shutdownAfterJobFinishes: true
  rayClusterSpec:
    headGroupSpec:
      rayStartParams: {}
      template:
        spec:
          restartPolicy: Always  # <- KR311
          containers:
          - {name: ray-head, image: rayproject/ray:2.46.0, resources: {limits: {cpu: "1", memory: 2Gi}}}
```

```yaml pass
apiVersion: ray.io/v1
kind: RayJob
metadata:
  name: sidecar
spec:
  entrypoint: python train.py
  submissionMode: SidecarMode
  shutdownAfterJobFinishes: true
  rayClusterSpec:
    headGroupSpec:
      rayStartParams: {}
      template:
        spec:
          restartPolicy: Never
          containers:
          - {name: ray-head, image: rayproject/ray:2.46.0, resources: {limits: {cpu: "1", memory: 2Gi}}}
```
"""

from __future__ import annotations

from collections.abc import Iterator

from rayops.rules import Resource, Violation, as_dict, pod_spec
from rayops.rules.kuberay._rayjob import JOB_KINDS, SIDECAR_MODE, job_specs, ray_cluster_spec, submission_mode

ID = "KR311"
TITLE = "SidecarMode head Pod restartPolicy is Never or unset"
SEVERITY = "error"
KINDS = JOB_KINDS
SINCE = "1.5.1"
UNTIL = None
GATES = ("RayCronJob",)


def check(resource: Resource) -> Iterator[Violation]:
    """Yield a violation for a restarting head Pod in SidecarMode."""
    for prefix, spec in job_specs(resource):
        cluster = ray_cluster_spec(spec)
        if submission_mode(spec) != SIDECAR_MODE or cluster is None:
            continue
        policy = pod_spec(as_dict(cluster.get("headGroupSpec"))).get("restartPolicy")
        if isinstance(policy, str) and policy not in ("", "Never"):
            yield Violation(
                (*prefix, "rayClusterSpec", "headGroupSpec", "template", "spec", "restartPolicy"),
                f"restartPolicy for head Pod should be Never or unset when using SidecarMode, got {policy}",
            )
