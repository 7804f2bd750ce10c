"""The pull-request comment: summary tables first, then one collapsed section per resource.

GitHub refuses comments over 65,536 characters. The summary always fits (it is
per environment, not per resource); resource sections are added, deleted first, then
modified, then added, while they fit, and a note says how many were left out and
where the full diff is (a file the CI job uploads as an artifact). Every part is scrubbed
of secret values (``scrub``) before it is measured, so the comment that is printed is the
one that was measured, and no cut splits a value.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from rayops.diff.engine import cluster_rows
from rayops.diff.model import STATUS_ORDER, DiffResult, EnvironmentDiff, ResourceDiff
from rayops.diff.output.common import (
    before_after,
    counts_text,
    groups_text,
    resource_lines,
    scale_text,
    totals,
)
from rayops.diff.output.mermaid import cluster_diagram
from rayops.diff.summary import ClusterSummary

COMMENT_MARKER = "<!-- rayops-diff -->"
"""Hidden first line: how the workflow finds its own comment to update it."""
GITHUB_COMMENT_LIMIT = 65_536
NOTE_RESERVE = 600
_ICONS = {"error": ":stop_sign:", "warning": ":warning:", "info": ":information_source:"}


@dataclass
class Markdown:
    """The comment, and whether resource sections were left out of it."""

    text: str
    truncated: bool
    omitted: int


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _environment_summary(environment: EnvironmentDiff) -> list[str]:
    lines = [f"#### {environment.name} (`{environment.output}`): {counts_text(environment)}", ""]
    rows = cluster_rows(environment)
    if rows:
        lines += [
            "| Ray resource | change | rayVersion | images | worker groups: replicas (min..max) | "
            "resources at min … max scale |",
            "| --- | --- | --- | --- | --- | --- |",
        ]
        for status, before, after in rows:
            cluster = after or before
            assert cluster is not None
            where = f"{cluster.namespace}/{cluster.name}" if cluster.namespace else cluster.name
            ray_version = before_after(
                before.ray_version if before else "—", after.ray_version if after else "—"
            )
            images = before_after(
                ", ".join(before.images) if before else "—", ", ".join(after.images) if after else "—"
            )
            lines.append(
                f"| {cluster.kind} `{_cell(where)}` | {status} | {_cell(ray_version)} | {_cell(images)} | "
                f"{_cell(before_after(groups_text(before), groups_text(after)))} | "
                f"{_cell(before_after(scale_text(before), scale_text(after)))} |"
            )
        lines.append("")
    if environment.before.clusters or environment.after.clusters:
        lines += ["| all Ray clusters | before | after |", "| --- | --- | --- |"]
        lines.append(f"| clusters | {len(environment.before.clusters)} | {len(environment.after.clusters)} |")
        for label, old_total, new_total in totals(environment):
            mark = "" if old_total == new_total else " **changed**"
            lines.append(f"| {label} | {old_total} | {new_total}{mark} |")
        lines.append("")
    impacts = [(diff, impact) for diff in environment.resources for impact in diff.impacts]
    impacts.sort(
        key=lambda pair: ({"error": 0, "warning": 1}.get(pair[1].severity, 2), STATUS_ORDER[pair[0].status])
    )
    for diff, impact in impacts:
        icon = _ICONS.get(impact.severity, "")
        at = f" (`{impact.path}`)" if impact.path else ""
        lines.append(f"- {icon} **{impact.label}** {diff.key.label}{at}: {_cell(impact.message)}")
    if impacts:
        lines.append("")
    return lines


def _section(
    environment: EnvironmentDiff, diff: ResourceDiff, clusters: dict[tuple[str, str, str], ClusterSummary]
) -> str:
    labels = ", ".join(dict.fromkeys(impact.label for impact in diff.impacts))
    title = f"{diff.status}: {diff.key.label} [{environment.name}]"
    if diff.previous_key is not None:
        title += f" (was {diff.previous_key.name})"
    if labels:
        title += f" — {labels}"
    lines = ["<details>", f"<summary>{_html(title)}</summary>", ""]
    for impact in diff.impacts:
        at = f" (`{impact.path}`)" if impact.path else ""
        lines.append(f"- {_ICONS.get(impact.severity, '')} **{impact.label}**{at}: {_cell(impact.message)}")
    if diff.impacts:
        lines.append("")
    cluster = clusters.get((diff.key.kind, diff.key.namespace, diff.key.name))
    if cluster is not None:
        lines += ["```mermaid", *cluster_diagram(cluster), "```", ""]
    body = resource_lines(diff)
    fence = "````" if any("```" in text for _, text in body) else "```"
    lines.append(f"{fence}diff")
    for marker, text in body:
        lines.append(f"{marker if marker in '+-' else ' '} {text}")
    lines += [fence, "", "</details>", ""]
    return "\n".join(lines)


def _html(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def write_markdown(
    result: DiffResult,
    *,
    diagram: bool = False,
    limit: int = GITHUB_COMMENT_LIMIT,
    full_diff_name: str = "",
    scrub: Callable[[str], str] = str,
) -> Markdown:
    """The comment; with ``limit`` sections that do not fit are left out, with a note.

    ``scrub`` is applied to every part before it is measured (secret values out).
    """
    head = [COMMENT_MARKER, f"### rayops diff: `{result.base}` → `{result.head}`", ""]
    changed = [env for env in result.environments if env.resources]
    if not changed:
        head.append(f"No change to the rendered resources (KubeRay {result.kuberay_version}).")
        return Markdown(scrub("\n".join(head) + "\n"), False, 0)
    head += [
        f"KubeRay {result.kuberay_version}; resources compared from "
        + (
            "a fresh render of each revision." if result.mode == "render" else "the committed rendered trees."
        ),
        "",
        "| environment | deleted | modified | added | unchanged |",
        "| --- | --- | --- | --- | --- |",
    ]
    for env in result.environments:
        modified = env.count("modified") + env.count("renamed")
        head.append(
            f"| {env.name} | {env.count('deleted')} | {modified} | {env.count('added')} | {env.unchanged} |"
        )
    head.append("")
    for env in changed:
        head += _environment_summary(env)
    text = scrub("\n".join(head) + "\n")
    sections = sorted(
        ((env, diff) for env in changed for diff in env.resources),
        key=lambda pair: (STATUS_ORDER[pair[1].status], pair[0].name, pair[1].key),
    )
    diagrams: dict[str, dict[tuple[str, str, str], ClusterSummary]] = {}
    for env in changed:
        found = diagrams.setdefault(env.name, {})
        for _, before, after in cluster_rows(env) if diagram else ():
            cluster = after or before
            if cluster is not None:
                found[(cluster.kind, cluster.namespace, cluster.name)] = cluster
    omitted = 0
    for position, (env, diff) in enumerate(sections):
        section = scrub(_section(env, diff, diagrams[env.name]))
        if len(text) + len(section) + NOTE_RESERVE > limit:
            omitted = len(sections) - position
            break
        text += section
    if omitted:
        where = f" in `{full_diff_name}` (the workflow's artifact)" if full_diff_name else ""
        text += scrub(
            f"\n> **{omitted} more changed resources are not shown**: a comment holds at most "
            f"{GITHUB_COMMENT_LIMIT:,} characters. The full diff is{where or ' in the full output'}.\n"
        )
        if len(text) > limit:
            text = text[: limit - NOTE_RESERVE] + "\n\n> (summary cut: too many environments to show)\n"
    return Markdown(text, bool(omitted), omitted)
