"""The Ray health checks, executed: Argo CD's Lua under Lua 5.1, Flux's CEL under Google's runtime.

Every script runs against the status fixtures of ``tests/fixtures/status`` (the shapes the
KubeRay operator writes, per release) and against every value of the enumerations it reads.
Lua runs the way Argo CD runs argocd-cm scripts: gopher-lua is Lua 5.1 without the string,
math, io and debug libraries, and the object arrives as nested tables, lists 1-based.
CEL runs the way Flux's kustomize-controller evaluates ``healthCheckExprs``: the object's
top-level fields are the variables, ``status.observedGeneration`` is checked first, then
``inProgress``, ``failed`` and ``current`` in that order.
"""

from __future__ import annotations

import copy
import fnmatch
import tomllib
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml
from cel_expr_python import cel
from lupa import lua51

from rayops.errors import UsageError
from rayops.gitops import health
from rayops.loader import load_bytes
from rayops.validate.engine import FileResult, ValidationOptions, Validator

REPO_ROOT = Path(__file__).resolve().parents[2]
FIXTURES = REPO_ROOT / "tests" / "fixtures" / "status"
LUA_DIRECTORY = REPO_ROOT / "generator" / "rayops" / "gitops" / "lua"

# --- running Lua as Argo CD does -------------------------------------------------------

_LIBRARIES_ARGOCD_LEAVES_OUT = ("string", "math", "io", "debug", "coroutine", "os")


def _lua_runtime() -> Any:
    runtime = lua51.LuaRuntime(register_eval=False, register_builtins=False)
    # Without the string library a string has no methods either, as in gopher-lua's sandbox.
    runtime.execute('debug.setmetatable("", nil)')
    lua_globals = runtime.globals()
    for library in _LIBRARIES_ARGOCD_LEAVES_OUT:
        lua_globals[library] = None
    return runtime


def _to_lua(runtime: Any, value: Any) -> Any:
    """Python data as Argo CD hands it to Lua: maps and lists become tables, lists 1-based."""
    if isinstance(value, dict):
        table = runtime.table()
        for key, item in value.items():
            table[key] = _to_lua(runtime, item)
        return table
    if isinstance(value, list):
        table = runtime.table()
        for index, item in enumerate(value, start=1):
            table[index] = _to_lua(runtime, item)
        return table
    return value


def _from_lua(value: Any) -> Any:
    if lua51.lua_type(value) != "table":
        return value
    keys = list(value.keys())
    if keys and all(isinstance(key, int) for key in keys) and sorted(keys) == list(range(1, len(keys) + 1)):
        return [_from_lua(value[key]) for key in sorted(keys)]
    return {key: _from_lua(item) for key, item in value.items()}


def run_lua(script: str, obj: dict[str, Any]) -> Any:
    """Run an argocd-cm script with the global ``obj`` and return what it returns, as Python data."""
    runtime = _lua_runtime()
    runtime.globals()["obj"] = _to_lua(runtime, copy.deepcopy(obj))
    return _from_lua(runtime.execute(script))


def argocd_health(obj: dict[str, Any]) -> tuple[str, str]:
    """The health status and message Argo CD shows for ``obj``."""
    result = run_lua(health.argocd_health_lua(obj["kind"]), obj)
    assert set(result) == {"status", "message"}
    assert isinstance(result["message"], str) and result["message"]
    return result["status"], result["message"]


# --- evaluating CEL as Flux does --------------------------------------------------------

_TOP_LEVEL_FIELDS = ("apiVersion", "kind", "metadata", "spec", "status")


@cache
def _cel_environment() -> Any:
    return cel.NewEnv(variables={name: cel.Type.DYN for name in _TOP_LEVEL_FIELDS})


class CelEvaluationError(Exception):
    """Flux reports the object as Unknown and keeps waiting."""


def _evaluate(expression: str, obj: dict[str, Any]) -> bool:
    data = {name: obj[name] for name in _TOP_LEVEL_FIELDS if name in obj}
    try:
        result = _cel_environment().compile(expression).eval(data=data)
    except RuntimeError as error:
        raise CelEvaluationError(str(error)) from error
    if result.type().name().lower() == "error":
        raise CelEvaluationError(str(result))
    value = result.plain_value()
    if not isinstance(value, bool):
        raise CelEvaluationError(f"{expression!r} gave {value!r}, not a boolean")
    return value


