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
from rayops.watch.config import Action, WatchConfig
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


_RETRYABLE = (ApiError, aiohttp.ClientError, TimeoutError)


class _Unwritten(Exception):
    """A checkpoint write lost every one of its conflict retries."""


def _uid(obj: Mapping[str, Any]) -> str:
    return str((obj.get("metadata") or {}).get("uid", ""))


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
        self.draining = False
        """Set while stopping (or no longer leading): no further event of a batch is started."""
        self.retrying = False
        """Whether :meth:`retry_forever` is inside a round of retries (to be let finish)."""
        self._last: dict[str, Mapping[str, Any]] = {}
        # Events to look at again (claimed elsewhere lately, an action or the API failed): the
        # object as last seen, when, and the events. The next act on the object takes them in.
        self._pending: dict[str, tuple[Mapping[str, Any], float, list[LifecycleEvent]]] = {}
        # Events acted on whose done mark is not written yet: only the mark is retried.
        self._acted: dict[str, tuple[list[LifecycleEvent], dict[str, str]]] = {}
        # Events of deleted objects whose webhooks failed under this holder's claim: retried
        # without a checkpoint (the object is gone, and no other replica knows of them).
        self._orphans: dict[str, tuple[Mapping[str, Any], float, list[LifecycleEvent]]] = {}

    def forget(self, obj: Mapping[str, Any]) -> None:
        """The object was deleted: drop what is remembered about it, but not the webhooks it owes."""
        uid = _uid(obj)
        self._last.pop(uid, None)
        self._acted.pop(uid, None)  # nothing left to mark done
        pending = self._pending.pop(uid, None)
        if pending is not None:
            self._orphan(uid, obj, pending[1], pending[2])
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
        """Claim ``events`` (and those left over from earlier looks at ``obj``), run their
        actions, mark the successful ones done; whatever is not finished is looked at again."""
        uid = _uid(obj)
        pending = self._pending.pop(uid, None)
        if pending is not None:
            # Edge events are not shown again: the ones still owed come from here.
            known = {event.key for event in events}
            events = events + [event for event in pending[2] if event.key not in known]
        if uid in self._acted:
            obj = await self._mark_acted(uid, obj)
            acted = self._acted.get(uid)
            if acted is not None:  # acted on already: never again, only its mark is owed
                marking = {event.key for event in acted[0]}
                events = [event for event in events if event.key not in marking]
        if not events:
            return
        try:
            claimed, obj = await self._claim(obj, events)
        except _RETRYABLE as error:
            # The API server is unreachable or refuses: nothing happened yet, look again soon.
            logger.warning("claiming on %s failed, retrying in %gs: %s", object_path(obj), _API_RETRY, error)
            self._retry_later(obj, events, self.clock() + _API_RETRY)
            return
        annotations: dict[str, str] = {}
        done: list[LifecycleEvent] = []
        remaining = list(claimed)
        renew = False
        while remaining:
            if renew:
                # Each event's actions start under a fresh claim, the events before it marked
                # done: claims written together would otherwise expire together.
                if self.draining:
                    self._retry_later(obj, remaining, self.clock() + self.config.claim_timeout_seconds)
                    break
                try:
                    written, remaining = await self._write_checkpoint(obj, done, annotations, remaining)
                except (*_RETRYABLE, _Unwritten) as error:
                    logger.warning("renewing the claims on %s failed: %s", object_path(obj), error)
                    self._retry_later(obj, remaining, self.clock() + self.config.claim_timeout_seconds)
                    break
                if written is None:  # deleted: what is owed without the object is done from there
                    done = []
                    self._retry_later(obj, remaining, self.clock())
                    break
                obj, done, annotations = written, [], {}
                if not remaining:  # taken over or done by another holder meanwhile
                    break
            renew = True
            event = remaining.pop(0)
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
            known_events, known_annotations = self._acted.get(uid, ([], {}))
            self._acted[uid] = (known_events + done, {**known_annotations, **annotations})
            await self._mark_acted(uid, obj)

    def _retry_later(self, obj: Mapping[str, Any], events: list[LifecycleEvent], when: float) -> None:
        uid = _uid(obj)
        entry = self._pending.get(uid)
        if entry is None:
            self._pending[uid] = (obj, when, list(events))
            return
        _, due, known = entry
        keys = {event.key for event in known}
        self._pending[uid] = (obj, min(due, when), known + [e for e in events if e.key not in keys])

    def _orphan(self, uid: str, obj: Mapping[str, Any], due: float, events: list[LifecycleEvent]) -> None:
        """Keep the webhooks of ``events`` claimed by this holder on the deleted ``obj``."""
        checkpoint = read_checkpoint(obj)
        owed = [
            event
            for event in events
            if event.key not in checkpoint.done
            and checkpoint.claims.get(event.key, ("", 0.0))[0] == self.holder
            and self._webhooks(event)
        ]
        if owed:
            _, known_due, known = self._orphans.get(uid, (obj, due, []))
            keys = {event.key for event in known}
            self._orphans[uid] = (obj, min(due, known_due), known + [e for e in owed if e.key not in keys])

    def _webhooks(self, event: LifecycleEvent) -> list[Action]:
        actions = self.config.actions_for(event.kind, event.reason, event.state)
        return [action for action in actions if action.type == "webhook"]

    def next_retry(self) -> float | None:
        """When the earliest unfinished event is due to be looked at again."""
        dues = [due for _, due, _ in self._pending.values()] + [due for _, due, _ in self._orphans.values()]
        return min(dues, default=None)

    async def retry_due(self) -> None:
        """Re-read the objects whose retries are due and act on what they still owe (expired
        claims are taken over); retry the webhooks deleted objects still owe."""
        now = self.clock()
        for uid, (last, due, _) in list(self._pending.items()):
            if due > now:
                continue
            obj: Mapping[str, Any] | None
            try:
                obj = await self.api.get(object_path(last))
            except _RETRYABLE as error:
                if not isinstance(error, ApiError) or error.status != 404:
                    entry = self._pending.get(uid)
                    if entry is not None:
                        self._pending[uid] = (entry[0], now + _API_RETRY, entry[2])
                    continue
                obj = None
            if obj is None or _uid(obj) != uid:
                # Deleted (perhaps created again under the same name): keep only what needs no object.
                self.forget(self._pending.get(uid, (last,))[0])
                continue
            await self.act(obj, [])
        for uid, (obj, due, events) in list(self._orphans.items()):
            if due > now:
                continue
            del self._orphans[uid]
            failed: list[LifecycleEvent] = []
            for event in events:
                try:
                    await run_actions(event, obj, self._webhooks(event), self.context)
                except ActionFailed as error:
                    logger.warning("%s of deleted %s/%s: %s", event.key, event.namespace, event.name, error)
                    failed.append(event)
            if failed:
                self._orphans[uid] = (obj, self.clock() + self.config.claim_timeout_seconds, failed)

    async def retry_forever(self, stop: asyncio.Event, period: float = 1.0) -> None:
        """Look at due retries every ``period`` seconds until ``stop`` (no task per look)."""
        while not stop.is_set():
            await asyncio.sleep(period)
            if stop.is_set():
                return
            if self._pending or self._orphans:
                self.retrying = True
                try:
                    await self.retry_due()
                except _RETRYABLE as error:
                    logger.warning("retrying failed: %s", error)
                finally:
                    self.retrying = False

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
                    self._retry_later(obj, events, now)  # deleted: owed webhooks go on from there
                    return [], obj
                if error.status != 409:
                    raise
            obj = await self.api.get(path)
        logger.warning(
            "gave up claiming %s after %d conflicts, retrying in %gs", path, _CONFLICT_ATTEMPTS, _API_RETRY
        )
        self._retry_later(obj, events, self.clock() + _API_RETRY)
        return [], obj

    async def _mark_acted(self, uid: str, obj: Mapping[str, Any]) -> Mapping[str, Any]:
        """Mark the events acted on done; on failure keep them for a retry of the mark alone."""
        events, annotations = self._acted[uid]
        try:
            written, _ = await self._write_checkpoint(obj, events, annotations, [])
        except (*_RETRYABLE, _Unwritten) as error:
            # Never act again: the claim could expire meanwhile, and the actions would repeat.
            logger.warning("marking %s done failed, retrying in %gs: %s", object_path(obj), _API_RETRY, error)
            self._retry_later(obj, [], self.clock() + _API_RETRY)
            return obj
        self._acted.pop(uid, None)
        return obj if written is None else written

    async def _write_checkpoint(
        self,
        obj: Mapping[str, Any],
        done: list[LifecycleEvent],
        annotations: dict[str, str],
        renew: list[LifecycleEvent],
    ) -> tuple[Mapping[str, Any] | None, list[LifecycleEvent]]:
        """Mark ``done`` done and renew this holder's claims among ``renew``, in one conditional
        write; the written object (None: deleted) and the events of ``renew`` still claimed."""
        path = object_path(obj)
        for _ in range(_CONFLICT_ATTEMPTS):
            checkpoint = read_checkpoint(obj)
            ours = [
                event
                for event in renew
                if event.key not in checkpoint.done
                and checkpoint.claims.get(event.key, ("", 0.0))[0] == self.holder
            ]
            if not done and not ours:
                return obj, []
            patch = done_patch(
                obj,
                checkpoint,
                done,
                annotations,
                keep=[event.key for event in detect(None, obj)],
                reclaim=ours,
                holder=self.holder,
                now=self.clock(),
            )
            try:
                return await self.api.merge_patch(path, patch), ours
            except ApiError as error:
                if error.status == 404:
                    return None, []
                if error.status != 409:
                    raise
            try:
                obj = await self.api.get(path)
            except ApiError as error:
                if error.status == 404:
                    return None, []
                raise
        raise _Unwritten(f"{path}: {_CONFLICT_ATTEMPTS} conflicts in a row")


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
    # SIGTERM: let an event's actions in flight finish (the Pod's grace period is longer).
    settings.queueing.exit_timeout = config.drain_seconds()
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
            watcher.draining = False
            operator_stop = asyncio.Event()
            operator_ready = asyncio.Event()
            # Tasks made before kopf starts are not among those kopf waits for when it stops.
            waiters: list[asyncio.Task[Any]] = [asyncio.create_task(stop.wait())]
            if elector is not None:
                waiters.append(asyncio.create_task(elector.keep_renewing(stop)))
            retrier = asyncio.create_task(watcher.retry_forever(operator_stop))
            operator_settings_now = settings or operator_settings(config)
            operator = asyncio.create_task(
                kopf.operator(
                    registry=build_registry(watcher, info),
                    settings=operator_settings_now,
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
            watcher.draining = True  # finish the event in flight, start no other
            draining_since = asyncio.get_running_loop().time()
            operator_stop.set()  # drain: kopf lets handlers in flight finish, then returns
            await operator
            handle_signals()
            if watcher.retrying:
                # A retry in flight gets the same time to finish as kopf's handlers.
                exit_timeout = operator_settings_now.queueing.exit_timeout
                left = exit_timeout - (asyncio.get_running_loop().time() - draining_since)
                await asyncio.wait([retrier], timeout=max(left, 0.0))
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
