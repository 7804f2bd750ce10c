"""`make bench-instructions`: what the operator rules cost, in CPU instructions.

Wall time on a shared machine varies by tens of percent from run to run; instruction
counts from valgrind's callgrind do not. This runs `rayops validate` (one process, one
worker) on the bench corpora with and without ``--schema-only`` under callgrind and
prints the instruction counts and the rules' share. Build the corpora first with
`make bench` (it writes bench/out/).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out"
RAYOPS = Path(sys.executable).with_name("rayops")
COMMON = [
    "--kuberay-version",
    "1.5.1",
    "--kubernetes-version",
    "1.37",
    "--feature-gates",
    "RayJobDeletionPolicy=true",
    "--no-summary",
    "-j",
    "1",
]


def instructions(arguments: list[str]) -> int:
    """Instructions callgrind counts for one `rayops validate` process."""
    with tempfile.TemporaryDirectory() as scratch:
        result = subprocess.run(
            [
                "valgrind",
                "--tool=callgrind",
                f"--callgrind-out-file={scratch}/out",
                str(RAYOPS),
                "validate",
                *arguments,
            ],
            capture_output=True,
            text=True,
            check=False,
        )
    match = re.search(r"Collected : (\d+)", result.stderr)
    if match is None:
        raise SystemExit(f"callgrind gave no count: {result.stderr[-500:]}")
    return int(match.group(1))


def main() -> int:
    """Print instruction counts with and without the operator rules."""
    if shutil.which("valgrind") is None:
        print("bench-instructions: valgrind is not installed")
        return 0
    corpora = {
        "pre-commit (20 docs)": sorted(str(p) for p in (OUT / "pre-commit").glob("*.yaml")),
        "repository, first 1000 docs": sorted(str(p) for p in (OUT / "repository").glob("*.yaml"))[:100],
    }
    if not all(corpora.values()):
        print("bench-instructions: run `make bench` first to build the corpora")
        return 0
    for name, files in corpora.items():
        schema_only = instructions(["--schema-only", *COMMON, *files])
        full = instructions([*COMMON, *files])
        print(
            f"{name:30} schema-only {schema_only / 1e6:9.1f} M  with rules {full / 1e6:9.1f} M  "
            f"rules add {(full / schema_only - 1) * 100:.1f}%"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
