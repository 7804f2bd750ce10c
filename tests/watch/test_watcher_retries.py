"""What the watcher owes after a failure: kept, retried alone, never acted on twice."""

from __future__ import annotations

import contextlib
import io
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import aiohttp
import kopf
import pytest
import pytest_asyncio

from rayops.watch.actions import ActionContext
from rayops.watch.checkpoint import read_checkpoint
from rayops.watch.config import parse_watch_config
from rayops.watch.kube import KubeApi
from rayops.watch.runner import Watcher
from tests.watch.conftest import ScriptedApi
from tests.watch.kuberay_objects import (
    T1,
    T2,
    job_finished,
    ray_job,
    ray_service,
    service_status,
)

pytestmark = pytest.mark.asyncio
CLAIM_TIMEOUT = 30.0


@pytest_asyncio.fixture
async def clients(scripted_api: ScriptedApi) -> AsyncIterator[tuple[KubeApi, aiohttp.ClientSession]]:
    api = KubeApi(kopf.ConnectionInfo(server=scripted_api.url, insecure=True))
    http = aiohttp.ClientSession()
    yield api, http
    await http.close()
    await api.close()


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class SlowHooks:
    """An HTTP session whose webhook deliveries each take ``seconds`` of ``clock``; ``meanwhile``
    runs while one is in flight (another replica looking at the object, say)."""

    def __init__(
        self,
        http: aiohttp.ClientSession,
        clock: Clock,
        seconds: float,
        meanwhile: Callable[[], Awaitable[None]],
    ) -> None:
        self.http, self.clock, self.seconds, self.meanwhile = http, clock, seconds, meanwhile

    @contextlib.asynccontextmanager
    async def post(self, url: str, **kwargs: Any) -> AsyncIterator[aiohttp.ClientResponse]:
        self.clock.now += self.seconds
        await self.meanwhile()
        async with self.http.post(url, **kwargs) as response:
            yield response


def make_watcher(
    scripted: ScriptedApi,
    clients: tuple[KubeApi, aiohttp.ClientSession],
    rules: list[dict[str, Any]],
    clock: Clock,
    holder: str = "replica-a",
    http: Any = None,
) -> tuple[Watcher, io.StringIO]:
    api, session = clients
    config = parse_watch_config(
        {"namespaces": ["ray-dev"], "claimTimeoutSeconds": CLAIM_TIMEOUT, "rules": rules}
    )
    stdout = io.StringIO()

    async def no_sleep(seconds: float) -> None:
        return None

    context = ActionContext(api, http or session, stdout=stdout, sleep=no_sleep)
    return Watcher(config, api, session, holder, clock=clock, context=context), stdout


def hook(scripted: ScriptedApi) -> dict[str, Any]:
    return {"webhook": {"url": f"{scripted.url}/hook", "retries": 0, "timeoutSeconds": 5}}


def delivered(scripted: ScriptedApi) -> list[str]:
    return [f"{h['body']['event']}/{h['body']['occurrence']}" for h in scripted.webhooks]


async def run_retries(watcher: Watcher, clock: Clock, rounds: int = 3) -> None:
    """Let time pass past every claim and retry, looking at what is due each time."""
    for _ in range(rounds):
        clock.now += CLAIM_TIMEOUT + 1
        await watcher.retry_due()


