"""The ``rayops`` command line: thin click commands over the library.

Each command turns its options into library calls and an exit code; nothing else.
Exit codes (all commands): 0 clean, 1 findings at the failing severity, 2 usage
error, 3 rayops itself failed.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from typing import Any, NoReturn

import click

from rayops.errors import ExitCode, RayopsError, UsageError

EXIT_CODES_HELP = "Exit codes: 0 clean, 1 findings at the failing severity, 2 usage error, 3 rayops failed."


def _run(action: Callable[[], int]) -> NoReturn:
    """Run a command body; map rayops errors and unexpected failures to exit codes."""
    try:
        code = action()
    except RayopsError as error:
        click.echo(f"rayops: {error}", err=True)
        sys.exit(int(error.exit_code))
    except KeyboardInterrupt:
        click.echo("rayops: interrupted", err=True)
        sys.exit(130)
    except BrokenPipeError:
        sys.exit(int(ExitCode.CLEAN))
    except Exception as error:  # the one place an unexpected failure is caught
        if os.environ.get("RAYOPS_DEBUG"):
            raise
        click.echo(
            f"rayops: internal error: {type(error).__name__}: {error} (set RAYOPS_DEBUG=1 for details)",
            err=True,
        )
        sys.exit(int(ExitCode.INTERNAL))
    sys.exit(code)


@click.group(context_settings={"help_option_names": ["-h", "--help"]}, epilog=EXIT_CODES_HELP)
@click.version_option(package_name="rayops")
def main() -> None:
    """rayops: validate and render Ray on Kubernetes (KubeRay) manifests for GitOps."""


class _Progress:
    """A one-line progress counter on a terminal's standard error; silent otherwise."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self.shown = False

    def __call__(self, done: int, total: int) -> None:
        if self.enabled and total >= 20 and (done % 10 == 0 or done == total):
            sys.stderr.write(f"\rrayops: validated {done}/{total} files")
            sys.stderr.flush()
            self.shown = True

    def clear(self) -> None:
        if self.shown:
            sys.stderr.write("\r\033[K")
            sys.stderr.flush()


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(allow_dash=True))
@click.option(
    "--kuberay-version",
    metavar="VERSION",
    help="KubeRay release to validate against (default: rayops.yaml's pin, else the newest bundled).",
)
@click.option(
    "--kubernetes-version",
    metavar="VERSION",
    help="Kubernetes version for core kinds (default: rayops.yaml's pin, else the newest bundled).",
)
@click.option(
    "--feature-gates",
    metavar="A=true,B=false",
    default=None,
    help="KubeRay operator feature gates, in the operator's own flag syntax.",
)
@click.option(
    "-o",
    "--output",
    "output_format",
    type=click.Choice(["text", "json", "junit", "sarif", "github"]),
    default=None,
    help="Output format (default: github under GitHub Actions, else text).",
)
@click.option("--ignore-missing-schemas", is_flag=True, help="Skip kinds rayops has no schema for.")
@click.option(
    "--skip",
    "skip_kinds",
    metavar="KIND[,KIND]",
    multiple=True,
    help="Kinds (or apiVersion/Kind) not to validate; repeatable or comma-separated.",
)
@click.option(
    "--schema-only",
    is_flag=True,
    help="Check only what the API server checks (schema, metadata, CEL): skip the operator's rules.",
)
@click.option(
    "--disable",
    "disabled_rules",
    metavar="RULE[,RULE]",
    multiple=True,
    help="Operator rules (KRxxx) not to run; repeatable or comma-separated.",
)
@click.option(
    "--fail-on",
    type=click.Choice(["error", "warning"]),
    default="error",
    show_default=True,
    help="Lowest severity that makes the exit code 1.",
)
@click.option(
    "-j",
    "--jobs",
    type=click.IntRange(1, 64),
    default=None,
    help="Worker processes for large runs (default: available CPUs; small runs use one).",
)
@click.option(
    "--summary/--no-summary",
    default=True,
    show_default=True,
    help="Print a summary line on standard error (text output).",
)
@click.option(
    "--engine",
    type=click.Choice(["rayops", "kubeconform"]),
    default="rayops",
    show_default=True,
    help="Validator: rayops itself, or the kubeconform binary on PATH with rayops's schemas "
    "(schemas only: --disable and --feature-gates are usage errors).",
)
def validate(
    paths: tuple[str, ...],
    kuberay_version: str | None,
    kubernetes_version: str | None,
    feature_gates: str | None,
    output_format: str | None,
    ignore_missing_schemas: bool,
    skip_kinds: tuple[str, ...],
    schema_only: bool,
    disabled_rules: tuple[str, ...],
    fail_on: str,
    jobs: int | None,
    summary: bool,
    engine: str,
) -> None:
    """Validate KubeRay and Kubernetes manifests as the API server would.

    PATHS are files or folders (searched recursively for *.yaml and *.yml); "-" reads
    standard input. Every finding is printed as path:line:col.
    """

    def action() -> int:
        from rayops.findings import Severity
        from rayops.report import WRITERS, summary_line, write_text
        from rayops.validate.engine import ValidationOptions, validate_paths
        from rayops.workspace import find_workspace, load_workspace, parse_feature_gates

        if not paths:
            raise UsageError("no input: give files, folders, or - for standard input")
        if engine == "kubeconform" and (disabled_rules or feature_gates is not None):
            flag = "--disable" if disabled_rules else "--feature-gates"
            raise UsageError(f"{flag} configures the operator rules, which only --engine rayops runs")
        workspace_file = find_workspace()
        workspace = load_workspace(workspace_file) if workspace_file else None
        gates = dict(workspace.feature_gates) if workspace else {}
        if feature_gates is not None:
            gates.update(parse_feature_gates(feature_gates))
        options = ValidationOptions(
            kuberay_version=kuberay_version or (workspace.kuberay_version if workspace else None),
            kubernetes_version=kubernetes_version or (workspace.kubernetes_version if workspace else None),
            feature_gates=tuple(sorted(gates.items())),
            ignore_missing_schemas=ignore_missing_schemas,
            skip=frozenset(k.strip() for item in skip_kinds for k in item.split(",") if k.strip()),
            disabled_rules=_rule_ids(disabled_rules),
            operator_rules=not schema_only,
        )
        fmt = output_format or ("github" if os.environ.get("GITHUB_ACTIONS") == "true" else "text")
        progress = _Progress(sys.stderr.isatty() and fmt == "text")
        try:
            if engine == "kubeconform":
                from rayops.validate.kubeconform import validate_with_kubeconform

                report = validate_with_kubeconform(paths, options, jobs=jobs)
            else:
                report = validate_paths(paths, options, jobs=jobs, progress=progress)
        finally:
            progress.clear()
        if fmt == "text":
            colour = sys.stdout.isatty() and "NO_COLOR" not in os.environ
            write_text(report, sys.stdout, colour=colour)
            sys.stdout.flush()
            if summary:
                click.echo(summary_line(report), err=True)
        else:
            WRITERS[fmt](report, sys.stdout)
        sys.stdout.flush()
        threshold = Severity.parse(fail_on)
        worst = report.worst()
        return int(ExitCode.FINDINGS if worst is not None and worst >= threshold else ExitCode.CLEAN)

    _run(action)


