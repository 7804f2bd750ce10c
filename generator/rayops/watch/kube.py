"""The few API calls the watcher makes itself, over aiohttp, with kopf's credentials.

kopf watches; these calls write: claim and mark checkpoints (merge patches with a
``resourceVersion`` precondition), create Events, delete a code ConfigMap, hold a Lease,
and read what ``rayops cluster check`` inspects. Credentials come from kopf's own login
functions (in-cluster service account, else kubeconfig), so both paths authenticate alike.
"""

from __future__ import annotations

import json
import os
import ssl
from collections.abc import Mapping
from typing import Any, Final

import aiohttp
import kopf

from rayops.errors import RayopsError
from rayops.watch.config import API_REQUEST_SECONDS
from rayops.watch.lifecycle import GROUP, PLURALS

SERVICE_ACCOUNT_TOKEN: Final = "/var/run/secrets/kubernetes.io/serviceaccount/token"


class ApiError(RayopsError):
    """The API server refused a request; ``status`` is the HTTP status."""

    def __init__(self, status: int, method: str, path: str, message: str) -> None:
        super().__init__(f"{method} {path}: HTTP {status}: {message}")
        self.status = status


def resource_path(kind: str, namespace: str, name: str | None = None, subresource: str | None = None) -> str:
    """The API path of a Ray resource (collection when ``name`` is None)."""
    path = f"/apis/{GROUP}/v1/namespaces/{namespace}/{PLURALS[kind]}"
    if name is not None:
        path += f"/{name}"
    if subresource is not None:
        path += f"/{subresource}"
    return path


def object_path(obj: Mapping[str, Any]) -> str:
    """The API path of a Ray object, from its kind and metadata."""
    metadata = obj.get("metadata") or {}
    return resource_path(str(obj.get("kind")), str(metadata.get("namespace")), str(metadata.get("name")))


class KubeApi:
    """An aiohttp session bound to one API server and one identity."""

    def __init__(self, info: kopf.ConnectionInfo, *, request_timeout: float = API_REQUEST_SECONDS) -> None:
        self.server = info.server.rstrip("/")
        self._info = info
        self._in_cluster = os.fsdecode(info.ca_path or "").startswith(os.path.dirname(SERVICE_ACCOUNT_TOKEN))
        context: ssl.SSLContext | bool
        if info.insecure:
            context = False
        else:
            context = ssl.create_default_context(cafile=info.ca_path, cadata=_text(info.ca_data))
            if info.certificate_path and info.private_key_path:
                context.load_cert_chain(info.certificate_path, info.private_key_path)
        self._session = aiohttp.ClientSession(
            # A connection per request: the watcher writes seldom, and kopf waits at shutdown for
            # every task started while it ran (idle keep-alive connections included).
            connector=aiohttp.TCPConnector(ssl=context, limit=8, force_close=True),
            timeout=aiohttp.ClientTimeout(total=request_timeout),
            headers={"User-Agent": "rayops-watch", "Accept": "application/json"},
        )

    async def close(self) -> None:
        """Close the session's connections."""
        await self._session.close()

    def _auth_headers(self) -> dict[str, str]:
        token = self._info.token
        if self._in_cluster and _readable(SERVICE_ACCOUNT_TOKEN):
            # The projected token is rotated on disk by the kubelet: read the current one.
            with open(SERVICE_ACCOUNT_TOKEN, encoding="utf-8") as file:
                token = file.read().strip() or token
        if token:
            return {"Authorization": f"{self._info.scheme or 'Bearer'} {token}"}
        if self._info.username and self._info.password:
            return {"Authorization": aiohttp.BasicAuth(self._info.username, self._info.password).encode()}
        return {}

    async def request(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        params: Mapping[str, str] | None = None,
        content_type: str = "application/json",
    ) -> Any:
        """Send one request; the decoded JSON answer, or :class:`ApiError`."""
        headers = self._auth_headers()
        data = None
        if body is not None:
            headers["Content-Type"] = content_type
            data = json.dumps(body).encode()
        async with self._session.request(
            method, self.server + path, data=data, params=params, headers=headers
        ) as response:
            text = await response.text()
            if response.status >= 400:
                try:
                    message = json.loads(text).get("message", text)
                except (ValueError, AttributeError):
                    message = text
                raise ApiError(response.status, method, path, str(message)[:300])
            return json.loads(text) if text else None

    async def get(self, path: str, params: Mapping[str, str] | None = None) -> Any:
        """GET ``path``."""
        return await self.request("GET", path, params=params)

    async def merge_patch(self, path: str, patch: Mapping[str, Any]) -> Any:
        """A JSON merge patch; a ``metadata.resourceVersion`` in it makes it conditional (409 if stale)."""
        return await self.request("PATCH", path, patch, content_type="application/merge-patch+json")

    async def post(self, path: str, body: Mapping[str, Any]) -> Any:
        """POST (create) ``body`` into the collection ``path``."""
        return await self.request("POST", path, body)

    async def put(self, path: str, body: Mapping[str, Any]) -> Any:
        """PUT (replace) ``body``; its ``metadata.resourceVersion`` is the precondition."""
        return await self.request("PUT", path, body)

    async def delete(self, path: str, preconditions: Mapping[str, str] | None = None) -> Any:
        """DELETE ``path``, only if the object still has the given uid (``preconditions``)."""
        body = (
            {"kind": "DeleteOptions", "apiVersion": "v1", "preconditions": dict(preconditions)}
            if preconditions
            else None
        )
        return await self.request("DELETE", path, body)


async def login(settings: kopf.OperatorSettings) -> kopf.ConnectionInfo:
    """Credentials the way kopf finds them: in-cluster first, then the kubeconfig."""
    info = kopf.login_with_service_account(settings=settings) or kopf.login_with_kubeconfig(settings=settings)
    if info is None:
        raise RayopsError("no Kubernetes credentials: not in a cluster, and no kubeconfig found")
    return info


def _text(data: bytes | str | None) -> str | None:
    if data is None:
        return None
    return data.decode() if isinstance(data, bytes) else data


def _readable(path: str) -> bool:
    try:
        with open(path, encoding="utf-8"):
            return True
    except OSError:
        return False
