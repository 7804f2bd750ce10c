"""Lifecycle events from KubeRay's status shapes, and the checkpoint decisions (pure)."""

from __future__ import annotations

import itertools
import json

import pytest

from rayops.watch.checkpoint import (
    ANNOTATION,
    MAX_DONE_KEYS,
    claim_patch,
    done_patch,
    idempotency_key,
    read_checkpoint,
    to_claim,
)
from rayops.watch.lifecycle import current_state, detect
from rayops.watch.server import WatchMetrics
from tests.watch.kuberay_objects import (
    T1,
    T2,
    cluster_conditions,
    job_finished,
    job_running,
    ray_cluster,
    ray_cronjob,
    ray_job,
    ray_service,
    service_status,
    with_status,
)


def reasons(old: dict | None, new: dict) -> list[tuple[str, str]]:
    return [(event.reason, event.state) for event in detect(old, new)]


@pytest.mark.parametrize("state", ["SUCCEEDED", "FAILED", "STOPPED"])
def test_rayjob_finished_in_each_terminal_state(state: str) -> None:
    running = ray_job(**job_running())
    finished = with_status(running, job_finished(state))
    assert reasons(running, running) == []
    assert reasons(running, finished) == [("JobFinished", state)]
    # A restart (no previous observation) sees the same event with the same key.
    assert detect(None, finished) == detect(running, finished)


def test_rayjob_finished_carries_the_operator_reason_and_message() -> None:
    (event,) = detect(None, ray_job(**job_finished("FAILED")))
    assert event.severity == "Warning"
    assert event.message == "AppFailed: Job entrypoint command failed with exit code 1"
    assert (event.kind, event.namespace, event.name, event.uid) == (
        "RayJob",
        "ray-dev",
        "train",
        ray_job()["metadata"]["uid"],
    )


def test_rayjob_retry_then_finish_are_distinct_occurrences() -> None:
    retrying = ray_job(
        **{**job_running("train-1"), "jobDeploymentStatus": "Retrying", "jobStatus": "FAILED", "failed": 1}
    )
    (retry,) = detect(None, retrying)
    assert (retry.reason, retry.severity) == ("JobRetrying", "Warning")
    first = detect(None, ray_job(**job_finished("FAILED", "train-1", failed=1)))[0]
    second = detect(None, ray_job(**job_finished("FAILED", "train-2", failed=2)))[0]
    assert first.key != second.key
    assert idempotency_key(first) != idempotency_key(second)


def test_rayjob_validation_failed_both_shapes() -> None:
    v15 = ray_job(
        jobDeploymentStatus="ValidationFailed", reason="ValidationFailed", message="spec.entrypoint is empty"
    )
    assert reasons(None, v15) == [("JobValidationFailed", "")]
    older = ray_job(jobDeploymentStatus="Failed", reason="ValidationFailed", message="bad spec")
    # The older operator marks a rejected spec Failed: it is finished, and failed.
    assert reasons(None, older) == [("JobFinished", "FAILED")]


def test_rayjob_without_deployment_status_uses_job_status() -> None:
    assert reasons(None, ray_job(jobStatus="SUCCEEDED", jobId="j")) == [("JobFinished", "SUCCEEDED")]
    assert reasons(None, ray_job(jobStatus="RUNNING", jobId="j")) == []
    assert reasons(None, ray_job()) == []


def test_raycluster_head_ready_lost_and_not_lost_while_starting() -> None:
    starting = ray_cluster(**cluster_conditions(head_ready=False, provisioned=False))
    assert reasons(None, starting) == []
    ready = ray_cluster(**cluster_conditions(head_ready=True))
    assert reasons(starting, ready) == [("HeadReady", "")]
    lost = with_status(ready, cluster_conditions(head_ready=False, when=T2))
    (event,) = detect(ready, lost)
    assert (event.reason, event.occurrence, event.message) == (
        "HeadLost",
        T2,
        "HeadPodNotFound: Head Pod not found",
    )


def test_raycluster_replica_failure_suspended_resumed() -> None:
    status = cluster_conditions(head_ready=True)
    status["conditions"].append(
        {
            "type": "ReplicaFailure",
            "status": "True",
            "reason": "FailedCreateWorkerPod",
            "message": "quota",
            "lastTransitionTime": T1,
        }
    )
    assert ("ReplicaFailure", "") in reasons(None, ray_cluster(**status))
    suspended = ray_cluster(**cluster_conditions(head_ready=False, provisioned=False, suspended=True))
    assert reasons(None, suspended) == [("ClusterSuspended", "")]
    resumed = with_status(
        suspended, cluster_conditions(head_ready=False, provisioned=False, suspended=False, when=T2)
    )
    assert reasons(suspended, resumed) == [("ClusterResumed", "")]
    # A cluster never suspended carries the condition False: no resume.
    assert reasons(None, resumed) == []