async def test_an_edge_event_whose_action_failed_survives_the_next_watch_event(
    scripted_api: ScriptedApi, clients: Any
) -> None:
    clock = Clock()
    rules = [
        {"events": ["UpgradeFinished"], "actions": [hook(scripted_api)]},
        {"events": ["ServiceReady"], "actions": [{"log": {}}]},
    ]
    watcher, _ = make_watcher(scripted_api, clients, rules, clock)
    upgrading = scripted_api.add(ray_service(**service_status(ready=True, pending="llm-raycluster-bbbbb")))
    await watcher.handle(upgrading)
    # The upgrade finishes while the receiver is down: the webhook fails.
    scripted_api.webhook_failures = 1
    finished = scripted_api.set_status(
        "RayService", "llm", service_status(ready=True, active="llm-raycluster-bbbbb")
    )
    await watcher.handle(finished)
    assert delivered(scripted_api) == []
    # Another status write (KubeRay updates it often): UpgradeFinished is not shown again.
    clock.now += 3
    again = scripted_api.set_status(
        "RayService", "llm", service_status(ready=True, active="llm-raycluster-bbbbb")
    )
    await watcher.handle(again)
    assert watcher.next_retry() is not None
    await run_retries(watcher, clock)
    assert delivered(scripted_api) == ["UpgradeFinished/llm-raycluster-bbbbb"]
    checkpoint = read_checkpoint(scripted_api.get("RayService", "llm"))
    assert "UpgradeFinished//llm-raycluster-bbbbb" in checkpoint.done and not checkpoint.claims
    assert watcher.next_retry() is None


async def test_a_claim_given_up_after_conflicts_is_retried(scripted_api: ScriptedApi, clients: Any) -> None:
    clock = Clock()
    watcher, _ = make_watcher(
        scripted_api, clients, [{"events": ["JobFinished"], "actions": [hook(scripted_api)]}], clock
    )
    scripted_api.patch_answers = [409] * 8  # another writer wins every race, eight times
    await watcher.handle(scripted_api.add(ray_job("train", "uid-train", **job_finished("FAILED"))))
    assert scripted_api.webhooks == [] and watcher.next_retry() is not None
    await run_retries(watcher, clock)
    assert len(scripted_api.webhooks) == 1
    assert read_checkpoint(scripted_api.get("RayJob", "train")).done


@pytest.mark.parametrize("answers", [[500], [409] * 8], ids=["refused", "conflicts"])
async def test_a_done_mark_not_written_is_retried_alone_never_the_actions(
    scripted_api: ScriptedApi, clients: Any, answers: list[int]
) -> None:
    clock = Clock()
    rules = [{"events": ["JobFinished"], "actions": [hook(scripted_api), {"log": {}}]}]
    watcher, stdout = make_watcher(scripted_api, clients, rules, clock)
    job = scripted_api.add(ray_job("train", "uid-train", **job_finished("FAILED")))
    scripted_api.patch_answers = [0, *answers]  # the claim is written, the done mark is not
    await watcher.handle(job)
    assert len(scripted_api.webhooks) == 1
    assert read_checkpoint(scripted_api.get("RayJob", "train")).claims  # claimed, not done
    # Time passes beyond the claim; the object is seen again (a relist) and retries run.
    await run_retries(watcher, clock)
    await watcher.handle(scripted_api.get("RayJob", "train"))
    await run_retries(watcher, clock)
    assert len(scripted_api.webhooks) == 1
    assert len(stdout.getvalue().splitlines()) == 1
    checkpoint = read_checkpoint(scripted_api.get("RayJob", "train"))
    assert checkpoint.done and not checkpoint.claims
    assert watcher.next_retry() is None


async def test_a_service_upgraded_many_times_is_ready_once(scripted_api: ScriptedApi, clients: Any) -> None:
    clock = Clock()
    rules = [{"events": ["ServiceReady", "UpgradeStarted", "UpgradeFinished"], "actions": [{"log": {}}]}]
    watcher, stdout = make_watcher(scripted_api, clients, rules, clock)
    logs = [stdout]
    await watcher.handle(scripted_api.add(ray_service(**service_status(ready=True))))
    for number in range(20):
        pending = f"llm-raycluster-{number:05d}"
        upgrading = service_status(ready=True, pending=pending)
        await watcher.handle(scripted_api.set_status("RayService", "llm", upgrading))
        finished = service_status(ready=True, active=pending)
        await watcher.handle(scripted_api.set_status("RayService", "llm", finished))
        # Another replica, or this one after a restart, sees the current status afresh.
        fresh, fresh_stdout = make_watcher(scripted_api, clients, rules, clock, holder=f"replica-{number}")
        logs.append(fresh_stdout)
        await fresh.handle(scripted_api.get("RayService", "llm"))
    events = [json.loads(line)["event"] for log in logs for line in log.getvalue().splitlines()]
    assert events.count("ServiceReady") == 1
    assert events.count("UpgradeStarted") == events.count("UpgradeFinished") == 20