def flux_health(obj: dict[str, Any]) -> str:
    """The kstatus Flux computes for ``obj`` from rayops' ``healthCheckExprs``."""
    (entry,) = (e for e in health.flux_health_check_exprs() if e["kind"] == obj["kind"])
    status = obj.get("status")
    generation = obj.get("metadata", {}).get("generation")
    observed = status.get("observedGeneration") if isinstance(status, dict) else None
    if observed is not None and generation is not None and observed != generation:
        return "InProgress"
    for field, outcome in (("inProgress", "InProgress"), ("failed", "Failed"), ("current", "Current")):
        expression = entry.get(field)
        if not expression:
            continue
        try:
            if _evaluate(expression, obj):
                return outcome
        except CelEvaluationError:
            return "Unknown"
    return "InProgress"


# --- fixtures ---------------------------------------------------------------------------


@cache
def fixtures() -> dict[tuple[str, str, str], dict[str, Any]]:
    """Every fixture document by (release, kind, metadata.name)."""
    documents: dict[tuple[str, str, str], dict[str, Any]] = {}
    for path in sorted(FIXTURES.glob("v*/*.yaml")):
        for document in yaml.safe_load_all(path.read_text(encoding="utf-8")):
            key = (path.parent.name, document["kind"], document["metadata"]["name"])
            assert key not in documents, f"fixture {key} defined twice"
            documents[key] = document
    return documents


def fixture(release: str, kind: str, name: str) -> dict[str, Any]:
    """A deep copy of one fixture document."""
    return copy.deepcopy(fixtures()[(release, kind, name)])


