"""KR325: a RayJob's ``metadata`` needs ``rayVersion`` 2.6.0 or newer.

``spec.metadata`` is passed to ``ray job submit --metadata-json``, a flag Ray added in
2.6.0. When the operator builds the submitter's command (``K8sJobMode``, and since
1.5.1 ``SidecarMode``) it reads ``rayClusterSpec.rayVersion`` and fails if it is older
than 2.6.0 or is not a version ("the Ray version must be at least 2.6.0 to use the
metadata field"): the submitter is never created and the job never starts. Until
1.6.2 an unset ``rayVersion`` fails the same way; since 1.7.0 it is assumed recent.
Before 1.5.1 a ``submitterPodTemplate`` whose container has its own ``command`` skips
the check. The same check applies to a RayCronJob's ``jobTemplate``.

```yaml fail
apiVersion: ray.io/v1
kind: RayJob
metadata:
  name: train
spec:
  entrypoint: python train.py
  metadata: {team: data}
  shutdownAfterJobFinishes: true
  rayClusterSpec:
    rayVersion: "2.5.1"  # <- KR325
    headGroupSpec:
      rayStartParams: {}
      template:
        spec:
          containers:
          - {name: ray-head, image: rayproject/ray:2.5.1, resources: {limits: {cpu: "1", memory: 2Gi}}}
```

```yaml fail
# rayops: kuberay=1.6.2
apiVersion: ray.io/v1
kind: RayJob
metadata:
  name: train
spec:
  entrypoint: python train.py
  metadata: {team: data}
  shutdownAfterJobFinishes: true
  rayClusterSpec:  # <- KR325
    headGroupSpec:
      rayStartParams: {}
      template:
        spec:
          containers:
          - {name: ray-head, image: rayproject/ray:2.46.0, resources: {limits: {cpu: "1", memory: 2Gi}}}
```

```yaml pass
# rayops: kuberay=1.6.2
apiVersion: ray.io/v1
kind: RayJob
metadata:
  name: train
spec:
  entrypoint: python train.py
  metadata: {team: data}
  shutdownAfterJobFinishes: true
  rayClusterSpec:
    rayVersion: "2.46.0"
    headGroupSpec:
      rayStartParams: {}
      template:
        spec:
          containers:
          - {name: ray-head, image: rayproject/ray:2.46.0, resources: {limits: {cpu: "1", memory: 2Gi}}}
```
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from rayops.rules import Resource, Violation, as_dict, as_list, pod_spec
from rayops.rules.kuberay._rayjob import (
    JOB_KINDS,
    K8S_JOB_MODE,
    SIDECAR_MODE,
    job_specs,
    ray_cluster_spec,
    submission_mode,
)

ID = "KR325"
TITLE = "RayJob metadata needs rayVersion 2.6.0 or newer"
SEVERITY = "error"
KINDS = JOB_KINDS
SINCE = None
UNTIL = None
GATES = ("RayCronJob",)

# Masterminds/semver's loose form: "2", "2.6", "v2.6.0", "2.6.0-rc1+build".
_SEMVER = re.compile(
    r"v?([0-9]+)(?:\.([0-9]+))?(?:\.([0-9]+))?"
    r"(?:-([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?(?:\+[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?\Z"
)
_UINT64_MAX = (1 << 64) - 1


def _version(text: str) -> tuple[tuple[int, int, int], str] | None:
    """``((major, minor, patch), prerelease)`` as Masterminds/semver parses it, or None."""
    match = _SEMVER.match(text)
    if not match:
        return None
    parts = tuple(int(part) if part else 0 for part in match.group(1, 2, 3))
    if any(part > _UINT64_MAX for part in parts):
        return None
    prerelease = match.group(4) or ""
    for identifier in prerelease.split(".") if prerelease else ():
        if identifier.isdigit() and len(identifier) > 1 and identifier.startswith("0"):
            return None
    return (parts[0], parts[1], parts[2]), prerelease


def _builds_command(resource: Resource, spec: dict[str, Any]) -> bool:
    """Whether the operator builds the ``ray job submit`` command for this job."""
    mode = submission_mode(spec)
    if resource.at_least("1.5.1"):
        return mode in (K8S_JOB_MODE, SIDECAR_MODE)
    if mode != K8S_JOB_MODE:
        return False
    submitter = as_list(pod_spec(as_dict(spec.get("submitterPodTemplate"))).get("containers"))
    first = as_dict(submitter[0]) if submitter else {}
    return not as_list(first.get("command"))


def check(resource: Resource) -> Iterator[Violation]:
    """Yield a violation when the submitter command cannot carry the job metadata."""
    for prefix, spec in job_specs(resource):
        cluster = ray_cluster_spec(spec)
        if cluster is None or not as_dict(spec.get("metadata")) or not _builds_command(resource, spec):
            continue
        text = cluster.get("rayVersion")
        text = text if isinstance(text, str) else ""
        if not text and resource.at_least("1.7.0"):
            continue
        path = (*prefix, "rayClusterSpec", "rayVersion")
        parsed = _version(text)
        if parsed is None:
            shown = f"'{text}' is not a version" if text else "rayVersion is not set"
            yield Violation(
                path,
                f"failed to parse Ray version: {shown}; spec.metadata needs rayClusterSpec.rayVersion "
                "set to the cluster's Ray version (2.6.0 or newer)",
            )
        elif parsed[1] or parsed[0] < (2, 6, 0):
            why = " (a pre-release never satisfies the operator's >= 2.6.0 check)" if parsed[1] else ""
            yield Violation(
                path,
                f"the Ray version must be at least 2.6.0 to use the metadata field (rayVersion is {text}"
                f"){why}: upgrade Ray or remove spec.metadata",
            )