def _rule_ids(values: tuple[str, ...]) -> frozenset[str]:
    """Parse ``--disable`` values; an unknown rule ID is a usage error."""
    from rayops.rules import rule_by_id

    ids = frozenset(part.strip().upper() for value in values for part in value.split(",") if part.strip())
    unknown = sorted(rule_id for rule_id in ids if rule_by_id(rule_id) is None)
    if unknown:
        raise UsageError(f"unknown rule(s): {', '.join(unknown)} (see `rayops rules`)")
    return ids


@main.command("rules")
@click.option(
    "-o", "--output", "output_format", type=click.Choice(["text", "json"]), default="text", show_default=True
)
def list_rules(output_format: str) -> None:
    """List the KubeRay operator rules: ID, severity, releases, feature gates, title."""

    def action() -> int:
        import json

        from rayops.rules import all_rules

        rows = [
            {
                "id": rule.id,
                "severity": rule.severity.label,
                "kinds": sorted(rule.kinds),
                "releases": rule.releases,
                "gates": list(rule.gates),
                "title": rule.title,
            }
            for rule in all_rules()
        ]
        if output_format == "json":
            click.echo(json.dumps(rows, indent=2))
            return int(ExitCode.CLEAN)
        for row in rows:
            gates = f" [gates: {', '.join(row['gates'])}]" if row["gates"] else ""
            click.echo(f"{row['id']}  {row['severity']:7}  {row['releases']:16}  {row['title']}{gates}")
        return int(ExitCode.CLEAN)

    _run(action)