# (release, kind, fixture name, Argo CD health, Flux status). Flux has no Suspended state:
# rayops counts a suspension as Current. "Unknown" is Flux's answer while the object has no
# status at all (every expression that reads status fails): it keeps waiting, as for InProgress.
EXPECTED: list[tuple[str, str, str, str, str]] = [
    ("v1.7.0", "RayCluster", "no-status", "Progressing", "Unknown"),
    ("v1.7.0", "RayCluster", "provisioning", "Progressing", "InProgress"),
    ("v1.7.0", "RayCluster", "head-pod-not-found", "Progressing", "InProgress"),
    ("v1.7.0", "RayCluster", "ready", "Healthy", "Current"),
    ("v1.7.0", "RayCluster", "workers-pending", "Progressing", "InProgress"),
    ("v1.7.0", "RayCluster", "head-pod-restarting", "Progressing", "InProgress"),
    ("v1.7.0", "RayCluster", "replica-failure", "Degraded", "Failed"),
    ("v1.7.0", "RayCluster", "suspend-requested", "Progressing", "InProgress"),
    ("v1.7.0", "RayCluster", "suspending", "Progressing", "InProgress"),
    ("v1.7.0", "RayCluster", "suspended", "Suspended", "Current"),
    ("v1.7.0", "RayCluster", "resuming", "Progressing", "InProgress"),
    ("v1.7.0", "RayCluster", "generation-not-observed", "Healthy", "InProgress"),
    ("v1.7.0", "RayCluster", "gate-off-starting", "Progressing", "InProgress"),
    ("v1.7.0", "RayCluster", "gate-off-ready", "Healthy", "Current"),
    ("v1.7.0", "RayCluster", "gate-off-suspending", "Progressing", "InProgress"),
    ("v1.7.0", "RayCluster", "gate-off-suspended", "Suspended", "Current"),
    ("v1.7.0", "RayCluster", "gate-off-resuming", "Progressing", "InProgress"),
    ("v1.3.2", "RayCluster", "provisioning", "Progressing", "InProgress"),
    ("v1.3.2", "RayCluster", "ready", "Healthy", "Current"),
    ("v1.2.2", "RayCluster", "ready", "Healthy", "Current"),
    ("v1.2.2", "RayCluster", "suspended", "Suspended", "Current"),
    ("v1.1.1", "RayCluster", "failed", "Degraded", "Failed"),
    ("v1.7.0", "RayJob", "no-status", "Progressing", "Unknown"),
    ("v1.7.0", "RayJob", "initializing", "Progressing", "InProgress"),
    ("v1.7.0", "RayJob", "running", "Progressing", "InProgress"),
    ("v1.7.0", "RayJob", "complete", "Healthy", "Current"),
    ("v1.7.0", "RayJob", "complete-stopped", "Healthy", "Current"),
    ("v1.7.0", "RayJob", "failed-app", "Degraded", "Failed"),
    ("v1.7.0", "RayJob", "failed-deadline", "Degraded", "Failed"),
    ("v1.7.0", "RayJob", "validation-failed", "Degraded", "Failed"),
    ("v1.7.0", "RayJob", "suspending", "Progressing", "InProgress"),
    ("v1.7.0", "RayJob", "suspended", "Suspended", "Current"),
    ("v1.7.0", "RayJob", "retrying", "Progressing", "InProgress"),
    ("v1.7.0", "RayJob", "retry-back-to-new", "Progressing", "InProgress"),
    ("v1.7.0", "RayJob", "waiting", "Progressing", "InProgress"),
    ("v1.5.1", "RayJob", "validation-failed", "Degraded", "Failed"),
    ("v1.5.1", "RayJob", "failed-grace-period", "Degraded", "Failed"),
    ("v1.5.1", "RayJob", "complete", "Healthy", "Current"),
    ("v1.3.2", "RayJob", "running", "Progressing", "InProgress"),
    ("v1.3.2", "RayJob", "failed-submission", "Degraded", "Failed"),
    ("v1.3.2", "RayJob", "complete", "Healthy", "Current"),
    ("v1.3.2", "RayJob", "invalid-spec-no-status", "Progressing", "Unknown"),
    ("v1.7.0", "RayService", "no-status", "Progressing", "Unknown"),
    ("v1.7.0", "RayService", "initializing", "Progressing", "InProgress"),
    ("v1.7.0", "RayService", "ready", "Healthy", "Current"),
    ("v1.7.0", "RayService", "upgrading", "Progressing", "InProgress"),
    ("v1.7.0", "RayService", "rolling-back", "Progressing", "InProgress"),
    ("v1.7.0", "RayService", "zero-endpoints", "Progressing", "InProgress"),
    ("v1.7.0", "RayService", "initializing-timeout", "Degraded", "Failed"),
    ("v1.7.0", "RayService", "validation-failed", "Degraded", "Failed"),
    ("v1.7.0", "RayService", "suspending", "Progressing", "InProgress"),
    ("v1.7.0", "RayService", "suspended", "Suspended", "Current"),
    ("v1.6.2", "RayService", "rolling-back", "Progressing", "InProgress"),
    ("v1.6.2", "RayService", "validation-failed", "Degraded", "Failed"),
    ("v1.5.1", "RayService", "initializing-timeout", "Degraded", "Failed"),
    ("v1.3.2", "RayService", "initializing", "Progressing", "InProgress"),
    ("v1.3.2", "RayService", "ready", "Healthy", "Current"),
    ("v1.3.2", "RayService", "upgrading", "Progressing", "InProgress"),
    ("v1.2.2", "RayService", "running", "Healthy", "Current"),
    ("v1.2.2", "RayService", "wait-for-serve-deployment-ready", "Progressing", "InProgress"),
    ("v1.7.0", "RayCronJob", "no-status", "Healthy", "Current"),
    ("v1.7.0", "RayCronJob", "scheduled", "Healthy", "Current"),
    ("v1.7.0", "RayCronJob", "suspended", "Suspended", "Current"),
    ("v1.7.0", "RayCronJob", "resumed", "Healthy", "Current"),
    ("v1.6.2", "RayCronJob", "scheduled", "Healthy", "Current"),
    ("v1.6.2", "RayCronJob", "suspended", "Suspended", "Current"),
]


def _case_id(case: tuple[str, ...]) -> str:
    return "/".join(case[:3])


def test_every_fixture_has_an_expectation() -> None:
    expected = {case[:3] for case in EXPECTED}
    assert len(expected) == len(EXPECTED)
    assert expected == set(fixtures())


@pytest.mark.parametrize(("release", "kind", "name", "argocd", "flux"), EXPECTED, ids=map(_case_id, EXPECTED))
def test_fixture_health(release: str, kind: str, name: str, argocd: str, flux: str) -> None:
    obj = fixture(release, kind, name)
    assert argocd_health(obj)[0] == argocd
    assert flux_health(obj) == flux


