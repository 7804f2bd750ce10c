"""Validate files of Kubernetes manifests: load, find each document's schema, check.

This is the library behind ``rayops validate``. It returns a :class:`Report` of
findings and counts; it never prints and never exits.
"""

from __future__ import annotations

import contextlib
import gc
import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from rayops.findings import Finding, Location, Severity, format_path
from rayops.loader import Document, LoadedFile, collect_files, expand_lists, read_file
from rayops.rules import run_rules
from rayops.rules.releases import Target, parse_release
from rayops.schemas import registry
from rayops.validate.structural import RULE_UNKNOWN_FIELD, Problem, StructuralValidator, schema_has_path

RULE_UNKNOWN_KIND = "S210"
RULE_DUPLICATE_RESOURCE = "S211"
RULE_NOT_AN_OBJECT = "S212"
RULE_DEPRECATED_VERSION = "S213"
RULE_SPEC = "S215"
SPEC_API_VERSION = "rayops.dev/v1alpha1"

RESOURCE_RULES: dict[str, str] = {
    RULE_UNKNOWN_KIND: "no schema for this apiVersion and kind in the target releases",
    RULE_DUPLICATE_RESOURCE: "the same apiVersion/kind/namespace/name defined twice",
    RULE_NOT_AN_OBJECT: "document is not a Kubernetes object (apiVersion and kind strings)",
    RULE_DEPRECATED_VERSION: "apiVersion deprecated by the project that serves it",
    RULE_SPEC: "a rayops spec (rayops.dev/v1alpha1) breaks its schema",
}

PARALLEL_MIN_FILES = 48
"""Below this many files one process is faster than starting workers."""

# The API groups of each bundled family, read without opening the family's index.
_FAMILY_GROUPS = {"argocd": ("argoproj.io",), "flux": (".toolkit.fluxcd.io",)}


@dataclass(frozen=True)
class ValidationOptions:
    """What to validate against; every field has the CLI's default."""

    kuberay_version: str | None = None
    kubernetes_version: str | None = None
    feature_gates: tuple[tuple[str, bool], ...] = ()
    ignore_missing_schemas: bool = False
    skip: frozenset[str] = frozenset()
    disabled_rules: frozenset[str] = frozenset()
    operator_rules: bool = True


@dataclass(frozen=True)
class ResourceIdentity:
    """Where a named resource was defined, for the duplicate check across files."""

    group: str
    kind: str
    namespace: str
    name: str
    location: Location


@dataclass
class FileResult:
    """What validating one file produced (picklable, for worker processes)."""

    path: str
    findings: list[Finding] = field(default_factory=list)
    documents: int = 0
    resources: int = 0
    skipped: int = 0
    identities: list[ResourceIdentity] = field(default_factory=list)


@dataclass
class Report:
    """Everything a validate run found, in a stable order."""

    findings: list[Finding] = field(default_factory=list)
    files: int = 0
    documents: int = 0
    resources: int = 0
    skipped: int = 0
    kuberay_version: str = ""
    kubernetes_version: str = ""

    def count(self, severity: Severity) -> int:
        """Number of findings of exactly ``severity``."""
        return sum(1 for finding in self.findings if finding.severity == severity)

    def worst(self) -> Severity | None:
        """The most severe finding, or None when clean."""
        return max((finding.severity for finding in self.findings), default=None)


def _group_of(api_version: str) -> str:
    return api_version.rsplit("/", 1)[0] if "/" in api_version else ""


