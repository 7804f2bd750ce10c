"""The watcher's actions, its checkpoint under duplicated leadership, and the Lease."""

from __future__ import annotations

import asyncio
import io
import json
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import kopf
import pytest
import pytest_asyncio

from rayops.watch.actions import ActionContext
from rayops.watch.checkpoint import OUTCOME_ANNOTATION, read_checkpoint
from rayops.watch.config import parse_watch_config
from rayops.watch.kube import KubeApi
from rayops.watch.leader import LeaderElector
from rayops.watch.runner import Watcher
from rayops.watch.server import start_server
from tests.watch.conftest import ScriptedApi
from tests.watch.kuberay_objects import (
    cluster_conditions,
    job_finished,
    job_running,
    ray_cluster,
    ray_job,
)

pytestmark = pytest.mark.asyncio


@pytest_asyncio.fixture
async def clients(scripted_api: ScriptedApi) -> AsyncIterator[tuple[KubeApi, aiohttp.ClientSession]]:
    api = KubeApi(kopf.ConnectionInfo(server=scripted_api.url, insecure=True))
    http = aiohttp.ClientSession()
    yield api, http
    await http.close()
    await api.close()


def make_watcher(
    scripted: ScriptedApi,
    clients: tuple[KubeApi, aiohttp.ClientSession],
    holder: str,
    rules: list[dict[str, Any]],
) -> tuple[Watcher, io.StringIO]:
    api, http = clients
    config = parse_watch_config({"namespaces": ["ray-dev"], "rules": rules})
    stdout = io.StringIO()
    return Watcher(config, api, http, holder, context=ActionContext(api, http, stdout=stdout)), stdout


def code_config_map(job: str, name: str, managed: bool = True) -> dict[str, Any]:
    labels = {"rayops.dev/code-of": job, "app.kubernetes.io/managed-by": "rayops" if managed else "helm"}
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": name, "namespace": "ray-dev", "uid": f"uid-{name}", "labels": labels},
        "data": {"train.py": "print('hi')"},
    }


async def test_two_leaders_at_once_act_once(scripted_api: ScriptedApi, clients: Any) -> None:
    rules = [
        {
            "events": ["JobFinished"],
            "actions": [{"webhook": {"url": f"{scripted_api.url}/hook"}}, {"event": {}}],
        }
    ]
    first, _ = make_watcher(scripted_api, clients, "replica-a", rules)
    second, _ = make_watcher(scripted_api, clients, "replica-b", rules)
    finished = scripted_api.add(ray_job("train", "uid-train", **job_finished("FAILED")))
    # Both believe they lead, and both receive the same event at the same time.
    await asyncio.gather(first.handle(finished), second.handle(finished))
    # And both see it again after a relist.
    stored = scripted_api.get("RayJob", "train")
    await asyncio.gather(first.handle(stored), second.handle(stored))
    assert len(scripted_api.webhooks) == 1
    assert len(scripted_api.events) == 1
    assert (name := "train", 409) in scripted_api.patches and name == "train"
    assert read_checkpoint(scripted_api.get("RayJob", "train")).done


async def test_event_action_is_idempotent_by_name(scripted_api: ScriptedApi, clients: Any) -> None:
    watcher, _ = make_watcher(
        scripted_api, clients, "replica-a", [{"events": ["JobFinished"], "actions": [{"event": {}}]}]
    )
    finished = scripted_api.add(ray_job("train", "uid-train", **job_finished("FAILED")))
    await watcher.handle(finished)
    (event,) = scripted_api.events.values()
    assert event["type"] == "Warning" and event["reason"] == "JobFinished"
    involved = dict(event["involvedObject"])
    assert int(involved.pop("resourceVersion")) > int(
        finished["metadata"]["resourceVersion"]
    )  # the claimed one
    assert involved == {
        "apiVersion": "ray.io/v1",
        "kind": "RayJob",
        "name": "train",
        "namespace": "ray-dev",
        "uid": "uid-train",
    }
    assert event["message"].startswith("FAILED: AppFailed")
    # A second attempt (a replica whose claim expired) creates nothing new.
    from rayops.watch.actions import emit_event
    from rayops.watch.lifecycle import detect

    await emit_event(detect(None, finished)[0], finished, clients[0])
    assert len(scripted_api.events) == 1


async def test_delete_code_config_map_only_the_one_rayops_rendered(
    scripted_api: ScriptedApi, clients: Any
) -> None:
    rules = [
        {
            "events": ["JobFinished"],
            "states": ["SUCCEEDED"],
            "actions": [{"deleteCodeConfigMap": {}}, {"annotate": {}}, {"log": {}}],
        }
    ]
    watcher, stdout = make_watcher(scripted_api, clients, "replica-a", rules)
    scripted_api.add(code_config_map("train", "train-code-5f2d1c0a"))
    scripted_api.add(code_config_map("other", "other-code-1"))
    running = scripted_api.add(ray_job("train", "uid-train", **job_running()))
    await watcher.handle(running)
    assert scripted_api.deleted == []
    finished = scripted_api.set_status("RayJob", "train", job_finished("SUCCEEDED"))
    await watcher.handle(finished)
    assert scripted_api.deleted == ["configmaps/train-code-5f2d1c0a"]
    assert ("configmaps", "ray-dev", "other-code-1") in scripted_api.objects
    annotations = scripted_api.get("RayJob", "train")["metadata"]["annotations"]
    assert annotations[OUTCOME_ANNOTATION].startswith("JobFinished/SUCCEEDED ")
    (line,) = stdout.getvalue().splitlines()
    logged = json.loads(line)
    assert logged["event"] == "JobFinished" and logged["state"] == "SUCCEEDED"
    assert logged["object"] == {
        "apiVersion": "ray.io/v1",
        "kind": "RayJob",
        "namespace": "ray-dev",
        "name": "train",
        "uid": "uid-train",
    }


