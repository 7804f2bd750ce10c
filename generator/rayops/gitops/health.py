"""Health checks of Ray resources for Argo CD (Lua) and Flux (CEL), and Argo CD resource actions.

Both tools show a Ray resource as healthy only when told how to read its status. rayops
ships one reading of the status that KubeRay 1.3 to 1.7 write (and of the older shapes
still stored in clusters upgraded from 1.1 or 1.2), in the two languages. Argo CD's
state first, Flux's after the slash:

- RayJob, by ``status.jobDeploymentStatus``: Complete is Healthy/Current; Failed and
  ValidationFailed (since 1.5) are Degraded/Failed, with ``status.reason`` and
  ``status.message``; Suspended is Suspended/Current; no status, "" (New), Initializing,
  Running, Retrying, Waiting and Suspending are Progressing/InProgress.
- RayCluster, by its conditions: ``ReplicaFailure`` True is Degraded/Failed;
  ``RayClusterSuspended`` True while ``spec.suspend`` is true is Suspended/Current;
  ``RayClusterSuspending`` True, a ``spec.suspend`` the operator has not acted on yet, or
  ``RayClusterSuspended`` True after ``spec.suspend`` went back to false are
  Progressing/InProgress; ``HeadPodReady`` True with ``RayClusterProvisioned`` True or
  absent is Healthy/Current. Without conditions (feature gate RayClusterStatusConditions
  off, or a status from 1.2 and before) the deprecated ``state`` decides in the same way:
  ``failed`` (written up to 1.1, cause in ``status.reason``) is Degraded/Failed,
  ``suspended`` Suspended/Current (Progressing/InProgress once ``spec.suspend`` is false
  again: the state stays until every Pod runs), ``ready`` Healthy/Current.
- RayService, by its conditions: ``Ready`` False with reason InitializingTimeout (1.5) or
  ValidationFailed (1.6) is Degraded/Failed; ``Suspended`` True (1.7) is
  Suspended/Current; ``Suspending`` (1.7), ``UpgradeInProgress`` or ``RollbackInProgress``
  (1.6) True are Progressing/InProgress; otherwise ``Ready`` True is Healthy/Current.
  Without conditions (a status from 1.2), ``serviceStatus: Running`` is Healthy/Current.
- RayCronJob (1.6) has no conditions: ``spec.suspend`` true is Suspended/Current, anything
  else Healthy/Current.

Anything else is Progressing (Argo CD) or InProgress (Flux).

Decisions:

- Suspended is reported only once the operator says so (condition ``RayClusterSuspended``,
  ``state: suspended``, ``jobDeploymentStatus: Suspended``): while it deletes Pods the
  resource is Progressing, so a Pod that will not go away is not hidden behind "Suspended".
  A RayCronJob has no status to wait for, so its spec decides.
- Flux has no Suspended state. A suspension is a state declared in Git and reached, so it
  counts as Current: otherwise a Kustomization holding a suspended RayJob would wait for
  it until its timeout and fail.
- Flux evaluates ``inProgress``, then ``failed``, then ``current``, and falls back to
  InProgress; before any of them it reports InProgress while ``status.observedGeneration``
  differs from ``metadata.generation`` (RayCluster and RayService write it; RayJob does
  not). The expressions below need no ``inProgress``: ``failed`` is exactly the Degraded
  cases and ``current`` exactly the Healthy and Suspended ones. Every field below
  ``status`` is guarded with ``has()``, since a missing map key is an evaluation error.
  A missing ``status`` itself cannot be guarded (``has(status)`` is not valid CEL on a
  top-level variable): Flux then reports the object as Unknown and keeps waiting, which
  is what a freshly created Ray resource needs. The RayCronJob expression reads nothing,
  because a RayCronJob has no status until its first run.
- Argo CD runs argocd-cm scripts without the Lua standard library (no ``string``), so the
  scripts use only the base library; the tests run them the same way.
- Argo CD actions suspend and resume exist for RayCluster, RayJob and RayCronJob, whose
  ``spec.suspend`` every bundled KubeRay release reads. Discovery disables them where the
  operator would reject or ignore the change: a RayJob whose ``shutdownAfterJobFinishes``
  is not true or that uses ``clusterSelector`` (the operator rejects both: status
  ValidationFailed since 1.5, a Warning event before), a RayJob that is not New,
  Initializing or Running (only those move to Suspending), a RayCluster owned by a RayJob
  or RayService, and any resource Kueue admits or another controller manages
  (``spec.managedBy``). RayService has ``spec.suspend`` only
  since KubeRay 1.7 (older API servers prune the field), so it gets no actions.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from typing import Any

import yaml

from rayops.errors import UsageError

RAY_API_VERSION = "ray.io/v1"
RAY_API_GROUP = "ray.io"
RAY_KINDS: tuple[str, ...] = ("RayCluster", "RayJob", "RayService", "RayCronJob")
ARGOCD_ACTION_KINDS: tuple[str, ...] = ("RayCluster", "RayJob", "RayCronJob")
"""Kinds with Argo CD suspend and resume actions."""

ARGOCD_ACTION_NAMES: tuple[str, ...] = ("suspend", "resume")
ARGOCD_HEALTH_KEY_PREFIX = "resource.customizations.health."
ARGOCD_ACTIONS_KEY_PREFIX = "resource.customizations.actions."

_LUA_DIRECTORY = "lua"


def _check_kind(kind: str, allowed: tuple[str, ...], what: str) -> None:
    if kind not in allowed:
        raise UsageError(f"rayops has no {what} for kind {kind!r}, only for {', '.join(allowed)}")


@cache
def _lua_text(file_name: str) -> str:
    """A Lua script shipped in the package (``rayops/gitops/lua/``)."""
    from importlib import resources  # about 15 ms to import: only when a script is read

    return resources.files("rayops.gitops").joinpath(_LUA_DIRECTORY, file_name).read_text(encoding="utf-8")


def argocd_health_lua(kind: str) -> str:
    """The Argo CD health script (Lua) for a Ray ``kind``: it reads ``obj``, returns ``hs``."""
    _check_kind(kind, RAY_KINDS, "health check")
    return _lua_text(f"{kind.lower()}_health.lua")


def argocd_action_discovery_lua(kind: str) -> str:
    """The Argo CD action discovery script for ``kind``: which actions are enabled now."""
    _check_kind(kind, ARGOCD_ACTION_KINDS, "Argo CD actions")
    return _lua_text(f"{kind.lower()}_actions.lua")


def argocd_action_lua(action: str) -> str:
    """The Argo CD action script ``suspend`` or ``resume`` (the same for every kind)."""
    if action not in ARGOCD_ACTION_NAMES:
        raise UsageError(f"no Argo CD action {action!r}: rayops defines {', '.join(ARGOCD_ACTION_NAMES)}")
    return _lua_text(f"{action}_action.lua")


class _LiteralBlockDumper(yaml.SafeDumper):
    """Writes multi-line strings as literal blocks (``|``), so the Lua stays readable."""


def _represent_text(dumper: yaml.SafeDumper, text: str) -> yaml.ScalarNode:
    style = "|" if "\n" in text else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", text, style=style)


_LiteralBlockDumper.add_representer(str, _represent_text)


def argocd_actions_yaml(kind: str) -> str:
    """The argocd-cm value of ``resource.customizations.actions.ray.io_<kind>``.

    YAML text with ``discovery.lua`` and ``definitions`` (``name``, ``action.lua``), the
    format Argo CD reads from that key.
    """
    _check_kind(kind, ARGOCD_ACTION_KINDS, "Argo CD actions")
    value = {
        "discovery.lua": argocd_action_discovery_lua(kind),
        "definitions": [
            {"name": name, "action.lua": argocd_action_lua(name)} for name in ARGOCD_ACTION_NAMES
        ],
    }
    return yaml.dump(value, Dumper=_LiteralBlockDumper, sort_keys=False, width=1000)


def argocd_group_kind(kind: str) -> str:
    """``ray.io_<kind>``: how argocd-cm keys name a group and kind."""
    return f"{RAY_API_GROUP}_{kind}"


def argocd_cm_data(kinds: Iterable[str] = RAY_KINDS) -> dict[str, str]:
    """The argocd-cm ``data`` entries: health for every kind, actions for the kinds that have them."""
    kinds = tuple(kinds)
    data: dict[str, str] = {}
    for kind in kinds:
        data[ARGOCD_HEALTH_KEY_PREFIX + argocd_group_kind(kind)] = argocd_health_lua(kind)
    for kind in kinds:
        if kind in ARGOCD_ACTION_KINDS:
            data[ARGOCD_ACTIONS_KEY_PREFIX + argocd_group_kind(kind)] = argocd_actions_yaml(kind)
    return data


def argocd_cm_patch(namespace: str = "argocd") -> dict[str, Any]:
    """The ConfigMap ``argocd-cm`` holding the Ray health checks and actions, to commit as a patch."""
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {
            "name": "argocd-cm",
            "namespace": namespace,
            "labels": {
                "app.kubernetes.io/name": "argocd-cm",
                "app.kubernetes.io/part-of": "argocd",
            },
        },
        "data": argocd_cm_data(),
    }


# Flux CEL expressions. The object's top-level fields are the variables (status, spec...).
_HAS_CONDITIONS = "(has(status.conditions) && size(status.conditions) > 0)"
_SUSPEND_REQUESTED = "(has(spec.suspend) && spec.suspend == true)"
_HAS_DEPLOYMENT_STATUS = "has(status.jobDeploymentStatus)"


def _condition_true(condition_type: str) -> str:
    return f"status.conditions.exists(c, c.type == '{condition_type}' && c.status == 'True')"


# RayCluster with conditions: suspended once the operator says so, while spec.suspend asks
# for it; otherwise current when the head Pod is ready, every Pod was ready once
# (RayClusterProvisioned not False) and no suspension is under way.
_RAYCLUSTER_CONDITIONS_CURRENT = (
    f"({_SUSPEND_REQUESTED} ? {_condition_true('RayClusterSuspended')}"
    f" : (!{_condition_true('RayClusterSuspended')} && !{_condition_true('RayClusterSuspending')}"
    f" && {_condition_true('HeadPodReady')}"
    " && !status.conditions.exists(c, c.type == 'RayClusterProvisioned' && c.status != 'True')))"
)
# RayCluster without conditions: the deprecated state, which reads "suspended" from when
# spec.suspend deleted the last Pod until every Pod runs again.
_RAYCLUSTER_STATE_CURRENT = (
    f"(has(status.state) && status.state == ({_SUSPEND_REQUESTED} ? 'suspended' : 'ready'))"
)

_FLUX_EXPRESSIONS: dict[str, dict[str, str]] = {
    "RayCluster": {
        "failed": (
            f"{_HAS_CONDITIONS} ? {_condition_true('ReplicaFailure')}"
            " : (has(status.state) && status.state == 'failed')"
        ),
        "current": f"{_HAS_CONDITIONS} ? {_RAYCLUSTER_CONDITIONS_CURRENT} : {_RAYCLUSTER_STATE_CURRENT}",
    },
    "RayJob": {
        "failed": f"{_HAS_DEPLOYMENT_STATUS} && status.jobDeploymentStatus in ['Failed', 'ValidationFailed']",
        "current": f"{_HAS_DEPLOYMENT_STATUS} && status.jobDeploymentStatus in ['Complete', 'Suspended']",
    },
    "RayService": {
        "failed": (
            f"{_HAS_CONDITIONS} && status.conditions.exists(c, c.type == 'Ready' && c.status == 'False'"
            " && c.reason in ['InitializingTimeout', 'ValidationFailed'])"
        ),
        "current": (
            f"{_HAS_CONDITIONS} ? ({_condition_true('Suspended')} || (!{_condition_true('Suspending')}"
            f" && !{_condition_true('UpgradeInProgress')} && !{_condition_true('RollbackInProgress')}"
            f" && {_condition_true('Ready')}))"
            " : (has(status.serviceStatus) && status.serviceStatus == 'Running')"
        ),
    },
    # No status before the first run, and nothing in it to judge: always current.
    "RayCronJob": {"current": "true"},
}


def flux_health_check_exprs(kinds: Iterable[str] = RAY_KINDS) -> list[dict[str, str]]:
    """Entries for a Flux Kustomization's ``spec.healthCheckExprs``, one per kind."""
    entries: list[dict[str, str]] = []
    for kind in kinds:
        _check_kind(kind, RAY_KINDS, "health check")
        entry = {"apiVersion": RAY_API_VERSION, "kind": kind}
        for field in ("current", "inProgress", "failed"):
            expression = _FLUX_EXPRESSIONS[kind].get(field)
            if expression is not None:
                entry[field] = expression
        entries.append(entry)
    return entries