@pytest.mark.parametrize(
    ("release", "kind", "name", "fragments"),
    [
        ("v1.7.0", "RayCluster", "replica-failure", ["FailedCreateWorkerPod", "exceeded quota: gpu-quota"]),
        ("v1.1.1", "RayCluster", "failed", ["exceeded quota: compute-resources"]),
        ("v1.7.0", "RayJob", "failed-app", ["AppFailed", "No module named 'torch'"]),
        ("v1.7.0", "RayJob", "failed-deadline", ["DeadlineExceeded", "activeDeadlineSeconds"]),
        ("v1.7.0", "RayJob", "validation-failed", ["ValidationFailed", "shutdownAfterJobFinishes"]),
        ("v1.3.2", "RayJob", "failed-submission", ["SubmissionFailed", "BackoffLimitExceeded"]),
        (
            "v1.7.0",
            "RayService",
            "initializing-timeout",
            ["InitializingTimeout", "configured timeout of 10m0s"],
        ),
        ("v1.6.2", "RayService", "validation-failed", ["ValidationFailed", "headService.metadata.name"]),
        ("v1.7.0", "RayService", "upgrading", ["BothActivePendingClustersExist"]),
        ("v1.7.0", "RayCluster", "head-pod-not-found", ["HeadPodNotFound"]),
        ("v1.7.0", "RayCluster", "workers-pending", ["RayClusterPodsProvisioning"]),
        ("v1.7.0", "RayJob", "running", ["Running", "RUNNING"]),
        ("v1.7.0", "RayCronJob", "scheduled", ["2026-11-20T02:00:00Z"]),
    ],
)
def test_messages_carry_the_operators_reason(
    release: str, kind: str, name: str, fragments: list[str]
) -> None:
    message = argocd_health(fixture(release, kind, name))[1]
    for fragment in fragments:
        assert fragment in message


# --- every value of the enumerations the scripts read -----------------------------------

# JobDeploymentStatus, rayjob_types.go at v1.7.0 ("" is New and is omitted from the JSON).
RAYJOB_DEPLOYMENT_STATUSES: dict[str | None, tuple[str, str]] = {
    None: ("Progressing", "InProgress"),
    "": ("Progressing", "InProgress"),
    "Initializing": ("Progressing", "InProgress"),
    "Running": ("Progressing", "InProgress"),
    "Complete": ("Healthy", "Current"),
    "Failed": ("Degraded", "Failed"),
    "ValidationFailed": ("Degraded", "Failed"),
    "Suspending": ("Progressing", "InProgress"),
    "Suspended": ("Suspended", "Current"),
    "Retrying": ("Progressing", "InProgress"),
    "Waiting": ("Progressing", "InProgress"),
}


@pytest.mark.parametrize("deployment_status", list(RAYJOB_DEPLOYMENT_STATUSES), ids=repr)
def test_rayjob_every_deployment_status(deployment_status: str | None) -> None:
    obj = fixture("v1.7.0", "RayJob", "running")
    if deployment_status is None:
        del obj["status"]["jobDeploymentStatus"]
    else:
        obj["status"]["jobDeploymentStatus"] = deployment_status
    assert (argocd_health(obj)[0], flux_health(obj)) == RAYJOB_DEPLOYMENT_STATUSES[deployment_status]


def test_fixtures_cover_every_rayjob_deployment_status() -> None:
    seen = {
        obj.get("status", {}).get("jobDeploymentStatus")
        for (_, kind, _), obj in fixtures().items()
        if kind == "RayJob"
    }
    assert seen == set(RAYJOB_DEPLOYMENT_STATUSES) - {""}


# ClusterState, raycluster_types.go (all releases); read only without conditions.
RAYCLUSTER_STATES: dict[str | None, tuple[bool, tuple[str, str]]] = {
    None: (False, ("Progressing", "InProgress")),
    "ready": (False, ("Healthy", "Current")),
    "failed": (False, ("Degraded", "Failed")),
    "suspended": (True, ("Suspended", "Current")),
}


@pytest.mark.parametrize("state", list(RAYCLUSTER_STATES), ids=repr)
def test_raycluster_every_state_without_conditions(state: str | None) -> None:
    suspend, expected = RAYCLUSTER_STATES[state]
    obj = fixture("v1.7.0", "RayCluster", "gate-off-starting")
    obj["spec"]["suspend"] = suspend
    if state is not None:
        obj["status"]["state"] = state
    assert (argocd_health(obj)[0], flux_health(obj)) == expected


