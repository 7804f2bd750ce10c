"""KR602: a Ray pod image uses the ``latest`` tag, or no tag at all.

A moving tag makes the cluster's Ray version depend on when each node pulled the image:
head and workers can end up on different Ray versions, which Ray does not support, and
a rollback in git does not roll the image back. Pin a version (and keep it equal to
``rayVersion``), or a digest.

```yaml fail
apiVersion: ray.io/v1
kind: RayCluster
metadata:
  name: floating
spec:
  rayVersion: "2.46.0"
  headGroupSpec:
    rayStartParams: {}
    template:
      spec:
        containers:
        - name: ray-head
          image: rayproject/ray:latest  # <- KR602
          resources: {limits: {cpu: "1", memory: 2Gi}}
```

```yaml pass
apiVersion: ray.io/v1
kind: RayCluster
metadata:
  name: pinned
spec:
  rayVersion: "2.46.0"
  headGroupSpec:
    rayStartParams: {}
    template:
      spec:
        containers:
        - name: ray-head
          image: rayproject/ray:2.46.0
          resources: {limits: {cpu: "1", memory: 2Gi}}
```
"""

from __future__ import annotations

from collections.abc import Iterator

from rayops.images import image_tag
from rayops.rules import Resource, Violation
from rayops.rules.kuberay._pods import container_path, group_containers

ID = "KR602"
TITLE = "Ray pod image with the latest tag or no tag"
SEVERITY = "warning"
KINDS = ("RayCluster", "RayJob", "RayService", "RayCronJob")
SINCE = None
UNTIL = None
GATES = ()


def check(resource: Resource) -> Iterator[Violation]:
    """Yield each container image without a pinned tag."""
    for group_path, listed in group_containers(resource):
        for index, container in enumerate(listed):
            image = container.get("image") if isinstance(container, dict) else None
            if not isinstance(image, str):
                continue
            tag = image_tag(image)
            if tag is None or tag == "latest":
                path = container_path(group_path, index, "image")
                yield Violation(path, f"image {image} is not pinned: use a version tag or a digest")
