"""What every writer shows the same way: values, change lines, Ray summary rows."""

from __future__ import annotations

import difflib
import json
from typing import Any

import yaml

from rayops.diff.model import Change, EnvironmentDiff, ResourceDiff
from rayops.diff.quantity import format_count, format_cpu, format_memory
from rayops.diff.secrets import HIDDEN_TEXT, Hidden
from rayops.diff.summary import ClusterSummary, EnvironmentSummary, Resources, WorkerGroup

MAX_VALUE_LINES = 200
"""Longest value (in lines) shown for an added or removed field; the rest is elided."""


def plain(value: Any) -> Any:
    """``value`` with hidden secret values replaced by a fixed text."""
    if isinstance(value, Hidden):
        return HIDDEN_TEXT
    if isinstance(value, dict):
        return {key: plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [plain(item) for item in value]
    return value


def inline(value: Any) -> str:
    """A one-line rendering of a scalar or small structure."""
    value = plain(value)
    if isinstance(value, str) and "\n" not in value:
        return value if value and value.strip() == value and value[0] not in "{[\"'" else json.dumps(value)
    return json.dumps(value, sort_keys=False, ensure_ascii=False, default=str)


def block(value: Any) -> list[str]:
    """A value as YAML lines (at most :data:`MAX_VALUE_LINES`)."""
    value = plain(value)
    if isinstance(value, str) and "\n" in value:
        lines = value.splitlines()
    elif isinstance(value, dict | list) and value:
        text = yaml.dump(value, Dumper=yaml.CSafeDumper, sort_keys=False, default_flow_style=False, width=100)
        lines = text.splitlines()
    else:
        lines = [inline(value)]
    if len(lines) > MAX_VALUE_LINES:
        lines = [*lines[:MAX_VALUE_LINES], f"... ({len(lines) - MAX_VALUE_LINES} more lines)"]
    return lines


def change_lines(change: Change) -> list[tuple[str, str]]:
    """A change as (marker, text) lines: marker ``" "`` context, ``"-"`` old, ``"+"`` new."""
    lines: list[tuple[str, str]] = []
    where = change.where or "(whole object)"
    old, new = change.old, change.new
    if change.op == "reordered":
        return [
            ("-", f"{where}: order {', '.join(map(str, old))}"),
            ("+", f"{where}: order {', '.join(map(str, new))}"),
        ]
    if isinstance(old, Hidden) or isinstance(new, Hidden):
        verb = {"added": "added", "removed": "removed"}.get(change.op, "changed")
        return [("~", f"{where}: secret value {verb} {HIDDEN_TEXT}")]
    if (
        change.op == "changed"
        and isinstance(old, str)
        and isinstance(new, str)
        and ("\n" in old or "\n" in new)
    ):
        lines.append((" ", f"{where}:"))
        for line in difflib.unified_diff(old.splitlines(), new.splitlines(), lineterm="", n=2):
            if line.startswith(("---", "+++")):
                continue
            marker = line[:1] if line[:1] in "+-" else " "
            lines.append((marker, "    " + line[1:] if marker != " " or not line.startswith("@@") else line))
        return lines
    if change.op == "changed" and not isinstance(old, dict | list) and not isinstance(new, dict | list):
        return [("-", f"{where}: {inline(old)}"), ("+", f"{where}: {inline(new)}")]
    if change.op in ("removed", "changed"):
        body = block(old)
        if len(body) == 1:
            lines.append(("-", f"{where}: {body[0]}"))
        else:
            lines.append(("-", f"{where}:"))
            lines.extend(("-", "    " + line) for line in body)
    if change.op in ("added", "changed"):
        body = block(new)
        if len(body) == 1:
            lines.append(("+", f"{where}: {body[0]}"))
        else:
            lines.append(("+", f"{where}:"))
            lines.extend(("+", "    " + line) for line in body)
    return lines


def resource_lines(diff: ResourceDiff) -> list[tuple[str, str]]:
    """The body of one resource's diff: field changes, or the whole object when added or deleted."""
    if diff.status == "added" and diff.head is not None:
        return [("+", line) for line in block(diff.head.value)]
    if diff.status == "deleted" and diff.base is not None:
        return [("-", line) for line in block(diff.base.value)]
    lines: list[tuple[str, str]] = []
    for change in diff.changes:
        lines.extend(change_lines(change))
    return lines


def resources_text(resources: Resources | None) -> str:
    """``4 CPU · 1 GPU · 16Gi``; ``unbounded`` for None."""
    if resources is None:
        return "unbounded"
    parts = [f"{format_cpu(resources.cpu)} CPU"]
    if resources.gpu:
        parts.append(f"{format_count(resources.gpu)} GPU")
    parts.append(format_memory(resources.memory))
    return " · ".join(parts)


def group_text(group: WorkerGroup, autoscaling: bool) -> str:
    """``small-group 2 (1..5)``: replicas, then min..max."""
    low = group.min_replicas if group.min_replicas is not None else 0
    high = "∞" if group.max_replicas is None else str(group.max_replicas)
    replicas = "-" if group.replicas is None else str(group.replicas)
    hosts = f" x{group.hosts} hosts" if group.hosts > 1 else ""
    suspended = " suspended" if group.suspended else ""
    return f"{group.name} {replicas} ({low}..{high}){hosts}{suspended}"


def groups_text(cluster: ClusterSummary | None) -> str:
    """Every worker group of a cluster, comma-separated."""
    if cluster is None:
        return "—"
    text = ", ".join(group_text(g, cluster.autoscaling) for g in cluster.groups) or "no workers"
    return f"suspended: {text}" if cluster.suspended else text


def scale_text(cluster: ClusterSummary | None) -> str:
    """``min → max`` resources of a cluster."""
    if cluster is None:
        return "—"
    low, high = cluster.total("min"), cluster.total("max")
    if low == high:
        return resources_text(low)
    return f"{resources_text(low)} … {resources_text(high)}"


def before_after(before: str, after: str) -> str:
    """``a → b``, or ``a`` when equal."""
    return before if before == after else f"{before} → {after}"


TOTAL_ROWS = (
    ("CPU at minimum scale", "min", "cpu"),
    ("CPU at maximum scale", "max", "cpu"),
    ("GPU at minimum scale", "min", "gpu"),
    ("GPU at maximum scale", "max", "gpu"),
    ("memory at minimum scale", "min", "memory"),
    ("memory at maximum scale", "max", "memory"),
)


def total_value(summary: EnvironmentSummary, which: str, what: str) -> str:
    """One total of an environment, formatted."""
    total = summary.total(which)
    if total is None:
        return "unbounded"
    if what == "cpu":
        return format_cpu(total.cpu)
    if what == "gpu":
        return format_count(total.gpu)
    return format_memory(total.memory)


def totals(environment: EnvironmentDiff) -> list[tuple[str, str, str]]:
    """(label, before, after) for every total of the environment."""
    return [
        (label, total_value(environment.before, which, what), total_value(environment.after, which, what))
        for label, which, what in TOTAL_ROWS
    ]


def counts_text(environment: EnvironmentDiff) -> str:
    """``1 deleted, 2 modified, 1 added, 12 unchanged``."""
    parts = []
    for status in ("deleted", "modified", "renamed", "added"):
        count = environment.count(status)
        if count:
            parts.append(f"{count} {status}")
    parts.append(f"{environment.unchanged} unchanged")
    return ", ".join(parts)
