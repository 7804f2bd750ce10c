"""The watcher's Kubernetes objects, for ``rayops render`` (pure: plain dicts, no client).

:func:`watcher_manifests` returns a ServiceAccount, a ConfigMap with the configuration, a
Deployment (non-root, read-only root filesystem, no privilege escalation, every capability
dropped, liveness and readiness on ``/healthz``, resource requests) and the RBAC it needs:
per watched namespace a Role and RoleBinding holding exactly the verbs the configuration uses
(or, cluster-wide, a ClusterRole that never grants delete), plus a Role for its Lease. No
wildcard, no access to Secrets: webhook credentials reach the Pod as environment variables
from the optional Secret ``rayops-watch``, mounted by the kubelet.
"""

from __future__ import annotations

import hashlib
import math
from typing import Any, Final

import yaml

from rayops.watch.config import SHUTDOWN_MARGIN_SECONDS, WatchConfig
from rayops.watch.lifecycle import GROUP, PLURALS

NAME: Final = "rayops-watch"
CONFIG_PATH: Final = "/etc/rayops/watch.yaml"
_RUN_AS: Final = 10001


def _labels() -> dict[str, str]:
    return {
        "app.kubernetes.io/name": NAME,
        "app.kubernetes.io/component": "watcher",
        "app.kubernetes.io/managed-by": "rayops",
    }


def _metadata(name: str, namespace: str | None = None) -> dict[str, Any]:
    metadata: dict[str, Any] = {"name": name, "labels": _labels()}
    if namespace is not None:
        metadata["namespace"] = namespace
    return metadata


def rbac_rules(config: WatchConfig) -> list[dict[str, Any]]:
    """The rules for the watched namespaces: exactly the verbs the configured actions use."""
    rules: list[dict[str, Any]] = [
        {
            "apiGroups": [GROUP],
            "resources": sorted(PLURALS[kind] for kind in config.kinds),
            # list and watch: kopf; get and patch: re-read and write the checkpoint.
            "verbs": ["get", "list", "patch", "watch"],
        }
    ]
    used = config.action_types()
    if "event" in used:
        rules.append({"apiGroups": [""], "resources": ["events"], "verbs": ["create"]})
    if "deleteCodeConfigMap" in used and not config.cluster_wide:
        rules.append({"apiGroups": [""], "resources": ["configmaps"], "verbs": ["delete", "get"]})
    return rules


def watcher_manifests(
    config: WatchConfig, namespaces: list[str], image: str, namespace: str
) -> list[dict[str, Any]]:
    """The Deployment, ServiceAccount, ConfigMap and RBAC of the watcher living in ``namespace``.

    ``namespaces`` are those watched (a Role and RoleBinding each); ignored when the
    configuration is cluster-wide (one ClusterRole and ClusterRoleBinding instead).
    """
    subject = {"kind": "ServiceAccount", "name": NAME, "namespace": namespace}
    settings = yaml.safe_dump({"watch": config.to_dict()}, sort_keys=False)
    objects: list[dict[str, Any]] = [
        {
            "apiVersion": "v1",
            "kind": "ServiceAccount",
            "metadata": _metadata(NAME, namespace),
            "automountServiceAccountToken": True,
        },
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": _metadata(NAME, namespace),
            "data": {"watch.yaml": settings},
        },
        _deployment(config, image, namespace, hashlib.sha256(settings.encode()).hexdigest()[:16]),
    ]
    rules = rbac_rules(config)
    if config.cluster_wide:
        objects.append(
            {
                "apiVersion": "rbac.authorization.k8s.io/v1",
                "kind": "ClusterRole",
                "metadata": _metadata(NAME),
                "rules": rules,
            }
        )
        objects.append(_binding("ClusterRoleBinding", "ClusterRole", None, subject))
    else:
        for watched in sorted(set(namespaces)):
            objects.append(
                {
                    "apiVersion": "rbac.authorization.k8s.io/v1",
                    "kind": "Role",
                    "metadata": _metadata(NAME, watched),
                    "rules": rules,
                }
            )
            objects.append(_binding("RoleBinding", "Role", watched, subject))
    if config.leader_election.enabled:
        lease = config.leader_election.lease_name
        objects.append(
            {
                "apiVersion": "rbac.authorization.k8s.io/v1",
                "kind": "Role",
                "metadata": _metadata(f"{NAME}-leader", namespace),
                "rules": [
                    {"apiGroups": ["coordination.k8s.io"], "resources": ["leases"], "verbs": ["create"]},
                    {
                        "apiGroups": ["coordination.k8s.io"],
                        "resources": ["leases"],
                        "resourceNames": [lease],
                        "verbs": ["get", "update"],
                    },
                ],
            }
        )
        binding = _binding("RoleBinding", "Role", namespace, subject)
        binding["metadata"]["name"] = binding["roleRef"]["name"] = f"{NAME}-leader"
        objects.append(binding)
    return objects