# RayClusterConditionType, raycluster_types.go: each one True on top of a ready cluster.
RAYCLUSTER_CONDITION_TRUE: dict[str, tuple[str, str]] = {
    "HeadPodReady": ("Healthy", "Current"),
    "RayClusterProvisioned": ("Healthy", "Current"),
    "ReplicaFailure": ("Degraded", "Failed"),
    "RayClusterSuspending": ("Progressing", "InProgress"),
    "RayClusterSuspended": ("Progressing", "InProgress"),  # spec.suspend is false: resuming
}


def _set_condition(
    obj: dict[str, Any], condition_type: str, status: str, reason: str, message: str = ""
) -> None:
    conditions = obj["status"].setdefault("conditions", [])
    for condition in conditions:
        if condition["type"] == condition_type:
            condition.update(status=status, reason=reason, message=message)
            return
    conditions.append(
        {
            "type": condition_type,
            "status": status,
            "reason": reason,
            "message": message,
            "lastTransitionTime": "2026-11-20T12:00:00Z",
        }
    )


@pytest.mark.parametrize("condition_type", list(RAYCLUSTER_CONDITION_TRUE))
def test_raycluster_every_condition_type(condition_type: str) -> None:
    obj = fixture("v1.7.0", "RayCluster", "ready")
    _set_condition(obj, condition_type, "True", condition_type)
    assert (argocd_health(obj)[0], flux_health(obj)) == RAYCLUSTER_CONDITION_TRUE[condition_type]


@pytest.mark.parametrize("kind", ["RayCluster", "RayService"])
def test_an_empty_condition_list_reads_as_no_conditions(kind: str) -> None:
    release, name = ("v1.7.0", "gate-off-ready") if kind == "RayCluster" else ("v1.2.2", "running")
    obj = fixture(release, kind, name)
    obj["status"]["conditions"] = []
    assert (argocd_health(obj)[0], flux_health(obj)) == ("Healthy", "Current")


def test_raycluster_without_provisioned_condition_needs_only_the_head_pod() -> None:
    obj = fixture("v1.7.0", "RayCluster", "ready")
    obj["status"]["conditions"] = [
        c for c in obj["status"]["conditions"] if c["type"] != "RayClusterProvisioned"
    ]
    assert (argocd_health(obj)[0], flux_health(obj)) == ("Healthy", "Current")


# Reasons of the RayService Ready condition when False, rayservice_types.go at v1.7.0.
RAYSERVICE_READY_FALSE_REASONS: dict[str, tuple[str, str]] = {
    "Initializing": ("Progressing", "InProgress"),
    "InitializingTimeout": ("Degraded", "Failed"),
    "ZeroServeEndpoints": ("Progressing", "InProgress"),
    "ValidationFailed": ("Degraded", "Failed"),
    "SuspendInProgress": ("Progressing", "InProgress"),
    "SuspendComplete": ("Progressing", "InProgress"),
}


@pytest.mark.parametrize("reason", list(RAYSERVICE_READY_FALSE_REASONS))
def test_rayservice_every_ready_false_reason(reason: str) -> None:
    obj = fixture("v1.7.0", "RayService", "ready")
    _set_condition(obj, "Ready", "False", reason, "from the operator")
    assert (argocd_health(obj)[0], flux_health(obj)) == RAYSERVICE_READY_FALSE_REASONS[reason]


# RayServiceConditionType True on top of a ready RayService.
RAYSERVICE_CONDITION_TRUE: dict[str, tuple[str, str]] = {
    "Ready": ("Healthy", "Current"),
    "UpgradeInProgress": ("Progressing", "InProgress"),
    "RollbackInProgress": ("Progressing", "InProgress"),
    "Suspending": ("Progressing", "InProgress"),
    "Suspended": ("Suspended", "Current"),
}


@pytest.mark.parametrize("condition_type", list(RAYSERVICE_CONDITION_TRUE))
def test_rayservice_every_condition_type(condition_type: str) -> None:
    obj = fixture("v1.7.0", "RayService", "ready")
    _set_condition(obj, condition_type, "True", "from the operator")
    assert (argocd_health(obj)[0], flux_health(obj)) == RAYSERVICE_CONDITION_TRUE[condition_type]