@main.command()
@click.argument("rule_id")
def explain(rule_id: str) -> None:
    """Explain one rule, with the examples it fails and passes."""

    def action() -> int:
        from rayops.rules import rule_by_id

        rule = rule_by_id(rule_id)
        if rule is None:
            raise UsageError(f"unknown rule {rule_id!r} (see `rayops rules`)")
        gates = f"; feature gates: {', '.join(rule.gates)}" if rule.gates else ""
        click.echo(f"{rule.id}: {rule.title}")
        click.echo(
            f"severity: {rule.severity.label}; kinds: {', '.join(sorted(rule.kinds))}; "
            f"KubeRay releases: {rule.releases}{gates}"
        )
        click.echo("")
        body = rule.doc.split("\n", 1)[1].strip() if "\n" in rule.doc else rule.doc
        click.echo(body)
        return int(ExitCode.CLEAN)

    _run(action)


@main.command()
@click.option(
    "-e",
    "--env",
    "environments",
    metavar="ENV",
    multiple=True,
    help="Environment to render (repeatable; default: every environment in rayops.yaml).",
)
@click.option(
    "--check", is_flag=True, help="Write nothing; exit 1 if rendered/ differs from what render writes."
)
@click.option(
    "--fail-on",
    type=click.Choice(["error", "warning"]),
    default="error",
    show_default=True,
    help="Lowest severity of a validation finding that stops the render (exit 1).",
)
def render(environments: tuple[str, ...], check: bool, fail_on: str) -> None:
    """Render each environment's overlay into its output folder, validated.

    Reads rayops.yaml (in this folder or a parent). Nothing is written when any
    finding reaches --fail-on: the output folders stay as they were.
    """

    def action() -> int:
        from rayops.findings import Severity
        from rayops.render import differences, render_workspace, write_outputs
        from rayops.report import write_text
        from rayops.validate.engine import Report
        from rayops.workspace import find_workspace, load_workspace

        workspace_file = find_workspace()
        if workspace_file is None:
            raise UsageError("no rayops.yaml in this folder or its parents")
        workspace = load_workspace(workspace_file)
        result = render_workspace(workspace, list(environments) or None)
        write_text(Report(findings=result.findings), sys.stdout, colour=False)
        worst = result.worst()
        if worst is not None and worst >= Severity.parse(fail_on):
            click.echo("rayops: render stopped: nothing was written", err=True)
            return int(ExitCode.FINDINGS)
        if check:
            changed = differences(result, workspace)
            for line in changed:
                click.echo(line)
            if changed:
                click.echo("rayops: rendered manifests are out of date: run `rayops render`", err=True)
                return int(ExitCode.FINDINGS)
            return int(ExitCode.CLEAN)
        write_outputs(result)
        for output, files in result.outputs.items():
            click.echo(f"{os.path.relpath(output)}: {len(files)} resources", err=True)
        return int(ExitCode.CLEAN)

    _run(action)


