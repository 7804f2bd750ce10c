"""``rayops cluster check`` against the scripted API, and the CLI's boundaries with the extra."""

from __future__ import annotations

import copy
import functools
import subprocess
import sys
from pathlib import Path
from typing import Any

import kopf
import pytest
import yaml
from click.testing import CliRunner

from rayops.cli import main
from rayops.watch.kube import KubeApi
from rayops.watch.preflight import cluster_check, schema_differences
from tests.watch.conftest import ScriptedApi

REPO_ROOT = Path(__file__).resolve().parents[2]
CRDS = REPO_ROOT.parent / "shared" / "crds" / "kuberay"


def operator_deployment(
    image: str = "quay.io/kuberay/operator:v1.5.1", ready: int = 1, gates: str | None = None
) -> dict[str, Any]:
    args = ["--feature-gates=" + gates] if gates else []
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {
            "name": "kuberay-operator",
            "namespace": "kuberay-system",
            "labels": {"app.kubernetes.io/name": "kuberay-operator"},
        },
        "spec": {
            "replicas": 1,
            "template": {
                "spec": {"containers": [{"name": "kuberay-operator", "image": image, "args": args}]}
            },
        },
        "status": {"replicas": 1, "readyReplicas": ready},
    }


def install(api: ScriptedApi, release: str, deployment: dict[str, Any] | None) -> None:
    if not CRDS.is_dir():
        pytest.skip(f"{CRDS} is absent: the upstream CRDs live beside the repository only")
    server = api.server
    server.resources["apps/v1/deployments"] = {
        "kind": "Deployment",
        "namespaced": True,
        "verbs": {"get", "list"},
    }
    items = [deployment] if deployment else []
    server["list", server.resource("apps/v1/deployments")] << (
        lambda request: {"apiVersion": "v1", "kind": "List", "metadata": {}, "items": copy.deepcopy(items)}
    )
    api.crds = dict(released_crds(release))

    def fetch(request: Any) -> Any:
        import kmock

        crd = api.crds.get(request.name)
        if crd is None:
            return kmock.Response(status=404, payload={"kind": "Status", "code": 404, "message": "not found"})
        return kmock.Response(status=200, payload=copy.deepcopy(crd))

    server["fetch", server.resource("apiextensions.k8s.io/v1/customresourcedefinitions")] << fetch


@functools.cache
def released_crds(release: str) -> dict[str, dict[str, Any]]:
    crds = {}
    for path in sorted((CRDS / f"v{release}").glob("*.yaml")):
        crd = yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)
        crds[crd["metadata"]["name"]] = crd
    return crds


async def run_checks(api: ScriptedApi, version: str, gates: dict[str, bool]) -> dict[str, tuple[bool, str]]:
    client = KubeApi(kopf.ConnectionInfo(server=api.url, insecure=True))
    try:
        return {c.name: (c.ok, c.message) for c in await cluster_check(client, version, gates)}
    finally:
        await client.close()


@pytest.mark.asyncio
async def test_matching_cluster_passes_every_check(scripted_api: ScriptedApi) -> None:
    install(scripted_api, "1.5.1", operator_deployment(gates="RayJobDeletionPolicy=true"))
    checks = await run_checks(scripted_api, "1.5.1", {"RayJobDeletionPolicy": True})
    assert all(ok for ok, _ in checks.values()), checks
    assert set(checks) == {"operator", "crd RayCluster", "crd RayJob", "crd RayService", "feature gates"}


@pytest.mark.asyncio
async def test_older_crds_name_the_fields_that_differ(scripted_api: ScriptedApi) -> None:
    install(
        scripted_api,
        "1.3.2",
        operator_deployment("quay.io/kuberay/operator:v1.3.2", gates="RayJobDeletionPolicy=false"),
    )
    checks = await run_checks(scripted_api, "1.5.1", {"RayJobDeletionPolicy": True})
    ok, message = checks["crd RayJob"]
    assert not ok and "differs from KubeRay 1.5.1" in message
    assert "missing from the cluster's CRD" in message
    assert checks["operator"] == (
        False,
        "kuberay-system/kuberay-operator runs quay.io/kuberay/operator:v1.3.2, "
        "rayops.yaml pins KubeRay 1.5.1",
    )
    assert checks["feature gates"] == (False, "RayJobDeletionPolicy: rayops.yaml true, operator false")


@pytest.mark.asyncio
async def test_missing_operator_and_crd(scripted_api: ScriptedApi) -> None:
    install(scripted_api, "1.5.1", None)
    del scripted_api.crds["rayservices.ray.io"]
    checks = await run_checks(scripted_api, "1.5.1", {})
    assert checks["operator"][0] is False and "is the KubeRay operator installed" in checks["operator"][1]
    assert checks["crd RayService"] == (
        False,
        "CRD rayservices.ray.io is not installed (KubeRay 1.5.1 has it)",
    )
    assert checks["feature gates"][0] is True


@pytest.mark.asyncio
async def test_operator_not_ready(scripted_api: ScriptedApi) -> None:
    install(scripted_api, "1.5.1", operator_deployment(ready=0))
    checks = await run_checks(scripted_api, "1.5.1", {})
    assert checks["operator"] == (False, "kuberay-system/kuberay-operator: 0 of 1 replicas ready")