async def test_code_config_map_not_owned_by_rayops_or_a_cronjob_run_is_kept(
    scripted_api: ScriptedApi, clients: Any
) -> None:
    rules = [{"events": ["JobFinished"], "actions": [{"deleteCodeConfigMap": {}}]}]
    watcher, _ = make_watcher(scripted_api, clients, "replica-a", rules)
    scripted_api.add(code_config_map("train", "train-code-5f2d1c0a", managed=False))
    await watcher.handle(scripted_api.add(ray_job("train", "uid-train", **job_finished("SUCCEEDED"))))
    scripted_api.add(code_config_map("nightly-run", "nightly-run-code-5f2d1c0a"))
    scheduled = ray_job("nightly-run", "uid-nightly-run", **job_finished("SUCCEEDED"))
    scheduled["metadata"]["ownerReferences"] = [
        {"apiVersion": "ray.io/v1", "kind": "RayCronJob", "name": "nightly", "uid": "u"}
    ]
    await watcher.handle(scripted_api.add(scheduled))
    assert scripted_api.deleted == []


async def test_cluster_head_lost_then_ready_acts_on_each_transition_once(
    scripted_api: ScriptedApi, clients: Any
) -> None:
    rules = [{"events": ["HeadLost", "HeadReady"], "actions": [{"event": {}}]}]
    watcher, _ = make_watcher(scripted_api, clients, "replica-a", rules)
    ready = scripted_api.add(ray_cluster(**cluster_conditions(head_ready=True, when="2026-11-26T10:01:00Z")))
    await watcher.handle(ready)
    lost = scripted_api.set_status(
        "RayCluster", "serve", cluster_conditions(head_ready=False, when="2026-11-26T10:02:00Z")
    )
    await watcher.handle(lost)
    await watcher.handle(lost)  # replayed
    back = scripted_api.set_status(
        "RayCluster", "serve", cluster_conditions(head_ready=True, when="2026-11-26T10:03:00Z")
    )
    await watcher.handle(back)
    reasons = sorted((e["reason"], e["type"]) for e in scripted_api.events.values())
    assert reasons == [("HeadLost", "Warning"), ("HeadReady", "Normal"), ("HeadReady", "Normal")]
    assert watcher.metrics.objects.labels("RayCluster", "HeadReady")._value.get() == 1


async def test_leader_election_one_holder_then_takeover_after_expiry(
    scripted_api: ScriptedApi, clients: Any
) -> None:
    api, _ = clients
    now = [1000.0]
    clock = lambda: now[0]  # noqa: E731
    scripted_api.objects[("leases", "ray-dev", "rayops-watch")] = {
        "apiVersion": "coordination.k8s.io/v1",
        "kind": "Lease",
        "metadata": {"name": "rayops-watch", "namespace": "ray-dev", "resourceVersion": "1"},
        "spec": {},
    }
    a = LeaderElector(api, "ray-dev", "rayops-watch", "replica-a", 15, 5, clock=clock)
    b = LeaderElector(api, "ray-dev", "rayops-watch", "replica-b", 15, 5, clock=clock)
    results = await asyncio.gather(a.try_acquire_or_renew(), b.try_acquire_or_renew())
    assert sorted(results) == [False, True]
    leader, standby = (a, b) if results[0] else (b, a)
    now[0] += 10
    assert await leader.try_acquire_or_renew() and not await standby.try_acquire_or_renew()
    now[0] += 16  # the leader stopped renewing (paused, partitioned)
    assert await standby.try_acquire_or_renew()
    spec = scripted_api.objects[("leases", "ray-dev", "rayops-watch")]["spec"]
    assert spec["holderIdentity"] == standby.identity and spec["leaseTransitions"] == 2
    assert not await leader.try_acquire_or_renew()
    await standby.release()
    assert await leader.try_acquire_or_renew()


