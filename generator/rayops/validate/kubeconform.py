"""``rayops validate --engine kubeconform``: run kubeconform with rayops's schemas.

A team that standardizes on kubeconform keeps one validator: rayops runs the
``kubeconform`` binary found on ``PATH`` (or named by ``RAYOPS_KUBECONFORM``) against
the bundled schema sets, reads its JSON output, and turns every resource kubeconform
rejects into findings at ``file:line:column`` of the user's file. Every rayops output
format (text, json, junit, sarif, github) then works unchanged.

The command rayops runs (see :func:`kubeconform_command`)::

    kubeconform -output json -summary -strict -kubernetes-version 1.37.0 \\
      -schema-location '<schemas>/kuberay/v1.7.0/{{ if eq .Group "ray.io" }}...' \\
      -schema-location '<schemas>/argocd/v3.5.1/...' \\
      -schema-location '<schemas>/flux/v2.9.0/...' \\
      -schema-location default \\
      [-ignore-missing-schemas] [-skip KINDS] [-n JOBS] FILES...

Each local location only resolves for the API groups of its set (Go template ``eq``),
so a foreign kind with the same name and version (k3s's ``helm.cattle.io/v1``
HelmChart against Flux's ``HelmChart v1``) is never checked against the wrong
schema. Core kinds use kubeconform's ``default`` location, which downloads from
``raw.githubusercontent.com``: the per-version schemas rayops itself reads (the
``kubernetes-validate`` package) reference ``/api/_definitions.json`` by an absolute
path that kubeconform cannot resolve, so offline runs report core kinds as KC101.

Rules:

- ``KC100``: kubeconform rejects the resource against its schema (``statusInvalid``);
  one finding per validation error, at the field it names.
- ``KC101``: kubeconform could not validate the resource (``statusError``): no schema
  for its kind, a document it cannot parse, a file it cannot read.

kubeconform's exit codes: 0 all valid, 1 a resource is invalid or in error *or*
kubeconform itself failed (bad flag, unreadable schema location) before writing any
JSON. rayops tells the two apart by the JSON: no JSON, another exit code, a crash or
a timeout is :class:`KubeconformFailed` (exit code 3), quoting kubeconform's stderr.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from rayops.errors import ExitCode, RayopsError, UsageError
from rayops.findings import Finding, Location, Path, Severity
from rayops.loader import (
    MAX_FILE_BYTES,
    Document,
    LoadedFile,
    collect_files,
    expand_lists,
    load_bytes,
    read_file,
)
from rayops.schemas import registry
from rayops.validate.engine import Report, ValidationOptions

BINARY_NAME = "kubeconform"
BINARY_ENV = "RAYOPS_KUBECONFORM"
"""Environment variable naming the kubeconform binary (a path, or a name on PATH)."""
TIMEOUT_ENV = "RAYOPS_KUBECONFORM_TIMEOUT"
"""Environment variable overriding :data:`DEFAULT_TIMEOUT_SECONDS`."""
DEFAULT_TIMEOUT_SECONDS = 600.0
"""Longest one kubeconform run may take before rayops stops it."""
MAX_ARGUMENT_CHARS = 100_000
"""Files per kubeconform run are bounded so that its command line stays short."""
KUBECONFORM_SUFFIXES = (".yaml", ".yml", ".json")
"""File names kubeconform reads when named; other files are given on its standard input."""
STDIN_NAME = "stdin"
"""The file name kubeconform reports for its standard input."""
DEFAULT_LOCATION = "default"
"""kubeconform's own location for core kinds (yannh/kubernetes-json-schema, over HTTPS)."""

RULE_SCHEMA = "KC100"
RULE_ERROR = "KC101"
KUBECONFORM_RULES: dict[str, str] = {
    RULE_SCHEMA: "kubeconform rejects the resource against its schema",
    RULE_ERROR: "kubeconform could not validate the resource (no schema, unreadable document)",
}

INSTALL_HINT = (
    "install it (https://github.com/yannh/kubeconform/releases, `brew install kubeconform` or "
    "`go install github.com/yannh/kubeconform/cmd/kubeconform@latest`), set "
    f"{BINARY_ENV} to its path, or use the default engine (--engine rayops)"
)

