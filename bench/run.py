"""`make bench`: whole-process wall time and peak memory of `rayops validate`.

Corpora are built from KubeRay's v1.5.1 samples in ../shared (documents kept as
written, names made unique so the corpus is a clean repository):

* pre-commit: 20 KubeRay documents in 20 files (what a pre-commit hook passes);
* repository: 5,000 documents in 500 files (ray.io and core kinds, 10 per file).

Each corpus is validated several times by a fresh `rayops` process; the median wall
time and the peak resident memory (of the process and its workers, from wait4) are
reported against the targets, and beside them the same run with ``--schema-only``
(no operator rules) to show what the rules cost. If `kubeconform` is on PATH it is timed on the same
corpus for comparison. Results are also written to bench/out/results.json.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT.parent / "shared" / "samples" / "kuberay-v1.5.1"
OUT = ROOT / "bench" / "out"
RAYOPS = Path(sys.executable).with_name("rayops")
NOT_BUNDLED = re.compile(
    r"^apiVersion: (scheduling\.volcano\.sh|scheduling\.run\.ai|gateway\.networking\.k8s\.io)/", re.M
)
NAME_LINE = re.compile(r"^(metadata:\n(?:  .*\n)*?  name: )([^\s#]+)", re.M)

TARGETS = {"pre-commit": 0.12, "repository": 0.8}
MEMORY_TARGET_MB = 150.0


def sample_documents() -> list[str]:
    """Every bundled-kind document of the samples, as its original text."""
    documents = []
    for path in sorted(SAMPLES.rglob("*.yaml")):
        for text in re.split(r"^---\s*$", path.read_text(encoding="utf-8"), flags=re.M):
            bundled = "kind:" in text and "apiVersion:" in text and not NOT_BUNDLED.search(text)
            if bundled and NAME_LINE.search(text):
                documents.append(text.strip("\n") + "\n")
    return documents


def renamed(text: str, suffix: int) -> str:
    """The document with ``-<suffix>`` appended to its metadata.name."""
    return NAME_LINE.sub(lambda m: f"{m.group(1)}{m.group(2)}-{suffix}", text, count=1)


def build_corpora() -> dict[str, Path]:
    """Write both corpora under bench/out and return their folders."""
    documents = sample_documents()
    ray_documents = [d for d in documents if re.search(r"^apiVersion: ray\.io/", d, re.M)]
    corpora = {"pre-commit": OUT / "pre-commit", "repository": OUT / "repository"}
    for folder in corpora.values():
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
    for index in range(20):
        text = renamed(ray_documents[index % len(ray_documents)], index)
        (corpora["pre-commit"] / f"doc-{index:02d}.yaml").write_text(text, encoding="utf-8")
    counter = 0
    for file_index in range(500):
        parts = []
        for _ in range(10):
            parts.append(renamed(documents[counter % len(documents)], counter))
            counter += 1
        (corpora["repository"] / f"file-{file_index:03d}.yaml").write_text(
            "---\n".join(parts), encoding="utf-8"
        )
    return corpora


def measure(command: list[str], runs: int) -> tuple[float, float, int]:
    """Median wall seconds, peak RSS in MB (over runs), and the last exit code."""
    walls, peaks, code = [], [], 0
    for _ in range(runs):
        start = time.perf_counter()
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _, status, usage = os.wait4(process.pid, 0)
        walls.append(time.perf_counter() - start)
        peaks.append(usage.ru_maxrss / 1024)
        code = os.waitstatus_to_exitcode(status)
        process.returncode = code
    return statistics.median(walls), max(peaks), code


def main() -> int:
    """Build corpora, measure, print a table; exit 1 if a corpus is not clean."""
    if not SAMPLES.is_dir():
        print(f"bench: {SAMPLES} is absent; the corpora are built from KubeRay's samples")
        return 0
    corpora = build_corpora()
    results = {}
    kubeconform = shutil.which("kubeconform")
    print(f"{'corpus':12} {'tool':22} {'median s':>9} {'peak MB':>8} {'target':>8}")
    status = 0
    for name, folder in corpora.items():
        files = sorted(str(p) for p in folder.iterdir())
        runs = 15 if name == "pre-commit" else 7
        command = [
            str(RAYOPS),
            "validate",
            "--kuberay-version",
            "1.5.1",
            "--kubernetes-version",
            "1.37",
            # The deletion-rules sample needs this gate (see the corpus's index.tsv).
            "--feature-gates",
            "RayJobDeletionPolicy=true",
            "--no-summary",
            *files,
        ]
        subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)  # warm
        # Interleave with and without operator rules so machine noise hits both alike.
        walls, schema_walls, peaks, code = [], [], [], 0
        for _ in range(runs):
            wall, peak, code = measure(command, 1)
            walls.append(wall)
            peaks.append(peak)
            schema_walls.append(measure([*command[:2], "--schema-only", *command[2:]], 1)[0])
        wall, peak, schema_wall = statistics.median(walls), max(peaks), statistics.median(schema_walls)
        if code != 0:
            print(f"bench: rayops found problems in the {name} corpus (exit {code})")
            status = 1
        verdict = "ok" if wall <= TARGETS[name] and peak <= MEMORY_TARGET_MB else "MISSED"
        print(f"{name:12} {'rayops':22} {wall:9.3f} {peak:8.1f} {TARGETS[name]:7.2f}s {verdict}")
        print(f"{name:12} {'rayops --schema-only':22} {schema_wall:9.3f}")
        overhead = (wall / schema_wall - 1) * 100
        print(f"{name:12} operator rules add {overhead:.0f}% (target: at most 20%)")
        results[name] = {
            "documents": 20 if name == "pre-commit" else 5000,
            "files": len(files),
            "median_seconds": round(wall, 4),
            "schema_only_median_seconds": round(schema_wall, 4),
            "peak_mb": round(peak, 1),
            "runs": runs,
            "target_seconds": TARGETS[name],
            "target_mb": MEMORY_TARGET_MB,
        }
        if kubeconform:
            for workers in ("1", "2"):
                other = [kubeconform, "-strict", "-n", workers, "-ignore-missing-schemas", *files]
                wall, peak, _ = measure(other, runs)
                print(f"{name:12} {'kubeconform -n ' + workers:22} {wall:9.3f} {peak:8.1f}")
                results[name][f"kubeconform_n{workers}_seconds"] = round(wall, 4)
    (OUT / "results.json").write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    return status


if __name__ == "__main__":
    sys.exit(main())