# ServiceStatus before KubeRay 1.3 (rayservice_types.go at v1.2.2), status without conditions.
RAYSERVICE_LEGACY_SERVICE_STATUSES = (
    "FailedToGetOrCreateRayCluster",
    "WaitForServeDeploymentReady",
    "FailedToGetServeDeploymentStatus",
    "Running",
    "Restarting",
    "FailedToUpdateServingPodLabel",
    "FailedToUpdateService",
)


@pytest.mark.parametrize("service_status", RAYSERVICE_LEGACY_SERVICE_STATUSES)
def test_rayservice_every_legacy_service_status(service_status: str) -> None:
    obj = fixture("v1.2.2", "RayService", "running")
    obj["status"]["serviceStatus"] = service_status
    expected = ("Healthy", "Current") if service_status == "Running" else ("Progressing", "InProgress")
    assert (argocd_health(obj)[0], flux_health(obj)) == expected


def test_rayservice_empty_status_waits() -> None:
    obj = fixture("v1.7.0", "RayService", "ready")
    obj["status"] = {}
    assert (argocd_health(obj)[0], flux_health(obj)) == ("Progressing", "InProgress")


# --- Argo CD resource actions -------------------------------------------------------------


def discovered_actions(obj: dict[str, Any]) -> dict[str, bool]:
    """Action name → enabled, as Argo CD's action discovery reports them for ``obj``."""
    result = run_lua(health.argocd_action_discovery_lua(obj["kind"]), obj)
    for action in result.values():
        assert action["iconClass"] and action["displayName"]
    return {name: not action.get("disabled", False) for name, action in result.items()}


def _with(obj: dict[str, Any], **changes: Any) -> dict[str, Any]:
    """``obj`` with spec fields set (``None`` deletes) and metadata set through ``metadata``."""
    metadata = changes.pop("metadata", {})
    obj["metadata"].update(metadata)
    for field, value in changes.items():
        if value is None:
            obj["spec"].pop(field, None)
        else:
            obj["spec"][field] = value
    return obj


_RAYJOB_OWNER = {"apiVersion": "ray.io/v1", "kind": "RayJob", "name": "job", "uid": "1", "controller": True}
_KUEUE_LABEL = {"labels": {"kueue.x-k8s.io/queue-name": "team-a"}}

DISCOVERY_CASES: list[tuple[str, dict[str, Any], dict[str, bool]]] = [
    ("raycluster-ready", fixture("v1.7.0", "RayCluster", "ready"), {"suspend": True, "resume": False}),
    (
        "raycluster-suspended",
        fixture("v1.7.0", "RayCluster", "suspended"),
        {"suspend": False, "resume": True},
    ),
    (
        "raycluster-owned-by-rayjob",
        _with(fixture("v1.7.0", "RayCluster", "ready"), metadata={"ownerReferences": [_RAYJOB_OWNER]}),
        {"suspend": False, "resume": False},
    ),
    (
        "raycluster-admitted-by-kueue",
        _with(fixture("v1.7.0", "RayCluster", "suspended"), metadata=_KUEUE_LABEL),
        {"suspend": False, "resume": False},
    ),
    (
        "raycluster-managed-by-multikueue",
        _with(fixture("v1.7.0", "RayCluster", "ready"), managedBy="kueue.x-k8s.io/multikueue"),
        {"suspend": False, "resume": False},
    ),
    (
        "raycluster-managed-by-kuberay",
        _with(fixture("v1.7.0", "RayCluster", "ready"), managedBy="ray.io/kuberay-operator"),
        {"suspend": True, "resume": False},
    ),
    ("rayjob-no-status", fixture("v1.7.0", "RayJob", "no-status"), {"suspend": True, "resume": False}),
    ("rayjob-initializing", fixture("v1.7.0", "RayJob", "initializing"), {"suspend": True, "resume": False}),
    ("rayjob-running", fixture("v1.7.0", "RayJob", "running"), {"suspend": True, "resume": False}),
    ("rayjob-running-1.3.2", fixture("v1.3.2", "RayJob", "running"), {"suspend": True, "resume": False}),
    ("rayjob-complete", fixture("v1.7.0", "RayJob", "complete"), {"suspend": False, "resume": False}),
    ("rayjob-failed", fixture("v1.7.0", "RayJob", "failed-app"), {"suspend": False, "resume": False}),
    ("rayjob-waiting", fixture("v1.7.0", "RayJob", "waiting"), {"suspend": False, "resume": False}),
    ("rayjob-suspended", fixture("v1.7.0", "RayJob", "suspended"), {"suspend": False, "resume": True}),
    ("rayjob-suspending", fixture("v1.7.0", "RayJob", "suspending"), {"suspend": False, "resume": True}),
    (
        "rayjob-invalid-suspend-can-be-undone",
        fixture("v1.7.0", "RayJob", "validation-failed"),
        {"suspend": False, "resume": True},
    ),
    (
        "rayjob-keeps-its-cluster",
        _with(fixture("v1.7.0", "RayJob", "running"), shutdownAfterJobFinishes=False),
        {"suspend": False, "resume": False},
    ),
    (
        "rayjob-shutdown-unset",
        _with(fixture("v1.7.0", "RayJob", "running"), shutdownAfterJobFinishes=None),
        {"suspend": False, "resume": False},
    ),
    (
        "rayjob-cluster-selector",
        _with(fixture("v1.7.0", "RayJob", "running"), clusterSelector={"ray.io/cluster": "shared"}),
        {"suspend": False, "resume": False},
    ),
    (
        "rayjob-admitted-by-kueue",
        _with(fixture("v1.7.0", "RayJob", "suspended"), metadata=_KUEUE_LABEL),
        {"suspend": False, "resume": False},
    ),
    (
        "raycronjob-scheduled",
        fixture("v1.7.0", "RayCronJob", "scheduled"),
        {"suspend": True, "resume": False},
    ),
    (
        "raycronjob-suspended",
        fixture("v1.7.0", "RayCronJob", "suspended"),
        {"suspend": False, "resume": True},
    ),
    (
        "raycronjob-suspended-1.6.2",
        fixture("v1.6.2", "RayCronJob", "suspended"),
        {"suspend": False, "resume": True},
    ),
    ("raycronjob-resumed", fixture("v1.7.0", "RayCronJob", "resumed"), {"suspend": True, "resume": False}),
]


