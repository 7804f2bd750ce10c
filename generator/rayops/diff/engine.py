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
import signal
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from typing import Any

from rayops.diff import git, sources
from rayops.diff.compare import compare
from rayops.diff.impact import ValidatorFactory, ray_impacts, validation_impacts
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
from rayops.diff.secrets import collect_secret_values, is_secret, might_hold_secret, redact
from rayops.diff.summary import RAY_KINDS, SUMMARY_FIELDS, ClusterSummary, summarize
from rayops.errors import UsageError
from rayops.findings import Severity
from rayops.loader import expand_lists, load_bytes
from rayops.rules.releases import Target, parse_release
from rayops.validate.engine import ValidationOptions, Validator
from rayops.workspace import find_workspace, load_workspace

_RAY_KIND = re.compile(rb"kind:[ \t]*[\"']?Ray(?:Cluster|Service|Job|CronJob)\b")
"""A ``kind:`` line naming a Ray resource, at the start of a file."""
_RAY_KIND_LINE = re.compile(b"\n" + _RAY_KIND.pattern)
"""The same after a line break (a pattern that starts with a character is searched fast)."""


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
            if head_files.get(path) == data and _is_ray(data)
        ]
    # The unchanged Ray files are summarised (in part by a worker) while the rest is compared.
    pending = UnchangedClusters([item for files in unchanged_ray.values() for item in files])
    try:
        changed_clusters = [
            _compare_environment(result, name, outputs[name], base, head, target, validator, secrets)
            for name in names
        ]
        clusters_by_file = pending.result()
    finally:
        pending.close()
    for environment, name, (before, after) in zip(result.environments, names, changed_clusters, strict=True):
        unchanged = [cluster for file, _ in unchanged_ray[name] for cluster in clusters_by_file[file]]
        for summary, changed in ((environment.before, before), (environment.after, after)):
            summary.clusters = unchanged + changed
            summary.clusters.sort(key=lambda c: (c.namespace, c.name, c.kind))
    # The Argo CD, Flux and watcher objects are reported only when they change.
    result.environments = [e for e in result.environments if e.name != sources.GITOPS or e.resources]
    return result, secrets


def _compare_environment(
    result: DiffResult,
    name: str,
    output: str,
    base: sources.Revision,
    head: sources.Revision,
    target: Target,
    validator: ValidatorFactory,
    secrets: set[str],
) -> tuple[list[ClusterSummary], list[ClusterSummary]]:
    """Pair and compare the changed files of one environment (added to ``result``).

    Returns the clusters of its changed Ray resources before and after; those of the
    unchanged files are added by the caller.
    """
    environment = EnvironmentDiff(name, output)
    base_files = base.files.get(name, {})
    head_files = head.files.get(name, {})
    same = {path for path, data in base_files.items() if head_files.get(path) == data}
    for path in same:
        environment.unchanged += _kind_lines(base_files[path]) or 1
        if might_hold_secret(base_files[path]):  # unchanged, but its values are scrubbed too
            collect_secret_values(base_files[path], f"{output}/{path}", secrets)
    base_resources = _resources(base_files, same, output, secrets)
    head_resources = _resources(head_files, same, output, secrets)
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
    result.environments.append(environment)
    return _summaries(base_resources.values()), _summaries(head_resources.values())


def _is_ray(data: bytes) -> bool:
    """Whether a file has a ``kind:`` line naming a Ray resource."""
    return _RAY_KIND_LINE.search(data) is not None or _RAY_KIND.match(data) is not None


def _kind_lines(data: bytes) -> int:
    """The lines of a file that start with ``kind:`` (its resources, for plain files)."""
    return data.count(b"\nkind:") + data.startswith(b"kind:")


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
        raise UsageError(f"{first.location}: cannot read: {first.message}")
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


PARALLEL_MIN_FILES = 400
"""From this many unchanged Ray files on, a forked worker summarises part of them."""
_CHUNK = 16
"""Files claimed at a time by this process or the worker."""


def _clusters_of_file(file: str, data: bytes) -> list[ClusterSummary]:
    """The clusters of an unchanged file: the fast reader, else the full loader."""
    try:
        found = summarize(scan(data.decode("utf-8"), SUMMARY_FIELDS))
    except (Unsupported, UnicodeDecodeError, RecursionError):
        return _summaries(_parse(data, file, set()))
    return [] if found is None else [found]


