"""Prometheus metrics and ``/healthz`` on one port (aiohttp, prometheus-client).

Metrics, each prefixed ``rayops_watch_``:

- ``transitions_total{kind,event,state}``: lifecycle events acted on (counted once, when claimed);
- ``objects{kind,state}``: watched objects per kind and current state;
- ``seconds_since_last_event``: since the last watch event delivered (a quiet but healthy
  cluster still lists and re-watches, so this stays bounded by the watch timeouts);
- ``actions_failed_total{action}``, ``leader`` (1 when this replica holds the Lease).
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable

from aiohttp import web
from prometheus_client import CollectorRegistry, Gauge
from prometheus_client import Counter as PromCounter
from prometheus_client.exposition import CONTENT_TYPE_LATEST, generate_latest


class WatchMetrics:
    """The watcher's metrics in their own registry (no process-global state)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self.registry = CollectorRegistry()
        self.last_event = clock()
        self.transitions = PromCounter(
            "rayops_watch_transitions",
            "Lifecycle events acted on, by kind, event and state.",
            ["kind", "event", "state"],
            registry=self.registry,
        )
        self.objects = Gauge(
            "rayops_watch_objects",
            "Watched objects by kind and current state.",
            ["kind", "state"],
            registry=self.registry,
        )
        self.actions_failed = PromCounter(
            "rayops_watch_actions_failed",
            "Actions that failed, by action type.",
            ["action"],
            registry=self.registry,
        )
        self.leader = Gauge(
            "rayops_watch_leader", "1 when this replica holds the Lease.", registry=self.registry
        )
        since = Gauge(
            "rayops_watch_seconds_since_last_event",
            "Seconds since the last watch event was delivered.",
            registry=self.registry,
        )
        since.set_function(lambda: self.clock() - self.last_event)
        self._states: dict[str, tuple[str, str]] = {}
        self._counts: Counter[tuple[str, str]] = Counter()

    def saw_event(self) -> None:
        """Note that a watch event arrived now."""
        self.last_event = self.clock()

    def set_state(self, uid: str, kind: str, state: str | None) -> None:
        """Record the current state of one object (None: the object is gone)."""
        previous = self._states.pop(uid, None)
        if previous is not None:
            self._counts[previous] -= 1
            self.objects.labels(*previous).set(self._counts[previous])
        if state is not None:
            self._states[uid] = (kind, state)
            self._counts[(kind, state)] += 1
            self.objects.labels(kind, state).set(self._counts[(kind, state)])

    def render(self) -> bytes:
        """The metrics in Prometheus' text format."""
        return generate_latest(self.registry)


async def start_server(
    metrics: WatchMetrics, healthy: Callable[[], bool], port: int, host: str = "0.0.0.0"
) -> web.AppRunner:
    """Serve ``/metrics`` and ``/healthz`` on ``port``; the runner to clean up at exit."""

    async def metrics_view(request: web.Request) -> web.Response:
        return web.Response(body=metrics.render(), headers={"Content-Type": CONTENT_TYPE_LATEST})

    async def healthz_view(request: web.Request) -> web.Response:
        if healthy():
            return web.Response(text="ok\n")
        return web.Response(status=503, text="unhealthy\n")

    app = web.Application()
    app.router.add_get("/metrics", metrics_view)
    app.router.add_get("/healthz", healthz_view)
    runner = web.AppRunner(app, access_log=None, keepalive_timeout=0)
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    return runner
