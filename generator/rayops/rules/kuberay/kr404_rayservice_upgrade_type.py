"""KR404: a RayService's ``upgradeStrategy.type`` is a known strategy.

The CRD accepts any string in ``upgradeStrategy.type``; the operator only knows
``NewCluster`` and ``None``, plus ``NewClusterWithIncrementalUpgrade`` since 1.5.1,
and refuses anything else ("Spec.UpgradeStrategy.Type value ... is invalid", an
``InvalidRayServiceSpec`` event).

```yaml fail
apiVersion: ray.io/v1
kind: RayService
metadata:
  name: fruit-stand
spec:
  upgradeStrategy:
    type: Recreate  # <- KR404
  rayClusterConfig:
    headGroupSpec:
      rayStartParams: {}
      template:
        spec:
          containers:
          - {name: ray-head, image: rayproject/ray:2.46.0, resources: {limits: {cpu: "1", memory: 2Gi}}}
```

```yaml fail
# rayops: kuberay=1.4.2
apiVersion: ray.io/v1
kind: RayService
metadata:
  name: fruit-stand
spec:
  upgradeStrategy:
    type: NewClusterWithIncrementalUpgrade  # <- KR404
  rayClusterConfig:
    headGroupSpec:
      rayStartParams: {}
      template:
        spec:
          containers:
          - {name: ray-head, image: rayproject/ray:2.46.0, resources: {limits: {cpu: "1", memory: 2Gi}}}
```

```yaml pass
apiVersion: ray.io/v1
kind: RayService
metadata:
  name: fruit-stand
spec:
  upgradeStrategy:
    type: NewCluster
  rayClusterConfig:
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

from rayops.rules import Resource, Violation, as_dict

ID = "KR404"
TITLE = "RayService upgradeStrategy.type is a known strategy"
SEVERITY = "error"
KINDS = ("RayService",)
SINCE = None
UNTIL = None
GATES = ()


def check(resource: Resource) -> Iterator[Violation]:
    """Yield a violation for an unknown upgrade strategy type."""
    value = as_dict(resource.spec.get("upgradeStrategy")).get("type")
    if not isinstance(value, str):
        return
    valid = ["NewCluster", "None"]
    if resource.at_least("1.5.1"):
        valid.insert(0, "NewClusterWithIncrementalUpgrade")
    if value not in valid:
        yield Violation(
            ("spec", "upgradeStrategy", "type"),
            f"Spec.UpgradeStrategy.Type value {value} is invalid, valid options are {', '.join(valid)}",
        )
