"""The bodies of ``rayops watch`` and ``rayops cluster check``, behind the thin click commands.

Both need the ``watch`` extra; the CLI imports this module only inside those commands.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import sys
from collections.abc import Mapping
from typing import TextIO

import aiohttp
import kopf

from rayops.errors import ExitCode, UsageError
from rayops.watch.config import WatchConfig, load_watch_config
from rayops.watch.kube import KubeApi
from rayops.watch.preflight import cluster_check
from rayops.watch.runner import operator_settings, run_watch


class JsonLogFormatter(logging.Formatter):
    """One JSON object per log line: time, level, logger, message."""

    def format(self, record: logging.LogRecord) -> str:
        """The record as a JSON line."""
        return json.dumps(
            {
                "time": self.formatTime(record),
                "level": record.levelname,
                "logger": record.name,
                "message": record.getMessage(),
            }
        )


def _credentials(config: WatchConfig | None = None) -> kopf.ConnectionInfo:
    settings = operator_settings(config) if config is not None else kopf.OperatorSettings()
    try:
        info = kopf.login_with_service_account(settings=settings) or kopf.login_with_kubeconfig(
            settings=settings
        )
    except Exception as error:  # a broken kubeconfig: kopf raises its own login errors
        raise UsageError(f"cannot read the Kubernetes credentials: {error}") from None
    if info is None:
        raise UsageError(
            "no Kubernetes credentials: not running in a cluster, and no kubeconfig "
            "(KUBECONFIG, ~/.kube/config)"
        )
    return info


def run_watch_command(config_path: str | None, lease_namespace: str | None, verbose: bool) -> int:
    """``rayops watch``: read the configuration, log in, watch until SIGTERM."""
    from rayops.workspace import find_workspace

    path = config_path or find_workspace()
    if path is None:
        raise UsageError(
            "no watch configuration: give --config FILE or run beside a rayops.yaml with a watch section"
        )
    config = load_watch_config(path)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonLogFormatter())
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING, handlers=[handler])
    logging.getLogger("rayops.watch").setLevel(logging.INFO)
    namespace = (
        lease_namespace
        or os.environ.get("POD_NAMESPACE")
        or (config.namespaces[0] if config.namespaces else "default")
    )
    info = _credentials(config)
    try:
        return asyncio.run(run_watch(config, info, lease_namespace=namespace))
    except (aiohttp.ClientError, OSError) as error:
        raise UsageError(f"cannot reach the API server {info.server}: {error}") from None


def run_cluster_check(
    kuberay_version: str | None,
    feature_gates: Mapping[str, bool],
    operator_namespace: str | None,
    output_format: str,
    out: TextIO,
) -> int:
    """``rayops cluster check``: print each check; 1 when one fails."""
    info = _credentials()

    async def check() -> list[dict[str, object]]:
        api = KubeApi(info)
        try:
            return [
                c.as_dict()
                for c in await cluster_check(api, kuberay_version, feature_gates, operator_namespace)
            ]
        finally:
            await api.close()

    try:
        results = asyncio.run(check())
    except (aiohttp.ClientError, OSError) as error:
        raise UsageError(f"cannot reach the API server {info.server}: {error}") from None
    if output_format == "json":
        out.write(json.dumps({"version": 1, "checks": results}, indent=2) + "\n")
    else:
        for result in results:
            out.write(f"{'ok   ' if result['ok'] else 'error'}  {result['check']}: {result['message']}\n")
    return int(ExitCode.CLEAN if all(result["ok"] for result in results) else ExitCode.FINDINGS)