_ADDITIONAL_PROPERTIES = re.compile(r"additional p?roperties (?P<names>'.*') not allowed")
_QUOTED = re.compile(r"'((?:[^'\\]|\\.)*)'")
_STATUSES = {
    "statusvalid": "valid",
    "valid": "valid",
    "statusinvalid": "invalid",
    "invalid": "invalid",
    "statuserror": "error",
    "error": "error",
    "statusskipped": "skipped",
    "skipped": "skipped",
    "statusempty": "empty",
    "empty": "empty",
}


class KubeconformNotFound(UsageError):
    """No kubeconform binary where rayops looked (exit code 2)."""


class KubeconformFailed(RayopsError):
    """kubeconform crashed, timed out or wrote something other than its JSON (exit code 3)."""

    exit_code = ExitCode.INTERNAL


@dataclass(frozen=True)
class SchemaLocation:
    """One ``-schema-location``: a bundled folder and the API groups it serves."""

    folder: str
    groups: tuple[str, ...]

    @property
    def template(self) -> str:
        """kubeconform's path template, resolving only for this location's groups."""
        quoted = " ".join(json.dumps(group) for group in self.groups)
        name = "{{ .ResourceKind }}_{{ .ResourceAPIVersion }}"
        return f"{self.folder}/{{{{ if eq .Group {quoted} }}}}{name}{{{{ end }}}}.json"


@dataclass(frozen=True, order=True)
class ValidationError:
    """One entry of a resource's ``validationErrors``: a JSON pointer and a message."""

    path: str
    message: str


@dataclass(frozen=True)
class ResourceResult:
    """One resource of kubeconform's JSON output."""

    filename: str
    kind: str
    name: str
    version: str
    status: str
    message: str
    errors: tuple[ValidationError, ...] = ()


@dataclass
class KubeconformOutput:
    """kubeconform's whole JSON output: the resources it lists and its summary counts."""

    resources: list[ResourceResult] = field(default_factory=list)
    valid: int = 0
    invalid: int = 0
    errors: int = 0
    skipped: int = 0


@dataclass(frozen=True)
class Target:
    """The schema sets and Kubernetes version one run validates against."""

    kuberay_version: str
    kubernetes_version: str
    locations: tuple[SchemaLocation, ...]


def find_binary(environ: Mapping[str, str] | None = None) -> str:
    """Path of the kubeconform binary: ``RAYOPS_KUBECONFORM``, else ``kubeconform`` on PATH."""
    env = os.environ if environ is None else environ
    search_path = env.get("PATH")
    override = env.get(BINARY_ENV, "").strip()
    if override:
        found = shutil.which(override, path=search_path)
        if found is None:
            raise KubeconformNotFound(f"{BINARY_ENV}={override} is not an executable file; {INSTALL_HINT}")
        return found
    found = shutil.which(BINARY_NAME, path=search_path)
    if found is None:
        raise KubeconformNotFound(f"`{BINARY_NAME}` is not on PATH; {INSTALL_HINT}")
    return found


def timeout_seconds(environ: Mapping[str, str] | None = None) -> float:
    """The run's time limit: ``RAYOPS_KUBECONFORM_TIMEOUT`` seconds, else the default."""
    env = os.environ if environ is None else environ
    text = env.get(TIMEOUT_ENV, "").strip()
    if not text:
        return DEFAULT_TIMEOUT_SECONDS
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not value > 0:
        raise UsageError(f"{TIMEOUT_ENV}={text} is not a positive number of seconds")
    return value


def kubernetes_version(requested: str | None) -> str:
    """kubeconform's ``x.y.z`` form of a Kubernetes version (newest bundled minor if None)."""
    if requested is None:
        versions = registry.kubernetes_versions()
        return f"{versions[-1]}.0" if versions else "master"
    match = re.fullmatch(r"v?(\d+)\.(\d+)(?:\.(\d+))?", requested.strip())
    if not match:
        raise UsageError(f"invalid Kubernetes version {requested!r}: expected e.g. 1.32 or 1.32.4")
    return f"{match.group(1)}.{match.group(2)}.{match.group(3) or 0}"


