"""A scripted Kubernetes API for the watcher's tests, served by kmock (pinned in the test extra).

``ScriptedApi`` keeps objects in memory with resourceVersions (a merge patch carrying a stale
``metadata.resourceVersion`` gets 409 Conflict, as from the API server), serves lists from
that store, and serves each watch request the next *segment* of a script: steps that change
an object and stream its event, send a BOOKMARK or a 410 Gone, stall, or relay live changes.
When a segment ends, the stream closes. A webhook receiver listens on ``/hook``.
"""

from __future__ import annotations

import asyncio
import copy
import json
from collections.abc import AsyncIterator, Callable
from typing import Any

import kmock
import pytest
import pytest_asyncio

RAY_PLURALS = {
    "RayJob": "rayjobs",
    "RayCluster": "rayclusters",
    "RayService": "rayservices",
    "RayCronJob": "raycronjobs",
}
Step = Callable[["ScriptedApi"], Any]
STALL = object()
LIVE = object()


def _merge(target: dict[str, Any], patch: dict[str, Any]) -> None:
    for key, value in patch.items():
        if value is None:
            target.pop(key, None)
        elif isinstance(value, dict) and isinstance(target.get(key), dict):
            _merge(target[key], value)
        else:
            target[key] = copy.deepcopy(value)


def _ok(payload: Any, code: int = 200) -> kmock.Response:
    # Always answer with an explicit status: kmock keeps the last status a reaction answered.
    return kmock.Response(status=code, payload=payload)


def _status(code: int, reason: str, message: str) -> kmock.Response:
    body = {
        "kind": "Status",
        "apiVersion": "v1",
        "status": "Failure",
        "reason": reason,
        "message": message,
        "code": code,
    }
    return kmock.Response(status=code, payload=body)


