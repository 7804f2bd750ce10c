"""Ray resources with statuses in the shapes the KubeRay operator writes (v1.3 to v1.7).

Field names and values follow ray-operator/apis/ray/v1/*_types.go and the controllers'
SetStatusCondition calls; the "legacy" builders use the pre-conditions shapes (status.state,
serviceStatus) that older operators and clusters without the RayClusterStatusConditions gate write.
"""

from __future__ import annotations

import copy
from typing import Any

T0 = "2026-11-26T10:00:00Z"
T1 = "2026-11-26T10:05:00Z"
T2 = "2026-11-26T10:09:30Z"


def _meta(name: str, uid: str, namespace: str = "ray-dev", generation: int = 1) -> dict[str, Any]:
    return {
        "name": name,
        "namespace": namespace,
        "uid": uid,
        "generation": generation,
        "resourceVersion": "1",
        "creationTimestamp": T0,
        "labels": {"app.kubernetes.io/managed-by": "rayops", "team": "ml"},
    }


def ray_job(
    name: str = "train", uid: str = "0b7c9a52-5a39-4a46-9d1b-2f0d8f6d1e01", **status: Any
) -> dict[str, Any]:
    """A RayJob as rayops renders it (code ConfigMap mounted), with ``status``."""
    job: dict[str, Any] = {
        "apiVersion": "ray.io/v1",
        "kind": "RayJob",
        "metadata": _meta(name, uid),
        "spec": {
            "entrypoint": "python /home/ray/code/train.py",
            "shutdownAfterJobFinishes": True,
            "rayClusterSpec": {
                "rayVersion": "2.52.0",
                "headGroupSpec": {
                    "rayStartParams": {},
                    "template": {
                        "spec": {
                            "containers": [
                                {
                                    "name": "ray-head",
                                    "image": "rayproject/ray:2.52.0",
                                    "env": [
                                        {
                                            "name": "API_TOKEN",
                                            "valueFrom": {"secretKeyRef": {"name": "s", "key": "k"}},
                                        }
                                    ],
                                    "volumeMounts": [{"name": "code", "mountPath": "/home/ray/code"}],
                                }
                            ],
                            "volumes": [{"name": "code", "configMap": {"name": f"{name}-code-5f2d1c0a"}}],
                        }
                    },
                },
                "workerGroupSpecs": [],
            },
        },
    }
    if status:
        job["status"] = status
    return job


def job_running(job_id: str = "train-x7k2p") -> dict[str, Any]:
    """A RayJob status while the Ray job runs."""
    return {
        "jobId": job_id,
        "rayClusterName": "train-raycluster-abcde",
        "dashboardURL": "train-raycluster-abcde-head-svc.ray-dev.svc.cluster.local:8265",
        "jobStatus": "RUNNING",
        "jobDeploymentStatus": "Running",
        "startTime": T0,
        "failed": 0,
        "succeeded": 0,
        "observedGeneration": 1,
        "rayClusterStatus": {"desiredWorkerReplicas": 0, "readyWorkerReplicas": 0},
    }


def job_finished(job_status: str = "FAILED", job_id: str = "train-x7k2p", failed: int = 1) -> dict[str, Any]:
    """A RayJob status once the operator marks it Complete (or Failed)."""
    status = job_running(job_id)
    status.update(
        jobStatus=job_status,
        jobDeploymentStatus="Complete" if job_status != "FAILED" else "Failed",
        endTime=T1,
        failed=failed if job_status == "FAILED" else 0,
        succeeded=1 if job_status == "SUCCEEDED" else 0,
    )
    if job_status == "FAILED":
        status.update(reason="AppFailed", message="Job entrypoint command failed with exit code 1")
    return status