def resolve_target(options: ValidationOptions) -> Target:
    """The bundled sets for ``options``: the chosen KubeRay release, newest Argo CD and Flux."""
    kuberay = registry.select_set("kuberay", options.kuberay_version)
    sets = [kuberay] + [
        family[-1] for name in ("argocd", "flux") if (family := registry.bundled_sets().get(name))
    ]
    locations = tuple(
        SchemaLocation(
            folder=os.path.realpath(schema_set.path),
            groups=tuple(sorted({entry.group for entry in schema_set.entries.values()})),
        )
        for schema_set in sets
    )
    return Target(kuberay.version, kubernetes_version(options.kubernetes_version), locations)


def kubeconform_command(
    binary: str, target: Target, options: ValidationOptions, *, jobs: int | None = None
) -> list[str]:
    """The kubeconform command line, without the files (rayops appends them)."""
    command = [binary, "-output", "json", "-summary", "-strict"]
    command += ["-kubernetes-version", target.kubernetes_version]
    for location in target.locations:
        command += ["-schema-location", location.template]
    command += ["-schema-location", DEFAULT_LOCATION]
    if options.ignore_missing_schemas:
        command.append("-ignore-missing-schemas")
    if options.skip:
        command += ["-skip", ",".join(sorted(options.skip))]
    if jobs is not None:
        command += ["-n", str(jobs)]
    return command


def _first_line(text: str) -> str:
    for line in text.splitlines():
        if line.strip():
            return line.strip()
    return ""


def _failure(what: str, stderr: str) -> KubeconformFailed:
    first = _first_line(stderr)
    return KubeconformFailed(f"{what}: {first}" if first else f"{what} (nothing on its standard error)")


def parse_output(text: str) -> KubeconformOutput:
    """Read kubeconform's ``-output json`` (``resources`` and, with ``-summary``, ``summary``).

    Raises ValueError when ``text`` is not that document.
    """
    document = json.loads(text)
    if not isinstance(document, dict) or not isinstance(document.get("resources"), list):
        raise ValueError("no `resources` list")
    output = KubeconformOutput()
    for item in document["resources"]:
        if not isinstance(item, dict):
            raise ValueError("a `resources` entry is not an object")
        status = _STATUSES.get(str(item.get("status", "")).lower())
        if status is None:
            raise ValueError(f"unknown status {item.get('status')!r}")
        errors = tuple(
            ValidationError(str(entry.get("path") or ""), str(entry.get("msg") or ""))
            for entry in item.get("validationErrors") or ()
            if isinstance(entry, dict)
        )
        output.resources.append(
            ResourceResult(
                filename=str(item.get("filename") or ""),
                kind=str(item.get("kind") or ""),
                name=str(item.get("name") or ""),
                version=str(item.get("version") or ""),
                status=status,
                message=str(item.get("msg") or ""),
                errors=errors,
            )
        )
    summary = document.get("summary")
    if isinstance(summary, dict):
        counts = {key: summary.get(key, 0) for key in ("valid", "invalid", "errors", "skipped")}
        if not all(isinstance(value, int) for value in counts.values()):
            raise ValueError("summary counts are not integers")
        output.valid, output.invalid = counts["valid"], counts["invalid"]
        output.errors, output.skipped = counts["errors"], counts["skipped"]
    else:
        by_status = [r.status for r in output.resources]
        output.invalid, output.errors = by_status.count("invalid"), by_status.count("error")
        output.valid, output.skipped = by_status.count("valid"), by_status.count("skipped")
    return output