def test_raycluster_legacy_state_shape_needs_the_previous_observation() -> None:
    ready = ray_cluster(state="ready", head={"podIP": "10.0.0.1"})
    unhealthy = ray_cluster(state="unhealthy", reason="head pod failed")
    suspended = ray_cluster(state="suspended")
    assert reasons(None, unhealthy) == []
    assert reasons(ready, unhealthy) == [("HeadLost", "unhealthy")]
    assert reasons(unhealthy, ready) == [("HeadReady", "")]
    assert reasons(ready, suspended) == [("ClusterSuspended", "")]
    assert reasons(suspended, ready) == [("ClusterResumed", "")]
    assert reasons(ready, ray_cluster(state="failed")) == [("ReplicaFailure", "")]


def test_rayservice_ready_upgrade_started_finished() -> None:
    ready = ray_service(**service_status(ready=True))
    assert reasons(None, ready) == [("ServiceReady", "")]
    upgrading = ray_service(**service_status(ready=True, pending="llm-raycluster-bbbbb"))
    assert ("UpgradeStarted", "") in reasons(ready, upgrading)
    done = ray_service(**service_status(ready=True, active="llm-raycluster-bbbbb", when=T2))
    events = {e.reason: e for e in detect(upgrading, done)}
    assert events["UpgradeFinished"].occurrence == "llm-raycluster-bbbbb"
    abandoned = ray_service(**service_status(ready=True, active="llm-raycluster-aaaaa"))
    assert ("UpgradeRolledBack", "") in reasons(upgrading, abandoned)


def test_rayservice_not_ready_but_not_while_initializing() -> None:
    status = service_status(ready=False)
    assert reasons(None, ray_service(**status)) == [("ServiceNotReady", "")]
    status["conditions"][0]["reason"] = "Initializing"
    assert reasons(None, ray_service(**status)) == []


def rolling_back(pending: str = "llm-raycluster-bbbbb") -> dict:
    """A 1.7 RayService whose incremental upgrade is being rolled back (RollbackInProgress)."""
    status = service_status(ready=True, pending=pending)
    status["conditions"].append(
        {
            "type": "RollbackInProgress",
            "status": "True",
            "reason": "DesiredClusterSpecChanged",
            "message": "Goal state reverted to original cluster, rolling back.",
            "lastTransitionTime": T2,
        }
    )
    return ray_service(**status)


def test_rayservice_rollback_is_one_event_on_completion_keyed_by_the_pending_cluster() -> None:
    upgrading = ray_service(**service_status(ready=True, pending="llm-raycluster-bbbbb"))
    started = rolling_back()
    # Starting a rollback is no event yet (it can be cancelled), neither live nor after a restart.
    assert "UpgradeRolledBack" not in [r for r, _ in reasons(upgrading, started)]
    assert "UpgradeRolledBack" not in [r for r, _ in reasons(None, started)]
    # Complete: KubeRay drops the condition and the pending cluster, the active one stays.
    complete = ray_service(**service_status(ready=True))
    rolled_back = [e for e in detect(started, complete) if e.reason == "UpgradeRolledBack"]
    assert [e.occurrence for e in rolled_back] == ["llm-raycluster-bbbbb"]
    # Over the whole rollback, one event.
    timeline = [upgrading, started, started, complete, complete]
    every = [e.key for old, new in itertools.pairwise(timeline) for e in detect(old, new)]
    assert sum(key.startswith("UpgradeRolledBack/") for key in every) == 1


def test_rayservice_cancelled_rollback_emits_nothing_and_the_upgrade_finishes() -> None:
    upgrading = ray_service(**service_status(ready=True, pending="llm-raycluster-bbbbb"))
    started = rolling_back()
    # The goal went back to the pending cluster's spec: KubeRay drops the condition, goes on.
    cancelled = ray_service(**service_status(ready=True, pending="llm-raycluster-bbbbb"))
    finished = ray_service(**service_status(ready=True, active="llm-raycluster-bbbbb"))
    timeline = [upgrading, started, cancelled, finished]
    every = [(e.reason, e.occurrence) for old, new in itertools.pairwise(timeline) for e in detect(old, new)]
    assert not [event for event in every if event[0] == "UpgradeRolledBack"]
    assert ("UpgradeFinished", "llm-raycluster-bbbbb") in every


def test_rayservice_creation_is_no_upgrade() -> None:
    # KubeRay names the first cluster pending while none is active, then makes it active.
    creating = ray_service(**service_status(ready=False, active="", pending="llm-raycluster-aaaaa"))
    creating["status"]["conditions"][0]["reason"] = "Initializing"
    assert reasons(None, creating) == []
    created = ray_service(**service_status(ready=True, active="llm-raycluster-aaaaa"))
    assert reasons(creating, created) == [("ServiceReady", "")]
    # A first cluster replaced before it served (its spec changed meanwhile) is no rollback either.
    replaced = ray_service(**service_status(ready=False, active="", pending="llm-raycluster-ccccc"))
    replaced["status"]["conditions"][0]["reason"] = "Initializing"
    assert reasons(creating, replaced) == []