class Validator:
    """Validates documents against the schema sets chosen by :class:`ValidationOptions`."""

    def __init__(self, options: ValidationOptions) -> None:
        self.options = options
        self.kuberay = registry.select_set("kuberay", options.kuberay_version)
        self.kubernetes_version = registry.select_kubernetes_version(options.kubernetes_version)
        self.target = Target(parse_release(self.kuberay.version), dict(options.feature_gates))
        self.target.check_gates()
        sets = registry.bundled_sets()
        self.custom_sets = [self.kuberay] + [sets[f][-1] for f in ("argocd", "flux") if sets.get(f)]

    def _skipped(self, api_version: str, kind: str) -> bool:
        skip = self.options.skip
        return bool(skip) and (kind in skip or f"{api_version}/{kind}" in skip)

    def _custom_entry(self, api_version: str, kind: str) -> registry.SchemaEntry | None:
        group = _group_of(api_version)
        if group == registry.KUBERAY_GROUP:
            return self.kuberay.entries.get((api_version, kind))
        for schema_set in self.custom_sets[1:]:
            patterns = _FAMILY_GROUPS.get(schema_set.family, ())
            if any(group == p or (p.startswith(".") and group.endswith(p)) for p in patterns):
                return schema_set.entries.get((api_version, kind))
        return None

    def _explain_release(self, entry: registry.SchemaEntry, problem: Problem) -> Problem:
        """Say when a field unknown to the target KubeRay release exists in another one."""
        path, rule, _message, at_key = problem
        if rule != RULE_UNKNOWN_FIELD:
            return problem
        target = registry.version_key(self.kuberay.version)
        having = [
            schema_set.version
            for schema_set in registry.bundled_sets().get("kuberay", [])
            if (found := schema_set.entries.get((entry.api_version, entry.kind))) is not None
            and schema_has_path(registry.load_json(found.path), path)
        ]
        if not having:
            return problem
        field = format_path(path)
        release = self.kuberay.version.lstrip("v")
        newer = [v for v in having if registry.version_key(v) > target]
        if newer:
            added = ".".join(str(p) for p in registry.version_key(newer[0])[:2])
            text = f"`{field}` is not in KubeRay {release}; it was added in {added}"
        else:
            text = f"`{field}` is no longer in KubeRay {release} (it was in {having[-1].lstrip('v')})"
        return path, rule, text, at_key

    def _missing_message(self, api_version: str, kind: str) -> str:
        group = _group_of(api_version)
        if group == registry.KUBERAY_GROUP:
            releases = [
                s.version
                for s in registry.bundled_sets().get("kuberay", [])
                if (api_version, kind) in s.entries
            ]
            target = self.kuberay.version
            if releases:
                newer = [r for r in releases if registry.version_key(r) > registry.version_key(target)]
                if newer:
                    return f"{kind} ({api_version}) is not in KubeRay {target}; it was added in {newer[0]}"
                return f"{kind} ({api_version}) is no longer served by KubeRay {target}"
            return f"KubeRay {target} has no kind {kind} in {api_version}"
        hint = f"; pass --skip {kind} or --ignore-missing-schemas to accept it unchecked"
        if "." not in group or (group.endswith(".k8s.io") and not group.startswith("gateway.")):
            return f"Kubernetes {self.kubernetes_version} has no built-in {kind} in {api_version}{hint}"
        return (
            f"no schema for {kind} ({api_version}): not a built-in Kubernetes kind nor one rayops bundles "
            f"(KubeRay, Argo CD, Flux){hint}"
        )

    def validate_document(
        self, document: Document, result: FileResult, previous: dict[str, Any] | None = None
    ) -> None:
        """Check one document; append findings and its identity to ``result``.

        ``previous`` is the object's earlier version (the base of a diff): with it, the
        CRDs' transition rules (immutable fields) are evaluated too.
        """
        value = document.value
        result.documents += 1

        def add(
            rule: str,
            severity: Severity,
            message: str,
            path: tuple[Any, ...] = (),
            *,
            key: bool = False,
            kind: str = "",
            name: str = "",
        ) -> None:
            location = document.locate(path, key=key)
            result.findings.append(Finding(rule, severity, message, location, path, kind, name))

        if not isinstance(value, dict):
            add(
                RULE_NOT_AN_OBJECT,
                Severity.ERROR,
                "a Kubernetes object must be a mapping, not a "
                + type(value).__name__.replace("str", "string"),
            )
            return
        api_version, kind = value.get("apiVersion"), value.get("kind")
        if not isinstance(api_version, str) or not api_version or not isinstance(kind, str) or not kind:
            missing = [
                f for f in ("apiVersion", "kind") if not isinstance(value.get(f), str) or not value.get(f)
            ]
            add(
                RULE_NOT_AN_OBJECT,
                Severity.ERROR,
                "missing or invalid "
                + " and ".join(missing)
                + ": every Kubernetes object needs both, as strings",
            )
            return
        metadata = value.get("metadata")
        name = (
            str(metadata.get("name") or metadata.get("generateName") or "")
            if isinstance(metadata, dict)
            else ""
        )
        if self._skipped(api_version, kind):
            result.skipped += 1
            return
        if api_version == SPEC_API_VERSION:
            self._validate_spec(value, kind, name, result, add)
            return
        entry = self._custom_entry(api_version, kind)
        schema: dict[str, Any] | None = None
        definitions: dict[str, Any] | None = None
        namespaced = True
        if entry is not None:
            schema = registry.load_json(entry.path)
            namespaced = entry.scope == "Namespaced"
            if entry.group == registry.KUBERAY_GROUP and entry.version == "v1alpha1":
                add(
                    RULE_DEPRECATED_VERSION,
                    Severity.WARNING,
                    "ray.io/v1alpha1 is deprecated and removed in KubeRay 1.9; use ray.io/v1",
                    ("apiVersion",),
                    kind=kind,
                    name=name,
                )
            elif entry.deprecated:
                warning = entry.deprecation_warning or f"{api_version} {kind} is deprecated"
                add(
                    RULE_DEPRECATED_VERSION,
                    Severity.WARNING,
                    f"{warning}; use the newest served version",
                    ("apiVersion",),
                    kind=kind,
                    name=name,
                )
        else:
            core_path = registry.core_schema_path(self.kubernetes_version, api_version, kind)
            if core_path is not None:
                schema = registry.load_json(core_path)
                definitions = registry.core_definitions(self.kubernetes_version)
        if schema is None:
            if self.options.ignore_missing_schemas:
                result.skipped += 1
                return
            add(
                RULE_UNKNOWN_KIND,
                Severity.ERROR,
                self._missing_message(api_version, kind),
                ("kind",),
                kind=kind,
                name=name,
            )
            return
        result.resources += 1
        checker = StructuralValidator(
            kind,
            crd_semantics=entry is not None,
            definitions=definitions,
            namespaced=namespaced,
            status_subresource=entry is not None and entry.status_subresource,
        )
        problems = checker.validate(value, schema)
        if not problems and entry is not None and entry.cel_paths:
            from rayops.validate import cel  # only schemas with CEL rules need it

            old = cel.NO_PREVIOUS if previous is None else previous
            problems = cel.evaluate(value, schema, entry.cel_paths, old)
        if entry is not None and entry.group == registry.KUBERAY_GROUP:
            problems = [self._explain_release(entry, problem) for problem in problems]
        for path, rule, message, at_key in problems:
            add(rule, Severity.ERROR, message, path, key=at_key, kind=kind, name=name)
        if (
            not problems
            and self.options.operator_rules
            and entry is not None
            and entry.group == registry.KUBERAY_GROUP
        ):
            # The operator only ever sees objects the API server accepted.
            disabled = self.options.disabled_rules
            defaulted = frozenset(checker.defaulted)
            for rule_found, found in run_rules(kind, value, self.target, disabled, defaulted):
                add(rule_found.id, rule_found.severity, found.message, found.path, kind=kind, name=name)
        if isinstance(metadata, dict) and isinstance(metadata.get("name"), str) and metadata["name"]:
            namespace = metadata.get("namespace")
            result.identities.append(
                ResourceIdentity(
                    _group_of(api_version),
                    kind,
                    namespace if isinstance(namespace, str) else "",
                    metadata["name"],
                    document.locate(("metadata", "name")),
                )
            )

    @staticmethod
    def _validate_spec(
        value: dict[str, Any], kind: str, name: str, result: FileResult, add: Callable[..., None]
    ) -> None:
        """A rayops spec against its published schema: every problem, at its line.

        What only expansion can tell (files the spec names, versions against the image) is
        ``rayops render``'s to report (R304).
        """
        from rayops.spec import SPEC_KINDS, spec_schema
        from rayops.spec.schema import problems

        if kind not in SPEC_KINDS:
            message = f"unknown rayops spec kind {kind!r}; expected one of: {', '.join(SPEC_KINDS)}"
            add(RULE_UNKNOWN_KIND, Severity.ERROR, message, ("kind",), kind=kind, name=name)
            return
        result.resources += 1
        for problem in problems(value, spec_schema(kind)):
            add(RULE_SPEC, Severity.ERROR, problem.message, problem.path, kind=kind, name=name)

    def validate_loaded(self, loaded: LoadedFile) -> FileResult:
        """Validate every document of an already-loaded file."""
        result = FileResult(loaded.path, findings=list(loaded.findings))
        for document in expand_lists(loaded.documents):
            self.validate_document(document, result)
        return result

    def validate_file(self, path: str) -> FileResult:
        """Load and validate one file (``-`` for standard input)."""
        return self.validate_loaded(read_file(path))


