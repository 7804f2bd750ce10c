"""Choose the writer for ``--output`` and make its text safe to print.

Every text leaves through :func:`produce`. Before any writer formats the diff, every
string of it that contains a collected secret value has the value replaced
(:func:`redacted`): the writers' escaping (YAML, JSON, markdown) cannot turn a value into
a form the final scrub does not know. The text each writer returns is then scrubbed of
secret values as written or escaped (:func:`rayops.diff.secrets.scrub`); the markdown
comment is scrubbed section by section before its length is measured, so a cut never
splits a value and the scrubbed comment stays within GitHub's limit. The CLI prints
nothing else about resources.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Any

from rayops.diff.model import Change, DiffResult, EnvironmentDiff, Impact, KeyedItem, Resource, ResourceDiff
from rayops.diff.output.json_output import write_json
from rayops.diff.output.markdown import GITHUB_COMMENT_LIMIT, write_markdown
from rayops.diff.output.text import write_text
from rayops.diff.secrets import Redactor, strings
from rayops.diff.summary import ClusterSummary, EnvironmentSummary, WorkerGroup
from rayops.errors import UsageError

FORMATS = ("text", "markdown", "json")


@dataclasses.dataclass
class Produced:
    """What to print, and the complete markdown when the printed comment was cut."""

    text: str
    full_markdown: str | None = None
    omitted: int = 0


def produce(
    result: DiffResult,
    secrets: set[str],
    output_format: str,
    *,
    diagram: bool = False,
    colour: bool = False,
    full_diff_name: str = "",
) -> Produced:
    """The scrubbed text of ``result`` in ``output_format``."""
    redactor = Redactor(secrets)
    result = redacted(result, redactor)
    if output_format == "json":
        return Produced(redactor.scrub(write_json(result)))
    if output_format == "text":
        return Produced(redactor.scrub(write_text(result, colour=colour)))
    if output_format != "markdown":
        raise UsageError(f"unknown output format {output_format!r} (known: {', '.join(FORMATS)})")
    comment = write_markdown(result, diagram=diagram, full_diff_name=full_diff_name, scrub=redactor.scrub)
    assert len(comment.text) <= GITHUB_COMMENT_LIMIT
    if not comment.truncated:
        return Produced(comment.text)
    full = write_markdown(result, diagram=diagram, limit=2**62, scrub=redactor.scrub)
    return Produced(comment.text, full.text, comment.omitted)


def redacted(result: DiffResult, redactor: Redactor) -> DiffResult:
    """A copy of ``result`` in which no string holds a collected secret value.

    Values, change paths, impact messages and Ray summaries are covered; when no value
    occurs anywhere (the usual case) ``result`` itself is returned.
    """
    if not redactor.secrets:
        return result  # nothing collected: nothing to look for in every string of the diff
    narrowed = redactor.present(_texts(result))
    if not narrowed.secrets:
        return result
    return dataclasses.replace(
        result, environments=[_environment(environment, narrowed) for environment in result.environments]
    )


def _texts(result: DiffResult) -> Iterator[str]:
    for environment in result.environments:
        for summary in (environment.before, environment.after):
            for cluster in summary.clusters:
                yield from strings(_cluster_strings(cluster))
        for diff in environment.resources:
            for resource in (diff.base, diff.head):
                if resource is not None:
                    yield from strings(resource.value)
            for change in diff.changes:
                yield from strings([change.old, change.new, _path_strings(change)])
            for impact in diff.impacts:
                yield impact.message
                yield impact.path


def _cluster_strings(cluster: ClusterSummary) -> list[Any]:
    return [cluster.name, cluster.namespace, cluster.ray_version, list(cluster.head_images)] + [
        [group.name, list(group.images)] for group in cluster.groups
    ]


def _path_strings(change: Change) -> list[str]:
    return [
        part.value if isinstance(part, KeyedItem) else part
        for part in change.path
        if isinstance(part, str | KeyedItem)
    ]


def _environment(environment: EnvironmentDiff, redactor: Redactor) -> EnvironmentDiff:
    return dataclasses.replace(
        environment,
        resources=[_diff(diff, redactor) for diff in environment.resources],
        before=_summary(environment.before, redactor),
        after=_summary(environment.after, redactor),
    )


def _summary(summary: EnvironmentSummary, redactor: Redactor) -> EnvironmentSummary:
    return EnvironmentSummary([_cluster(cluster, redactor) for cluster in summary.clusters])


def _cluster(cluster: ClusterSummary, redactor: Redactor) -> ClusterSummary:
    text = redactor.text
    return dataclasses.replace(
        cluster,
        name=text(cluster.name),
        namespace=text(cluster.namespace),
        ray_version=text(cluster.ray_version),
        head_images=tuple(text(image) for image in cluster.head_images),
        groups=tuple(_group(group, redactor) for group in cluster.groups),
    )


def _group(group: WorkerGroup, redactor: Redactor) -> WorkerGroup:
    return dataclasses.replace(
        group, name=redactor.text(group.name), images=tuple(redactor.text(i) for i in group.images)
    )


def _diff(diff: ResourceDiff, redactor: Redactor) -> ResourceDiff:
    return dataclasses.replace(
        diff,
        base=_resource(diff.base, redactor),
        head=_resource(diff.head, redactor),
        changes=[_change(change, redactor) for change in diff.changes],
        impacts=[
            Impact(impact.label, impact.severity, redactor.text(impact.message), redactor.text(impact.path))
            for impact in diff.impacts
        ],
    )


def _resource(resource: Resource | None, redactor: Redactor) -> Resource | None:
    if resource is None:
        return None
    return dataclasses.replace(resource, value=redactor.value(resource.value))


def _change(change: Change, redactor: Redactor) -> Change:
    path = tuple(
        KeyedItem(part.field, redactor.text(part.value))
        if isinstance(part, KeyedItem)
        else redactor.text(part)
        if isinstance(part, str)
        else part
        for part in change.path
    )
    return Change(path, change.op, redactor.value(change.old), redactor.value(change.new))
