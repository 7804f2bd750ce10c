"""KR310: ``SidecarMode`` does not take ``submitterPodTemplate`` or ``submitterConfig``.

In ``SidecarMode`` the submitter is a container the operator adds to the head Pod, not
a Kubernetes Job, so the submitter Job's Pod template and retry settings do not apply.
Since 1.5.1 the operator refuses them ("Currently, SidecarMode doesn't support
SubmitterPodTemplate" / "... SubmitterConfig", an ``InvalidRayJobSpec`` event). The
same check applies to a RayCronJob's ``jobTemplate``.

```yaml fail
apiVersion: ray.io/v1
kind: RayJob
metadata:
  name: sidecar
spec:
  entrypoint: python train.py
  submissionMode: SidecarMode
  shutdownAfterJobFinishes: true
  submitterPodTemplate: {spec: {containers: [{name: submitter, image: "busybox:1.36"}]}}  # <- KR310
  submitterConfig: {backoffLimit: 2}  # <- KR310
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
          containers:
          - {name: ray-head, image: rayproject/ray:2.46.0, resources: {limits: {cpu: "1", memory: 2Gi}}}
```
"""

from __future__ import annotations

from collections.abc import Iterator

from rayops.rules import Resource, Violation
from rayops.rules.kuberay._rayjob import JOB_KINDS, SIDECAR_MODE, job_specs, submission_mode

ID = "KR310"
TITLE = "SidecarMode does not take submitterPodTemplate or submitterConfig"
SEVERITY = "error"
KINDS = JOB_KINDS
SINCE = "1.5.1"
UNTIL = None
GATES = ("RayCronJob",)


def check(resource: Resource) -> Iterator[Violation]:
    """Yield a violation for each submitter field set in SidecarMode."""
    for prefix, spec in job_specs(resource):
        if submission_mode(spec) != SIDECAR_MODE:
            continue
        for field, name in (
            ("submitterPodTemplate", "SubmitterPodTemplate"),
            ("submitterConfig", "SubmitterConfig"),
        ):
            if spec.get(field) is not None:
                yield Violation(
                    (*prefix, field),
                    f"Currently, SidecarMode doesn't support {name}: remove {field}, or use K8sJobMode "
                    "to run the submitter as a Kubernetes Job",
                )
