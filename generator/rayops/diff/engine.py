"""A whole diff: read both revisions, pair and compare resources, label and summarise.

Files whose bytes are equal in both revisions are not compared (nor parsed, unless
they hold a Ray resource the Ray-level summary needs, and then once for both sides):
on a repository of thousands of resources a pull request changes a few, and parsing
YAML is what a large diff spends its time on.
"""

from __future__ import annotations

import contextlib
import gc
import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from typing import Any

from rayops.diff import git, sources
from rayops.diff.compare import compare
from rayops.diff.impact import ray_impacts, validation_impacts
from rayops.diff.match import match
from rayops.diff.model import (
    ADDED,
    DELETED,
    MODIFIED,
    RENAMED,
    STATUS_ORDER,
    DiffResult,
    EnvironmentDiff,
    Resource,
    ResourceDiff,
    ResourceKey,
)
from rayops.diff.scan import Unsupported, scan
from rayops.diff.secrets import is_secret, redact
from rayops.diff.summary import RAY_KINDS, ClusterSummary, EnvironmentSummary, summarize
from rayops.errors import UsageError
from rayops.findings import Severity
from rayops.loader import expand_lists, load_bytes
from rayops.rules.releases import Target, parse_release
from rayops.validate.engine import ValidationOptions, Validator
from rayops.workspace import find_workspace, load_workspace

_RAY_KIND = re.compile(rb"^kind:[ \t]*[\"']?Ray(?:Cluster|Service|Job|CronJob)\b", re.M)
_KIND_LINE = re.compile(rb"^kind:", re.M)


@dataclass(frozen=True)
class DiffOptions:
    """What to compare: ``base`` and ``head`` refs (None: the working tree) and how."""

    base: str
    head: str | None = None
    rendered: bool = False
    environments: tuple[str, ...] = ()
    start: str = "."


def run_diff(options: DiffOptions) -> tuple[DiffResult, set[str]]:
    """The diff, and the secret values every output must be scrubbed of."""
    workspace_file = find_workspace(options.start)
    if workspace_file is None:
        raise UsageError("no rayops.yaml in this folder or its parents")
    location = sources.locate(workspace_file)
    base_commit = git.resolve(location.repository, options.base)
    head_commit = git.resolve(location.repository, options.head) if options.head else None
    names = options.environments
    head_label = options.head or sources.WORKING_TREE
    if options.rendered:
        blobs: dict[str, bytes] = {}
        base = sources.committed_revision(location, base_commit, options.base, names, blobs)
        if head_commit is not None:
            head = sources.committed_revision(location, head_commit, head_label, names, blobs)
        else:
            head = sources.disk_revision(load_workspace(workspace_file), names)
    else:
        base = sources.render_commit(location, base_commit, options.base, names)
        if head_commit is not None:
            head = sources.render_commit(location, head_commit, head_label, names)
        else:
            head = sources.rendered_revision(load_workspace(workspace_file), head_label, names)
    known = set(base.outputs) | set(head.outputs)
    unknown = [name for name in names if name not in known]
    if unknown:
        raise UsageError(f"no environment {', '.join(unknown)} in either revision")
    return compare_revisions(base, head, "rendered" if options.rendered else "render")


