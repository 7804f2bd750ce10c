"""KR108: a group's Ray node labels are valid Kubernetes label keys and values.

Since KubeRay 1.5.1 the operator also puts a group's ``labels`` on its Pods, so it
refuses a key that is not a qualified name (an optional DNS subdomain prefix and ``/``,
then at most 63 letters, digits, ``-``, ``_`` or ``.``, starting and ending with a letter
or digit) or a value that is not a label value (empty, or at most 63 such characters).

The operator refuses the resource when it reconciles: a RayCluster gets an
``InvalidRayClusterSpec`` Warning event and no Pods, a RayJob an ``InvalidRayJobSpec``
event, a RayService an ``InvalidRayServiceSpec`` event and a RayCronJob (RayCronJob gate)
an ``InvalidRayCronJobSpec`` event.

```yaml fail
apiVersion: ray.io/v1
kind: RayCluster
metadata:
  name: labelled
spec:
  headGroupSpec:
    rayStartParams: {}
    labels:
      zone: us central  # <- KR108
    template:
      spec:
        containers: [{name: ray-head, image: rayproject/ray:2.46.0}]
  workerGroupSpecs:
  - groupName: gpu
    rayStartParams: {}
    labels:
      -accelerator: a100  # <- KR108
    template:
      spec:
        containers: [{name: ray-worker, image: rayproject/ray:2.46.0}]
```

```yaml pass
apiVersion: ray.io/v1
kind: RayCluster
metadata:
  name: labelled
spec:
  headGroupSpec:
    rayStartParams: {}
    labels: {zone: us-central1-a}
    template:
      spec:
        containers: [{name: ray-head, image: rayproject/ray:2.46.0}]
  workerGroupSpecs:
  - groupName: gpu
    rayStartParams: {}
    labels: {example.com/accelerator: a100, tier: ""}
    template:
      spec:
        containers: [{name: ray-worker, image: rayproject/ray:2.46.0}]
```
"""

from __future__ import annotations

from collections.abc import Iterator

from rayops.rules import Resource, Violation, as_dict
from rayops.rules.kuberay._raycluster_spec import CLUSTER_KINDS, cluster_specs, ray_groups
from rayops.validate.objectmeta import is_label_value, is_qualified_name

ID = "KR108"
TITLE = "a group's Ray node labels are valid Kubernetes label keys and values"
SEVERITY = "error"
KINDS = CLUSTER_KINDS
SINCE = "1.5.1"
UNTIL = None
GATES = ()


def check(resource: Resource) -> Iterator[Violation]:
    """Yield a violation for each invalid label key or value of a group."""
    for base, spec in cluster_specs(resource):
        for path, group, name in ray_groups(base, spec):
            for key, value in as_dict(group.get("labels")).items():
                problems = [
                    f"invalid label key for {name} group: '{key}', error: {problem}"
                    for problem in is_qualified_name(key)
                ]
                if isinstance(value, str):
                    problems.extend(
                        f"invalid label value for key '{key}' in {name} group: '{value}', error: {problem}"
                        for problem in is_label_value(value)
                    )
                if problems:
                    yield Violation((*path, "labels", key), "; ".join(problems))