_WORKER: Validator | None = None


def _worker_init(options: ValidationOptions) -> None:
    global _WORKER
    _WORKER = Validator(options)


def _worker_validate(path: str) -> FileResult:
    assert _WORKER is not None
    return _WORKER.validate_file(path)


def _results(validator: Validator, files: list[str], jobs: int) -> Iterator[FileResult]:
    if jobs > 1 and len(files) >= PARALLEL_MIN_FILES and "-" not in files:
        import multiprocessing  # only large runs pay for it

        context = multiprocessing.get_context("fork")
        with context.Pool(jobs, _worker_init, (validator.options,)) as pool:
            # Small chunks keep both workers busy to the end of the run.
            chunk = max(1, min(8, len(files) // (jobs * 16)))
            yield from pool.imap(_worker_validate, files, chunksize=chunk)
        return
    for path in files:
        yield validator.validate_file(path)


def default_jobs() -> int:
    """Worker processes to use: the CPUs this process may run on (at most 8)."""
    try:
        return max(1, min(8, len(os.sched_getaffinity(0))))
    except AttributeError:  # pragma: no cover - not on Linux
        return max(1, min(8, os.cpu_count() or 1))


@contextlib.contextmanager
def _fewer_collections() -> Iterator[None]:
    """Run without the cyclic garbage collector.

    Loading builds many short-lived, acyclic objects (nodes, dicts) that reference
    counting frees file by file; the collector would rescan them thousands of times
    (measured: 40% of a 5,000-document run). Workers inherit the setting.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def validate_paths(
    paths: Iterable[str],
    options: ValidationOptions,
    *,
    jobs: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Report:
    """Validate files and folders (``-`` is standard input) and return the report."""
    with _fewer_collections():
        return _validate_files(collect_files(paths), options, jobs=jobs, progress=progress)


def _validate_files(
    files: list[str],
    options: ValidationOptions,
    *,
    jobs: int | None,
    progress: Callable[[int, int], None] | None,
) -> Report:
    validator = Validator(options)
    report = Report(
        files=len(files),
        kuberay_version=validator.kuberay.version,
        kubernetes_version=validator.kubernetes_version,
    )
    first_seen: dict[tuple[str, str, str, str], ResourceIdentity] = {}
    for done, result in enumerate(_results(validator, files, jobs or default_jobs()), start=1):
        report.findings.extend(result.findings)
        report.documents += result.documents
        report.resources += result.resources
        report.skipped += result.skipped
        for identity in result.identities:
            key = (identity.group, identity.kind, identity.namespace, identity.name)
            first = first_seen.get(key)
            if first is None:
                first_seen[key] = identity
                continue
            where = str(first.location)
            namespace = f" in namespace {identity.namespace}" if identity.namespace else ""
            report.findings.append(
                Finding(
                    RULE_DUPLICATE_RESOURCE,
                    Severity.ERROR,
                    f"{identity.kind} {identity.name}{namespace} is defined twice; first at {where}",
                    identity.location,
                    ("metadata", "name"),
                    identity.kind,
                    identity.name,
                )
            )
        if progress is not None:
            progress(done, len(files))
    order = {("<stdin>" if path == "-" else path): position for position, path in enumerate(files)}
    report.findings.sort(
        key=lambda f: (order.get(f.location.file, -1), f.location.line, f.location.column, f.rule, f.message)
    )
    return report
