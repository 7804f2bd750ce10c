"""Terminal output: per environment, each changed resource with its impacts and fields."""

from __future__ import annotations

from rayops.diff.engine import cluster_rows
from rayops.diff.model import DiffResult
from rayops.diff.output.common import (
    before_after,
    counts_text,
    groups_text,
    resource_lines,
    scale_text,
    totals,
)

_COLOURS = {"+": "32", "-": "31", "~": "33", "error": "31;1", "warning": "33", "info": "36", "title": "1"}
_STATUS_MARK = {"added": "+", "deleted": "-", "modified": "~", "renamed": "~"}


def write_text(result: DiffResult, *, colour: bool = False) -> str:
    """The diff for a terminal (ANSI colours when ``colour``)."""

    def paint(code: str, text: str) -> str:
        return f"\033[{_COLOURS[code]}m{text}\033[0m" if colour and code in _COLOURS else text

    lines = [paint("title", f"rayops diff {result.base} → {result.head} (KubeRay {result.kuberay_version})")]
    if not result.changed:
        lines.append("no change to the rendered resources")
        return "\n".join(lines) + "\n"
    for env in result.environments:
        lines.append("")
        lines.append(paint("title", f"== {env.name} ({env.output}): {counts_text(env)}"))
        for status, before, after in cluster_rows(env):
            cluster = after or before
            assert cluster is not None
            lines.append(f"  {cluster.kind} {cluster.name} ({status})")
            lines.append(
                "    rayVersion: "
                + before_after(before.ray_version if before else "—", after.ray_version if after else "—")
            )
            lines.append(
                "    images: "
                + before_after(
                    ", ".join(before.images) if before else "—", ", ".join(after.images) if after else "—"
                )
            )
            lines.append("    workers: " + before_after(groups_text(before), groups_text(after)))
            lines.append("    resources min … max: " + before_after(scale_text(before), scale_text(after)))
        if env.before.clusters or env.after.clusters:
            lines.append("  totals of all Ray clusters:")
            for label, before_total, after_total in totals(env):
                lines.append(f"    {label}: {before_after(before_total, after_total)}")
        for diff in env.resources:
            mark = _STATUS_MARK[diff.status]
            renamed = f" (was {diff.previous_key.name})" if diff.previous_key is not None else ""
            lines.append("")
            lines.append(paint(mark, f"{mark} {diff.status} {diff.key.label}{renamed}"))
            for impact in diff.impacts:
                at = f" at {impact.path}" if impact.path else ""
                lines.append("    " + paint(impact.severity, f"! {impact.label}{at}: {impact.message}"))
            for marker, text in resource_lines(diff):
                lines.append("    " + (paint(marker, f"{marker} {text}") if marker in "+-~" else f"  {text}"))
    return "\n".join(lines) + "\n"
