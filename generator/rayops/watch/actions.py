"""The actions a lifecycle event can trigger, each safe to run twice.

- ``event``: a Kubernetes Event whose name derives from the idempotency key, so a second
  creation is an AlreadyExists (409), not a second Event.
- ``webhook``: a JSON POST with an ``Idempotency-Key`` header; retried with exponential
  backoff on timeouts, connection errors, 429 and 5xx. The body names the object and the
  event only: never its spec, labels or annotations, so no secret value leaves the cluster.
  Header values come from environment variables (mounted from a Secret) and are never logged.
- ``deleteCodeConfigMap``: the ConfigMap rayops rendered for a finished RayJob (label
  ``rayops.dev/code-of: <job>``), deleted with a uid precondition; a missing one is fine, and a
  RayJob created by a RayCronJob keeps it (the next run mounts it again).
- ``annotate``: ``watch.rayops.dev/last-event`` on the object, written with the checkpoint.
- ``log``: one JSON line on standard output.
"""

from __future__ import annotations

import asyncio
import datetime
import json
import logging
import os
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final, TextIO

import aiohttp

from rayops.watch.checkpoint import OUTCOME_ANNOTATION, idempotency_key
from rayops.watch.config import Action, WebhookAction
from rayops.watch.kube import ApiError, KubeApi
from rayops.watch.lifecycle import LifecycleEvent

CODE_OF_LABEL: Final = "rayops.dev/code-of"
MANAGED_BY_LABEL: Final = "app.kubernetes.io/managed-by"
COMPONENT: Final = "rayops-watch"
logger = logging.getLogger("rayops.watch")


class ActionFailed(Exception):
    """An action failed after its retries; the event stays claimed and is retried later."""


@dataclass
class ActionContext:
    """What the actions need: the API, an HTTP session for webhooks, where to log, a clock."""

    api: KubeApi
    http: aiohttp.ClientSession
    stdout: TextIO = field(default_factory=lambda: sys.stdout)
    environ: Mapping[str, str] = field(default_factory=lambda: os.environ)
    sleep: Callable[[float], Any] = asyncio.sleep
    on_failure: Callable[[str], None] = lambda action: None


def now_iso() -> str:
    """The current UTC time in the RFC 3339 form Kubernetes writes."""
    return datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def event_document(event: LifecycleEvent) -> dict[str, Any]:
    """The JSON document webhooks and log lines carry: the event, never the object's spec."""
    return {
        "apiVersion": "watch.rayops.dev/v1",
        "kind": "LifecycleEvent",
        "idempotencyKey": idempotency_key(event),
        "event": event.reason,
        "state": event.state,
        "severity": event.severity,
        "message": event.message,
        "occurrence": event.occurrence,
        "object": {
            "apiVersion": "ray.io/v1",
            "kind": event.kind,
            "namespace": event.namespace,
            "name": event.name,
            "uid": event.uid,
        },
        "time": now_iso(),
    }


async def run_actions(
    event: LifecycleEvent, obj: Mapping[str, Any], actions: list[Action], context: ActionContext
) -> dict[str, str]:
    """Run ``actions`` for ``event`` in order; the annotations to write with the checkpoint.

    Raises :class:`ActionFailed` when a retryable failure outlasted its retries.
    """
    annotations: dict[str, str] = {}
    failures: list[str] = []
    for action in actions:
        try:
            if action.type == "event":
                await emit_event(event, obj, context.api)
            elif action.type == "webhook":
                assert action.webhook is not None
                await post_webhook(event, action.webhook, context)
            elif action.type == "deleteCodeConfigMap":
                await delete_code_config_map(event, obj, context.api)
            elif action.type == "annotate":
                annotations[OUTCOME_ANNOTATION] = (
                    f"{event.reason}/{event.state}".rstrip("/") + f" {now_iso()}"
                )
            elif action.type == "log":
                context.stdout.write(json.dumps(event_document(event), sort_keys=True) + "\n")
                context.stdout.flush()
        except ActionFailed as error:
            context.on_failure(action.type)
            logger.warning(
                "%s for %s/%s %s failed: %s", action.type, event.namespace, event.name, event.key, error
            )
            failures.append(action.type)
        except ApiError as error:
            context.on_failure(action.type)
            logger.warning(
                "%s for %s/%s %s refused: %s", action.type, event.namespace, event.name, event.key, error
            )
            if error.status >= 500 or error.status == 429:
                failures.append(action.type)
    if failures:
        raise ActionFailed(f"retryable failures in: {', '.join(failures)}")
    return annotations


