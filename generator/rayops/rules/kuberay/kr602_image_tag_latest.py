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
from typing import Any

from rayops.rules import Resource, Violation, as_dict, as_list, pod_spec, worker_groups

ID = "KR602"
TITLE = "Ray pod image with the latest tag or no tag"
SEVERITY = "warning"
KINDS = ("RayCluster", "RayJob", "RayService", "RayCronJob")
SINCE = None
UNTIL = None
GATES = ()


def image_tag(image: str) -> str | None:
    """The tag of an image reference, "" for a digest, None when there is no tag."""
    if "@" in image:
        return ""
    name = image.rsplit("/", 1)[-1]
    return name.split(":", 1)[1] if ":" in name else None


def groups(cluster_spec: dict[str, Any]) -> Iterator[tuple[tuple[str | int, ...], dict[str, Any]]]:
    """(path inside the cluster spec, group) for the head group and each worker group."""
    yield ("headGroupSpec",), as_dict(cluster_spec.get("headGroupSpec"))
    for index, group in worker_groups(cluster_spec):
        yield ("workerGroupSpecs", index), group


def check(resource: Resource) -> Iterator[Violation]:
    """Yield each container image without a pinned tag."""
    for spec_path, cluster_spec in resource.cluster_specs():
        for group_path, group in groups(cluster_spec):
            for index, container in enumerate(as_list(pod_spec(group).get("containers"))):
                image = as_dict(container).get("image")
                if not isinstance(image, str):
                    continue
                tag = image_tag(image)
                if tag is None or tag == "latest":
                    path = (*spec_path, *group_path, "template", "spec", "containers", index, "image")
                    yield Violation(path, f"image {image} is not pinned: use a version tag or a digest")
