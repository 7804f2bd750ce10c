"""``rayops watch``: kopf delivers the Ray resources' watch events; this module acts on them.

kopf lists, watches from the list's resourceVersion with bookmarks, resumes a closed
stream from the last resourceVersion seen, relists after 410 Gone, closes a stream that
stays silent past ``inactivity_timeout``, and backs off between reconnections. Every event
(listed, ADDED, MODIFIED) reaches :meth:`Watcher.handle`, which detects the lifecycle
events, claims the new ones in the checkpoint annotation, runs their actions and marks them
done. A replayed event, a relist or a restart finds them done: nothing is repeated, and
since each event is derived from the object's status, nothing is lost while the watcher
was away.
"""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
import signal
import socket
import time
from collections.abc import Callable, Mapping
from typing import Any

import aiohttp
import kopf

from rayops.watch.actions import ActionContext, ActionFailed, run_actions
from rayops.watch.checkpoint import claim_patch, done_patch, read_checkpoint, to_claim
from rayops.watch.config import WatchConfig
from rayops.watch.kube import ApiError, KubeApi, object_path
from rayops.watch.leader import LeaderElector
from rayops.watch.lifecycle import GROUP, PLURALS, LifecycleEvent, current_state, detect
from rayops.watch.server import WatchMetrics, start_server

logger = logging.getLogger("rayops.watch")
_CONFLICT_ATTEMPTS = 8
_API_RETRY = 5.0


def default_identity() -> str:
    """This replica's name: the Pod's name (HOSTNAME) plus a random suffix per process."""
    return f"{os.environ.get('HOSTNAME') or socket.gethostname()}-{secrets.token_hex(3)}"


