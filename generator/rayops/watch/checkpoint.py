"""Exactly-once bookkeeping on the watched object itself (pure: the decisions, not the writes).

One annotation, ``watch.rayops.dev/checkpoint``, holds JSON::

    {"uid": "<the object's uid>",
     "done": ["JobFinished/FAILED/<jobId>#1", ...],
     "claims": {"<event key>": ["<holder>", <unix time>]}}

A lifecycle event is acted on in three steps: *claim* it (write the claim with the
object's ``resourceVersion`` as precondition: of two watchers, only one write succeeds, the
other gets 409 Conflict, re-reads, and sees the claim), run the actions, then mark it
*done* (same precondition). A relist, a replayed watch event or a restart finds the key
done and does nothing. A claim whose holder died mid-action expires after the claim
timeout and is taken over; the webhook then carries the same idempotency key, so a
receiver can still drop the second delivery. The uid guards against a checkpoint copied
onto another object (``kubectl get -o yaml | kubectl apply`` of a recreated resource).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from rayops.watch.lifecycle import LifecycleEvent

ANNOTATION: Final = "watch.rayops.dev/checkpoint"
OUTCOME_ANNOTATION: Final = "watch.rayops.dev/last-event"
MAX_DONE_KEYS: Final = 32
"""Older keys are dropped: their occurrences (older job IDs, transition times) never come back.
The newest key of each reason, and any key the status shows now, are kept beyond the bound."""


@dataclass(frozen=True)
class Checkpoint:
    """The parsed checkpoint annotation of one object."""

    uid: str
    done: tuple[str, ...] = ()
    claims: Mapping[str, tuple[str, float]] = field(default_factory=dict)


def read_checkpoint(obj: Mapping[str, Any]) -> Checkpoint:
    """The checkpoint stored on ``obj``; an empty one if absent, unreadable or for another uid."""
    metadata = obj.get("metadata") or {}
    uid = str(metadata.get("uid", ""))
    text = (metadata.get("annotations") or {}).get(ANNOTATION)
    if not text:
        return Checkpoint(uid)
    try:
        data = json.loads(text)
    except (TypeError, ValueError):
        return Checkpoint(uid)
    if not isinstance(data, dict) or data.get("uid") != uid:
        return Checkpoint(uid)
    done = tuple(str(key) for key in data.get("done") or () if isinstance(key, str))
    claims: dict[str, tuple[str, float]] = {}
    raw_claims = data.get("claims")
    if isinstance(raw_claims, dict):
        for key, value in raw_claims.items():
            if isinstance(value, list) and len(value) == 2 and isinstance(value[1], int | float):
                claims[str(key)] = (str(value[0]), float(value[1]))
    return Checkpoint(uid, done, claims)


def to_claim(
    events: Iterable[LifecycleEvent],
    checkpoint: Checkpoint,
    holder: str,
    now: float,
    claim_timeout: float,
) -> list[LifecycleEvent]:
    """The events to claim: not done, and not claimed by anyone (this holder included) lately.

    A claim younger than ``claim_timeout`` means some holder is acting on the event, or
    failed to and will be taken over when it expires: either way, not now.
    """
    done = checkpoint.done
    chosen: list[LifecycleEvent] = []
    for event in events:
        key = event.key
        if key in done:
            continue
        claim = checkpoint.claims.get(key)
        if claim is not None and now - claim[1] < claim_timeout:
            continue
        chosen.append(event)
    return chosen


def claim_patch(
    obj: Mapping[str, Any], checkpoint: Checkpoint, events: Iterable[LifecycleEvent], holder: str, now: float
) -> dict[str, Any]:
    """A merge patch claiming ``events``, valid only at ``obj``'s resourceVersion."""
    claims = dict(checkpoint.claims)
    for event in events:
        claims[event.key] = (holder, now)
    return _patch(obj, Checkpoint(checkpoint.uid, checkpoint.done, claims))


def done_patch(
    obj: Mapping[str, Any],
    checkpoint: Checkpoint,
    events: Iterable[LifecycleEvent],
    extra_annotations: Mapping[str, str] | None = None,
    *,
    keep: Iterable[str] = (),
    reclaim: Iterable[LifecycleEvent] = (),
    holder: str = "",
    now: float = 0.0,
) -> dict[str, Any]:
    """A merge patch marking ``events`` done (and their claims released) at ``obj``'s resourceVersion.

    ``keep`` are keys the object's status shows now (never dropped from the bounded list);
    ``reclaim`` are events whose claims ``holder`` renews at ``now`` in the same write.
    """
    keys = [event.key for event in events]
    done = trim_done([key for key in checkpoint.done if key not in keys] + keys, keep)
    claims = {key: claim for key, claim in checkpoint.claims.items() if key not in keys}
    for event in reclaim:
        claims[event.key] = (holder, now)
    return _patch(obj, Checkpoint(checkpoint.uid, done, claims), extra_annotations)


def trim_done(done: list[str], keep: Iterable[str] = ()) -> tuple[str, ...]:
    """The newest ``MAX_DONE_KEYS`` of ``done`` (oldest first), never dropping a key of ``keep``
    nor the newest key of each reason: an occurrence the status still shows would come back.
    """
    if len(done) <= MAX_DONE_KEYS:
        return tuple(done)
    kept = set(keep)
    reasons: set[str] = set()
    for key in reversed(done):
        reason = key.split("/", 1)[0]
        if reason not in reasons:
            reasons.add(reason)
            kept.add(key)
    excess = len(done) - MAX_DONE_KEYS
    trimmed: list[str] = []
    for key in done:
        if excess and key not in kept:
            excess -= 1
            continue
        trimmed.append(key)
    return tuple(trimmed)


def _patch(
    obj: Mapping[str, Any], checkpoint: Checkpoint, extra_annotations: Mapping[str, str] | None = None
) -> dict[str, Any]:
    value: dict[str, Any] = {"uid": checkpoint.uid, "done": list(checkpoint.done)}
    if checkpoint.claims:
        value["claims"] = {key: [holder, round(when, 3)] for key, (holder, when) in checkpoint.claims.items()}
    annotations = {ANNOTATION: json.dumps(value, separators=(",", ":"), sort_keys=True)}
    annotations.update(extra_annotations or {})
    metadata = obj.get("metadata") or {}
    return {"metadata": {"resourceVersion": metadata.get("resourceVersion", ""), "annotations": annotations}}


def idempotency_key(event: LifecycleEvent) -> str:
    """A stable key for one occurrence of one event on one object: the same on every delivery."""
    digest = hashlib.sha256(f"{event.uid}\n{event.key}".encode()).hexdigest()
    return digest[:32]