def run_kubeconform(command: Sequence[str], *, stdin: bytes | None, timeout: float) -> KubeconformOutput:
    """Run one kubeconform command and read its JSON; failures raise :class:`KubeconformFailed`."""
    try:
        completed = subprocess.run(
            list(command),
            input=stdin if stdin is not None else b"",
            capture_output=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired as error:
        stderr = (error.stderr or b"").decode("utf-8", "replace")
        raise _failure(
            f"kubeconform did not finish within {timeout:g} seconds and was stopped", stderr
        ) from None
    except OSError as error:
        raise KubeconformFailed(f"cannot run {command[0]}: {error.strerror or error}") from None
    stderr = completed.stderr.decode("utf-8", "replace")
    code = completed.returncode
    if code not in (0, 1):
        what = f"killed by signal {-code}" if code < 0 else f"exit code {code}"
        raise _failure(f"kubeconform failed ({what})", stderr)
    try:
        return parse_output(completed.stdout.decode("utf-8", "replace"))
    except ValueError:
        raise _failure(f"kubeconform wrote no JSON result (exit code {code})", stderr) from None


def unescape_token(token: str) -> str:
    """A JSON-pointer reference token with ``~1`` and ``~0`` decoded (RFC 6901)."""
    return token.replace("~1", "/").replace("~0", "~")


def pointer_to_path(pointer: str, value: Any) -> Path:
    """A rayops path for kubeconform's instance location ``/spec/x/0/y`` inside ``value``.

    Recent kubeconform joins the raw keys with ``/`` (a label key ``app.kubernetes.io/name``
    stays two tokens); older releases wrote escaped JSON pointers (``~1``). The document
    decides: consecutive tokens are joined back while they name one existing key, and
    list indexes become integers. Tokens past a missing key are kept as written.
    """
    tokens = pointer.split("/")
    if tokens and tokens[0] == "":
        tokens = tokens[1:]
    if tokens == [""]:
        return ()
    path: list[str | int] = []
    node = value
    position = 0
    while position < len(tokens):
        token = tokens[position]
        if isinstance(node, list) and token.isdigit():
            index = int(token)
            path.append(index)
            node = node[index] if index < len(node) else None
            position += 1
            continue
        if isinstance(node, dict):
            key, width = _matching_key(node, tokens, position)
            if key is not None:
                path.append(key)
                node = node[key]
                position += width
                continue
        path.extend(unescape_token(rest) for rest in tokens[position:])
        break
    return tuple(path)


def _matching_key(node: dict[str, Any], tokens: list[str], start: int) -> tuple[str | None, int]:
    """The key of ``node`` spelled by the fewest tokens from ``start``, and how many."""
    for end in range(start + 1, len(tokens) + 1):
        joined = "/".join(tokens[start:end])
        for candidate in (joined, unescape_token(joined)):
            if candidate in node:
                return candidate, end - start
    return None, 0


def _quoted_names(text: str) -> list[str]:
    return [re.sub(r"\\(.)", r"\1", name) for name in _QUOTED.findall(text)]


@dataclass
class _FileDocuments:
    """A file's documents as kubeconform sees them (Lists expanded), matched once each."""

    loaded: LoadedFile
    documents: list[Document]
    used: set[int] = field(default_factory=set)

    def match(self, result: ResourceResult) -> Document | None:
        """The first unmatched document with the result's kind, name and apiVersion."""
        candidates = [
            position
            for position, document in enumerate(self.documents)
            if _signature(document) == (result.kind, result.name, result.version)
        ]
        if not candidates:
            return None
        unused = [position for position in candidates if position not in self.used]
        chosen = unused[0] if unused else candidates[0]
        self.used.add(chosen)
        return self.documents[chosen]


def _signature(document: Document) -> tuple[str, str, str]:
    """(kind, name, apiVersion) as kubeconform reports them (``generateName`` marked)."""
    value = document.value
    if not isinstance(value, dict):
        return ("", "", "")
    metadata = value.get("metadata")
    name = ""
    if isinstance(metadata, dict):
        written, generate = metadata.get("name"), metadata.get("generateName")
        name = written if isinstance(written, str) else ""
        if isinstance(generate, str):
            name = generate + "{{ generateName }}"
    kind = value.get("kind")
    version = value.get("apiVersion")
    return (
        kind if isinstance(kind, str) else "",
        name,
        version if isinstance(version, str) else "",
    )


def findings_for(result: ResourceResult, documents: _FileDocuments) -> list[Finding]:
    """The findings of one invalid or errored resource, placed in the user's file."""
    file = documents.loaded.path
    document = documents.match(result) if result.kind else None
    kind, name = result.kind, result.name
    if result.status == "error" or not result.errors:
        rule = RULE_ERROR if result.status == "error" else RULE_SCHEMA
        if document is not None:
            location = document.locate(())
        elif documents.loaded.findings:  # the document kubeconform could not parse
            location = documents.loaded.findings[0].location
        else:
            location = Location(file, 1, 1)
        message = result.message or f"kubeconform reports {result.status}"
        return [Finding(rule, Severity.ERROR, message, location, (), kind, name)]
    findings = []
    value = document.value if document is not None else None
    for error in result.errors:
        path = pointer_to_path(error.path, value)
        extra = _ADDITIONAL_PROPERTIES.fullmatch(error.message)
        if extra is not None:
            for field_name in _quoted_names(extra.group("names")):
                field_path = (*path, field_name)
                location = document.locate(field_path, key=True) if document else Location(file, 1, 1)
                message = f"additional properties '{field_name}' not allowed"
                findings.append(
                    Finding(RULE_SCHEMA, Severity.ERROR, message, location, field_path, kind, name)
                )
            continue
        location = document.locate(path) if document is not None else Location(file, 1, 1)
        findings.append(Finding(RULE_SCHEMA, Severity.ERROR, error.message, location, path, kind, name))
    return findings


def _batches(files: Sequence[str]) -> Iterable[list[str]]:
    """Files kubeconform reads by name, in runs whose command line stays short."""
    batch: list[str] = []
    size = 0
    for path in files:
        if batch and size + len(path) + 1 > MAX_ARGUMENT_CHARS:
            yield batch
            batch, size = [], 0
        batch.append(path)
        size += len(path) + 1
    if batch:
        yield batch


def _read_stdin() -> bytes:
    return sys.stdin.buffer.read(MAX_FILE_BYTES + 1)


def validate_with_kubeconform(
    paths: Iterable[str],
    options: ValidationOptions,
    *,
    jobs: int | None = None,
    environ: Mapping[str, str] | None = None,
) -> Report:
    """Validate files and folders (``-`` is standard input) with kubeconform; return the report.

    Files are listed by rayops (folders searched for ``*.yaml`` and ``*.yml``) and named
    to kubeconform one by one, so its file names are rayops's. A file whose name
    kubeconform would not read, and standard input, go through kubeconform's standard
    input. Only the files with findings are parsed by rayops, to place them.
    """
    files = collect_files(paths)
    binary = find_binary(environ)
    timeout = timeout_seconds(environ)
    target = resolve_target(options)
    base = kubeconform_command(binary, target, options, jobs=jobs)
    named = [path for path in files if path != "-" and path.lower().endswith(KUBECONFORM_SUFFIXES)]
    piped = [path for path in files if path not in named]
    results: list[tuple[ResourceResult, str]] = []
    stdin_data: dict[str, bytes] = {}
    totals = KubeconformOutput()

    def absorb(output: KubeconformOutput, stdin_file: str | None) -> None:
        totals.valid += output.valid
        totals.invalid += output.invalid
        totals.errors += output.errors
        totals.skipped += output.skipped
        for result in output.resources:
            if result.status not in ("invalid", "error"):
                continue
            file = stdin_file if stdin_file is not None and result.filename == STDIN_NAME else result.filename
            results.append((result, file))

    for batch in _batches(named):
        absorb(run_kubeconform([*base, *batch], stdin=None, timeout=timeout), None)
    for path in piped:
        name = "<stdin>" if path == "-" else path
        data = _read_stdin() if path == "-" else _read_bytes(path)
        stdin_data[name] = data
        absorb(run_kubeconform([*base, "-"], stdin=data, timeout=timeout), name)

    report = Report(
        files=len(files),
        documents=totals.valid + totals.invalid + totals.errors + totals.skipped,
        resources=totals.valid + totals.invalid + totals.errors,
        skipped=totals.skipped,
        kuberay_version=target.kuberay_version,
        kubernetes_version=target.kubernetes_version,
    )
    loaded: dict[str, _FileDocuments] = {}
    ordered = sorted(
        results,
        key=lambda item: (
            item[1],
            item[0].kind,
            item[0].name,
            item[0].version,
            item[0].message,
            item[0].errors,
        ),
    )
    for result, file in ordered:
        documents = loaded.get(file)
        if documents is None:
            if file in stdin_data:
                parsed = load_bytes(stdin_data[file], file)
            elif file:
                parsed = read_file(file)
            else:
                parsed = LoadedFile(file)
            documents = _FileDocuments(parsed, list(expand_lists(parsed.documents)))
            loaded[file] = documents
        report.findings.extend(findings_for(result, documents))
    order = {("<stdin>" if path == "-" else path): position for position, path in enumerate(files)}
    report.findings.sort(
        key=lambda f: (order.get(f.location.file, -1), f.location.line, f.location.column, f.rule, f.message)
    )
    return report


def _read_bytes(path: str) -> bytes:
    try:
        with open(path, "rb") as handle:
            return handle.read(MAX_FILE_BYTES + 1)
    except OSError as error:
        raise UsageError(f"cannot read {path}: {error.strerror or error}") from None