async def test_events_claimed_together_renew_their_claim_one_by_one(
    scripted_api: ScriptedApi, clients: Any
) -> None:
    clock = Clock()
    rules = [{"events": ["ServiceReady", "UpgradeFinished"], "actions": [hook(scripted_api)]}]
    other, _ = make_watcher(scripted_api, clients, rules, clock, holder="replica-b")

    async def other_replica_looks() -> None:
        await other.handle(scripted_api.get("RayService", "llm"))

    # Each delivery takes 60% of the claim timeout: one fits in a claim, two do not.
    slow = SlowHooks(clients[1], clock, CLAIM_TIMEOUT * 0.6, other_replica_looks)
    watcher, _ = make_watcher(scripted_api, clients, rules, clock, http=slow)
    not_ready = service_status(ready=False, pending="llm-raycluster-bbbbb", when=T1)
    upgrading = scripted_api.add(ray_service(**not_ready))
    await watcher.handle(upgrading)
    await other.handle(upgrading)
    # The new cluster takes over and serves: two events in one status write.
    finished = scripted_api.set_status(
        "RayService", "llm", service_status(ready=True, active="llm-raycluster-bbbbb", when=T2)
    )
    await watcher.handle(finished)
    assert sorted(delivered(scripted_api)) == [f"ServiceReady/{T2}", "UpgradeFinished/llm-raycluster-bbbbb"]
    checkpoint = read_checkpoint(scripted_api.get("RayService", "llm"))
    assert len(checkpoint.done) == 2 and not checkpoint.claims


async def test_a_job_deleted_right_after_finishing_still_gets_its_webhook(
    scripted_api: ScriptedApi, clients: Any
) -> None:
    clock = Clock()
    rules = [{"events": ["JobFinished"], "actions": [hook(scripted_api), {"log": {}}]}]
    watcher, stdout = make_watcher(scripted_api, clients, rules, clock)
    scripted_api.webhook_failures = 1
    await watcher.handle(scripted_api.add(ray_job("train", "uid-train", **job_finished("FAILED"))))
    assert scripted_api.webhooks == []
    # The job is deleted (its TTL, a user): the watch delivers DELETED with its last state.
    watcher.forget(scripted_api.objects.pop(("rayjobs", "ray-dev", "train")))
    await run_retries(watcher, clock)
    assert len(scripted_api.webhooks) == 1
    assert scripted_api.webhooks[0]["body"]["event"] == "JobFinished"
    assert len(stdout.getvalue().splitlines()) == 1  # the log line was written, and only once
    assert watcher.next_retry() is None


async def test_a_job_deleted_unseen_still_gets_its_webhook_and_nobody_elses(
    scripted_api: ScriptedApi, clients: Any
) -> None:
    clock = Clock()
    rules = [{"events": ["JobFinished"], "actions": [hook(scripted_api)]}]
    watcher, _ = make_watcher(scripted_api, clients, rules, clock)
    other, _ = make_watcher(scripted_api, clients, rules, clock, holder="replica-b")
    scripted_api.webhook_failures = 1
    await watcher.handle(scripted_api.add(ray_job("train", "uid-train", **job_finished("FAILED"))))
    # The other replica saw the claim: it waits for it to expire.
    await other.handle(scripted_api.get("RayJob", "train"))
    assert other.next_retry() is not None
    del scripted_api.objects[("rayjobs", "ray-dev", "train")]  # no DELETED seen: found by the retry
    await run_retries(watcher, clock)
    await run_retries(other, clock)
    assert len(scripted_api.webhooks) == 1
    assert watcher.next_retry() is None and other.next_retry() is None
