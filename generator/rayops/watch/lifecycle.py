"""Lifecycle events recognised in the status KubeRay writes (pure: no I/O, no dependencies).

:func:`detect` takes the previously observed object (or None after a restart) and the new
one, and returns the lifecycle events the new status shows. Most events are *level*
events: they are derived from the new status alone and carry an ``occurrence`` (a job ID,
a condition's ``lastTransitionTime``, a schedule time) so that the same occurrence always
yields the same key, and the checkpoint (:mod:`rayops.watch.checkpoint`) acts on it once,
whether the watcher saw the transition live, after a relist, or after a restart. A few
events can only be seen as a change between two observations (*edge* events: an upgrade
that finished or was abandoned, and the older status shapes without conditions); they
need ``old`` and are not replayed after a restart.

Status shapes, from KubeRay's ``ray-operator/apis/ray/v1`` (v1.3 to v1.7):

- RayJob: ``jobDeploymentStatus`` (``Initializing``, ``Running``, ``Complete``, ``Failed``,
  ``ValidationFailed`` (1.5+), ``Suspending``, ``Suspended``, ``Retrying``, ``Waiting``),
  ``jobStatus`` (``PENDING``, ``RUNNING``, ``STOPPED``, ``SUCCEEDED``, ``FAILED``),
  ``reason``, ``message``, ``jobId``, ``failed``/``succeeded`` counters.
- RayCluster: conditions ``HeadPodReady``, ``RayClusterProvisioned``, ``ReplicaFailure``,
  ``RayClusterSuspending`` (1.7), ``RayClusterSuspended``; the older ``state`` (``ready``,
  ``unhealthy``, ``failed``, ``suspended``) when conditions are absent.
- RayService: conditions ``Ready``, ``UpgradeInProgress``, ``RollbackInProgress``,
  ``Suspending`` and ``Suspended`` (1.7);
  ``activeServiceStatus``/``pendingServiceStatus.rayClusterName``; the older
  ``serviceStatus`` (``Running`` or empty).
- RayCronJob: ``lastScheduleTime``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Final

GROUP: Final = "ray.io"
KINDS: Final = ("RayJob", "RayCluster", "RayService", "RayCronJob")
PLURALS: Final = {
    "RayJob": "rayjobs",
    "RayCluster": "rayclusters",
    "RayService": "rayservices",
    "RayCronJob": "raycronjobs",
}

# Reasons (event names) by kind: the vocabulary of the `watch` configuration.
JOB_FINISHED: Final = "JobFinished"
JOB_VALIDATION_FAILED: Final = "JobValidationFailed"
JOB_RETRYING: Final = "JobRetrying"
HEAD_READY: Final = "HeadReady"
HEAD_LOST: Final = "HeadLost"
REPLICA_FAILURE: Final = "ReplicaFailure"
CLUSTER_SUSPENDED: Final = "ClusterSuspended"
CLUSTER_RESUMED: Final = "ClusterResumed"
SERVICE_READY: Final = "ServiceReady"
SERVICE_NOT_READY: Final = "ServiceNotReady"
UPGRADE_STARTED: Final = "UpgradeStarted"
UPGRADE_FINISHED: Final = "UpgradeFinished"
UPGRADE_ROLLED_BACK: Final = "UpgradeRolledBack"
CRONJOB_SCHEDULED: Final = "CronJobScheduled"

REASONS_BY_KIND: Final[Mapping[str, tuple[str, ...]]] = {
    "RayJob": (JOB_FINISHED, JOB_VALIDATION_FAILED, JOB_RETRYING),
    "RayCluster": (HEAD_READY, HEAD_LOST, REPLICA_FAILURE, CLUSTER_SUSPENDED, CLUSTER_RESUMED),
    "RayService": (SERVICE_READY, SERVICE_NOT_READY, UPGRADE_STARTED, UPGRADE_FINISHED, UPGRADE_ROLLED_BACK),
    "RayCronJob": (CRONJOB_SCHEDULED,),
}
ALL_REASONS: Final = frozenset(reason for reasons in REASONS_BY_KIND.values() for reason in reasons)
WARNING_REASONS: Final = frozenset(
    (JOB_VALIDATION_FAILED, JOB_RETRYING, HEAD_LOST, REPLICA_FAILURE, SERVICE_NOT_READY, UPGRADE_ROLLED_BACK)
)
JOB_TERMINAL_STATES: Final = frozenset(("SUCCEEDED", "FAILED", "STOPPED"))
_FINISHED_DEPLOYMENT: Final = frozenset(("Complete", "Failed"))


@dataclass(frozen=True, slots=True)
class LifecycleEvent:
    """One lifecycle event of one Ray resource.

    ``state`` refines the reason (a finished job's ``SUCCEEDED``, ``FAILED`` or ``STOPPED``);
    ``occurrence`` tells two occurrences of the same reason apart (a new job ID, a later
    transition time) and is what makes :attr:`key` stable across relists and restarts.
    """

    kind: str
    namespace: str
    name: str
    uid: str
    reason: str
    state: str = ""
    occurrence: str = ""
    message: str = ""

    @property
    def key(self) -> str:
        """Identity of this occurrence on its object: reason, state and occurrence."""
        return f"{self.reason}/{self.state}/{self.occurrence}"

    @property
    def severity(self) -> str:
        """``Warning`` for failures and losses, else ``Normal`` (as Kubernetes Events type them)."""
        if self.reason in WARNING_REASONS or (self.reason == JOB_FINISHED and self.state == "FAILED"):
            return "Warning"
        return "Normal"


def detect(old: Mapping[str, Any] | None, new: Mapping[str, Any]) -> list[LifecycleEvent]:
    """Lifecycle events shown by ``new`` (given the previous observation ``old``, if any)."""
    detector = _DETECTORS.get(new.get("kind", ""))
    if detector is None:
        return []
    status = new.get("status")
    if not isinstance(status, dict) or not status:
        return []
    old_status = old.get("status") if old is not None else None
    if not isinstance(old_status, dict):
        old_status = None
    metadata = new.get("metadata") or {}
    found: list[LifecycleEvent] = []

    def emit(reason: str, state: str = "", occurrence: str = "", message: str = "") -> None:
        found.append(
            LifecycleEvent(
                new["kind"],
                metadata.get("namespace", ""),
                metadata.get("name", ""),
                metadata.get("uid", ""),
                reason,
                state,
                occurrence,
                message,
            )
        )

    detector(old_status, status, metadata, emit)
    return found


_Emit = Callable[..., None]


def _conditions(status: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    conditions = status.get("conditions")
    if not isinstance(conditions, list):
        return {}
    return {c["type"]: c for c in conditions if isinstance(c, dict) and "type" in c}


def _condition_message(condition: Mapping[str, Any]) -> str:
    reason = condition.get("reason") or ""
    message = condition.get("message") or ""
    return f"{reason}: {message}" if reason and message else reason or message


def _job(
    old: Mapping[str, Any] | None, status: Mapping[str, Any], metadata: Mapping[str, Any], emit: _Emit
) -> None:
    deployment = status.get("jobDeploymentStatus")
    job_status = status.get("jobStatus") or ""
    message = status.get("message") or ""
    reason = status.get("reason") or ""
    detail = f"{reason}: {message}" if reason and message else reason or message
    attempt = (status.get("failed") or 0) + (status.get("succeeded") or 0)
    submission = status.get("jobId") or status.get("startTime") or ""
    if deployment in _FINISHED_DEPLOYMENT or (deployment is None and job_status in JOB_TERMINAL_STATES):
        state = job_status if job_status in JOB_TERMINAL_STATES else "FAILED"
        emit(JOB_FINISHED, state, f"{submission}#{attempt}", detail)
    elif deployment == "ValidationFailed":
        # (Before 1.5 a rejected spec was marked Failed: a JobFinished FAILED, above.)
        emit(JOB_VALIDATION_FAILED, "", str(metadata.get("generation", "")), detail)
    elif deployment == "Retrying":
        emit(JOB_RETRYING, job_status, f"{submission}#{attempt}", detail)


def _cluster(
    old: Mapping[str, Any] | None, status: Mapping[str, Any], metadata: Mapping[str, Any], emit: _Emit
) -> None:
    conditions = _conditions(status)
    head = conditions.get("HeadPodReady")
    if head is not None:
        when = str(head.get("lastTransitionTime", ""))
        if head.get("status") == "True":
            emit(HEAD_READY, "", when, _condition_message(head))
        elif _is_true(conditions.get("RayClusterProvisioned")) and not any(
            _is_true(conditions.get(name)) for name in ("RayClusterSuspending", "RayClusterSuspended")
        ):
            # Provisioned once, head no longer ready: lost, not still starting. A requested
            # suspend (1.7: RayClusterSuspending while Provisioned stays True) deletes it on purpose.
            emit(HEAD_LOST, "", when, _condition_message(head))
    else:
        _cluster_state_edges(old, status, emit)
    failure = conditions.get("ReplicaFailure")
    if _is_true(failure):
        assert failure is not None
        emit(REPLICA_FAILURE, "", str(failure.get("lastTransitionTime", "")), _condition_message(failure))
    suspended = conditions.get("RayClusterSuspended")
    if suspended is not None:
        when = str(suspended.get("lastTransitionTime", ""))
        if suspended.get("status") == "True":
            emit(CLUSTER_SUSPENDED, "", when, _condition_message(suspended))
        elif old is not None and _is_true(_conditions(old).get("RayClusterSuspended")):
            # KubeRay keeps this condition False on every cluster never suspended: only the
            # change from True tells a resume.
            emit(CLUSTER_RESUMED, "", when, _condition_message(suspended))


def _cluster_state_edges(old: Mapping[str, Any] | None, status: Mapping[str, Any], emit: _Emit) -> None:
    """The older RayCluster shape (``status.state`` without conditions): changes only."""
    state = status.get("state") or ""
    previous = (old or {}).get("state") or ""
    if old is None or state == previous:
        return
    message = status.get("reason") or ""
    when = str((status.get("stateTransitionTimes") or {}).get(state, "")) or str(
        status.get("lastUpdateTime", "")
    )
    if state == "ready":
        emit(CLUSTER_RESUMED if previous == "suspended" else HEAD_READY, "", when, message)
    elif state == "suspended":
        emit(CLUSTER_SUSPENDED, "", when, message)
    elif state == "failed":
        emit(REPLICA_FAILURE, "", when, message)
    elif previous == "ready":
        emit(HEAD_LOST, state, when, message)


def _service(
    old: Mapping[str, Any] | None, status: Mapping[str, Any], metadata: Mapping[str, Any], emit: _Emit
) -> None:
    conditions = _conditions(status)
    active = (status.get("activeServiceStatus") or {}).get("rayClusterName") or ""
    pending = (status.get("pendingServiceStatus") or {}).get("rayClusterName") or ""
    ready = conditions.get("Ready")
    if ready is not None:
        when = str(ready.get("lastTransitionTime", ""))
        if ready.get("status") == "True":
            emit(SERVICE_READY, "", when, _condition_message(ready))
        elif ready.get("reason") != "Initializing" and not _suspend_requested(ready, conditions):
            emit(SERVICE_NOT_READY, "", when, _condition_message(ready))
    elif old is not None and (old.get("serviceStatus") or "") != (status.get("serviceStatus") or ""):
        when = str(status.get("lastUpdateTime", ""))
        if status.get("serviceStatus") == "Running":
            emit(SERVICE_READY, "", when)
        elif old.get("serviceStatus") == "Running":
            emit(SERVICE_NOT_READY, "", when, str(status.get("serviceStatus") or ""))
    if pending and active:
        # A pending cluster beside an active one. Without an active one, KubeRay is creating
        # the service (or resuming it): its first cluster is pending, no upgrade.
        emit(UPGRADE_STARTED, "", pending, f"pending RayCluster {pending}")
    if old is None:
        return
    old_active = (old.get("activeServiceStatus") or {}).get("rayClusterName") or ""
    old_pending = (old.get("pendingServiceStatus") or {}).get("rayClusterName") or ""
    if old_pending and old_pending != pending and old_active:
        if active == old_pending:
            emit(UPGRADE_FINISHED, "", active, f"RayCluster {active} now serves traffic")
        elif active == old_active:
            # Once, when the pending cluster is dropped: a RollbackInProgress condition (1.7) is
            # only the start of a rollback, and may be cancelled (the upgrade then goes on).
            emit(UPGRADE_ROLLED_BACK, "", old_pending, f"pending RayCluster {old_pending} abandoned")


def _cronjob(
    old: Mapping[str, Any] | None, status: Mapping[str, Any], metadata: Mapping[str, Any], emit: _Emit
) -> None:
    scheduled = status.get("lastScheduleTime")
    if scheduled:
        emit(CRONJOB_SCHEDULED, "", str(scheduled), f"scheduled a RayJob at {scheduled}")


def _is_true(condition: Mapping[str, Any] | None) -> bool:
    return condition is not None and condition.get("status") == "True"


def _suspend_requested(ready: Mapping[str, Any], conditions: Mapping[str, Mapping[str, Any]]) -> bool:
    """A RayService not ready because its suspend was asked for (1.7), not because it failed."""
    return (
        str(ready.get("reason") or "").startswith("Suspend")
        or _is_true(conditions.get("Suspending"))
        or _is_true(conditions.get("Suspended"))
    )


_DETECTORS: Final[
    dict[str, Callable[[Mapping[str, Any] | None, Mapping[str, Any], Mapping[str, Any], _Emit], None]]
] = {
    "RayJob": _job,
    "RayCluster": _cluster,
    "RayService": _service,
    "RayCronJob": _cronjob,
}


def current_state(obj: Mapping[str, Any]) -> str:
    """A short state of the object for the ``rayops_watch_objects`` gauge."""
    status = obj.get("status")
    if not isinstance(status, dict):
        return "Unknown"
    kind = obj.get("kind")
    if kind == "RayJob":
        return str(status.get("jobDeploymentStatus") or status.get("jobStatus") or "New")
    conditions = _conditions(status)
    if kind == "RayCluster":
        if _is_true(conditions.get("RayClusterSuspended")):
            return "Suspended"
        head = conditions.get("HeadPodReady")
        if head is not None:
            return "HeadReady" if head.get("status") == "True" else "HeadNotReady"
        return str(status.get("state") or "Unknown")
    if kind == "RayService":
        ready = conditions.get("Ready")
        if ready is not None:
            return "Ready" if ready.get("status") == "True" else "NotReady"
        return "Ready" if status.get("serviceStatus") == "Running" else "NotReady"
    if kind == "RayCronJob":
        return "Scheduled" if status.get("lastScheduleTime") else "Waiting"
    return "Unknown"
