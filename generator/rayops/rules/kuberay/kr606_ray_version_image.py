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

from collections.abc import Iterator

from rayops.images import image_ray_version
from rayops.rules import Resource, Violation
from rayops.rules.kuberay._pods import container_path, group_containers

ID = "KR606"
TITLE = "rayVersion inconsistent with the Ray image tag"
SEVERITY = "warning"
KINDS = ("RayCluster", "RayJob", "RayService", "RayCronJob")
SINCE = None
UNTIL = None
GATES = ()


def check(resource: Resource) -> Iterator[Violation]:
    """Yield each Ray container whose image tag names another Ray version."""
    versions = {path: spec.get("rayVersion") for path, spec in resource.cluster_specs()}
    for group_path, listed in group_containers(resource):
        ray_version = versions.get(group_path[:-1] if group_path[-1] == "headGroupSpec" else group_path[:-2])
        if not isinstance(ray_version, str) or not ray_version or not listed:
            continue
        image = listed[0].get("image") if isinstance(listed[0], dict) else None
        image_version = image_ray_version(image) if isinstance(image, str) else None
        if image_version is not None and image_version != ray_version:
            message = f"image {image} runs Ray {image_version} but rayVersion is {ray_version}"
            yield Violation(container_path(group_path, 0, "image"), message)