async def emit_event(event: LifecycleEvent, obj: Mapping[str, Any], api: KubeApi) -> None:
    """Create the Kubernetes Event for ``event``; already created counts as done."""
    metadata = obj.get("metadata") or {}
    when = now_iso()
    body = {
        "apiVersion": "v1",
        "kind": "Event",
        "metadata": {"name": f"{event.name}.{idempotency_key(event)[:16]}", "namespace": event.namespace},
        "involvedObject": {
            "apiVersion": obj.get("apiVersion", "ray.io/v1"),
            "kind": event.kind,
            "name": event.name,
            "namespace": event.namespace,
            "uid": event.uid,
            "resourceVersion": metadata.get("resourceVersion", ""),
        },
        "reason": event.reason,
        "message": (f"{event.state}: " if event.state else "") + (event.message or event.reason),
        "type": event.severity,
        "source": {"component": COMPONENT},
        "reportingComponent": COMPONENT,
        "firstTimestamp": when,
        "lastTimestamp": when,
        "count": 1,
    }
    try:
        await api.post(f"/api/v1/namespaces/{event.namespace}/events", body)
    except ApiError as error:
        if error.status != 409:
            raise


async def post_webhook(event: LifecycleEvent, webhook: WebhookAction, context: ActionContext) -> None:
    """POST the event document, retrying transient failures with exponential backoff."""
    url = webhook.url or context.environ.get(webhook.url_from_env or "", "")
    if not url:
        raise ActionFailed(f"environment variable {webhook.url_from_env} (the webhook URL) is not set")
    key = idempotency_key(event)
    headers = {"Content-Type": "application/json", "Idempotency-Key": key}
    for header, variable in webhook.headers_from_env.items():
        if variable in context.environ:
            headers[header] = context.environ[variable]
    body = json.dumps(event_document(event), sort_keys=True).encode()
    timeout = aiohttp.ClientTimeout(total=webhook.timeout_seconds)
    problem = ""
    for attempt in range(webhook.retries + 1):
        if attempt:
            await context.sleep(webhook.backoff_seconds * 2 ** (attempt - 1))
        try:
            async with context.http.post(url, data=body, headers=headers, timeout=timeout) as response:
                await response.read()
                if response.status < 300:
                    return
                problem = f"HTTP {response.status}"
                if response.status < 500 and response.status not in (408, 429):
                    context.on_failure("webhook")
                    logger.warning("webhook refused %s (not retried): %s", key, problem)
                    return
        except (aiohttp.ClientError, TimeoutError) as error:
            problem = type(error).__name__
    raise ActionFailed(f"webhook gave up after {webhook.retries + 1} attempts: {problem}")


async def delete_code_config_map(event: LifecycleEvent, obj: Mapping[str, Any], api: KubeApi) -> None:
    """Delete the code ConfigMap rayops rendered for this finished RayJob, if it is still there."""
    if event.kind != "RayJob":
        return
    metadata = obj.get("metadata") or {}
    if any(owner.get("kind") == "RayCronJob" for owner in metadata.get("ownerReferences") or ()):
        return
    for name in sorted(code_config_map_names(obj)):
        path = f"/api/v1/namespaces/{event.namespace}/configmaps/{name}"
        try:
            config_map = await api.get(path)
        except ApiError as error:
            if error.status == 404:
                continue
            raise
        labels = (config_map.get("metadata") or {}).get("labels") or {}
        if labels.get(CODE_OF_LABEL) != event.name or labels.get(MANAGED_BY_LABEL) != "rayops":
            continue  # not the code rayops rendered for this job: never touch it
        try:
            await api.delete(path, {"uid": config_map["metadata"]["uid"]})
        except ApiError as error:
            if error.status not in (404, 409):
                raise


def code_config_map_names(obj: Mapping[str, Any]) -> set[str]:
    """ConfigMaps mounted by the Pod templates of a RayJob's cluster spec and submitter."""
    spec = obj.get("spec") or {}
    cluster = spec.get("rayClusterSpec") or {}
    templates = [(cluster.get("headGroupSpec") or {}).get("template")]
    templates += [
        group.get("template") for group in cluster.get("workerGroupSpecs") or () if isinstance(group, dict)
    ]
    templates.append(spec.get("submitterPodTemplate"))
    names: set[str] = set()
    for template in templates:
        for volume in ((template or {}).get("spec") or {}).get("volumes") or ():
            config_map = volume.get("configMap") if isinstance(volume, dict) else None
            if isinstance(config_map, dict) and isinstance(config_map.get("name"), str):
                names.add(config_map["name"])
    return names