@pytest.mark.parametrize(
    ("obj", "expected"), [c[1:] for c in DISCOVERY_CASES], ids=[c[0] for c in DISCOVERY_CASES]
)
def test_action_discovery(obj: dict[str, Any], expected: dict[str, bool]) -> None:
    assert discovered_actions(obj) == expected


@pytest.mark.parametrize(
    ("release", "kind", "name", "action", "suspend"),
    [
        ("v1.7.0", "RayCluster", "ready", "suspend", True),
        ("v1.7.0", "RayCluster", "suspended", "resume", False),
        ("v1.7.0", "RayJob", "running", "suspend", True),
        ("v1.7.0", "RayJob", "suspended", "resume", False),
        ("v1.7.0", "RayCronJob", "scheduled", "suspend", True),
        ("v1.6.2", "RayCronJob", "suspended", "resume", False),
    ],
)
def test_actions_toggle_spec_suspend_only(
    release: str, kind: str, name: str, action: str, suspend: bool
) -> None:
    obj = fixture(release, kind, name)
    changed = run_lua(health.argocd_action_lua(action), obj)
    assert changed["spec"]["suspend"] is suspend
    expected = copy.deepcopy(obj)
    expected["spec"]["suspend"] = suspend
    assert changed == expected


@pytest.mark.parametrize("kind", health.ARGOCD_ACTION_KINDS)
def test_actions_value_is_the_argocd_cm_format(kind: str) -> None:
    value = yaml.safe_load(health.argocd_actions_yaml(kind))
    assert value["discovery.lua"] == health.argocd_action_discovery_lua(kind)
    assert value["definitions"] == [
        {"name": "suspend", "action.lua": health.argocd_action_lua("suspend")},
        {"name": "resume", "action.lua": health.argocd_action_lua("resume")},
    ]


def test_actions_value_keeps_the_lua_readable() -> None:
    text = health.argocd_actions_yaml("RayJob")
    assert "discovery.lua: |" in text
    assert "  action.lua: |" in text


# --- the argocd-cm patch and the Flux entries ----------------------------------------------


