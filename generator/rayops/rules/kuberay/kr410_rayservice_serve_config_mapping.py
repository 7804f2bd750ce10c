"""KR410: a RayService's ``serveConfigV2`` decodes to a YAML mapping.

Before it sends ``serveConfigV2`` to the Ray dashboard, the operator decodes it into
a map. If that fails (a YAML syntax error, or a list or plain string instead of a
mapping) every attempt to deploy the Serve applications fails with that error: the
RayService never becomes ready and its applications never deploy. KR605 goes further
and checks the Ray Serve content.

```yaml fail
apiVersion: ray.io/v1
kind: RayService
metadata:
  name: fruit-stand
spec:
  serveConfigV2: |  # <- KR410
    - name: fruit
      import_path: fruit.deployment_graph
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
  serveConfigV2: |
    applications:
      - name: fruit
        import_path: fruit.deployment_graph
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

from rayops.rules import Resource, Violation
from rayops.rules.kuberay._rayjob import yaml_mapping_problem

ID = "KR410"
TITLE = "RayService serveConfigV2 decodes to a YAML mapping"
SEVERITY = "error"
KINDS = ("RayService",)
SINCE = None
UNTIL = None
GATES = ()


def check(resource: Resource) -> Iterator[Violation]:
    """Yield a violation for a serveConfigV2 the operator cannot decode."""
    text = resource.spec.get("serveConfigV2")
    if not isinstance(text, str):
        return
    problem = yaml_mapping_problem(text)
    if problem:
        yield Violation(
            ("spec", "serveConfigV2"),
            f"the operator cannot decode serveConfigV2 into a map: {problem}; write the Ray Serve config "
            "as a mapping with an 'applications' list",
        )