async def test_metrics_and_healthz_on_one_port(scripted_api: ScriptedApi, clients: Any) -> None:
    rules = [{"events": ["JobFinished"], "actions": [{"log": {}}]}]
    watcher, _ = make_watcher(scripted_api, clients, "replica-a", rules)
    metrics = watcher.metrics
    healthy = [True]
    runner = await start_server(metrics, lambda: healthy[0], 0, host="127.0.0.1")
    port = runner.addresses[0][1]
    await watcher.handle(scripted_api.add(ray_job("train", "uid-train", **job_finished("FAILED"))))
    await watcher.handle(scripted_api.add(ray_job("etl", "uid-etl", **job_running())))
    try:
        async with aiohttp.ClientSession() as session:
            async with session.get(f"http://127.0.0.1:{port}/metrics") as response:
                text = await response.text()
            assert (
                'rayops_watch_transitions_total{event="JobFinished",kind="RayJob",state="FAILED"} 1.0' in text
            )
            assert 'rayops_watch_objects{kind="RayJob",state="Failed"} 1.0' in text
            assert 'rayops_watch_objects{kind="RayJob",state="Running"} 1.0' in text
            assert "rayops_watch_seconds_since_last_event " in text
            async with session.get(f"http://127.0.0.1:{port}/healthz") as response:
                assert response.status == 200
            healthy[0] = False
            async with session.get(f"http://127.0.0.1:{port}/healthz") as response:
                assert response.status == 503
    finally:
        await runner.cleanup()


async def test_an_api_error_while_claiming_is_retried_not_lost(
    scripted_api: ScriptedApi, clients: Any
) -> None:
    api, http = clients
    now = [1000.0]
    config = parse_watch_config(
        {
            "namespaces": ["ray-dev"],
            "rules": [
                {"events": ["JobFinished"], "actions": [{"webhook": {"url": f"{scripted_api.url}/hook"}}]}
            ],
        }
    )
    watcher = Watcher(config, api, http, "replica-a", clock=lambda: now[0])
    scripted_api.patch_failures = 1
    await watcher.handle(scripted_api.add(ray_job("train", "uid-train", **job_finished("FAILED"))))
    assert scripted_api.webhooks == [] and watcher.next_retry() == 1005.0
    await watcher.retry_due()  # not yet due
    assert scripted_api.webhooks == []
    now[0] += 5
    await watcher.retry_due()
    assert len(scripted_api.webhooks) == 1 and watcher.next_retry() is None
    assert read_checkpoint(scripted_api.get("RayJob", "train")).done


class FlakyApi:
    """The API behind a network that drops the next ``failures`` requests (an API server outage)."""

    def __init__(self, api: KubeApi, failures: int) -> None:
        self.api, self.failures, self.dropped = api, failures, 0

    def __getattr__(self, name: str) -> Any:
        method = getattr(self.api, name)

        async def call(*args: Any, **kwargs: Any) -> Any:
            if self.failures:
                self.failures -= 1
                self.dropped += 1
                raise (
                    aiohttp.ClientConnectionError("connection refused")
                    if self.failures % 2
                    else TimeoutError()
                )
            return await method(*args, **kwargs)

        return call


async def test_leader_election_rides_out_an_api_server_outage(
    scripted_api: ScriptedApi, clients: Any
) -> None:
    api, _ = clients
    flaky = FlakyApi(api, failures=4)
    elector = LeaderElector(flaky, "ray-dev", "rayops-watch", "replica-a", 2, 0.01)  # type: ignore[arg-type]
    stop = asyncio.Event()
    assert await asyncio.wait_for(elector.wait_for_leadership(stop), 5)
    assert flaky.dropped == 4 and elector.is_leader
    # While leading, a renewal that cannot reach the API server is tried again, not fatal.
    flaky.failures = 2
    renewing = asyncio.create_task(elector.keep_renewing(stop))
    await asyncio.sleep(0.2)
    assert not renewing.done() and flaky.dropped == 6 and elector.is_leader
    stop.set()
    await asyncio.wait_for(renewing, 5)
    flaky.failures = 1
    await elector.release()  # logged, never raised at shutdown


async def test_lease_expiry_is_timed_on_the_local_clock_not_the_holders(
    scripted_api: ScriptedApi, clients: Any
) -> None:
    api, _ = clients
    now = [1000.0]
    skew = 60.0  # the holder's clock is a minute behind ours
    lease = {
        "apiVersion": "coordination.k8s.io/v1",
        "kind": "Lease",
        "metadata": {"name": "rayops-watch", "namespace": "ray-dev", "resourceVersion": "1"},
        "spec": {"holderIdentity": "replica-a", "leaseDurationSeconds": 15, "leaseTransitions": 0},
    }

    def holder_renews() -> None:
        from rayops.watch.leader import _micro_time

        lease["spec"]["renewTime"] = _micro_time(now[0] - skew)
        scripted_api.objects[("leases", "ray-dev", "rayops-watch")] = json.loads(json.dumps(lease))

    holder_renews()
    standby = LeaderElector(api, "ray-dev", "rayops-watch", "replica-b", 15, 5, clock=lambda: now[0])
    assert not await standby.try_acquire_or_renew()  # the holder renewed just now, on its clock
    now[0] += 10
    holder_renews()
    assert not await standby.try_acquire_or_renew()
    now[0] += 14  # 14 s since the last renewal seen: not expired
    assert not await standby.try_acquire_or_renew()
    now[0] += 2  # the holder stopped renewing 16 s ago, by our clock
    assert await standby.try_acquire_or_renew()
    assert (
        scripted_api.objects[("leases", "ray-dev", "rayops-watch")]["spec"]["holderIdentity"] == "replica-b"
    )
