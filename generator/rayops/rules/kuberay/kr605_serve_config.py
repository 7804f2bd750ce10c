"""KR605: a RayService's ``serveConfigV2`` names no Ray Serve application.

``serveConfigV2`` is a string holding Ray Serve's config file. The operator only checks
that it decodes to a mapping (KR410) and passes it to the Ray dashboard, so a config
with no ``applications`` (or an application without ``import_path``) shows up much
later as a service that deploys nothing. rayops reads it as Ray Serve would.

```yaml fail
apiVersion: ray.io/v1
kind: RayService
metadata:
  name: serve
spec:
  serveConfigV2: |  # <- KR605
    http_options:
      port: 8000
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
  name: serve
spec:
  serveConfigV2: |
    applications:
      - name: fruit
        import_path: fruit.deployment_graph
        route_prefix: /fruit
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
from functools import lru_cache
from typing import Any

import yaml

from rayops.rules import Resource, Violation

ID = "KR605"
TITLE = "RayService serveConfigV2 that names no Ray Serve application"
SEVERITY = "warning"
KINDS = ("RayService",)
SINCE = None
UNTIL = None
GATES = ()


@lru_cache(maxsize=64)
def _parse(text: str) -> tuple[Any, str]:
    """The parsed config and "", or None and why it is not YAML (cached: configs repeat)."""
    try:
        return yaml.load(text, Loader=yaml.CSafeLoader), ""
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" (line {mark.line + 1} of the config)" if mark is not None else ""
        problem = getattr(error, "problem", None) or "invalid YAML"
        return None, f"serveConfigV2 is not valid YAML: {problem}{where}"


def check(resource: Resource) -> Iterator[Violation]:
    """Yield a warning when serveConfigV2 (a mapping: KR410 covers the rest) has no application."""
    text = resource.spec.get("serveConfigV2")
    if not isinstance(text, str):
        return
    path = ("spec", "serveConfigV2")
    config, error = _parse(text)
    if error or not isinstance(config, dict):
        return
    applications = config.get("applications") if isinstance(config, dict) else None
    if not isinstance(applications, list) or not applications:
        yield Violation(path, "serveConfigV2 names no application: Ray Serve will deploy nothing")
        return
    for index, application in enumerate(applications):
        if not isinstance(application, dict) or not application.get("import_path"):
            yield Violation(path, f"serveConfigV2 application {index} has no import_path")