@main.command(
    "diff",
    epilog="Exit codes: 0 success; with --exit-code 0 no change, 1 changes; 2 error; 3 rayops failed.",
)
@click.option("--base", "base_ref", required=True, metavar="REF", help="Git revision to compare from.")
@click.option(
    "--head", "head_ref", metavar="REF", help="Git revision to compare to (default: the working tree)."
)
@click.option(
    "--rendered", is_flag=True, help="Compare the committed output folders (rendered/) instead of rendering."
)
@click.option(
    "-e", "--env", "environments", metavar="ENV", multiple=True, help="Environment to compare (repeatable)."
)
@click.option(
    "-o",
    "--output",
    "output_format",
    type=click.Choice(["text", "markdown", "json"]),
    default="text",
    show_default=True,
    help="text (coloured on a terminal), markdown (a pull-request comment) or json.",
)
@click.option("--diagram", is_flag=True, help="Add a Mermaid diagram of each changed Ray cluster (markdown).")
@click.option("--exit-code", is_flag=True, help="Exit 1 when anything changed, 0 when nothing did.")
@click.option(
    "--full-diff",
    "full_diff_path",
    default="rayops-diff-full.md",
    show_default=True,
    type=click.Path(dir_okay=False),
    help="Where the whole markdown goes when the comment is cut at GitHub's 65,536 characters.",
)
def diff_command(
    base_ref: str,
    head_ref: str | None,
    rendered: bool,
    environments: tuple[str, ...],
    output_format: str,
    diagram: bool,
    exit_code: bool,
    full_diff_path: str,
) -> None:
    """Show what a change does to the Ray clusters: fields, Ray totals and the operator's reaction.

    Renders the workspace at --base and at --head (or the working tree), each in its own
    git worktree, and compares the resources; with --rendered, compares the committed
    output folders. Secret values are never shown.
    """

    def action() -> int:
        from rayops.diff.engine import DiffOptions, run_diff
        from rayops.diff.report import produce

        result, secrets = run_diff(
            DiffOptions(base=base_ref, head=head_ref, rendered=rendered, environments=environments)
        )
        colour = output_format == "text" and sys.stdout.isatty() and "NO_COLOR" not in os.environ
        produced = produce(
            result,
            secrets,
            output_format,
            diagram=diagram,
            colour=colour,
            full_diff_name=os.path.basename(full_diff_path),
        )
        if produced.full_markdown is not None:
            with open(full_diff_path, "w", encoding="utf-8") as handle:
                handle.write(produced.full_markdown)
            click.echo(
                f"rayops: comment cut ({produced.omitted} resources left out); full diff in {full_diff_path}",
                err=True,
            )
        sys.stdout.write(produced.text)
        sys.stdout.flush()
        if exit_code and result.changed:
            return int(ExitCode.FINDINGS)
        return int(ExitCode.CLEAN)

    _run(action)


@main.command()
@click.argument("directory", default=".", type=click.Path(file_okay=False))
@click.option(
    "--force",
    is_flag=True,
    help="Add the workspace to a non-empty folder (existing files are never replaced).",
)
def init(directory: str, force: bool) -> None:
    """Create a workspace in DIRECTORY (default: this folder) that renders and validates as is.

    Writes rayops.yaml (environments dev and prod), overlays/ (a RayJob spec in base/, one
    overlay per environment) and a .pre-commit-config.yaml running rayops.
    """

    def action() -> int:
        from rayops.scaffold import scaffold

        for path in scaffold(directory, force=force):
            click.echo(path, err=True)
        return int(ExitCode.CLEAN)

    _run(action)


@main.group()
def schemas() -> None:
    """Compile CRDs into the JSON schemas rayops (and kubeconform) validate with."""


@schemas.command("build")
@click.argument("sources", nargs=-1, required=True, type=click.Path(exists=True))
@click.option(
    "-o",
    "--output",
    required=True,
    type=click.Path(file_okay=False),
    help="Folder to write, e.g. schemas/kuberay/v1.7.0.",
)
def schemas_build(sources: tuple[str, ...], output: str) -> None:
    """Compile the CRDs in SOURCES (files, folders, `kubectl get crd -o yaml` output).

    Writes one <kind>_<version>.json per served version (kubeconform's layout) and an
    index.json, replacing the folder's previous JSON files.
    """

    def action() -> int:
        from rayops.schemas.compiler import build_schema_set

        compiled = build_schema_set(sources, output)
        for item in compiled:
            click.echo(f"{os.path.join(output, item.file_name)}: {item.kind} {item.api_version}")
        return int(ExitCode.CLEAN)

    _run(action)