class Watcher:
    """Turns one object's watch events into exactly-once actions."""

    def __init__(
        self,
        config: WatchConfig,
        api: KubeApi,
        http: aiohttp.ClientSession,
        holder: str,
        metrics: WatchMetrics | None = None,
        clock: Callable[[], float] = time.time,
        context: ActionContext | None = None,
    ) -> None:
        self.config = config
        self.api = api
        self.holder = holder
        self.metrics = metrics or WatchMetrics()
        self.clock = clock
        self.context = context or ActionContext(
            api, http, on_failure=lambda action: self.metrics.actions_failed.labels(action).inc()
        )
        self._last: dict[str, Mapping[str, Any]] = {}
        # Events claimed but not done (a holder died, an action failed): when to look again.
        self._pending: dict[str, tuple[str, float, list[LifecycleEvent]]] = {}

    def forget(self, obj: Mapping[str, Any]) -> None:
        """The object was deleted: drop what is remembered about it."""
        uid = str((obj.get("metadata") or {}).get("uid", ""))
        self._last.pop(uid, None)
        self._pending.pop(uid, None)
        self.metrics.set_state(uid, str(obj.get("kind")), None)

    async def handle(self, obj: Mapping[str, Any]) -> None:
        """Detect the lifecycle events ``obj`` shows and act on the new ones, once."""
        self.metrics.saw_event()
        metadata = obj.get("metadata") or {}
        uid = str(metadata.get("uid", ""))
        kind = str(obj.get("kind"))
        old = self._last.get(uid)
        self._last[uid] = {"status": obj.get("status")}
        self.metrics.set_state(uid, kind, current_state(obj))
        actionable = [e for e in detect(old, obj) if self.config.actions_for(e.kind, e.reason, e.state)]
        if actionable:
            await self.act(obj, actionable)

    async def act(self, obj: Mapping[str, Any], events: list[LifecycleEvent]) -> None:
        """Claim ``events`` on ``obj``, run their actions, mark the successful ones done."""
        uid = str((obj.get("metadata") or {}).get("uid", ""))
        self._pending.pop(uid, None)
        try:
            claimed, obj = await self._claim(obj, events)
        except (ApiError, aiohttp.ClientError, TimeoutError) as error:
            # The API server is unreachable or refuses: nothing happened yet, look again soon.
            logger.warning("claiming on %s failed, retrying in %gs: %s", object_path(obj), _API_RETRY, error)
            self._retry_later(obj, events, self.clock() + _API_RETRY)
            return
        annotations: dict[str, str] = {}
        done: list[LifecycleEvent] = []
        for event in claimed:
            self.metrics.transitions.labels(event.kind, event.reason, event.state).inc()
            try:
                annotations.update(
                    await run_actions(
                        event,
                        obj,
                        self.config.actions_for(event.kind, event.reason, event.state),
                        self.context,
                    )
                )
            except ActionFailed as error:
                logger.warning(
                    "%s %s/%s stays claimed for a retry: %s", event.key, event.namespace, event.name, error
                )
                self._retry_later(obj, [event], self.clock() + self.config.claim_timeout_seconds)
                continue
            done.append(event)
        if done:
            try:
                await self._mark_done(obj, done, annotations)
            except (ApiError, aiohttp.ClientError, TimeoutError) as error:
                # Acted but not marked: the claim expires and the event is acted on again (the
                # webhook with the same idempotency key, the Event already exists).
                logger.warning("marking %s done failed: %s", object_path(obj), error)
                self._retry_later(obj, done, self.clock() + self.config.claim_timeout_seconds)

    def _retry_later(self, obj: Mapping[str, Any], events: list[LifecycleEvent], when: float) -> None:
        uid = str((obj.get("metadata") or {}).get("uid", ""))
        _, due, known = self._pending.get(uid, ("", when, []))
        keys = {event.key for event in known}
        merged = known + [event for event in events if event.key not in keys]
        self._pending[uid] = (object_path(obj), min(due, when), merged)

    def next_retry(self) -> float | None:
        """When the earliest claimed-but-unfinished event is due to be looked at again."""
        return min((due for _, due, _ in self._pending.values()), default=None)

    async def retry_due(self) -> None:
        """Re-read the objects whose claims expired and act on their events (claims are taken over)."""
        now = self.clock()
        for uid, (path, due, events) in list(self._pending.items()):
            if due > now:
                continue
            self._pending.pop(uid, None)
            try:
                obj = await self.api.get(path)
            except (ApiError, aiohttp.ClientError, TimeoutError) as error:
                if not isinstance(error, ApiError) or error.status != 404:
                    self._pending[uid] = (path, now + _API_RETRY, events)
                continue
            await self.act(obj, events)

    async def retry_forever(self, stop: asyncio.Event, period: float = 1.0) -> None:
        """Look at expired claims every ``period`` seconds until ``stop`` (no task per look)."""
        while not stop.is_set():
            await asyncio.sleep(period)
            if self._pending:
                try:
                    await self.retry_due()
                except ApiError as error:
                    logger.warning("retrying expired claims failed: %s", error)

    async def _claim(
        self, obj: Mapping[str, Any], events: list[LifecycleEvent]
    ) -> tuple[list[LifecycleEvent], Mapping[str, Any]]:
        """Write the claim with a resourceVersion precondition; re-read and re-decide on conflict."""
        path = object_path(obj)
        for _ in range(_CONFLICT_ATTEMPTS):
            checkpoint = read_checkpoint(obj)
            now = self.clock()
            chosen = to_claim(events, checkpoint, self.holder, now, self.config.claim_timeout_seconds)
            waiting = [e for e in events if e not in chosen and e.key not in checkpoint.done]
            if waiting:
                # Claimed by someone lately: look again once their claim expires.
                claimed_at = min(
                    (checkpoint.claims[e.key][1] for e in waiting if e.key in checkpoint.claims), default=now
                )
                self._retry_later(obj, waiting, claimed_at + self.config.claim_timeout_seconds)
            if not chosen:
                return [], obj
            try:
                written = await self.api.merge_patch(
                    path, claim_patch(obj, checkpoint, chosen, self.holder, now)
                )
                return chosen, written
            except ApiError as error:
                if error.status == 404:
                    return [], obj
                if error.status != 409:
                    raise
            obj = await self.api.get(path)
        logger.warning("gave up claiming %s after %d conflicts", path, _CONFLICT_ATTEMPTS)
        return [], obj

    async def _mark_done(
        self, obj: Mapping[str, Any], events: list[LifecycleEvent], annotations: dict[str, str]
    ) -> None:
        path = object_path(obj)
        for _ in range(_CONFLICT_ATTEMPTS):
            try:
                await self.api.merge_patch(path, done_patch(obj, read_checkpoint(obj), events, annotations))
                return
            except ApiError as error:
                if error.status == 404:
                    return
                if error.status != 409:
                    raise
            obj = await self.api.get(path)
        logger.warning("gave up marking %s done after %d conflicts", path, _CONFLICT_ATTEMPTS)


def operator_settings(config: WatchConfig, *, inactivity_timeout: float = 70.0) -> kopf.OperatorSettings:
    """kopf settings for a least-privilege watcher: no CRD or namespace scanning, no posting."""
    settings = kopf.OperatorSettings()
    settings.posting.enabled = False  # Events are an action of ours, written once
    settings.scanning.disabled = True  # no cluster-wide list of CRDs or namespaces
    settings.watching.inactivity_timeout = inactivity_timeout
    settings.watching.server_timeout = 300
    settings.watching.client_timeout = 330
    settings.watching.connect_timeout = 10
    settings.networking.request_timeout = 60
    settings.networking.connect_timeout = 10
    settings.queueing.exit_timeout = 20  # SIGTERM: let in-flight actions finish
    if config.label_selector:
        selector = ",".join(f"{key}={value}" for key, value in sorted(config.label_selector.items()))
        for kind in config.kinds:
            settings.watching.label_selectors[f"{GROUP}/{PLURALS[kind]}"] = selector
    return settings


