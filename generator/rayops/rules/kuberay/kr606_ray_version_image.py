"""KR606: ``rayVersion`` does not match the Ray image's version.

KubeRay uses ``rayVersion`` to decide which Ray features it may rely on (autoscaler
flags, token authentication, the dashboard API); the image decides which Ray actually
runs. When the two disagree the operator configures a Ray that is not there. This
compares ``rayVersion`` with the version in the tag of each group's Ray container
image (``rayproject/ray:2.46.0-py311-gpu`` is Ray 2.46.0).

```yaml fail
apiVersion: ray.io/v1
kind: RayCluster
metadata:
  name: drifted
spec:
  rayVersion: "2.41.0"
  headGroupSpec:
    rayStartParams: {}
    template:
      spec:
        containers:
        - name: ray-head
          image: rayproject/ray:2.46.0-py311  # <- KR606
          resources: {limits: {cpu: "1", memory: 2Gi}}
```

```yaml pass
apiVersion: ray.io/v1
kind: RayCluster
metadata:
  name: aligned
spec:
  rayVersion: "2.46.0"
  headGroupSpec:
    rayStartParams: {}
    template:
      spec:
        containers:
        - name: ray-head
          image: rayproject/ray:2.46.0-py311
          resources: {limits: {cpu: "1", memory: 2Gi}}
```
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from rayops.rules import Resource, Violation, containers
from rayops.rules.kuberay.kr602_image_tag_latest import groups, image_tag

ID = "KR606"
TITLE = "rayVersion inconsistent with the Ray image tag"
SEVERITY = "warning"
KINDS = ("RayCluster", "RayJob", "RayService", "RayCronJob")
SINCE = None
UNTIL = None
GATES = ()

_TAG_VERSION = re.compile(r"(\d+)\.(\d+)\.(\d+)(?![\d.])")


def check(resource: Resource) -> Iterator[Violation]:
    """Yield each Ray container whose image tag names another Ray version."""
    for spec_path, cluster_spec in resource.cluster_specs():
        ray_version = cluster_spec.get("rayVersion")
        if not isinstance(ray_version, str) or not ray_version:
            continue
        for group_path, group in groups(cluster_spec):
            found = containers(group)
            image = found[0].get("image") if found else None
            if not isinstance(image, str) or "ray" not in image.rsplit("/", 1)[-1].split(":")[0]:
                continue
            tag = image_tag(image) or ""
            match = _TAG_VERSION.match(tag)
            if match and match.group(0) != ray_version:
                path = (*spec_path, *group_path, "template", "spec", "containers", 0, "image")
                yield Violation(
                    path, f"image {image} runs Ray {match.group(0)} but rayVersion is {ray_version}"
                )
