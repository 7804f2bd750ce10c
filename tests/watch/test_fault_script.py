"""The acceptance script: under every watch fault, each finished RayJob gets exactly one webhook call."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import kopf
import pytest

from rayops.watch.checkpoint import ANNOTATION, idempotency_key, read_checkpoint
from rayops.watch.config import WatchConfig, parse_watch_config
from rayops.watch.lifecycle import detect
from rayops.watch.runner import operator_settings, run_watch
from tests.watch.conftest import ScriptedApi, wait_for
from tests.watch.kuberay_objects import job_finished, job_running, ray_job

pytestmark = pytest.mark.asyncio


def webhook_config(api: ScriptedApi, hook_timeout: float = 5.0, **extra: Any) -> WatchConfig:
    return parse_watch_config(
        {
            "namespaces": ["ray-dev"],
            "kinds": ["RayJob"],
            "leaderElection": {"enabled": False},
            "rules": [
                {
                    "events": ["JobFinished"],
                    "actions": [
                        {
                            "webhook": {
                                "url": f"{api.url}/hook",
                                "retries": 2,
                                "backoffSeconds": 0.01,
                                "timeoutSeconds": hook_timeout,
                            }
                        }
                    ],
                }
            ],
            **extra,
        }
    )


async def start(
    api: ScriptedApi, config: WatchConfig, identity: str
) -> tuple[asyncio.Event, asyncio.Task[int]]:
    settings = operator_settings(config, inactivity_timeout=0.5)
    settings.watching.reconnect_backoff = 0.05
    stop = asyncio.Event()
    task = asyncio.create_task(
        run_watch(
            config,
            kopf.ConnectionInfo(server=api.url, insecure=True),
            lease_namespace="ray-dev",
            identity=identity,
            stop=stop,
            settings=settings,
            metrics_port=0,
            install_signal_handlers=False,
        )
    )
    return stop, task


async def settle(api: ScriptedApi) -> None:
    """Wait until the script is consumed and the store has been quiet for a while."""
    await wait_for(lambda: api.pending_segments() == 0)
    revision = -1
    while revision != api.revision:
        revision = api.revision
        await asyncio.sleep(0.3)


async def test_each_finished_job_triggers_exactly_one_webhook_under_every_fault(
    scripted_api: ScriptedApi,
) -> None:
    api = scripted_api
    api.add(ray_job("train", "uid-train", **job_running("train-1")))
    api.add(ray_job("etl", "uid-etl", **job_running("etl-1")))
    api.watch_script(
        "RayJob",
        # 1. ADDED and MODIFIED traffic and a BOOKMARK, then the server closes the stream.
        [
            api.added(ray_job("sweep", "uid-sweep", **job_running("sweep-1"))),
            api.bookmark(),
            api.modified("RayJob", "train", job_running("train-1")),
        ],
        # 2. The resumed watch is answered 410 Gone: kopf must relist.
        [api.gone()],
        # 3. The job finishes; then the stream stalls silently (kopf's inactivity timeout).
        [
            api.bookmark(),
            api.modified("RayJob", "train", job_finished("FAILED", "train-1")),
            api.modified("RayJob", "sweep", job_finished("STOPPED", "sweep-1", failed=0)),
            api.stall(),
        ],
        # 4. The stale "finished" event is delivered again after the reconnection.
        [api.replay(1), api.bookmark()],
    )
    config = webhook_config(api)
    stop, task = await start(api, config, "replica-a")
    await settle(api)
    assert len(api.webhooks) == 2
    # The resumed, relisted and re-watched streams all happened.
    assert len(api.watch_requests) >= 5
    assert all(request.get("allowWatchBookmarks") == "true" for request in api.watch_requests)
    stop.set()
    assert await task == 0

    # While no watcher runs, etl finishes; on restart, train is already checkpointed.
    api.set_status("RayJob", "etl", job_finished("SUCCEEDED", "etl-1"))
    stop, task = await start(api, config, "replica-b")
    await wait_for(lambda: len(api.webhooks) == 3)
    await settle(api)
    stop.set()
    assert await task == 0

    assert len(api.webhooks) == 3
    delivered = {hook["body"]["object"]["name"]: hook for hook in api.webhooks}
    assert set(delivered) == {"train", "etl", "sweep"}
    assert delivered["sweep"]["body"]["state"] == "STOPPED"
    train = api.get("RayJob", "train")
    finished = detect(None, train)
    assert [e.state for e in finished] == ["FAILED"]
    assert delivered["train"]["headers"]["Idempotency-Key"] == idempotency_key(finished[0])
    assert delivered["train"]["body"]["state"] == "FAILED"
    assert delivered["etl"]["body"]["state"] == "SUCCEEDED"
    # The checkpoint: done, keyed by uid and state, no claim left behind.
    checkpoint = read_checkpoint(train)
    assert checkpoint.uid == "uid-train" and checkpoint.done == (finished[0].key,) and not checkpoint.claims
    # No secret, no spec leaves the cluster.
    for hook in api.webhooks:
        text = json.dumps(hook["body"])
        assert "secretKeyRef" not in text and "API_TOKEN" not in text and "spec" not in hook["body"]


async def test_webhook_is_retried_with_backoff_and_sent_once(scripted_api: ScriptedApi) -> None:
    api = scripted_api
    api.webhook_failures = 2  # two 503 answers, then success
    api.add(ray_job("train", "uid-train", **job_finished("STOPPED", "train-1", failed=0)))
    stop, task = await start(api, webhook_config(api), "replica-a")
    await wait_for(lambda: len(api.webhooks) == 1)
    await settle(api)
    stop.set()
    await task
    assert len(api.webhooks) == 1
    assert api.webhook_failures == 0
    assert api.webhooks[0]["body"]["state"] == "STOPPED"
    assert ANNOTATION in api.get("RayJob", "train")["metadata"]["annotations"]


async def test_webhook_that_keeps_failing_leaves_the_claim_for_a_later_retry(
    scripted_api: ScriptedApi,
) -> None:
    api = scripted_api
    api.webhook_failures = 100
    api.add(ray_job("train", "uid-train", **job_finished("FAILED", "train-1")))
    stop, task = await start(api, webhook_config(api), "replica-a")
    await wait_for(lambda: api.webhook_failures == 97)
    await settle(api)
    stop.set()
    await task
    checkpoint = read_checkpoint(api.get("RayJob", "train"))
    assert checkpoint.done == () and list(checkpoint.claims) == [
        detect(None, api.get("RayJob", "train"))[0].key
    ]
    # The next replica, once the claim timed out, delivers it.
    api.webhook_failures = 0
    # A claim outlasts the slowest delivery (3 x 0.6 s and the backoffs): 2 seconds.
    config = webhook_config(api, hook_timeout=0.6, claimTimeoutSeconds=2)
    await asyncio.sleep(2.0)
    stop, task = await start(api, config, "replica-b")
    await wait_for(lambda: len(api.webhooks) == 1)
    await settle(api)
    stop.set()
    await task
    assert len(api.webhooks) == 1
    assert read_checkpoint(api.get("RayJob", "train")).claims == {}


async def test_rayops_watch_process_leads_acts_serves_health_and_drains_on_sigterm(
    scripted_api: ScriptedApi, tmp_path: Any
) -> None:
    import signal
    import socket
    import sys
    from pathlib import Path

    import aiohttp
    import yaml

    api = scripted_api
    api.add(ray_job("train", "uid-train", **job_finished("FAILED", "train-1")))
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = {
        "watch": {
            "namespaces": ["ray-dev"],
            "metricsPort": port,
            "leaderElection": {"leaseDurationSeconds": 10, "renewPeriodSeconds": 1},
            "rules": [{"events": ["JobFinished"], "actions": [{"webhook": {"urlFromEnv": "HOOK"}}]}],
        }
    }
    (tmp_path / "watch.yaml").write_text(yaml.safe_dump(config))
    kubeconfig = {
        "apiVersion": "v1",
        "kind": "Config",
        "current-context": "kmock",
        "clusters": [{"name": "kmock", "cluster": {"server": api.url}}],
        "users": [{"name": "kmock", "user": {"token": "t"}}],
        "contexts": [{"name": "kmock", "context": {"cluster": "kmock", "user": "kmock"}}],
    }
    (tmp_path / "kubeconfig").write_text(yaml.safe_dump(kubeconfig))
    root = Path(__file__).resolve().parents[2]
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "rayops",
        "watch",
        "--config",
        str(tmp_path / "watch.yaml"),
        cwd=tmp_path,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env={
            "PYTHONPATH": str(root / "generator"),
            "PATH": "/usr/bin:/bin",
            "HOME": str(tmp_path),
            "KUBECONFIG": str(tmp_path / "kubeconfig"),
            "POD_NAMESPACE": "ray-dev",
            "HOOK": f"{api.url}/hook",
        },
    )
    try:
        await wait_for(lambda: len(api.webhooks) == 1, timeout=20)
        lease = api.objects[("leases", "ray-dev", "rayops-watch")]
        assert lease["spec"]["holderIdentity"]
        async with (
            aiohttp.ClientSession() as session,
            session.get(f"http://127.0.0.1:{port}/healthz") as response,
        ):
            assert response.status == 200
    finally:
        process.send_signal(signal.SIGTERM)
        _, stderr = await asyncio.wait_for(process.communicate(), 20)
    assert process.returncode == 0, stderr.decode()
    assert b"Traceback" not in stderr
    assert len(api.webhooks) == 1
    # The Lease was released for a standby to take over at once.
    assert api.objects[("leases", "ray-dev", "rayops-watch")]["spec"].get("holderIdentity") is None


async def test_a_claim_left_by_a_dead_replica_is_taken_over_without_any_new_event(
    scripted_api: ScriptedApi,
) -> None:
    import time

    from rayops.watch.checkpoint import claim_patch

    api = scripted_api
    job = api.add(ray_job("train", "uid-train", **job_finished("FAILED", "train-1")))
    # replica-a claimed the event, then died before acting: the claim is fresh when replica-b starts.
    patch = claim_patch(job, read_checkpoint(job), detect(None, job), "replica-a", time.time())
    api.get("RayJob", "train")["metadata"]["annotations"] = patch["metadata"]["annotations"]
    stop, task = await start(api, webhook_config(api, hook_timeout=0.6, claimTimeoutSeconds=2), "replica-b")
    await asyncio.sleep(0.3)
    assert api.webhooks == []  # not while the claim is fresh
    await wait_for(lambda: len(api.webhooks) == 1, timeout=5)
    await settle(api)
    stop.set()
    await task
    assert len(api.webhooks) == 1
    checkpoint = read_checkpoint(api.get("RayJob", "train"))
    assert checkpoint.done and not checkpoint.claims
