"""Leader election with a ``coordination.k8s.io/v1`` Lease, as client-go's leaderelection does.

The holder renews ``spec.renewTime`` every renew period; another replica takes the Lease
over only once ``leaseDurationSeconds`` have passed, on its own clock, since it last saw the
Lease's record change (as client-go does: the holder's clock may differ from ours, so its
``renewTime`` is never compared with our time). Every write carries the Lease's
``resourceVersion``, so of two replicas racing for it one gets 409 Conflict. A brief outage of
the API server (connection errors, timeouts) is retried with backoff, never fatal. Even if two
ever act at once (a paused process that wakes up after its lease expired), the checkpoint's
own precondition keeps each action single.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime
import logging
import time
from collections.abc import Callable
from typing import Any

import aiohttp

from rayops.watch.kube import ApiError, KubeApi

logger = logging.getLogger("rayops.watch")
_FAILURES = (ApiError, aiohttp.ClientError, TimeoutError)
"""What one attempt may fail with and be tried again: refusals, and an unreachable API server."""


def _micro_time(epoch: float) -> str:
    return datetime.datetime.fromtimestamp(epoch, datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class LeaderElector:
    """Acquires and renews one Lease for one identity."""

    def __init__(
        self,
        api: KubeApi,
        namespace: str,
        name: str,
        identity: str,
        lease_duration: float,
        renew_period: float,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.api = api
        self.path = f"/apis/coordination.k8s.io/v1/namespaces/{namespace}/leases/{name}"
        self.collection = f"/apis/coordination.k8s.io/v1/namespaces/{namespace}/leases"
        self.namespace = namespace
        self.name = name
        self.identity = identity
        self.lease_duration = lease_duration
        self.renew_period = renew_period
        self.clock = clock
        self.last_renewed = 0.0
        # The Lease's record as last read, and when (our clock) it was first seen so.
        self._observed: tuple[Any, ...] | None = None
        self._observed_at = 0.0

    @property
    def is_leader(self) -> bool:
        """Whether this identity renewed the Lease within its duration."""
        return self.last_renewed > 0 and self.clock() - self.last_renewed < self.lease_duration

    async def try_acquire_or_renew(self) -> bool:
        """One attempt: create, renew or take over the Lease; True when this identity holds it."""
        now = self.clock()
        try:
            lease: dict[str, Any] = await self.api.get(self.path)
        except ApiError as error:
            if error.status != 404:
                raise
            return await self._write(None, now, transitions=0)
        spec = lease.get("spec") or {}
        holder = spec.get("holderIdentity")
        record = tuple(
            spec.get(field)
            for field in (
                "holderIdentity",
                "renewTime",
                "acquireTime",
                "leaseDurationSeconds",
                "leaseTransitions",
            )
        )
        if record != self._observed:
            self._observed, self._observed_at = record, now
        duration = float(spec.get("leaseDurationSeconds") or self.lease_duration)
        if holder and holder != self.identity and now < self._observed_at + duration:
            self.last_renewed = 0.0
            return False
        transitions = int(spec.get("leaseTransitions") or 0) + (0 if holder == self.identity else 1)
        return await self._write(lease, now, transitions)

    async def _write(self, lease: dict[str, Any] | None, now: float, transitions: int) -> bool:
        spec = dict((lease or {}).get("spec") or {})
        if spec.get("holderIdentity") != self.identity:
            spec["acquireTime"] = _micro_time(now)
        spec.update(
            holderIdentity=self.identity,
            leaseDurationSeconds=round(self.lease_duration),
            renewTime=_micro_time(now),
            leaseTransitions=transitions,
        )
        body: dict[str, Any] = {
            "apiVersion": "coordination.k8s.io/v1",
            "kind": "Lease",
            "metadata": {"name": self.name, "namespace": self.namespace},
            "spec": spec,
        }
        try:
            if lease is None:
                await self.api.post(self.collection, body)
            else:
                body["metadata"]["resourceVersion"] = lease["metadata"]["resourceVersion"]
                await self.api.put(self.path, body)
        except ApiError as error:
            if error.status == 409:
                self.last_renewed = 0.0
                return False
            raise
        self.last_renewed = now
        return True

    async def wait_for_leadership(self, stop: asyncio.Event) -> bool:
        """Try every renew period until this identity leads (True) or ``stop`` is set (False);
        failed attempts are retried with exponential backoff, up to the lease duration."""
        delay = self.renew_period
        while not stop.is_set():
            try:
                if await self.try_acquire_or_renew():
                    logger.info("leading as %s (Lease %s/%s)", self.identity, self.namespace, self.name)
                    return True
                delay = self.renew_period
            except _FAILURES as error:
                logger.warning("leader election: %s (retrying in %gs)", _describe(error), delay)
                wait, delay = delay, min(delay * 2, self.lease_duration)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), wait)
                continue
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), delay)
        return False

    async def keep_renewing(self, stop: asyncio.Event) -> None:
        """Renew until ``stop`` is set or the Lease is lost (then return).

        Sleeps rather than ``wait_for(stop.wait())``: that would start a task per period while
        kopf runs, and kopf waits for such tasks when it stops.
        """
        while not stop.is_set():
            await asyncio.sleep(self.renew_period)
            if stop.is_set():
                return
            try:
                if not await self.try_acquire_or_renew():
                    logger.warning("lost the Lease %s/%s", self.namespace, self.name)
                    return
            except _FAILURES as error:
                # Still leading until the lease runs out: try again at the next period.
                logger.warning("leader election: renewing failed: %s", _describe(error))
                if not self.is_leader:
                    return

    async def release(self) -> None:
        """Give the Lease up at shutdown so a standby takes over at once."""
        if not self.is_leader:
            return
        try:
            lease = await self.api.get(self.path)
            if (lease.get("spec") or {}).get("holderIdentity") == self.identity:
                lease["spec"]["holderIdentity"] = None
                lease["spec"]["leaseDurationSeconds"] = 1
                await self.api.put(self.path, lease)
        except _FAILURES as error:
            logger.warning("leader election: releasing failed: %s", _describe(error))
        self.last_renewed = 0.0


def _describe(error: BaseException) -> str:
    return str(error) or type(error).__name__
