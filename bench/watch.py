"""`make bench-watch`: status events per second through the watcher's hot path, and its peak memory.

A child process, pinned to one CPU, imports the whole watcher (kopf, aiohttp,
prometheus-client) and replays a stream of watch events over 2,000 Ray resources in the
shapes KubeRay writes: RayJobs starting, running, retried and finished (most finished ones
already checkpointed, as after a relist), RayClusters whose head comes and goes,
RayServices upgrading, RayCronJobs scheduling. Each event is decoded from its JSON line
(kept compressed until its turn) and handed to ``Watcher.handle``: lifecycle detection,
state gauges, the checkpoint decision.
The API is never reached: every event that would act is already checkpointed done (the
writes themselves are network-bound and measured by the tests, not here).

The parent reports events per second (median of 3 runs) and the child's peak resident
memory (``getrusage(RUSAGE_CHILDREN).ru_maxrss``) against the targets: 2,000 events/s on
one core, 80 MB.
"""

from __future__ import annotations

import json
import os
import resource
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out"
EVENTS_TARGET = 2000.0
MEMORY_TARGET_MB = 80.0
OBJECTS = 2000
EVENTS = 60_000

CHILD = r"""
import asyncio, copy, json, os, sys, time, zlib
sys.path[:0] = [os.environ["BENCH_ROOT"], os.path.join(os.environ["BENCH_ROOT"], "generator")]
if hasattr(os, "sched_setaffinity"):
    os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
import aiohttp, kopf, prometheus_client  # the whole watcher stack is resident, as in the Pod
from rayops.watch.checkpoint import done_patch, read_checkpoint
from rayops.watch.config import parse_watch_config
from rayops.watch.lifecycle import detect
from rayops.watch.runner import Watcher
from tests.watch import kuberay_objects as k

OBJECTS, EVENTS = int(sys.argv[1]), int(sys.argv[2])
config = parse_watch_config({"namespaces": ["ray-dev"], "rules": [
    {"events": ["JobFinished", "JobRetrying", "HeadLost", "HeadReady", "ServiceNotReady", "UpgradeStarted",
                "UpgradeFinished", "CronJobScheduled"], "actions": [{"event": {}}, {"log": {}}]}]})

def checkpointed(obj):
    return obj

def timeline(i):
    uid = f"uid-{i:05d}"
    kind = i % 4
    if kind == 0:
        job = k.ray_job(f"job-{i}", uid)
        return [k.with_status(job, k.job_running(f"job-{i}-1")),
                k.with_status(job, {**k.job_running(f"job-{i}-1"), "succeeded": 0}),
                k.with_status(job, k.job_finished("FAILED" if i % 3 else "SUCCEEDED", f"job-{i}-1"))]
    if kind == 1:
        cluster = k.ray_cluster(f"cluster-{i}", uid)
        return [k.with_status(cluster, k.cluster_conditions(True, when="2026-11-26T10:01:00Z")),
                k.with_status(cluster, k.cluster_conditions(False, when="2026-11-26T10:02:00Z")),
                k.with_status(cluster, k.cluster_conditions(True, when="2026-11-26T10:03:00Z"))]
    if kind == 2:
        service = k.ray_service(f"service-{i}", uid)
        return [k.with_status(service, k.service_status(True)),
                k.with_status(service, k.service_status(True, pending="llm-raycluster-bbbbb")),
                k.with_status(service, k.service_status(True, active="llm-raycluster-bbbbb"))]
    cron = k.ray_cronjob(f"cron-{i}", uid)
    return [k.with_status(cron, {"lastScheduleTime": f"2026-11-26T1{n}:00:00Z"}) for n in range(3)]

# The compressed JSON lines of one object's states. Every state carries the checkpoint of every
# occurrence of its object: all acted on already. The lines stay compressed until their turn (a
# watch stream holds one line at a time) and are built one object at a time, so that the input
# does not inflate the peak memory measured.
def encoded_timeline(i):
    states = timeline(i)
    events = [e for n, state in enumerate(states) for e in detect(None, state) + detect(states[n - 1], state)]
    for state in states:
        patch = done_patch(state, read_checkpoint(state), events)
        state["metadata"].setdefault("annotations", {}).update(patch["metadata"]["annotations"])
    return [zlib.compress(json.dumps({"type": "MODIFIED", "object": state}).encode()) for state in states]

encoded = [encoded_timeline(i) for i in range(OBJECTS)]

class NoApi:
    async def merge_patch(self, *a):
        raise AssertionError("a checkpointed event reached the API")
    get = merge_patch

async def main():
    watcher = Watcher(config, NoApi(), None, "bench")
    elapsed = 0.0
    for e in range(EVENTS):
        line = zlib.decompress(encoded[e % OBJECTS][(e // OBJECTS) % 3])
        start = time.perf_counter()
        event = json.loads(line)
        await watcher.handle(event["object"])
        elapsed += time.perf_counter() - start
    return elapsed

elapsed = asyncio.run(main())
print(json.dumps({"events": EVENTS, "seconds": elapsed}))
"""


def run_child() -> tuple[float, float]:
    """One child run: (events per second, peak RSS of that child in MB)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    result = subprocess.run(
        [sys.executable, "-c", CHILD, str(OBJECTS), str(EVENTS)],
        capture_output=True,
        text=True,
        env={**os.environ, "BENCH_ROOT": str(ROOT)},
    )
    if result.returncode:
        sys.exit(f"bench/watch.py: the child failed:\n{result.stderr}")
    after = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    data = json.loads(result.stdout)
    # ru_maxrss of RUSAGE_CHILDREN is the largest child so far (kilobytes on Linux).
    return data["events"] / data["seconds"], max(after, before) / 1024


def main() -> int:
    """Run the benchmark three times; print and save the figures; 1 if a target is missed."""
    rates, memory = [], 0.0
    for _ in range(3):
        rate, peak = run_child()
        rates.append(rate)
        memory = max(memory, peak)
    rate = statistics.median(rates)
    ok = rate >= EVENTS_TARGET and memory <= MEMORY_TARGET_MB
    print(f"watch hot path: {rate:,.0f} status events/s on one core (target >= {EVENTS_TARGET:,.0f})")
    print(
        f"watch peak RSS: {memory:.1f} MB with kopf, aiohttp and prometheus-client loaded "
        f"(target <= {MEMORY_TARGET_MB:.0f})"
    )
    runs = ", ".join(f"{r:,.0f}" for r in rates)
    print(f"({OBJECTS:,} objects, {EVENTS:,} events per run; runs: {runs} events/s)")
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "watch.json").write_text(
        json.dumps({"events_per_second": rate, "runs": rates, "peak_rss_mb": memory, "ok": ok}, indent=2)
        + "\n",
        encoding="utf-8",
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