def build_registry(watcher: Watcher, info: kopf.ConnectionInfo) -> kopf.OperatorRegistry:
    """A kopf registry: the login, and one event handler per watched kind."""
    registry = kopf.OperatorRegistry()

    def login(**_: Any) -> kopf.ConnectionInfo:
        return info

    async def on_event(event: Mapping[str, Any], **_: Any) -> None:
        obj = event.get("object") or {}
        if event.get("type") == "DELETED":
            watcher.forget(obj)
        else:
            await watcher.handle(obj)

    kopf.on.login(registry=registry)(login)
    for kind in watcher.config.kinds:
        kopf.on.event(GROUP, "v1", PLURALS[kind], registry=registry)(on_event)
    return registry


async def run_watch(
    config: WatchConfig,
    info: kopf.ConnectionInfo,
    *,
    lease_namespace: str,
    identity: str | None = None,
    stop: asyncio.Event | None = None,
    settings: kopf.OperatorSettings | None = None,
    metrics_port: int | None = None,
    install_signal_handlers: bool = True,
) -> int:
    """Run until SIGTERM (or ``stop``): lead or stand by, watch, act; the exit code."""
    stop = stop or asyncio.Event()

    def handle_signals() -> None:
        # kopf installs its own handlers while it runs (it then stops, and so do we).
        if install_signal_handlers:
            loop = asyncio.get_running_loop()
            for signum in (signal.SIGTERM, signal.SIGINT):
                loop.add_signal_handler(signum, stop.set)

    handle_signals()
    holder = identity or default_identity()
    api = KubeApi(info)
    # No keep-alive: kopf waits for every task started while it runs, idle connections included.
    http = aiohttp.ClientSession(connector=aiohttp.TCPConnector(force_close=True))
    metrics = WatchMetrics()
    elector = (
        LeaderElector(
            api,
            lease_namespace,
            config.leader_election.lease_name,
            holder,
            config.leader_election.lease_duration_seconds,
            config.leader_election.renew_period_seconds,
        )
        if config.leader_election.enabled
        else None
    )
    watcher = Watcher(config, api, http, holder, metrics)
    running = {"operator": False}

    def healthy() -> bool:
        return not stop.is_set() and (not running["operator"] or elector is None or elector.is_leader)

    port = config.metrics_port if metrics_port is None else metrics_port
    server = await start_server(metrics, healthy, port) if port else None
    try:
        while not stop.is_set():
            if elector is not None and not await elector.wait_for_leadership(stop):
                break
            metrics.leader.set(1)
            operator_stop = asyncio.Event()
            operator_ready = asyncio.Event()
            # Tasks made before kopf starts are not among those kopf waits for when it stops.
            waiters: list[asyncio.Task[Any]] = [asyncio.create_task(stop.wait())]
            if elector is not None:
                waiters.append(asyncio.create_task(elector.keep_renewing(stop)))
            retrier = asyncio.create_task(watcher.retry_forever(operator_stop))
            operator = asyncio.create_task(
                kopf.operator(
                    registry=build_registry(watcher, info),
                    settings=settings or operator_settings(config),
                    standalone=True,
                    clusterwide=config.cluster_wide,
                    namespaces=list(config.namespaces),
                    stop_flag=operator_stop,
                    ready_flag=operator_ready,
                )
            )
            started = asyncio.create_task(operator_ready.wait())
            running["operator"] = True
            await asyncio.wait([started, operator, *waiters], return_when=asyncio.FIRST_COMPLETED)
            started.cancel()
            # kopf took SIGTERM over at its start: take it back, so that stopping goes through
            # operator_stop (kopf then drains its workers at once).
            handle_signals()
            waiters.append(operator)
            await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
            if operator.done():
                stop.set()  # kopf stopped on its own (its signal handling): so do we
            operator_stop.set()  # drain: kopf lets handlers in flight finish, then returns
            await operator
            handle_signals()
            retrier.cancel()
            for waiter in waiters:
                waiter.cancel()
            running["operator"] = False
            metrics.leader.set(0)
            if elector is None:
                break
    finally:
        if elector is not None:
            await elector.release()
        if server is not None:
            await server.cleanup()
        await http.close()
        await api.close()
    return 0
