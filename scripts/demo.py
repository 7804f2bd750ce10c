"""`make demo`: render the bundled example, validate it, then KubeRay's own samples.

The workspace of this repository (rayops.yaml, overlays/) is rendered into rendered/
and the result validated; then every KubeRay v1.5.1 sample file (each on its own, since
the samples reuse names) from ../shared is validated when that folder exists.
"""

from __future__ import annotations

import collections
import os
import sys
from pathlib import Path

from samples import gates_from_index  # scripts/samples.py

from rayops.findings import Severity
from rayops.loader import expand_lists, read_file
from rayops.render import render_workspace, write_outputs
from rayops.report import format_text_line
from rayops.validate.engine import FileResult, ValidationOptions, Validator, validate_paths
from rayops.workspace import load_workspace

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT.parent / "shared" / "samples" / "kuberay-v1.5.1"
NOT_BUNDLED = ("scheduling.volcano.sh/", "scheduling.run.ai/", "gateway.networking.k8s.io/")


def main() -> int:
    """Run the demo; exit 1 if anything that should be valid is not."""
    workspace = load_workspace(str(ROOT / "rayops.yaml"))
    result = render_workspace(workspace)
    failures = sum(1 for f in result.findings if f.severity == Severity.ERROR)
    if not failures:
        write_outputs(result)
    for output, files in result.outputs.items():
        print(f"rendered {os.path.relpath(output, ROOT)}/: {', '.join(files)}")
    for finding in result.findings:
        print("  " + format_text_line(finding))
    report = validate_paths([str(ROOT / "rendered")], ValidationOptions(kuberay_version="1.5.1"), jobs=1)
    print(f"rendered/: {report.resources} resources validated, {report.count(Severity.ERROR)} errors")
    failures += report.count(Severity.ERROR)
    if not SAMPLES.is_dir():
        print(f"{SAMPLES} not found: skipping KubeRay's sample corpus")
        return 1 if failures else 0
    validators: dict[tuple[tuple[str, bool], ...], Validator] = {}
    needed = {path: tuple(sorted(gates.items())) for path, gates in gates_from_index(SAMPLES).items()}
    kinds: collections.Counter[str] = collections.Counter()
    warnings = 0
    files = sorted(SAMPLES.rglob("*.yaml"))
    for path in files:
        gates = needed.get(str(path.relative_to(SAMPLES)), ())
        if gates not in validators:
            validators[gates] = Validator(ValidationOptions(kuberay_version="1.5.1", feature_gates=gates))
        validator = validators[gates]
        loaded = read_file(str(path))
        result = FileResult(loaded.path, findings=list(loaded.findings))
        for document in expand_lists(loaded.documents):
            api_version = str(document.value.get("apiVersion", ""))
            if api_version.startswith(NOT_BUNDLED):
                kinds["(no bundled schema) " + str(document.value.get("kind"))] += 1
                continue
            validator.validate_document(document, result)
            kinds[f"{api_version}/{document.value.get('kind')}"] += 1
        for finding in result.findings:
            if finding.severity == Severity.ERROR:
                print("  " + format_text_line(finding))
                failures += 1
            else:
                warnings += 1
    print(f"KubeRay v1.5.1 samples: {len(files)} files validated against KubeRay 1.5.1 schemas")
    for kind, count in sorted(kinds.items()):
        print(f"  {count:4d}  {kind}")
    print(f"best-practice warnings: {warnings} (rayops validate shows them)")
    print("result:", "all valid" if not failures else f"{failures} errors")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
