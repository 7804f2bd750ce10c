"""A Mermaid flowchart of a Ray cluster: the head and each worker group, which GitHub renders."""

from __future__ import annotations

from rayops.diff.output.common import group_text, resources_text
from rayops.diff.summary import ClusterSummary


def _label(text: str) -> str:
    return '"' + text.replace('"', "#quot;").replace("<", "#lt;").replace(">", "#gt;") + '"'


def cluster_diagram(cluster: ClusterSummary, node_prefix: str = "c") -> list[str]:
    """Mermaid lines (without the fence) for one cluster."""
    where = f"{cluster.namespace}/{cluster.name}" if cluster.namespace else cluster.name
    version = f" · Ray {cluster.ray_version}" if cluster.ray_version else ""
    lines = [
        "flowchart LR",
        f"  subgraph {node_prefix}[{_label(f'{cluster.kind} {where}{version}')}]",
        f"    {node_prefix}h[{_label(f'head · {resources_text(cluster.head)}')}]",
    ]
    for index, group in enumerate(cluster.groups):
        text = f"{group_text(group, cluster.autoscaling)} · {resources_text(group.pod)} per Pod"
        lines.append(f"    {node_prefix}g{index}[{_label(text)}]")
        lines.append(f"    {node_prefix}h --> {node_prefix}g{index}")
    lines.append("  end")
    return lines
