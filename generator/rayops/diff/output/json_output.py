"""The JSON document of a diff (``--output json``), version 1.

```
{"version": 1, "mode": "render" | "rendered", "base": REF, "head": REF | "working tree",
 "kuberayVersion": "1.5.1", "changed": true,
 "environments": [{
   "name": "prod", "output": "rendered/prod",
   "counts": {"added": 0, "deleted": 0, "modified": 1, "renamed": 0, "unchanged": 4},
   "ray": {"before": TOTALS, "after": TOTALS,
           "clusters": [{"kind", "namespace", "name", "status", "before": CLUSTER | null,
                         "after": CLUSTER | null}]},
   "resources": [{"status": "deleted" | "modified" | "renamed" | "added",
                  "apiVersion", "kind", "namespace", "name", "previousName" (renamed only),
                  "impacts": [{"label", "severity": "error" | "warning" | "info", "message", "path"}],
                  "changes": [{"path", "op": "added" | "removed" | "changed" | "reordered",
                               "old", "new"}]}]}]}
TOTALS  = {"clusters": N, "min": RES | null, "max": RES | null}   (null: unbounded)
RES     = {"cpuMillis": int, "memoryBytes": int, "gpu": int}       (rounded up)
CLUSTER = {"rayVersion", "images": [...], "autoscaling": bool, "head": RES,
           "workerGroups": [{"groupName", "replicas", "minReplicas", "maxReplicas",
                             "numOfHosts", "pod": RES}],
           "min": RES | null, "max": RES | null}
```

``reordered``: the items of a list matched by key (worker groups, containers, env...)
changed order; ``old`` and ``new`` list their keys (``"groupName=a"``) in each order.
Secret values appear as the string ``"(secret value hidden)"``. Keys and ordering only
change with a new ``version``.
"""

from __future__ import annotations

import json
from typing import Any

from rayops.diff.engine import cluster_rows
from rayops.diff.model import DiffResult, EnvironmentDiff, ResourceDiff
from rayops.diff.output.common import plain
from rayops.diff.quantity import milli_units, whole_units
from rayops.diff.summary import ClusterSummary, EnvironmentSummary, Resources

FORMAT_VERSION = 1


def _resources(resources: Resources | None) -> dict[str, int] | None:
    if resources is None:
        return None
    return {
        "cpuMillis": milli_units(resources.cpu),
        "memoryBytes": whole_units(resources.memory),
        "gpu": whole_units(resources.gpu),
    }


def _cluster(cluster: ClusterSummary | None) -> dict[str, Any] | None:
    if cluster is None:
        return None
    return {
        "rayVersion": cluster.ray_version,
        "images": list(cluster.images),
        "autoscaling": cluster.autoscaling,
        "head": _resources(cluster.head),
        "workerGroups": [
            {
                "groupName": group.name,
                "replicas": group.replicas,
                "minReplicas": group.min_replicas,
                "maxReplicas": group.max_replicas,
                "numOfHosts": group.hosts,
                "pod": _resources(group.pod),
            }
            for group in cluster.groups
        ],
        "min": _resources(cluster.total("min")),
        "max": _resources(cluster.total("max")),
    }


def _totals(summary: EnvironmentSummary) -> dict[str, Any]:
    return {
        "clusters": len(summary.clusters),
        "min": _resources(summary.total("min")),
        "max": _resources(summary.total("max")),
    }


def _resource(diff: ResourceDiff) -> dict[str, Any]:
    item: dict[str, Any] = {
        "status": diff.status,
        "apiVersion": diff.key.api_version,
        "kind": diff.key.kind,
        "namespace": diff.key.namespace,
        "name": diff.key.name,
    }
    if diff.previous_key is not None:
        item["previousName"] = diff.previous_key.name
    item["impacts"] = [
        {"label": i.label, "severity": i.severity, "message": i.message, "path": i.path} for i in diff.impacts
    ]
    changes = []
    for change in diff.changes:
        entry: dict[str, Any] = {"path": change.where, "op": change.op}
        if change.op in ("removed", "changed", "reordered"):
            entry["old"] = plain(change.old)
        if change.op in ("added", "changed", "reordered"):
            entry["new"] = plain(change.new)
        changes.append(entry)
    item["changes"] = changes
    return item


def _environment(environment: EnvironmentDiff) -> dict[str, Any]:
    return {
        "name": environment.name,
        "output": environment.output,
        "counts": {
            "added": environment.count("added"),
            "deleted": environment.count("deleted"),
            "modified": environment.count("modified"),
            "renamed": environment.count("renamed"),
            "unchanged": environment.unchanged,
        },
        "ray": {
            "before": _totals(environment.before),
            "after": _totals(environment.after),
            "clusters": [
                {
                    "kind": (after or before).kind,  # type: ignore[union-attr]
                    "namespace": (after or before).namespace,  # type: ignore[union-attr]
                    "name": (after or before).name,  # type: ignore[union-attr]
                    "status": status,
                    "before": _cluster(before),
                    "after": _cluster(after),
                }
                for status, before, after in cluster_rows(environment)
            ],
        },
        "resources": [_resource(diff) for diff in environment.resources],
    }


def write_json(result: DiffResult) -> str:
    """The diff as the documented JSON document (indented, stable key order)."""
    document = {
        "version": FORMAT_VERSION,
        "mode": result.mode,
        "base": result.base,
        "head": result.head,
        "kuberayVersion": result.kuberay_version,
        "changed": result.changed,
        "environments": [_environment(env) for env in result.environments],
    }
    return json.dumps(document, indent=2, ensure_ascii=False, default=str) + "\n"
