"""`make bench-diff`: whole-process wall time of `rayops diff` on two renders of 5,000 resources.

Target: at most 1 s for the diff of two rendered trees of 5,000 resources each.

The corpus is a git repository under bench/out/diff built from the bundled example's
rendered files (rendered/dev and rendered/prod: RayJobs, RayServices, RayClusters and
their code ConfigMaps), copied 500 times with unique names into a workspace with the
environments dev and prod (2,500 resources each). The ``base`` commit holds those
5,000 resources; the ``head`` commit changes what a large pull request changes: 50
resources modified (worker-group sizes, images), 10 deleted and 10 added.

Each run times one `rayops diff --rendered --base base --head head --output markdown`
process (and the same with ``--output json``); the median of 7 runs is reported with the
peak resident memory from wait4. Results are written to bench/out/diff-results.json.
``--source-tree`` runs rayops from generator/ instead of the installed package (also done
when the installed package has no `diff` command).
"""

from __future__ import annotations

import argparse
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
OUT = ROOT / "bench" / "out"
REPOSITORY = OUT / "diff"
RAYOPS = Path(sys.executable).with_name("rayops")
COPIES = 500
TARGET_SECONDS = 1.0
NAME_LINE = re.compile(r"^(metadata:\n(?:  .*\n)*?  name: )([^\s#]+)", re.M)
GIT_ENVIRONMENT = {
    "GIT_AUTHOR_NAME": "rayops bench",
    "GIT_AUTHOR_EMAIL": "bench@rayops.invalid",
    "GIT_COMMITTER_NAME": "rayops bench",
    "GIT_COMMITTER_EMAIL": "bench@rayops.invalid",
    "GIT_AUTHOR_DATE": "2026-01-01T00:00:00Z",
    "GIT_COMMITTER_DATE": "2026-01-01T00:00:00Z",
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_CONFIG_NOSYSTEM": "1",
}


def git(*args: str) -> None:
    """Run git in the corpus repository with a fixed identity and dates."""
    subprocess.run(
        ["git", "-c", "init.defaultBranch=main", "-c", "commit.gpgsign=false", *args],
        cwd=REPOSITORY,
        env={**os.environ, **GIT_ENVIRONMENT},
        check=True,
        capture_output=True,
    )


def renamed(text: str, suffix: str) -> str:
    """The document with ``-<suffix>`` appended to its metadata.name."""
    return NAME_LINE.sub(lambda m: f"{m.group(1)}{m.group(2)}-{suffix}", text, count=1)


def build_corpus() -> int:
    """Write the repository with its ``base`` and ``head`` commits; the resources per revision."""
    shutil.rmtree(REPOSITORY, ignore_errors=True)
    REPOSITORY.mkdir(parents=True)
    shutil.copy2(ROOT / "rayops.yaml", REPOSITORY / "rayops.yaml")
    git("init", "-q")
    templates = {
        env: {
            path.name: path.read_text(encoding="utf-8")
            for path in sorted((ROOT / "rendered" / env).glob("*.yaml"))
        }
        for env in ("dev", "prod")
    }
    count = 0
    for env, files in templates.items():
        folder = REPOSITORY / "rendered" / env
        folder.mkdir(parents=True)
        for copy in range(COPIES):
            for name, text in files.items():
                (folder / f"{copy:03d}-{name}").write_text(renamed(text, f"{copy:03d}"), encoding="utf-8")
                count += 1
    git("add", "-A")
    git("commit", "-q", "-m", "base")
    git("tag", "base")
    changed = 0
    for path in sorted((REPOSITORY / "rendered").rglob("*-ray*.yaml")):
        if changed >= 50:
            break
        text = path.read_text(encoding="utf-8")
        edited = text.replace("maxReplicas: 5", "maxReplicas: 8").replace(
            "rayproject/ray:2.46.0", "rayproject/ray:2.47.0"
        )
        if edited != text:
            path.write_text(edited, encoding="utf-8")
            changed += 1
    for path in sorted((REPOSITORY / "rendered" / "prod").glob("4[0-9]*-raycluster-*.yaml"))[:10]:
        path.unlink()
    for index in range(10):
        text = templates["dev"]["raycluster-raycluster-sample.yaml"]
        (REPOSITORY / "rendered" / "dev" / f"new-{index}.yaml").write_text(
            renamed(text, f"new-{index}"), encoding="utf-8"
        )
    git("add", "-A")
    git("commit", "-q", "-m", "head")
    git("tag", "head")
    git("repack", "-a", "-d", "-q")  # as a clone is: objects in a pack, not 10,000 loose files
    return count


def measure(command: list[str], runs: int, environment: dict[str, str]) -> tuple[float, float, float, int]:
    """Median wall seconds, median CPU seconds (user + system), peak RSS in MB, last exit code.

    The CPU time of the process (and of any workers it waited for) is what the wall time
    would be on an idle machine with one core; on a shared machine the wall time is longer.
    """
    walls, cpus, peaks, code = [], [], [], 0
    for _ in range(runs):
        start = time.perf_counter()
        process = subprocess.Popen(
            command, cwd=REPOSITORY, env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        _, status, usage = os.wait4(process.pid, 0)
        walls.append(time.perf_counter() - start)
        cpus.append(usage.ru_utime + usage.ru_stime)
        peaks.append(usage.ru_maxrss / 1024)
        code = os.waitstatus_to_exitcode(status)
    return statistics.median(walls), statistics.median(cpus), max(peaks), code


def main() -> int:
    """Build the corpus, time the diff, print a table; exit 1 when a run fails."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source-tree", action="store_true", help="run rayops from generator/")
    parser.add_argument("--runs", type=int, default=7)
    options = parser.parse_args()
    environment = dict(os.environ)
    command = [str(RAYOPS)]
    installed_has_diff = (
        RAYOPS.exists()
        and subprocess.run([str(RAYOPS), "diff", "--help"], capture_output=True, check=False).returncode == 0
    )
    if options.source_tree or not installed_has_diff:
        command = [sys.executable, "-m", "rayops"]
        environment["PYTHONPATH"] = str(ROOT / "generator")
    resources = build_corpus()
    per_revision = resources
    print(f"corpus: {per_revision:,} resources per revision; head: 50 modified, 10 deleted, 10 added")
    print(f"load average before the runs: {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
    print(f"{'output':10} {'median s':>9} {'CPU s':>7} {'peak MB':>8} {'target s':>9}")
    results = {}
    status = 0
    for output in ("markdown", "json"):
        args = [*command, "diff", "--rendered", "--base", "base", "--head", "head", "--output", output]
        subprocess.run(args, cwd=REPOSITORY, env=environment, capture_output=True, check=False)  # warm
        wall, cpu, peak, code = measure(args, options.runs, environment)
        results[output] = {
            "seconds": round(wall, 3),
            "cpuSeconds": round(cpu, 3),
            "peakMB": round(peak, 1),
            "exitCode": code,
        }
        verdict = "ok" if wall <= TARGET_SECONDS and code == 0 else "MISSED"
        print(f"{output:10} {wall:9.3f} {cpu:7.3f} {peak:8.1f} {TARGET_SECONDS:9.1f}  {verdict}")
        if code != 0:
            status = 1
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "diff-results.json").write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    return status


if __name__ == "__main__":
    sys.exit(main())