class UnchangedClusters:
    """The clusters of the files equal in both revisions, summarised while the diff goes on.

    With many files, a forked worker starts at once and summarises files from the end of
    the list while this process compares the changed resources; :meth:`result` then
    summarises files from the front until the two meet. Each side publishes how far it
    has claimed in a shared page, so neither waits for the other and the split follows
    whichever side is faster (on a busy machine too). A file both sides claim in a race
    is summarised twice, with the same result. The worker's summaries come back pickled
    through a pipe; whatever the worker did not deliver (it failed, or a file it could not
    read) is summarised here, where an unreadable file raises its error.
    """

    def __init__(self, files: list[tuple[str, bytes]]) -> None:
        self.files = files
        self._worker = 0
        self._pipe = -1
        self._claims: memoryview | None = None
        if len(files) >= PARALLEL_MIN_FILES and _workers_can_fork():
            with contextlib.suppress(OSError):  # no worker (no memory, too many processes): all done here
                self._start_worker()

    def _start_worker(self) -> None:
        import mmap  # only large runs need it

        shared = mmap.mmap(-1, 16)
        claims = memoryview(shared).cast("q")
        claims[0], claims[1] = 0, len(self.files)  # front: claimed below; back: claimed from
        read_end, write_end = os.pipe()
        try:
            pid = os.fork()
        except OSError:
            os.close(read_end)
            os.close(write_end)
            raise
        if pid == 0:  # the worker
            os.close(read_end)
            code = 1
            try:
                self._summarise_back(claims, write_end)
                code = 0
            finally:
                os._exit(code)
        os.close(write_end)
        self._worker, self._pipe, self._claims = pid, read_end, claims

    def _summarise_back(self, claims: memoryview, pipe: int) -> None:
        """Worker: claim and summarise files from the end until the claims meet; send them.

        Each chunk is pickled as soon as it is summarised, so little is left to do once the
        claims meet; the chunks are sent at the end, first file first.
        """
        import pickle

        back = len(self.files)
        chunks: list[bytes] = []
        while True:
            start = max(back - _CHUNK, claims[0])
            if start >= back:
                break
            claims[1] = start
            found = [_clusters_or_none(file, data) for file, data in self.files[start:back]]
            chunks.append(pickle.dumps((start, found), pickle.HIGHEST_PROTOCOL))
            back = start
        chunks.reverse()
        with os.fdopen(pipe, "wb") as stream:
            stream.write(b"".join(chunks))

    def result(self) -> dict[str, list[ClusterSummary]]:
        """The clusters of each file (this process takes the files the worker has not)."""
        files = self.files
        found: list[list[ClusterSummary] | None] = [None] * len(files)
        claims = self._claims
        front = 0
        if claims is not None:
            while True:
                stop = min(front + _CHUNK, claims[1])
                if stop <= front:
                    break
                claims[0] = stop
                found[front:stop] = [_clusters_or_none(file, data) for file, data in files[front:stop]]
                front = stop
            found[front:] = self._delivered(front)
        for index, clusters in enumerate(found):
            if clusters is None:
                file, data = files[index]
                found[index] = _clusters_of_file(file, data)
        return {file: clusters or [] for (file, _), clusters in zip(files, found, strict=True)}

    def _delivered(self, front: int) -> list[list[ClusterSummary] | None]:
        """The worker's summaries of ``files[front:]`` (None where it delivered none)."""
        import io
        import pickle

        delivered: list[list[ClusterSummary] | None] = [None] * len(self.files)
        with os.fdopen(self._pipe, "rb") as stream:
            payload = stream.read()
        self._pipe = -1
        _, status = os.waitpid(self._worker, 0)
        self._worker = 0
        if status == 0:
            chunks = io.BytesIO(payload)
            while chunks.tell() < len(payload):
                start, found = pickle.load(chunks)
                delivered[start : start + len(found)] = found
        return delivered[front:]

    def close(self) -> None:
        """Stop the worker if it still runs (the diff failed before its result was taken)."""
        if self._pipe != -1:
            os.close(self._pipe)
            self._pipe = -1
        if self._worker:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self._worker, signal.SIGKILL)
            os.waitpid(self._worker, 0)
            self._worker = 0


def _clusters_or_none(file: str, data: bytes) -> list[ClusterSummary] | None:
    """The clusters of a file with their totals worked out, or None when it cannot be read.

    (A file that cannot be read is summarised again by the main process, which reports
    the error.) The totals are what every output sums; working them out here, in parallel,
    leaves less for the output to do.
    """
    try:
        clusters = _clusters_of_file(file, data)
    except Exception:
        return None
    for cluster in clusters:
        cluster.total("min")
    return clusters


def _workers_can_fork() -> bool:
    return (
        hasattr(os, "fork") and len(os.sched_getaffinity(0) if hasattr(os, "sched_getaffinity") else ()) >= 2
    )


def unchanged_clusters(files: list[tuple[str, bytes]]) -> dict[str, list[ClusterSummary]]:
    """The clusters of each file equal in both revisions (parsed once, in parallel when many)."""
    pending = UnchangedClusters(files)
    try:
        return pending.result()
    finally:
        pending.close()


def _summaries(resources: Iterable[Resource]) -> list[ClusterSummary]:
    found = []
    for resource in resources:
        if resource.key.kind in RAY_KINDS:
            summary = summarize(resource.value)
            if summary is not None:
                found.append(summary)
    return found


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
