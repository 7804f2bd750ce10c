"""KR313: a RayJob's ``runtimeEnvYAML`` is a YAML mapping.

``runtimeEnvYAML`` holds the Ray runtime environment (``pip``, ``working_dir``,
``env_vars``...) as a YAML string. The operator decodes it into a map before anything
else and refuses the RayJob when that fails ("failed to unmarshal RuntimeEnvYAML", an
``InvalidRayJobSpec`` event): a YAML syntax error, or a document that is a list or a
plain string instead of a mapping. Only the YAML shape is checked, not the runtime
environment's own schema. The same check applies to a RayCronJob's ``jobTemplate``.

```yaml fail
apiVersion: ray.io/v1
kind: RayJob
metadata:
  name: train
spec:
  entrypoint: python train.py
  runtimeEnvYAML: |  # <- KR313
    - pip: [requests]
  shutdownAfterJobFinishes: true
  rayClusterSpec:
    headGroupSpec:
      rayStartParams: {}
      template:
        spec:
          containers:
          - {name: ray-head, image: rayproject/ray:2.46.0, resources: {limits: {cpu: "1", memory: 2Gi}}}
```

```yaml fail
apiVersion: ray.io/v1
kind: RayJob
metadata:
  name: train
spec:
  entrypoint: python train.py
  runtimeEnvYAML: |  # <- KR313
    pip: [requests
    working_dir: ./src
  shutdownAfterJobFinishes: true
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
  name: train
spec:
  entrypoint: python train.py
  runtimeEnvYAML: |
    pip: [requests]
    env_vars:
      LOG_LEVEL: debug
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
from rayops.rules.kuberay._rayjob import JOB_KINDS, job_specs, yaml_mapping_problem

ID = "KR313"
TITLE = "RayJob runtimeEnvYAML is a YAML mapping"
SEVERITY = "error"
KINDS = JOB_KINDS
SINCE = None
UNTIL = None
GATES = ("RayCronJob",)


def check(resource: Resource) -> Iterator[Violation]:
    """Yield a violation for a runtimeEnvYAML the operator cannot decode."""
    for prefix, spec in job_specs(resource):
        text = spec.get("runtimeEnvYAML")
        if not isinstance(text, str):
            continue
        problem = yaml_mapping_problem(text)
        if problem:
            yield Violation(
                (*prefix, "runtimeEnvYAML"),
                f"failed to unmarshal RuntimeEnvYAML: {problem}; write the runtime environment as a "
                "YAML mapping such as 'pip: [requests]'",
            )