class ScriptedApi:
    """The in-memory API server state and the watch script."""

    def __init__(self, server: kmock.KubernetesScaffold) -> None:
        self.server = server
        self.url = str(server.url).rstrip("/")
        self.objects: dict[tuple[str, str, str], dict[str, Any]] = {}
        self.revision = 100
        self.script: dict[str, list[list[Step]]] = {plural: [] for plural in RAY_PLURALS.values()}
        self.live: dict[str, list[asyncio.Queue[dict[str, Any]]]] = {
            plural: [] for plural in RAY_PLURALS.values()
        }
        self.watch_requests: list[dict[str, str]] = []
        self.patches: list[tuple[str, int]] = []
        self.webhooks: list[dict[str, Any]] = []
        self.webhook_failures = 0
        self.patch_failures = 0
        # Answers to the next patches, in order: 0 applies the patch, 409 or 5xx refuses it.
        self.patch_answers: list[int] = []
        self.events: dict[str, dict[str, Any]] = {}
        self.deleted: list[str] = []
        self.produced: list[dict[str, Any]] = []

    # --- state

    def next_revision(self) -> str:
        self.revision += 1
        return str(self.revision)

    def add(self, obj: dict[str, Any]) -> dict[str, Any]:
        """Store ``obj`` (a Ray resource or a ConfigMap) as created."""
        stored = copy.deepcopy(obj)
        stored["metadata"]["resourceVersion"] = self.next_revision()
        plural = RAY_PLURALS.get(stored["kind"], stored["kind"].lower() + "s")
        self.objects[(plural, stored["metadata"].get("namespace", ""), stored["metadata"]["name"])] = stored
        return copy.deepcopy(stored)

    def get(self, kind: str, name: str, namespace: str = "ray-dev") -> dict[str, Any]:
        return self.objects[(RAY_PLURALS.get(kind, kind.lower() + "s"), namespace, name)]

    def set_status(
        self, kind: str, name: str, status: dict[str, Any], namespace: str = "ray-dev"
    ) -> dict[str, Any]:
        """The operator writes a new status: stored, and a MODIFIED event for live watches."""
        stored = self.get(kind, name, namespace)
        stored["status"] = copy.deepcopy(status)
        stored["metadata"]["resourceVersion"] = self.next_revision()
        self._publish(RAY_PLURALS[kind], "MODIFIED", stored)
        return copy.deepcopy(stored)

    def _publish(self, plural: str, event_type: str, obj: dict[str, Any]) -> None:
        for queue in self.live.get(plural, []):
            queue.put_nowait({"type": event_type, "object": copy.deepcopy(obj)})

    # --- script steps

    @staticmethod
    def modified(kind: str, name: str, status: dict[str, Any]) -> Step:
        def step(api: ScriptedApi) -> dict[str, Any]:
            event = {"type": "MODIFIED", "object": api.set_status(kind, name, status)}
            api.produced.append(copy.deepcopy(event))
            return event

        return step

    @staticmethod
    def replay(index: int) -> Step:
        """An event streamed before, delivered again: the object as it was before later writes."""
        return lambda api: copy.deepcopy(api.produced[index])

    @staticmethod
    def added(obj: dict[str, Any]) -> Step:
        """An object created while the watch runs: stored, and streamed as ADDED."""
        return lambda api: {"type": "ADDED", "object": api.add(obj)}

    @staticmethod
    def bookmark() -> Step:
        return lambda api: {
            "type": "BOOKMARK",
            "object": {
                "kind": "RayJob",
                "apiVersion": "ray.io/v1",
                "metadata": {"resourceVersion": str(api.revision)},
            },
        }

    @staticmethod
    def gone() -> Step:
        return lambda api: {
            "type": "ERROR",
            "object": {
                "kind": "Status",
                "apiVersion": "v1",
                "status": "Failure",
                "reason": "Expired",
                "code": 410,
                "message": "too old resource version",
            },
        }

    @staticmethod
    def stall() -> Step:
        return lambda api: STALL

    @staticmethod
    def live_changes() -> Step:
        return lambda api: LIVE

    def watch_script(self, kind: str, *segments: list[Step]) -> None:
        """Each segment answers one watch request, in order; then the stream closes."""
        self.script[RAY_PLURALS[kind]].extend(segments)

    def pending_segments(self) -> int:
        return sum(len(segments) for segments in self.script.values())

    # --- serving

    async def _watch(self, plural: str, request: kmock.Request) -> AsyncIterator[Any]:
        self.watch_requests.append({"plural": plural, **dict(request.params)})
        yield b""
        segment = self.script[plural].pop(0) if self.script[plural] else [self.live_changes()]
        for step in segment:
            item = step(self)
            if item is STALL:
                await asyncio.Event().wait()  # silent until the client gives up
            elif item is LIVE:
                queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
                self.live[plural].append(queue)
                try:
                    while True:
                        yield await queue.get()
                finally:
                    self.live[plural].remove(queue)
            else:
                yield item

    def _list(self, plural: str, request: kmock.Request) -> kmock.Response:
        items = [
            copy.deepcopy(obj)
            for (p, ns, _), obj in sorted(self.objects.items())
            if p == plural and (request.namespace in (None, ns))
        ]
        return _ok(
            {
                "apiVersion": "v1",
                "kind": "List",
                "metadata": {"resourceVersion": str(self.revision)},
                "items": items,
            }
        )

    def _fetch(self, plural: str, request: kmock.Request) -> Any:
        key = (plural, request.namespace or "", request.name or "")
        if key not in self.objects:
            return _status(404, "NotFound", f"{plural} {request.name!r} not found")
        return _ok(copy.deepcopy(self.objects[key]))

    def _patch(self, plural: str, request: kmock.Request) -> Any:
        key = (plural, request.namespace or "", request.name or "")
        if key not in self.objects:
            return _status(404, "NotFound", f"{plural} {request.name!r} not found")
        if self.patch_failures:
            self.patch_failures -= 1
            return _status(500, "InternalError", "etcdserver: request timed out")
        answer = self.patch_answers.pop(0) if self.patch_answers else 0
        if answer == 409:
            self.patches.append((request.name or "", 409))
            return _status(409, "Conflict", "the object has been modified; please apply your changes")
        if answer:
            return _status(answer, "InternalError", "etcdserver: request timed out")
        stored = self.objects[key]
        patch = json.loads(request.body)
        expected = (patch.get("metadata") or {}).pop("resourceVersion", None)
        self.patches.append(
            (
                request.name or "",
                409 if expected and expected != stored["metadata"]["resourceVersion"] else 200,
            )
        )
        if expected and expected != stored["metadata"]["resourceVersion"]:
            return _status(
                409,
                "Conflict",
                "the object has been modified; please apply your changes to the latest version",
            )
        _merge(stored, patch)
        stored["metadata"]["resourceVersion"] = self.next_revision()
        self._publish(plural, "MODIFIED", stored)
        return _ok(copy.deepcopy(stored))

    def _create(self, plural: str, request: kmock.Request) -> Any:
        body = json.loads(request.body)
        name = body["metadata"]["name"]
        namespace = request.namespace or body["metadata"].get("namespace", "")
        if (plural, namespace, name) in self.objects:
            return _status(409, "AlreadyExists", f"{plural} {name!r} already exists")
        body["metadata"]["namespace"] = namespace
        body["metadata"].setdefault("uid", f"uid-{name}")
        body["metadata"]["resourceVersion"] = self.next_revision()
        self.objects[(plural, namespace, name)] = body
        if plural == "events":
            self.events[name] = body
        return _ok(body, 201)

    def _replace(self, plural: str, request: kmock.Request) -> Any:
        key = (plural, request.namespace or "", request.name or "")
        body = json.loads(request.body)
        if key not in self.objects:
            return _status(404, "NotFound", "not found")
        if body["metadata"].get("resourceVersion") != self.objects[key]["metadata"]["resourceVersion"]:
            return _status(409, "Conflict", "the object has been modified")
        body["metadata"]["resourceVersion"] = self.next_revision()
        self.objects[key] = body
        return _ok(copy.deepcopy(body))

    def _delete(self, plural: str, request: kmock.Request) -> Any:
        key = (plural, request.namespace or "", request.name or "")
        if key not in self.objects:
            return _status(404, "NotFound", "not found")
        options = json.loads(request.body) if request.body else {}
        wanted_uid = (options.get("preconditions") or {}).get("uid")
        if wanted_uid and wanted_uid != self.objects[key]["metadata"].get("uid"):
            return _status(409, "Conflict", "precondition failed: uid")
        self.deleted.append(f"{plural}/{key[2]}")
        return _ok(self.objects.pop(key))

    def _hook(self, request: kmock.Request) -> Any:
        if self.webhook_failures:
            self.webhook_failures -= 1
            return kmock.Response(status=503, payload={"error": "unavailable"})
        self.webhooks.append({"body": json.loads(request.body), "headers": dict(request.headers)})
        return _ok({"ok": True})

    def install(self) -> None:
        """Register discovery information and reactions on the kmock server."""
        k = self.server
        resources = {f"ray.io/v1/{plural}": kind for kind, plural in RAY_PLURALS.items()}
        resources.update(
            {"v1/events": "Event", "v1/configmaps": "ConfigMap", "coordination.k8s.io/v1/leases": "Lease"}
        )
        verbs = {"get", "list", "watch", "patch", "create", "update", "delete"}
        for name, kind in resources.items():
            k.resources[name] = {"kind": kind, "namespaced": True, "verbs": verbs}
        # Discovery only, as every API server serves it (kopf waits for both to be known).
        k.resources["v1/namespaces"] = {"kind": "Namespace", "namespaced": False, "verbs": {"get", "list"}}
        k.resources["apiextensions.k8s.io/v1/customresourcedefinitions"] = {
            "kind": "CustomResourceDefinition",
            "namespaced": False,
            "verbs": {"get", "list"},
        }
        k["post /hook"] << self._hook
        for name in resources:
            plural = name.rsplit("/", 1)[-1]
            resource = kmock.resource(name)
            k["watch", resource] << (lambda request, plural=plural: self._watch(plural, request))
            k["list", resource] << (lambda request, plural=plural: self._list(plural, request))
            k["fetch", resource] << (lambda request, plural=plural: self._fetch(plural, request))
            k["patch", resource] << (lambda request, plural=plural: self._patch(plural, request))
            k["post", resource] << (lambda request, plural=plural: self._create(plural, request))
            k["put", resource] << (lambda request, plural=plural: self._replace(plural, request))
            k["delete", resource] << (lambda request, plural=plural: self._delete(plural, request))


@pytest_asyncio.fixture
async def scripted_api() -> AsyncIterator[ScriptedApi]:
    """A ScriptedApi on a kmock server listening on localhost."""
    async with kmock.KubernetesScaffold() as server, kmock.Server(server):
        api = ScriptedApi(server)
        api.install()
        yield api


async def wait_for(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    """Poll ``condition`` every 10 ms; fail the test after ``timeout`` seconds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        if loop.time() > deadline:
            pytest.fail("condition not reached in time")
        await asyncio.sleep(0.01)
