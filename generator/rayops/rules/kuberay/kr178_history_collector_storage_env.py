"""KR178: the history collector's env names its storage backend and that backend's settings.

The collector reads its object-storage configuration from
``historyServerOptions.collectorOptions.env``. The operator refuses a cluster spec whose
collector env

- has no ``STORAGE_BACKEND`` with a literal, non-empty ``value`` (``valueFrom`` is not
  enough);
- for ``STORAGE_BACKEND`` ``GCS`` (any case) has no ``GCS_BUCKET``;
- for ``S3`` has no ``S3_REGION``;
- for ``AZUREBLOB`` has no ``AZURE_STORAGE_CONNECTION_STRING`` when
  ``AZURE_STORAGE_AUTH_MODE`` is ``connection_string``, no ``AZURE_STORAGE_ACCOUNT_URL``
  when it is ``workload_identity`` or ``default``, and neither of the two otherwise;
- for ``ALIYUNOSS`` lacks one of ``OSS_BUCKET``, ``OSS_ENDPOINT`` and ``OSS_REGION``.

A required variable counts when it has a non-empty ``value`` or a ``valueFrom``. Other
backend names are not checked by the operator. The check runs when the
``RayClusterHistoryServer`` gate is on.

The API server accepts the resource; the operator refuses it when it reconciles: a
RayCluster gets an ``InvalidRayClusterSpec`` Warning event and no Pods, a RayJob an
``InvalidRayJobSpec`` event and the ``ValidationFailed`` deployment status, a RayService
an ``InvalidRayServiceSpec`` event, a RayCronJob an ``InvalidRayCronJobSpec`` event.

```yaml fail
# rayops: gates=RayClusterHistoryServer=true
apiVersion: ray.io/v1
kind: RayCluster
metadata:
  name: with-history
spec:
  historyServerOptions:
    collectorOptions:
      image: quay.io/kuberay/collector:v1.7.0
      env:
      - name: STORAGE_BACKEND
        value: AliyunOSS  # <- KR178
      - name: OSS_BUCKET
        value: ray-history
  headGroupSpec:
    rayStartParams: {}
    template:
      spec:
        containers: [{name: ray-head, image: rayproject/ray:2.46.0}]
```

```yaml fail
# rayops: gates=RayClusterHistoryServer=true
apiVersion: ray.io/v1
kind: RayCluster
metadata:
  name: with-history
spec:
  historyServerOptions:
    collectorOptions:
      image: quay.io/kuberay/collector:v1.7.0
      env: [{name: S3_REGION, value: us-west-2}]  # <- KR178
  headGroupSpec:
    rayStartParams: {}
    template:
      spec:
        containers: [{name: ray-head, image: rayproject/ray:2.46.0}]
```

```yaml pass
# rayops: gates=RayClusterHistoryServer=true
apiVersion: ray.io/v1
kind: RayCluster
metadata:
  name: with-history
spec:
  historyServerOptions:
    collectorOptions:
      image: quay.io/kuberay/collector:v1.7.0
      env:
      - name: STORAGE_BACKEND
        value: azureblob
      - name: AZURE_STORAGE_AUTH_MODE
        value: workload_identity
      - name: AZURE_STORAGE_ACCOUNT_URL
        valueFrom:
          configMapKeyRef: {name: history-storage, key: account-url}
  headGroupSpec:
    rayStartParams: {}
    template:
      spec:
        containers: [{name: ray-head, image: rayproject/ray:2.46.0}]
```
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from rayops.rules import Resource, Violation, as_dict, as_list
from rayops.rules.kuberay._cluster_features import text, validated_specs

ID = "KR178"
TITLE = "the history collector's env names its storage backend and that backend's settings"
SEVERITY = "error"
KINDS = ("RayCluster", "RayJob", "RayService", "RayCronJob")
SINCE = "1.7.0"
UNTIL = None
GATES = ("RayClusterHistoryServer",)

BACKEND = "STORAGE_BACKEND"
CONNECTION_STRING = "AZURE_STORAGE_CONNECTION_STRING"
ACCOUNT_URL = "AZURE_STORAGE_ACCOUNT_URL"
REQUIRED = {
    "GCS": ("GCS_BUCKET",),
    "S3": ("S3_REGION",),
    "ALIYUNOSS": ("OSS_BUCKET", "OSS_ENDPOINT", "OSS_REGION"),
}


def _missing(backend: str, env: dict[str, dict[str, Any]]) -> list[str]:
    """Descriptions of the variables ``backend`` needs and ``env`` lacks."""

    def has_value(name: str) -> bool:
        entry = env.get(name)
        return entry is not None and (bool(text(entry.get("value"))) or entry.get("valueFrom") is not None)

    upper = backend.upper()
    if upper in REQUIRED:
        return [name for name in REQUIRED[upper] if not has_value(name)]
    if upper != "AZUREBLOB":
        return []
    mode = text(env.get("AZURE_STORAGE_AUTH_MODE", {}).get("value")).strip().lower()
    if mode == "connection_string":
        return (
            []
            if has_value(CONNECTION_STRING)
            else [f"{CONNECTION_STRING} (AZURE_STORAGE_AUTH_MODE is {mode})"]
        )
    if mode in ("workload_identity", "default"):
        return [] if has_value(ACCOUNT_URL) else [f"{ACCOUNT_URL} (AZURE_STORAGE_AUTH_MODE is {mode})"]
    if has_value(CONNECTION_STRING) or has_value(ACCOUNT_URL):
        return []
    return [f"either {CONNECTION_STRING} or {ACCOUNT_URL}"]


def check(resource: Resource) -> Iterator[Violation]:
    """Yield a violation for a missing storage backend or a backend setting it requires."""
    if not resource.gate("RayClusterHistoryServer"):
        return
    for cluster in validated_specs(resource):
        collector = as_dict(cluster.spec.get("historyServerOptions")).get("collectorOptions")
        if not isinstance(collector, dict):
            continue
        base = cluster.at("historyServerOptions", "collectorOptions")
        env: dict[str, dict[str, Any]] = {}
        positions: dict[str, int] = {}
        for index, entry in enumerate(as_list(collector.get("env"))):
            if isinstance(entry, dict) and isinstance(entry.get("name"), str):
                env[entry["name"]] = entry  # the operator keeps the last entry of a name
                positions[entry["name"]] = index
        backend = text(env.get(BACKEND, {}).get("value"))
        if not backend:
            if BACKEND in positions:
                where = (*base, "env", positions[BACKEND], "name")
            else:
                where = (*base, "env") if "env" in collector else base
            yield Violation(
                where,
                f"the {BACKEND} env var must be set with a literal string value in "
                "historyServerOptions.collectorOptions.env (GCS, S3, AZUREBLOB or ALIYUNOSS)",
            )
            continue
        missing = _missing(backend, env)
        if missing:
            yield Violation(
                (*base, "env", positions[BACKEND], "value"),
                f"{BACKEND} is {backend}, so historyServerOptions.collectorOptions.env must also set "
                f"{', '.join(missing)}",
            )