def suspending_service(reason: str, suspending: bool, suspended: bool) -> dict:
    """A 1.7 RayService while the suspend it was asked for runs (KubeRay's handleSuspend)."""
    status = service_status(ready=False, active="", when=T2)
    status["conditions"][0].update(reason=reason, message="RayService is suspending.")
    status["conditions"] += [
        {
            "type": "Suspending",
            "status": "True" if suspending else "False",
            "reason": "SuspendInProgress" if suspending else "SuspendComplete",
            "lastTransitionTime": T2,
        },
        {
            "type": "Suspended",
            "status": "True" if suspended else "False",
            "reason": "SuspendComplete",
            "lastTransitionTime": T2,
        },
    ]
    return ray_service(**status)


def test_a_requested_suspend_is_no_failure() -> None:
    ready = ray_service(**service_status(ready=True))
    for suspending in (
        suspending_service("SuspendInProgress", suspending=True, suspended=False),
        suspending_service("SuspendComplete", suspending=False, suspended=True),
        suspending_service("ZeroServeEndpoints", suspending=True, suspended=False),
    ):
        assert reasons(ready, suspending) == [] and reasons(None, suspending) == []
    # A RayCluster whose suspend deletes its Pods: Provisioned is still True, Suspending is True.
    provisioned = ray_cluster(**cluster_conditions(head_ready=True))
    suspending = cluster_conditions(head_ready=False, when=T2)
    suspending["conditions"].append(
        {
            "type": "RayClusterSuspending",
            "status": "True",
            "reason": "RayClusterSuspending",
            "lastTransitionTime": T2,
        }
    )
    assert reasons(provisioned, with_status(provisioned, suspending)) == []
    assert reasons(None, with_status(provisioned, suspending)) == []
    # Without a suspend, the same lost head is one.
    assert reasons(provisioned, with_status(provisioned, cluster_conditions(head_ready=False, when=T2))) == [
        ("HeadLost", "")
    ]


def test_rayservice_legacy_service_status() -> None:
    running = ray_service(serviceStatus="Running", activeServiceStatus={"rayClusterName": "a"})
    stopped = ray_service(serviceStatus="", activeServiceStatus={"rayClusterName": "a"})
    assert reasons(stopped, running) == [("ServiceReady", "")]
    assert reasons(running, stopped) == [("ServiceNotReady", "")]


def test_raycronjob_scheduled_once_per_schedule_time() -> None:
    first = ray_cronjob(lastScheduleTime=T1)
    second = ray_cronjob(lastScheduleTime=T2)
    assert reasons(None, ray_cronjob()) == []
    assert detect(None, first)[0].key != detect(first, second)[0].key


def test_unknown_kinds_and_empty_status_yield_nothing() -> None:
    assert detect(None, {"kind": "Pod", "status": {"phase": "Running"}}) == []
    assert detect(None, ray_job(**{})) == []


def test_current_state_per_kind() -> None:
    assert current_state(ray_job(**job_running())) == "Running"
    assert current_state(ray_cluster(**cluster_conditions(head_ready=True))) == "HeadReady"
    assert current_state(ray_service(**service_status(ready=False))) == "NotReady"
    assert current_state(ray_cronjob(lastScheduleTime=T1)) == "Scheduled"
    assert current_state(ray_job()) == "Unknown"


# --- checkpoint decisions


def test_claim_then_done_round_trip() -> None:
    job = ray_job(**job_finished("FAILED"))
    job["metadata"]["resourceVersion"] = "42"
    events = detect(None, job)
    checkpoint = read_checkpoint(job)
    assert to_claim(events, checkpoint, "a", now=100.0, claim_timeout=60) == events
    patch = claim_patch(job, checkpoint, events, "a", 100.0)
    assert patch["metadata"]["resourceVersion"] == "42"  # the precondition
    job["metadata"]["annotations"] = patch["metadata"]["annotations"]
    claimed = read_checkpoint(job)
    assert claimed.claims == {events[0].key: ("a", 100.0)}
    # Nobody (the claimer included) claims it again while the claim is fresh...
    assert to_claim(events, claimed, "b", now=130.0, claim_timeout=60) == []
    assert to_claim(events, claimed, "a", now=130.0, claim_timeout=60) == []
    # ...and another holder takes over an expired claim.
    assert to_claim(events, claimed, "b", now=161.0, claim_timeout=60) == events
    job["metadata"]["annotations"] = done_patch(job, claimed, events, {"x": "y"})["metadata"]["annotations"]
    done = read_checkpoint(job)
    assert done.done == (events[0].key,) and done.claims == {}
    assert job["metadata"]["annotations"]["x"] == "y"
    assert to_claim(events, done, "b", now=1e9, claim_timeout=60) == []