@main.command()
@click.option(
    "-o", "--output", "output_format", type=click.Choice(["text", "json"]), default="text", show_default=True
)
def versions(output_format: str) -> None:
    """List the bundled KubeRay, Argo CD, Flux and Kubernetes schema versions."""

    def action() -> int:
        import json

        from rayops.schemas import registry

        listing: dict[str, Any] = {
            family: [s.version for s in sets] for family, sets in registry.bundled_sets().items()
        }
        listing["kubernetes"] = registry.kubernetes_versions()
        if output_format == "json":
            click.echo(json.dumps(listing, indent=2))
        else:
            for family in ("kuberay", "argocd", "flux", "kubernetes"):
                click.echo(f"{family}: {', '.join(listing.get(family, [])) or '(none)'}")
        return int(ExitCode.CLEAN)

    _run(action)


def _require_watch_extra() -> None:
    """A usage error naming ``pip install 'rayops[watch]'`` when the watcher's dependencies are absent."""
    import importlib.util

    from rayops.watch import WATCH_EXTRA_HINT

    needed = ("kopf", "aiohttp", "prometheus_client")
    missing = [name for name in needed if importlib.util.find_spec(name) is None]
    if missing:
        raise UsageError(f"this command needs {', '.join(missing)}: {WATCH_EXTRA_HINT}")


@main.command()
@click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False),
    help="rayops.yaml or a file with the watch section (default: the nearest rayops.yaml).",
)
@click.option(
    "--lease-namespace",
    metavar="NS",
    help="Namespace of the leader-election Lease (default: $POD_NAMESPACE, else the first watched one).",
)
@click.option("-v", "--verbose", is_flag=True, help="Log the watcher's own activity, not only problems.")
def watch(config_path: str | None, lease_namespace: str | None, verbose: bool) -> None:
    """Watch RayJobs, RayClusters, RayServices and RayCronJobs and act on their lifecycle.

    Runs in the cluster (service account) or against the kubeconfig; acts once per event
    (checkpoint annotation), serves /metrics and /healthz, stops cleanly on SIGTERM.
    Needs the watch extra: pip install 'rayops[watch]'.
    """

    def action() -> int:
        _require_watch_extra()
        from rayops.watch.entry import run_watch_command

        return run_watch_command(config_path, lease_namespace, verbose)

    _run(action)


@main.group()
def cluster() -> None:
    """Inspect the cluster the workspace deploys to (read-only)."""


@cluster.command("check")
@click.option(
    "--kuberay-version", metavar="VERSION", help="KubeRay release expected (default: rayops.yaml's pin)."
)
@click.option("--feature-gates", metavar="A=true,B=false", help="Gates expected (merged over rayops.yaml's).")
@click.option(
    "--operator-namespace", metavar="NS", help="Where the operator runs (default: search every namespace)."
)
@click.option(
    "-o", "--output", "output_format", type=click.Choice(["text", "json"]), default="text", show_default=True
)
def cluster_check(
    kuberay_version: str | None, feature_gates: str | None, operator_namespace: str | None, output_format: str
) -> None:
    """Preflight: the KubeRay operator is ready, its CRDs are the pinned release, its gates match.

    Only reads (GET) from the cluster. Exit codes as validate's: 1 when a check fails.
    """

    def action() -> int:
        _require_watch_extra()
        from rayops.watch.entry import run_cluster_check
        from rayops.workspace import find_workspace, load_workspace, parse_feature_gates

        workspace_file = find_workspace()
        workspace = load_workspace(workspace_file) if workspace_file else None
        gates = dict(workspace.feature_gates) if workspace else {}
        if feature_gates is not None:
            gates.update(parse_feature_gates(feature_gates))
        version = kuberay_version or (workspace.kuberay_version if workspace else None)
        return run_cluster_check(version, gates, operator_namespace, output_format, sys.stdout)

    _run(action)
