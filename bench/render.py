"""Whole-process wall time and peak memory of `rayops render` against `kubectl kustomize`.

Target: the bundled example scaled to 500 specs and 3 environments renders, whole process,
in at most 0.3 times what `kubectl kustomize` needs for an equivalent overlay tree.

Two trees are built under bench/out (both from the bundled RayJob spec,
overlays/base/rayjob-sample.yaml, and its code file):

* bench/out/render: a rayops workspace with environments dev, staging and prod. Its base
  holds 500 copies of the spec (rayjob-000 .. rayjob-499), each shipping its own code file;
  each overlay sets a namespace and an ``environment`` label, and prod patches the worker
  groups of every spec (replicas, minReplicas, maxReplicas: 500 patch entries).
* bench/out/kustomize: the same with kustomize. Its base holds the 1,000 expanded resources
  (500 RayJobs, 500 code ConfigMaps), taken from a first `rayops render` (the dev output
  without its namespace and label); each environment has ``resources: [../base]``, the
  namespace, the label (kustomize's ``labels`` with fields for the RayJobs' Pod templates,
  where rayops puts it too) and, for prod, 500 strategic merge patches. kustomize does not
  know the RayJob schema and replaces the whole ``workerGroupSpecs`` list, so each of its
  patches carries the full worker groups. The patches name their RayJob in their own
  metadata, kustomize's fast form: the same 500 patches each with a ``target:`` selector
  give the same output but take kustomize v5.5 about 30 times longer (some 100 s).

Each run times one `rayops render` process (all three environments, validated, written to
rendered/) against three `kubectl kustomize <env> -o <folder>` processes (their sum); runs
alternate so machine noise hits both alike, and the median of 5 runs is reported, with the
peak resident memory from wait4. The outputs are then compared: the same resources per
environment, and for a prod RayJob the same worker group sizes (the full objects are
compared too, for information). Results are written to bench/out/render-results.json.
Without `kubectl` the benchmark is skipped. ``--source-tree`` runs rayops from generator/
instead of the installed package (also done when the installed package fails to render).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
BUNDLED = ROOT / "overlays" / "base" / "rayjob-sample.yaml"
OUT = ROOT / "bench" / "out"
WORKSPACE = OUT / "render"
KUSTOMIZE = OUT / "kustomize"
KUSTOMIZE_OUTPUT = KUSTOMIZE / "output"
RAYOPS = Path(sys.executable).with_name("rayops")

SPECS = 500
ENVIRONMENTS = ("dev", "staging", "prod")
PROD_SIZES = {"replicas": 3, "minReplicas": 3, "maxReplicas": 10}
RUNS = 5
TARGET_RATIO = 0.3
CHECKED_JOB = "rayjob-250"


def dump(value: Any) -> str:
    """Block-style YAML, keys in their given order."""
    return yaml.safe_dump(value, sort_keys=False, default_flow_style=False, width=100)


def spec_name(index: int) -> str:
    """The name of the ``index``-th copy of the bundled spec."""
    return f"rayjob-{index:03d}"


def build_workspace() -> list[str]:
    """Write the rayops workspace; return the worker group names of the bundled spec."""
    bundled = yaml.safe_load(BUNDLED.read_text(encoding="utf-8"))
    settings = yaml.safe_load((ROOT / "rayops.yaml").read_text(encoding="utf-8")) or {}
    shutil.rmtree(WORKSPACE, ignore_errors=True)
    base = WORKSPACE / "overlays" / "base"
    base.mkdir(parents=True)
    workspace_file = {
        key: settings[key]
        for key in ("kuberayVersion", "kubernetesVersion", "featureGates")
        if key in settings
    }
    workspace_file["environments"] = [{"name": name} for name in ENVIRONMENTS]
    (WORKSPACE / "rayops.yaml").write_text(dump(workspace_file), encoding="utf-8")

    code = bundled["spec"].get("code") or {}
    sources = {name: (BUNDLED.parent / name).read_text(encoding="utf-8") for name in code.get("files", [])}
    for index in range(SPECS):
        name = spec_name(index)
        spec = json.loads(json.dumps(bundled))
        spec["metadata"]["name"] = name
        if sources:
            # Each spec ships its own code file (content differs, so every ConfigMap hash differs).
            renamed = {old: f"{name.replace('-', '_')}_{old}" for old in sources}
            spec["spec"]["code"]["files"] = [renamed[old] for old in code["files"]]
            for old, new in renamed.items():
                text = sources[old] + f"\n# Copy {index} of the bundled example.\n"
                (base / new).write_text(text, encoding="utf-8")
                if isinstance(spec["spec"].get("entrypoint"), str):
                    spec["spec"]["entrypoint"] = spec["spec"]["entrypoint"].replace(old, new)
        (base / f"{name}.yaml").write_text(dump(spec), encoding="utf-8")

    groups = [group["name"] for group in bundled["spec"].get("workers", [])]
    for environment in ENVIRONMENTS:
        overlay: dict[str, Any] = {
            "bases": ["../base"],
            "namespace": f"ray-{environment}",
            "labels": {"environment": environment},
        }
        if environment == "prod":
            overlay["patches"] = [
                {
                    "target": {"kind": "RayJob", "name": spec_name(index)},
                    "patch": {
                        "spec": {
                            "rayClusterSpec": {
                                "workerGroupSpecs": [{"groupName": group, **PROD_SIZES} for group in groups]
                            }
                        }
                    },
                }
                for index in range(SPECS)
            ]
        folder = WORKSPACE / "overlays" / environment
        folder.mkdir(parents=True)
        (folder / "overlay.yaml").write_text(dump(overlay), encoding="utf-8")
    return groups


def rendered(environment: str) -> dict[tuple[str, str], dict[str, Any]]:
    """The resources rayops wrote for ``environment``, by kind and name."""
    found = {}
    for path in sorted((WORKSPACE / "rendered" / environment).glob("*.yaml")):
        value = yaml.safe_load(path.read_text(encoding="utf-8"))
        found[(value["kind"], value["metadata"]["name"])] = value
    return found


def without_environment(value: dict[str, Any], environment: str) -> dict[str, Any]:
    """A rendered resource without what the overlay added: its namespace and label."""
    value = json.loads(json.dumps(value))
    value["metadata"].pop("namespace", None)

    def strip(metadata: dict[str, Any]) -> None:
        labels = metadata.get("labels")
        if isinstance(labels, dict) and labels.get("environment") == environment:
            del labels["environment"]
            if not labels:
                del metadata["labels"]

    def visit(node: Any) -> None:
        if isinstance(node, dict):
            template = node.get("template")
            if isinstance(template, dict) and isinstance(template.get("metadata"), dict):
                strip(template["metadata"])
                if not template["metadata"]:
                    del template["metadata"]
            for child in node.values():
                visit(child)
        elif isinstance(node, list):
            for child in node:
                visit(child)

    strip(value["metadata"])
    visit(value.get("spec"))
    return value


def build_kustomize() -> None:
    """Write the kustomize tree equivalent to the rayops workspace, from rendered/dev."""
    shutil.rmtree(KUSTOMIZE, ignore_errors=True)
    base = KUSTOMIZE / "base"
    base.mkdir(parents=True)
    files = []
    jobs = []
    for (kind, name), value in rendered("dev").items():
        value = without_environment(value, "dev")
        file = f"{kind.lower()}-{name}.yaml"
        (base / file).write_text(dump(value), encoding="utf-8")
        files.append(file)
        if kind == "RayJob":
            jobs.append(value)
    (base / "kustomization.yaml").write_text(dump({"resources": files}), encoding="utf-8")

    template_labels = [
        {"kind": "RayJob", "path": f"spec/rayClusterSpec/{group}/template/metadata/labels", "create": True}
        for group in ("headGroupSpec", "workerGroupSpecs")
    ]
    for environment in ENVIRONMENTS:
        kustomization: dict[str, Any] = {
            "resources": ["../base"],
            "namespace": f"ray-{environment}",
            "labels": [
                {"pairs": {"environment": environment}, "includeSelectors": False, "fields": template_labels}
            ],
        }
        if environment == "prod":
            patches = []
            for job in jobs:
                # kustomize replaces the whole list: the patch carries every worker group in full.
                groups = [
                    {**group, **PROD_SIZES} for group in job["spec"]["rayClusterSpec"]["workerGroupSpecs"]
                ]
                patch = {
                    "apiVersion": job["apiVersion"],
                    "kind": job["kind"],
                    "metadata": {"name": job["metadata"]["name"]},
                    "spec": {"rayClusterSpec": {"workerGroupSpecs": groups}},
                }
                # No `target:`: kustomize finds the RayJob from the patch's own metadata, which
                # is much faster than 500 selectors (identical output).
                patches.append({"patch": dump(patch)})
            kustomization["patches"] = patches
        folder = KUSTOMIZE / environment
        folder.mkdir(parents=True)
        (folder / "kustomization.yaml").write_text(dump(kustomization), encoding="utf-8")


def run(command: list[str], cwd: Path, env: dict[str, str] | None = None) -> tuple[float, float, int]:
    """Wall seconds, peak RSS in MB and exit code of one process (output discarded)."""
    start = time.perf_counter()
    process = subprocess.Popen(
        command, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    code = os.waitstatus_to_exitcode(status)
    process.returncode = code
    return wall, usage.ru_maxrss / 1024, code


def first_render(force_source: bool) -> tuple[dict[str, str] | None, str]:
    """Render once (also the warm-up); the environment for rayops and what it runs, or None."""
    attempts = [] if force_source else [("installed package", None)]
    source_env = {**os.environ, "PYTHONPATH": str(ROOT / "generator")}
    attempts.append(("source tree (PYTHONPATH=generator)", source_env))
    for label, env in attempts:
        done = subprocess.run(
            [str(RAYOPS), "render"], cwd=WORKSPACE, env=env, capture_output=True, text=True, check=False
        )
        if done.returncode == 0:
            return env, label
        print(f"bench: `rayops render` with the {label} failed (exit {done.returncode}):")
        print("\n".join((done.stdout + done.stderr).strip().splitlines()[-10:]))
    return None, ""


def kustomized(environment: str) -> dict[tuple[str, str], dict[str, Any]]:
    """The resources `kubectl kustomize` builds for ``environment``, by kind and name."""
    text = subprocess.run(
        ["kubectl", "kustomize", environment], cwd=KUSTOMIZE, capture_output=True, text=True, check=True
    ).stdout
    return {(v["kind"], v["metadata"]["name"]): v for v in yaml.safe_load_all(text) if v}


def worker_sizes(value: dict[str, Any] | None) -> list[tuple[Any, ...]]:
    """(groupName, replicas, minReplicas, maxReplicas) of each worker group of a RayJob."""
    if value is None:
        return []
    groups = value["spec"]["rayClusterSpec"]["workerGroupSpecs"]
    return [
        (g.get("groupName"), g.get("replicas"), g.get("minReplicas"), g.get("maxReplicas")) for g in groups
    ]


def compare() -> tuple[bool, dict[str, Any]]:
    """Check both outputs agree per environment (counts, prod worker groups); also count identical ones."""
    ok, summary = True, {}
    for environment in ENVIRONMENTS:
        ours, theirs = rendered(environment), kustomized(environment)
        identical = sum(1 for key, value in ours.items() if theirs.get(key) == value)
        summary[environment] = {"rayops": len(ours), "kustomize": len(theirs), "identical": identical}
        agree = len(ours) == len(theirs) and set(ours) == set(theirs)
        print(
            f"{environment:8} resources: rayops {len(ours)}, kustomize {len(theirs)}, "
            f"identical objects {identical}/{len(ours)}" + ("" if agree else "  MISMATCH")
        )
        ok = ok and agree
        if environment == "prod":
            key = ("RayJob", CHECKED_JOB)
            sizes = worker_sizes(ours.get(key)), worker_sizes(theirs.get(key))
            expected = [(name, *PROD_SIZES.values()) for name, *_ in sizes[0]]
            same = sizes[0] == sizes[1] == expected and bool(expected)
            print(
                f"{'prod':8} {CHECKED_JOB} worker groups: rayops {sizes[0]}, kustomize {sizes[1]}"
                + ("" if same else "  MISMATCH")
            )
            summary[environment]["worker_groups"] = {"rayops": sizes[0], "kustomize": sizes[1]}
            ok = ok and same
    return ok, summary


def main() -> int:
    """Build both trees, time them, compare outputs; exit 1 if rayops fails or the outputs disagree."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source-tree", action="store_true", help="run rayops from generator/")
    parser.add_argument("--runs", type=int, default=RUNS)
    arguments = parser.parse_args()
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        print("bench: kubectl is not on PATH; the render benchmark compares against `kubectl kustomize`")
        return 0
    build_workspace()
    env, label = first_render(arguments.source_tree)
    if label == "":
        return 1
    build_kustomize()
    rayops_command = [str(RAYOPS), "render"]

    def kustomize_run() -> tuple[float, float, int]:
        wall, peak, code = 0.0, 0.0, 0
        for environment in ENVIRONMENTS:
            folder = KUSTOMIZE_OUTPUT / environment
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir(parents=True)
            one = run([kubectl, "kustomize", environment, "-o", str(folder)], KUSTOMIZE)
            wall, peak, code = wall + one[0], max(peak, one[1]), code or one[2]
        return wall, peak, code

    kustomize_run()  # warm-up (rayops was warmed by the first render)
    ours, theirs = [], []
    for _ in range(arguments.runs):
        ours.append(run(rayops_command, WORKSPACE, env))
        theirs.append(kustomize_run())
    if any(code for *_, code in ours + theirs):
        print(
            f"bench: a timed run failed (rayops exits {[c for *_, c in ours]}, "
            f"kustomize {[c for *_, c in theirs]})"
        )
        return 1
    rayops_wall, kustomize_wall = (
        statistics.median(w for w, *_ in ours),
        statistics.median(w for w, *_ in theirs),
    )
    rayops_peak, kustomize_peak = max(p for _, p, _ in ours), max(p for _, p, _ in theirs)
    ratio = rayops_wall / kustomize_wall
    version = subprocess.run(
        [kubectl, "version", "--client"], capture_output=True, text=True, check=False
    ).stdout.split("\n")

    print(
        f"{SPECS} specs x {len(ENVIRONMENTS)} environments; rayops: {label}; median of {arguments.runs} runs"
    )
    print(f"{'tool':34} {'median s':>9} {'peak MB':>8}")
    print(f"{'rayops render (1 process)':34} {rayops_wall:9.3f} {rayops_peak:8.1f}")
    print(f"{'kubectl kustomize (3 processes)':34} {kustomize_wall:9.3f} {kustomize_peak:8.1f}")
    verdict = "ok" if ratio <= TARGET_RATIO else "MISSED"
    print(f"ratio rayops/kustomize {ratio:.2f} (target: at most {TARGET_RATIO}) {verdict}")
    equivalent, summary = compare()

    results = {
        "specs": SPECS,
        "environments": list(ENVIRONMENTS),
        "runs": arguments.runs,
        "rayops": {
            "runs_from": label,
            "median_seconds": round(rayops_wall, 4),
            "peak_mb": round(rayops_peak, 1),
            "seconds": [round(w, 4) for w, *_ in ours],
        },
        "kustomize": {
            "version": [line.strip() for line in version if line.strip()],
            "median_seconds": round(kustomize_wall, 4),
            "peak_mb": round(kustomize_peak, 1),
            "seconds": [round(w, 4) for w, *_ in theirs],
        },
        "ratio": round(ratio, 3),
        "target_ratio": TARGET_RATIO,
        "met": ratio <= TARGET_RATIO,
        "equivalent": equivalent,
        "outputs": summary,
    }
    (OUT / "render-results.json").write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    return 0 if equivalent else 1


if __name__ == "__main__":
    sys.exit(main())