def ray_cluster(
    name: str = "serve", uid: str = "9f1d2c3b-0000-4a46-9d1b-2f0d8f6d1e02", **status: Any
) -> dict[str, Any]:
    """A RayCluster with ``status``."""
    cluster: dict[str, Any] = {
        "apiVersion": "ray.io/v1",
        "kind": "RayCluster",
        "metadata": _meta(name, uid),
        "spec": copy.deepcopy(ray_job()["spec"]["rayClusterSpec"]),
    }
    if status:
        cluster["status"] = status
    return cluster


def cluster_conditions(
    head_ready: bool, provisioned: bool = True, suspended: bool = False, when: str = T1
) -> dict[str, Any]:
    """A v1.2+ RayCluster status with the conditions the operator sets."""
    conditions = [
        {
            "type": "HeadPodReady",
            "status": "True" if head_ready else "False",
            "reason": "HeadPodRunningAndReady" if head_ready else "HeadPodNotFound",
            "message": "" if head_ready else "Head Pod not found",
            "lastTransitionTime": when,
            "observedGeneration": 1,
        },
        {
            "type": "RayClusterProvisioned",
            "status": "True" if provisioned else "False",
            "reason": "AllPodRunningAndReadyFirstTime" if provisioned else "RayClusterPodsProvisioning",
            "message": "All Ray Pods are ready for the first time",
            "lastTransitionTime": T0,
        },
        {
            "type": "RayClusterSuspended",
            "status": "True" if suspended else "False",
            "reason": "RayClusterSuspended",
            "message": "",
            "lastTransitionTime": when if suspended else T0,
        },
    ]
    return {"conditions": conditions, "readyWorkerReplicas": 1, "observedGeneration": 1}


def ray_service(
    name: str = "llm", uid: str = "77aa2c3b-0000-4a46-9d1b-2f0d8f6d1e03", **status: Any
) -> dict[str, Any]:
    """A RayService with ``status``."""
    service: dict[str, Any] = {
        "apiVersion": "ray.io/v1",
        "kind": "RayService",
        "metadata": _meta(name, uid),
        "spec": {"rayClusterConfig": copy.deepcopy(ray_job()["spec"]["rayClusterSpec"])},
    }
    if status:
        service["status"] = status
    return service


def service_status(
    ready: bool, active: str = "llm-raycluster-aaaaa", pending: str = "", when: str = T1
) -> dict[str, Any]:
    """A v1.3+ RayService status: conditions plus active and pending cluster names."""
    conditions = [
        {
            "type": "Ready",
            "status": "True" if ready else "False",
            "reason": "NonZeroServeEndpoints" if ready else "ZeroServeEndpoints",
            "message": "Number of serve endpoints is greater than 0" if ready else "No serve endpoints",
            "lastTransitionTime": when,
        },
        {
            "type": "UpgradeInProgress",
            "status": "True" if pending else "False",
            "reason": "BothActivePendingClustersExist" if pending else "NoPendingCluster",
            "message": "",
            "lastTransitionTime": when,
        },
    ]
    status: dict[str, Any] = {
        "conditions": conditions,
        "serviceStatus": "Running" if ready else "",
        "activeServiceStatus": {"rayClusterName": active, "applicationStatuses": {}},
        "pendingServiceStatus": {"rayClusterName": pending} if pending else {},
        "observedGeneration": 1,
    }
    return status


def ray_cronjob(
    name: str = "nightly", uid: str = "1234abcd-0000-4a46-9d1b-2f0d8f6d1e04", **status: Any
) -> dict[str, Any]:
    """A RayCronJob (KubeRay 1.7) with ``status``."""
    cron: dict[str, Any] = {
        "apiVersion": "ray.io/v1",
        "kind": "RayCronJob",
        "metadata": _meta(name, uid),
        "spec": {"schedule": "0 2 * * *", "jobTemplate": {}},
    }
    if status:
        cron["status"] = status
    return cron


def with_status(obj: dict[str, Any], status: dict[str, Any]) -> dict[str, Any]:
    """A copy of ``obj`` with ``status`` replaced."""
    changed = copy.deepcopy(obj)
    changed["status"] = status
    return changed