def test_schema_differences_names_paths() -> None:
    base = {
        "properties": {
            "spec": {
                "type": "object",
                "properties": {
                    "a": {"type": "string"},
                    "b": {
                        "type": "array",
                        "items": {"type": "object", "properties": {"c": {"type": "integer"}}},
                    },
                },
            }
        }
    }
    other = copy.deepcopy(base)
    other["properties"]["spec"]["properties"]["a"]["type"] = "integer"
    other["properties"]["spec"]["properties"]["b"]["items"]["properties"]["d"] = {"type": "string"}
    assert schema_differences(other, base) == [
        "spec.a: type integer in the cluster, string in the release",
        "spec.b[].d: only in the cluster's CRD",
    ]


@pytest.mark.asyncio
@pytest.mark.parametrize(("release", "code"), [("1.5.1", 0), ("1.4.2", 1)])
async def test_cluster_check_command_exit_codes(
    scripted_api: ScriptedApi, tmp_path: Path, release: str, code: int
) -> None:
    import asyncio
    import json

    install(scripted_api, release, operator_deployment(f"quay.io/kuberay/operator:v{release}"))
    kubeconfig = tmp_path / "kubeconfig"
    kubeconfig.write_text(
        yaml.safe_dump(
            {
                "apiVersion": "v1",
                "kind": "Config",
                "current-context": "kmock",
                "clusters": [{"name": "kmock", "cluster": {"server": scripted_api.url}}],
                "users": [{"name": "kmock", "user": {"token": "t"}}],
                "contexts": [{"name": "kmock", "context": {"cluster": "kmock", "user": "kmock"}}],
            }
        )
    )
    (tmp_path / "rayops.yaml").write_text('kuberayVersion: "1.5.1"\nfeatureGates: {}\n')
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "rayops",
        "cluster",
        "check",
        "-o",
        "json",
        cwd=tmp_path,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env={
            "PYTHONPATH": str(REPO_ROOT / "generator"),
            "PATH": "/usr/bin:/bin",
            "KUBECONFIG": str(kubeconfig),
            "HOME": str(tmp_path),
        },
    )
    stdout, stderr = await process.communicate()
    assert process.returncode == code, stderr.decode()
    checks = json.loads(stdout)["checks"]
    assert [c["check"] for c in checks] == [
        "operator",
        "crd RayCluster",
        "crd RayJob",
        "crd RayService",
        "feature gates",
    ]
    assert all(c["ok"] for c in checks) == (code == 0)


def test_cli_without_credentials_is_a_usage_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KUBECONFIG", str(tmp_path / "absent"))
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv("KUBERNETES_SERVICE_HOST", raising=False)
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["cluster", "check"])
    assert result.exit_code == 2, result.output
    assert "Kubernetes credentials" in result.output and "Traceback" not in result.output
    (tmp_path / "watch.yaml").write_text(
        "namespaces: [ray-dev]\nrules: [{events: [JobFinished], actions: [{log: {}}]}]\n"
    )
    result = CliRunner().invoke(main, ["watch", "--config", str(tmp_path / "watch.yaml")])
    assert result.exit_code == 2 and "Kubernetes credentials" in result.output
    result = CliRunner().invoke(main, ["watch"])
    assert result.exit_code == 2 and "no watch configuration" in result.output


def test_missing_extra_names_the_install_command(tmp_path: Path) -> None:
    # Hide kopf from a fresh interpreter: the command must say how to install it.
    script = (
        "import sys, importlib.abc\n"
        "class Hide(importlib.abc.MetaPathFinder):\n"
        "    def find_spec(self, name, path, target=None):\n"
        "        if name.split('.')[0] == 'kopf': raise ModuleNotFoundError(name)\n"
        "sys.meta_path.insert(0, Hide())\n"
        "import importlib.util\n"
        "find = importlib.util.find_spec\n"
        "importlib.util.find_spec = lambda name, *a: None if name == 'kopf' else find(name, *a)\n"
        "from rayops.cli import main\n"
        "main(['watch', '--config', 'x.yaml'])\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={"PYTHONPATH": str(REPO_ROOT / "generator"), "PATH": "/usr/bin:/bin"},
    )
    assert result.returncode == 2, result.stderr
    assert "pip install 'rayops[watch]'" in result.stderr and "Traceback" not in result.stderr


def test_core_never_imports_the_watch_client() -> None:
    script = (
        "import sys\n"
        "import rayops.cli, rayops.render, rayops.validate.engine\n"
        "import rayops.watch.config, rayops.watch.lifecycle\n"
        "import rayops.watch.checkpoint, rayops.watch.manifests\n"
        "clients = ('kopf', 'aiohttp', 'prometheus_client', 'kmock')\n"
        "loaded = sorted(m for m in sys.modules if m.split('.')[0] in clients)\n"
        "print(','.join(loaded))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(REPO_ROOT / "generator"), "PATH": "/usr/bin:/bin"},
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == ""