def test_argocd_cm_data_keys() -> None:
    assert sorted(health.argocd_cm_data()) == [
        "resource.customizations.actions.ray.io_RayCluster",
        "resource.customizations.actions.ray.io_RayCronJob",
        "resource.customizations.actions.ray.io_RayJob",
        "resource.customizations.health.ray.io_RayCluster",
        "resource.customizations.health.ray.io_RayCronJob",
        "resource.customizations.health.ray.io_RayJob",
        "resource.customizations.health.ray.io_RayService",
    ]
    assert sorted(health.argocd_cm_data(kind for kind in ["RayJob"])) == [
        "resource.customizations.actions.ray.io_RayJob",
        "resource.customizations.health.ray.io_RayJob",
    ]
    assert health.argocd_cm_data(["RayService"]) == {
        "resource.customizations.health.ray.io_RayService": health.argocd_health_lua("RayService")
    }


def test_argocd_cm_patch_round_trips_as_yaml() -> None:
    patch = health.argocd_cm_patch(namespace="gitops")
    assert patch["apiVersion"] == "v1" and patch["kind"] == "ConfigMap"
    assert patch["metadata"] == {
        "name": "argocd-cm",
        "namespace": "gitops",
        "labels": {"app.kubernetes.io/name": "argocd-cm", "app.kubernetes.io/part-of": "argocd"},
    }
    assert yaml.safe_load(yaml.safe_dump(patch)) == patch
    assert all(isinstance(value, str) for value in patch["data"].values())


def test_flux_entries() -> None:
    entries = health.flux_health_check_exprs()
    assert [entry["kind"] for entry in entries] == list(health.RAY_KINDS)
    for entry in entries:
        assert entry["apiVersion"] == "ray.io/v1"
        assert entry["current"]
        assert set(entry) <= {"apiVersion", "kind", "current", "inProgress", "failed"}
    assert [entry["kind"] for entry in health.flux_health_check_exprs(["RayJob"])] == ["RayJob"]


def _flux_expressions() -> Iterator[str]:
    for entry in health.flux_health_check_exprs():
        for field in ("current", "inProgress", "failed"):
            if field in entry:
                yield entry[field]


@pytest.mark.parametrize("expression", list(_flux_expressions()))
def test_flux_expressions_read_nothing_unguarded_below_status(expression: str) -> None:
    """A status without any of the fields read must give false, not an evaluation error."""
    obj = {"apiVersion": "ray.io/v1", "kind": "RayJob", "metadata": {}, "spec": {}, "status": {}}
    assert _evaluate(expression, obj) in (True, False)


def test_unknown_kind_is_a_usage_error() -> None:
    with pytest.raises(UsageError):
        health.argocd_health_lua("Deployment")
    with pytest.raises(UsageError):
        health.argocd_actions_yaml("RayService")
    with pytest.raises(UsageError):
        health.flux_health_check_exprs(["RayCronJobs"])
    with pytest.raises(UsageError):
        health.argocd_action_lua("restart")


# --- packaging --------------------------------------------------------------------------


def test_every_lua_file_is_used_and_shipped() -> None:
    used = {health.argocd_health_lua(kind) for kind in health.RAY_KINDS}
    used |= {health.argocd_action_discovery_lua(kind) for kind in health.ARGOCD_ACTION_KINDS}
    used |= {health.argocd_action_lua(name) for name in health.ARGOCD_ACTION_NAMES}
    on_disk = {path.read_text(encoding="utf-8") for path in LUA_DIRECTORY.glob("*.lua")}
    assert used == on_disk
    package_data = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"][
        "setuptools"
    ]["package-data"]["rayops"]
    for path in LUA_DIRECTORY.glob("*.lua"):
        relative = path.relative_to(REPO_ROOT / "generator" / "rayops").as_posix()
        assert any(fnmatch.fnmatch(relative, pattern) for pattern in package_data), relative


def test_fixtures_are_objects_the_api_server_accepts() -> None:
    """Every fixture passes the release's schema, status included (no field the CRD lacks)."""
    for path in sorted(FIXTURES.glob("v*/*.yaml")):
        release = path.parent.name.removeprefix("v")
        served_by = release if release in ("1.3.2", "1.4.2", "1.5.1", "1.6.2", "1.7.0") else "1.3.2"
        validator = Validator(ValidationOptions(kuberay_version=served_by, operator_rules=False))
        loaded = load_bytes(path.read_bytes(), str(path))
        for document in loaded.documents:
            result = FileResult(str(path))
            validator.validate_document(document, result, None)
            assert [(f.location.line, f.rule, f.message) for f in result.findings] == []