@contextlib.contextmanager
def _without_cyclic_collection() -> Iterator[None]:
    """Pause the cyclic garbage collector while thousands of acyclic values are built.

    Reference counting frees them; the collector would only rescan them again and again
    (as for ``rayops validate``, a large part of a big run). Workers inherit the pause.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def compare_revisions(
    base: sources.Revision, head: sources.Revision, mode: str
) -> tuple[DiffResult, set[str]]:
    """Compare two revisions already read."""
    with _without_cyclic_collection():
        return _compare_revisions(base, head, mode)


def _compare_revisions(
    base: sources.Revision, head: sources.Revision, mode: str
) -> tuple[DiffResult, set[str]]:
    workspace = head.workspace
    kuberay = workspace.kuberay_version or _newest_kuberay()
    target = Target(parse_release(kuberay), dict(workspace.feature_gates))
    secrets: set[str] = set()

    @cache
    def validator() -> Validator:
        return Validator(
            ValidationOptions(
                kuberay_version=workspace.kuberay_version,
                kubernetes_version=workspace.kubernetes_version,
                feature_gates=tuple(sorted(workspace.feature_gates.items())),
                ignore_missing_schemas=True,
            )
        )

    result = DiffResult(base.label, head.label, mode, kuberay.lstrip("v"))
    names = list(head.outputs) + [name for name in base.outputs if name not in head.outputs]
    outputs = {name: head.outputs.get(name) or base.outputs.get(name) or "" for name in names}
    unchanged_ray: dict[str, list[tuple[str, bytes]]] = {}
    for name in names:
        base_files, head_files = base.files.get(name, {}), head.files.get(name, {})
        unchanged_ray[name] = [
            (f"{outputs[name]}/{path}", data)
            for path, data in base_files.items()
            if head_files.get(path) == data and _RAY_KIND.search(data)
        ]
    clusters_by_file = unchanged_clusters([item for files in unchanged_ray.values() for item in files])
    for name in names:
        output = outputs[name]
        environment = EnvironmentDiff(name, output)
        base_files = base.files.get(name, {})
        head_files = head.files.get(name, {})
        same = {path for path, data in base_files.items() if head_files.get(path) == data}
        for path in same:
            environment.unchanged += len(_KIND_LINE.findall(base_files[path])) or 1
        for file, _ in unchanged_ray[name]:
            environment.before.clusters.extend(clusters_by_file[file])
            environment.after.clusters.extend(clusters_by_file[file])
        base_resources = _resources(base_files, same, output, secrets)
        head_resources = _resources(head_files, same, output, secrets)
        _summarise(environment.before, base_resources.values())
        _summarise(environment.after, head_resources.values())
        matching = match(base_resources, head_resources)
        diffs: list[ResourceDiff] = []
        for old, new in matching.pairs:
            changes = compare(old.value, new.value)
            if changes:
                diffs.append(ResourceDiff(MODIFIED, new.key, old, new, changes))
            else:
                environment.unchanged += 1
        for old, new in matching.renames:
            diffs.append(ResourceDiff(RENAMED, new.key, old, new, compare(old.value, new.value)))
        diffs.extend(ResourceDiff(DELETED, r.key, r, None) for r in matching.deleted)
        diffs.extend(ResourceDiff(ADDED, r.key, None, r) for r in matching.added)
        for diff in diffs:
            diff.impacts = ray_impacts(diff, target)
            if diff.status != DELETED:
                diff.impacts.extend(validation_impacts(diff, validator))
            diff.impacts.sort(key=lambda impact: _SEVERITY_ORDER.get(impact.severity, 3))
        diffs.sort(key=lambda d: (STATUS_ORDER[d.status], d.key))
        environment.resources = diffs
        for summary in (environment.before, environment.after):
            summary.clusters.sort(key=lambda c: (c.namespace, c.name, c.kind))
        result.environments.append(environment)
    return result, secrets


_SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}


def _newest_kuberay() -> str:
    from rayops.schemas import registry

    sets = registry.bundled_sets().get("kuberay") or []
    if not sets:
        raise UsageError("no bundled KubeRay schemas")
    return sets[-1].version


def _parse(data: bytes, file: str, secrets: set[str]) -> list[Resource]:
    loaded = load_bytes(data, file)
    errors = [f for f in loaded.findings if f.severity >= Severity.ERROR]
    if errors:
        first = errors[0]
        where = f"{first.location.file}:{first.location.line}:{first.location.column}"
        raise UsageError(f"{where}: cannot read: {first.message}")
    resources = []
    for document in expand_lists(loaded.documents):
        value = document.value
        if not isinstance(value, dict):
            continue
        metadata = _mapping(value.get("metadata"))
        key = ResourceKey(
            str(value.get("apiVersion") or ""),
            str(value.get("kind") or ""),
            str(metadata.get("namespace") or ""),
            str(metadata.get("name") or metadata.get("generateName") or ""),
        )
        if is_secret(value):
            resources.append(Resource(key, redact(value, secrets), file, original=value))
        else:
            resources.append(Resource(key, value, file))
    return resources


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _resources(
    files: dict[str, bytes], same: set[str], output: str, secrets: set[str]
) -> dict[ResourceKey, Resource]:
    found: dict[ResourceKey, Resource] = {}
    for path, data in files.items():
        if path in same:
            continue
        for resource in _parse(data, f"{output}/{path}", secrets):
            found[resource.key] = resource
    return found


PARALLEL_MIN_FILES = 1000
"""From this many unchanged Ray files on, they are parsed by worker processes."""
_PENDING: list[tuple[str, bytes]] = []


def _clusters_of_file(file: str, data: bytes) -> list[ClusterSummary]:
    """The clusters of an unchanged file: the fast reader, else the full loader."""
    try:
        found = summarize(scan(data.decode("utf-8")))
    except (Unsupported, UnicodeDecodeError, RecursionError):
        return _summaries(_parse(data, file, set()))
    return [] if found is None else [found]


def _summarise_chunk(bounds: tuple[int, int]) -> list[list[ClusterSummary]]:
    """Worker: the clusters of each file of ``_PENDING[start:stop]`` (inherited by fork)."""
    return [_clusters_of_file(file, data) for file, data in _PENDING[bounds[0] : bounds[1]]]


def unchanged_clusters(files: list[tuple[str, bytes]]) -> dict[str, list[ClusterSummary]]:
    """The clusters of each file equal in both revisions (parsed once, in parallel when many)."""
    import multiprocessing  # only large runs need it

    workers = min(len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1, 8)
    if (
        len(files) < PARALLEL_MIN_FILES
        or workers < 2
        or "fork" not in multiprocessing.get_all_start_methods()
    ):
        return {file: _clusters_of_file(file, data) for file, data in files}
    global _PENDING
    _PENDING = files
    try:
        step = -(-len(files) // (workers * 4))
        chunks = [(start, min(start + step, len(files))) for start in range(0, len(files), step)]
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            parts = [clusters for part in pool.map(_summarise_chunk, chunks) for clusters in part]
        return {file: clusters for (file, _), clusters in zip(files, parts, strict=True)}
    finally:
        _PENDING = []


def _summaries(resources: Iterable[Resource]) -> list[ClusterSummary]:
    found = []
    for resource in resources:
        if resource.key.kind in RAY_KINDS:
            summary = summarize(resource.value)
            if summary is not None:
                found.append(summary)
    return found


def _summarise(summary: EnvironmentSummary, resources: Iterable[Resource]) -> None:
    summary.clusters.extend(_summaries(resources))


def cluster_rows(
    environment: EnvironmentDiff,
) -> list[tuple[str, ClusterSummary | None, ClusterSummary | None]]:
    """Changed Ray resources with their summaries before and after (status, before, after)."""
    before = {(c.kind, c.namespace, c.name): c for c in environment.before.clusters}
    after = {(c.kind, c.namespace, c.name): c for c in environment.after.clusters}
    rows = []
    for diff in environment.resources:
        if diff.key.kind not in RAY_KINDS:
            continue
        old = before.get(_cluster_key(diff.base.key)) if diff.base else None
        new = after.get(_cluster_key(diff.head.key)) if diff.head else None
        if old is not None or new is not None:
            rows.append((diff.status, old, new))
    return rows


def _cluster_key(key: ResourceKey) -> tuple[str, str, str]:
    return key.kind, key.namespace, key.name