def _binding(kind: str, role_kind: str, namespace: str | None, subject: dict[str, str]) -> dict[str, Any]:
    return {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": kind,
        "metadata": _metadata(NAME, namespace),
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": role_kind, "name": NAME},
        "subjects": [dict(subject)],
    }


def termination_grace_seconds(config: WatchConfig) -> int:
    """The Pod's grace period: longer than the watcher's drain of actions in flight at SIGTERM."""
    return max(30, math.ceil(config.drain_seconds()) + SHUTDOWN_MARGIN_SECONDS)


def _deployment(config: WatchConfig, image: str, namespace: str, config_hash: str) -> dict[str, Any]:
    port = config.metrics_port
    probe = {"httpGet": {"path": "/healthz", "port": "metrics"}, "periodSeconds": 10, "timeoutSeconds": 3}
    container: dict[str, Any] = {
        "name": "watch",
        "image": image,
        "imagePullPolicy": "IfNotPresent",
        "args": ["watch", "--config", CONFIG_PATH],
        "env": [
            {"name": "POD_NAMESPACE", "valueFrom": {"fieldRef": {"fieldPath": "metadata.namespace"}}},
            {"name": "PYTHONUNBUFFERED", "value": "1"},
        ],
        # Webhook URLs and tokens named by urlFromEnv / headersFromEnv, if the Secret exists.
        "envFrom": [{"secretRef": {"name": NAME, "optional": True}}],
        "ports": [{"name": "metrics", "containerPort": port, "protocol": "TCP"}],
        "livenessProbe": {**probe, "initialDelaySeconds": 10, "failureThreshold": 3},
        "readinessProbe": {**probe, "initialDelaySeconds": 2},
        "resources": {"requests": {"cpu": "50m", "memory": "96Mi"}, "limits": {"memory": "192Mi"}},
        "securityContext": {
            "allowPrivilegeEscalation": False,
            "readOnlyRootFilesystem": True,
            "runAsNonRoot": True,
            "runAsUser": _RUN_AS,
            "runAsGroup": _RUN_AS,
            "capabilities": {"drop": ["ALL"]},
            "seccompProfile": {"type": "RuntimeDefault"},
        },
        "volumeMounts": [
            {"name": "config", "mountPath": "/etc/rayops", "readOnly": True},
            {"name": "tmp", "mountPath": "/tmp"},
        ],
    }
    labels = _labels()
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": _metadata(NAME, namespace),
        "spec": {
            "replicas": 2 if config.leader_election.enabled else 1,
            "selector": {
                "matchLabels": {"app.kubernetes.io/name": NAME, "app.kubernetes.io/component": "watcher"}
            },
            "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 1, "maxSurge": 0}},
            "template": {
                "metadata": {
                    "labels": labels,
                    "annotations": {
                        "prometheus.io/scrape": "true",
                        "prometheus.io/port": str(port),
                        "prometheus.io/path": "/metrics",
                        # A changed configuration rolls the Pods.
                        "watch.rayops.dev/config-hash": config_hash,
                    },
                },
                "spec": {
                    "serviceAccountName": NAME,
                    "automountServiceAccountToken": True,
                    "terminationGracePeriodSeconds": termination_grace_seconds(config),
                    "securityContext": {
                        "runAsNonRoot": True,
                        "fsGroup": _RUN_AS,
                        "seccompProfile": {"type": "RuntimeDefault"},
                    },
                    "containers": [container],
                    "volumes": [
                        {"name": "config", "configMap": {"name": NAME}},
                        {"name": "tmp", "emptyDir": {"sizeLimit": "16Mi"}},
                    ],
                },
            },
        },
    }