def test_checkpoint_of_another_uid_or_unreadable_is_empty() -> None:
    job = ray_job(**job_finished("FAILED"))
    job["metadata"]["annotations"] = {ANNOTATION: json.dumps({"uid": "someone-else", "done": ["x"]})}
    assert read_checkpoint(job).done == ()
    job["metadata"]["annotations"] = {ANNOTATION: "{not json"}
    assert read_checkpoint(job).done == ()


def test_done_keys_are_bounded() -> None:
    cron = ray_cronjob()
    for minute in range(MAX_DONE_KEYS + 5):
        events = detect(None, with_status(cron, {"lastScheduleTime": f"2026-11-26T10:{minute:02d}:00Z"}))
        cron["metadata"]["annotations"] = done_patch(cron, read_checkpoint(cron), events)["metadata"][
            "annotations"
        ]
    done = read_checkpoint(cron).done
    assert len(done) == MAX_DONE_KEYS and done[-1].endswith("10:36:00Z")


def test_trimming_done_keys_keeps_what_the_status_still_shows() -> None:
    # A service upgraded again and again: its ServiceReady key is the oldest of the list.
    service = ray_service(**service_status(ready=True))
    (ready,) = detect(None, service)
    service["metadata"]["annotations"] = done_patch(service, read_checkpoint(service), [ready])["metadata"][
        "annotations"
    ]
    previous = service
    for number in range(MAX_DONE_KEYS):
        upgrading = with_status(service, service_status(ready=True, pending=f"llm-raycluster-{number}"))
        events = [e for e in detect(previous, upgrading) if e.reason != "ServiceReady"]
        finished = with_status(service, service_status(ready=True, active=f"llm-raycluster-{number}"))
        events += [e for e in detect(upgrading, finished) if e.reason != "ServiceReady"]
        patch = done_patch(service, read_checkpoint(service), events)
        service["metadata"]["annotations"] = patch["metadata"]["annotations"]
        previous = finished
    done = read_checkpoint(service).done
    assert ready.key in done
    assert len(done) <= MAX_DONE_KEYS + 1
    # And a key the caller says the status shows is never the one dropped.
    keys = [f"CronJobScheduled//{n}" for n in range(MAX_DONE_KEYS + 3)]
    cron = ray_cronjob()
    cron["metadata"]["annotations"] = {
        ANNOTATION: json.dumps({"uid": cron["metadata"]["uid"], "done": keys[:-1]})
    }
    event = detect(None, with_status(cron, {"lastScheduleTime": "later"}))[0]
    patch = done_patch(cron, read_checkpoint(cron), [event], keep=[keys[0]])
    cron["metadata"]["annotations"] = patch["metadata"]["annotations"]
    kept = read_checkpoint(cron).done
    assert keys[0] in kept and keys[1] not in kept and kept[-1] == event.key
    assert len(kept) == MAX_DONE_KEYS


def test_metrics_state_gauge_moves_with_the_object() -> None:
    metrics = WatchMetrics()
    metrics.set_state("u1", "RayJob", "Running")
    metrics.set_state("u1", "RayJob", "Complete")
    metrics.set_state("u2", "RayJob", "Complete")
    assert metrics.objects.labels("RayJob", "Running")._value.get() == 0
    assert metrics.objects.labels("RayJob", "Complete")._value.get() == 2
    metrics.set_state("u1", "RayJob", None)
    assert metrics.objects.labels("RayJob", "Complete")._value.get() == 1


def test_fixtures_are_objects_kuberay_1_7_accepts_status_included() -> None:
    """The status fixtures use only fields and values the v1.7.0 CRDs define."""
    import yaml

    from rayops.loader import load_bytes
    from rayops.validate.engine import FileResult, ValidationOptions, Validator

    objects = [
        ray_job(**job_running()),
        ray_job(**job_finished("FAILED")),
        ray_job(jobDeploymentStatus="ValidationFailed", reason="ValidationFailed", message="bad"),
        ray_cluster(**cluster_conditions(head_ready=False, suspended=True)),
        ray_service(**service_status(ready=True, pending="llm-raycluster-bbbbb")),
        ray_cronjob(lastScheduleTime=T1),
    ]
    validator = Validator(ValidationOptions(kuberay_version="1.7.0", operator_rules=False))
    result = FileResult("fixtures.yaml")
    for document in load_bytes(yaml.safe_dump_all(objects).encode(), "fixtures.yaml").documents:
        validator.validate_document(document, result)
    assert [(f.rule, f.message) for f in result.findings] == []
