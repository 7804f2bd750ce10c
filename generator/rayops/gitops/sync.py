"""The Argo CD and Flux objects that sync a workspace's rendered environments.

The ``gitops`` section of ``rayops.yaml`` says which engines to write for:

```yaml
gitops:
  repoURL: https://github.com/example/ray-platform.git   # this repository, as the engine clones it
  repoPath: .                       # this workspace's folder inside that repository; default .
  revision: main                    # branch (Flux) or targetRevision (Argo CD); default main
  name: ray                         # prefix of the objects' names; default ray
  output: rendered/gitops           # default
  argocd:                           # write rendered/gitops/argocd/
    namespace: argocd               # where Argo CD runs; default argocd
    project: default
    server: https://kubernetes.default.svc
    applicationSet: false           # true: one ApplicationSet instead of an Application per environment
  flux:                             # write rendered/gitops/flux/ and rendered/gitops/flux-operator/
    namespace: flux-system
    interval: 10m
    timeout: 10m                    # how long a Kustomization waits for its resources' health
  operator:                         # the KubeRay operator, from its Helm chart
    version: "1.5.1"                # default: kuberayVersion
    namespace: kuberay-system
    chartRepository: https://ray-project.github.io/kuberay-helm/
    values: {}                      # more chart values; featureGates come from rayops.yaml
```

What is written, per engine:

* **Argo CD**: an Application per environment (or one ApplicationSet) syncing
  ``rendered/<env>`` with automated prune and self-heal; an Application installing the
  operator's chart one sync wave earlier; and ``configmap-argocd-cm.yaml``, the argocd-cm
  keys holding rayops's health checks and resource actions for ray.io kinds (apply it with
  ``kubectl apply --server-side``, or as a kustomize patch of your Argo CD install: only
  these keys are set).
* **Flux**: a GitRepository and a Kustomization per environment (``wait: true`` so the
  ray.io health expressions are evaluated, depending on the operator's Kustomization), and
  under ``flux-operator/`` the HelmRepository and HelmRelease of the operator, which the
  ``<name>-kuberay-operator`` Kustomization applies.

Drift safety, decided from what KubeRay, Argo CD and Flux do:

* **CRD size.** KubeRay's CRDs exceed the 262,144-byte ``last-applied-configuration``
  annotation of client-side apply (kuberay#410). Argo CD applies with
  ``ServerSideApply=true``; Flux's HelmRelease installs and upgrades CRDs with
  ``CreateReplace`` (Helm creates or replaces them, no annotation).
* **Autoscaler.** The Ray autoscaler writes ``workerGroupSpecs[].replicas`` (and
  ``scaleStrategy``) of a RayCluster (kuberay#1120). Specs leave ``replicas`` out of
  autoscaled worker groups (KubeRay starts them at ``minReplicas``), and KR601 warns about
  raw manifests that set it. That is not enough: the CRD gives ``workerGroupSpecs`` no
  list-map keys, so it is an atomic list, and an apply replaces it whole (``replicas``
  then defaults to 0). So the engines are told to leave these fields alone:
  Argo CD ignores them on autoscaled RayClusters (``ignoreDifferences`` with jq paths) and
  applies only out-of-sync resources (``ApplyOutOfSyncOnly=true``), so an autoscaled
  cluster is re-applied only when git changes it, and then its worker counts restart from
  ``minReplicas``; ``RespectIgnoreDifferences`` is not used, because on an atomic list it
  copies the whole live list and git's changes to the worker groups would never apply.
  Flux excludes the same paths of each autoscaled RayCluster it renders from drift
  detection and apply (``spec.ignore``, kustomize-controller 1.9 and later).
  RayJob and RayService clusters are created by the operator, not by the engine: their
  worker counts are never synced.
* **Finished RayJobs.** A RayJob stays after it finishes (the operator deletes only its
  cluster), so self-heal has nothing to re-create. A RayJob whose deletion strategy
  deletes the RayJob itself would be re-created by Argo CD's self-heal or Flux's next
  reconcile and run again: render warns (R305).
* **Bootstrap order.** Environments may sync before the operator's CRDs exist: the Argo CD
  Applications retry with backoff; the Flux Kustomizations depend on the operator's, which
  waits for the HelmRelease (CRDs installed; failed installs and upgrades retried 3 times).
* **Long RayJobs under Flux.** With ``wait: true`` a Kustomization waits while a RayJob runs
  (Progressing, as the health mapping says) and reports HealthCheckFailed at its
  ``timeout`` (the apply is done by then) and retries; raise ``gitops.flux.timeout`` for
  long jobs.
* **Feature gates.** The chart's ``featureGates`` value lists every gate of the pinned
  release with the value rayops validates with, so the operator and rayops agree.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from rayops.errors import UsageError
from rayops.findings import Path
from rayops.rules.releases import FEATURE_GATE_DEFAULTS, bundled_release, parse_release
from rayops.validate.objectmeta import DNS1123_LABEL

CHART_REPOSITORY = "https://ray-project.github.io/kuberay-helm/"
CHART_NAME = "kuberay-operator"
ARGOCD_API = "argoproj.io/v1alpha1"
AUTOSCALED_FIELDS = ("replicas", "scaleStrategy")
AUTOSCALED_PATHS = tuple(
    f"select(.spec.enableInTreeAutoscaling == true) | .spec.workerGroupSpecs[]?.{name}"
    for name in AUTOSCALED_FIELDS
)
RETRY = {"limit": 10, "backoff": {"duration": "10s", "factor": 2, "maxDuration": "3m"}}
_DNS_LABEL = re.compile(DNS1123_LABEL + r"\Z")
_DURATION = re.compile(r"([0-9]+(\.[0-9]+)?(ms|s|m|h))+\Z")
_KEYS = {
    (): {"repoURL", "repoPath", "revision", "name", "output", "argocd", "flux", "operator"},
    ("argocd",): {"namespace", "project", "server", "applicationSet"},
    ("flux",): {"namespace", "interval", "timeout"},
    ("operator",): {"version", "namespace", "chartRepository", "values"},
}


@dataclass(frozen=True)
class ArgoCDSettings:
    """Where Argo CD runs and how its Applications are written."""

    namespace: str = "argocd"
    project: str = "default"
    server: str = "https://kubernetes.default.svc"
    application_set: bool = False


@dataclass(frozen=True)
class FluxSettings:
    """Where Flux runs and how often it reconciles."""

    namespace: str = "flux-system"
    interval: str = "10m"
    timeout: str = "10m"


@dataclass(frozen=True)
class OperatorSettings:
    """The KubeRay operator's Helm chart: version, namespace, repository, extra values."""

    version: str | None = None
    namespace: str = "kuberay-system"
    chart_repository: str = CHART_REPOSITORY
    values: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class GitOpsSettings:
    """The ``gitops`` section of ``rayops.yaml``; ``enabled`` when an engine is named."""

    repo_url: str | None = None
    repo_path: str = "."
    revision: str = "main"
    name: str = "ray"
    output: str = "rendered/gitops"
    argocd: ArgoCDSettings | None = None
    flux: FluxSettings | None = None
    operator: OperatorSettings = field(default_factory=OperatorSettings)

    @property
    def enabled(self) -> bool:
        """Whether any engine's objects are written."""
        return self.argocd is not None or self.flux is not None


def parse_gitops(value: Any, at: Callable[[Path], str]) -> GitOpsSettings:
    """Read the ``gitops`` section; a mistake is a usage error at its line (``at`` locates)."""

    def fail(path: Path, message: str) -> UsageError:
        return UsageError(f"{at(('gitops', *path))}: {message}")

    if value is None:
        return GitOpsSettings()
    sections: dict[tuple[str, ...], dict[str, Any]] = {}
    for path, known in _KEYS.items():
        section = value if not path else value.get(path[0]) if isinstance(value, dict) else None
        if section is None and path:
            continue
        if not isinstance(section, dict):
            raise fail(path, f"{'.'.join(('gitops', *path))} must be a mapping")
        for key in section:
            if key not in known:
                raise fail((*path, key), f"unknown setting {key!r} (known: {', '.join(sorted(known))})")
        sections[path] = section

    def text(path: tuple[str, ...], key: str, default: str, pattern: re.Pattern[str] | None = None) -> str:
        item = sections.get(path, {}).get(key, default)
        if not isinstance(item, str) or not item or (pattern is not None and not pattern.match(item)):
            expected = "a non-empty string"
            if pattern is not None:
                expected = "a DNS label" if pattern is _DNS_LABEL else "a duration such as 10m"
            raise fail((*path, key), f"{key} must be {expected}")
        return item

    top = sections[()]
    argocd = flux = None
    if ("argocd",) in sections:
        use_set = sections[("argocd",)].get("applicationSet", False)
        if not isinstance(use_set, bool):
            raise fail(("argocd", "applicationSet"), "applicationSet must be true or false")
        argocd = ArgoCDSettings(
            namespace=text(("argocd",), "namespace", "argocd", _DNS_LABEL),
            project=text(("argocd",), "project", "default"),
            server=text(("argocd",), "server", "https://kubernetes.default.svc"),
            application_set=use_set,
        )
    if ("flux",) in sections:
        flux = FluxSettings(
            namespace=text(("flux",), "namespace", "flux-system", _DNS_LABEL),
            interval=text(("flux",), "interval", "10m", _DURATION),
            timeout=text(("flux",), "timeout", "10m", _DURATION),
        )
    operator_values = sections.get(("operator",), {}).get("values", {})
    if not isinstance(operator_values, dict):
        raise fail(("operator", "values"), "values must be a mapping of Helm chart values")
    version = sections.get(("operator",), {}).get("version")
    if version is not None:
        if not isinstance(version, str):
            raise fail(("operator", "version"), "version must be a string such as 1.5.1")
        try:
            parse_release(version)
        except UsageError as error:
            raise fail(("operator", "version"), str(error)) from None
    settings = GitOpsSettings(
        repo_url=top.get("repoURL") if isinstance(top.get("repoURL"), str) else None,
        repo_path=text((), "repoPath", "."),
        revision=text((), "revision", "main"),
        name=text((), "name", "ray", _DNS_LABEL),
        output=text((), "output", "rendered/gitops"),
        argocd=argocd,
        flux=flux,
        operator=OperatorSettings(
            version=version,
            namespace=text(("operator",), "namespace", "kuberay-system", _DNS_LABEL),
            chart_repository=text(("operator",), "chartRepository", CHART_REPOSITORY),
            values=operator_values,
        ),
    )
    if "repoURL" in top and settings.repo_url is None:
        raise fail(("repoURL",), "repoURL must be the repository's URL, as a string")
    if os.path.isabs(settings.repo_path) or ".." in settings.repo_path.replace("\\", "/").split("/"):
        raise fail(("repoPath",), "repoPath is a relative folder inside the repository, without ..")
    if settings.enabled and settings.repo_url is None:
        raise fail((), "gitops needs repoURL: the URL Argo CD or Flux clones this repository from")
    return settings


@dataclass(frozen=True)
class AutoscaledCluster:
    """A rendered RayCluster with in-tree autoscaling: the autoscaler owns its worker counts."""

    name: str
    namespace: str | None
    worker_groups: int


@dataclass(frozen=True)
class SyncTarget:
    """One environment as the engines see it: its name, namespace, folder in git and the
    autoscaled RayClusters it renders."""

    name: str
    namespace: str | None
    path: str
    autoscaled: tuple[AutoscaledCluster, ...] = ()


def autoscaled_clusters(resources: list[dict[str, Any]]) -> tuple[AutoscaledCluster, ...]:
    """The autoscaled RayClusters among rendered resources (as written, before defaulting)."""
    found = []
    for value in resources:
        spec = value.get("spec")
        metadata = value.get("metadata")
        if (
            value.get("apiVersion") == "ray.io/v1"
            and value.get("kind") == "RayCluster"
            and isinstance(spec, dict)
            and spec.get("enableInTreeAutoscaling") is True
            and isinstance(metadata, dict)
            and isinstance(metadata.get("name"), str)
        ):
            groups = spec.get("workerGroupSpecs")
            count = len(groups) if isinstance(groups, list) else 0
            namespace = metadata.get("namespace") if isinstance(metadata.get("namespace"), str) else None
            found.append(AutoscaledCluster(metadata["name"], namespace, count))
    return tuple(found)


def _flux_ignore(clusters: tuple[AutoscaledCluster, ...]) -> list[dict[str, Any]]:
    """Flux ignore rules: the autoscaler's fields of each autoscaled RayCluster's worker groups."""
    rules = []
    for cluster in clusters:
        if not cluster.worker_groups:
            continue
        target: dict[str, Any] = {"group": "ray.io", "kind": "RayCluster", "name": cluster.name}
        if cluster.namespace:
            target["namespace"] = cluster.namespace
        paths = [
            f"/spec/workerGroupSpecs/{index}/{name}"
            for index in range(cluster.worker_groups)
            for name in AUTOSCALED_FIELDS
        ]
        rules.append({"target": target, "paths": paths})
    return rules


def chart_version(settings: GitOpsSettings, kuberay_version: str | None) -> str:
    """The operator chart version: the gitops setting, else the workspace's KubeRay release."""
    version = settings.operator.version or kuberay_version
    if version is None:
        raise UsageError("gitops needs the operator chart version: set kuberayVersion in rayops.yaml")
    return version.removeprefix("v")


def feature_gate_values(kuberay_version: str, gates: dict[str, bool]) -> list[dict[str, Any]]:
    """The chart's ``featureGates`` list: every gate of the release, as rayops validates."""
    defaults = FEATURE_GATE_DEFAULTS[bundled_release(parse_release(kuberay_version))]
    effective = {**defaults, **gates}
    return [{"name": name, "enabled": enabled} for name, enabled in effective.items()]


def _operator_values(settings: GitOpsSettings, version: str, gates: dict[str, bool]) -> dict[str, Any]:
    values = dict(settings.operator.values)
    values["featureGates"] = feature_gate_values(version, gates)
    return values


def _metadata(name: str, namespace: str, settings: GitOpsSettings, **extra: Any) -> dict[str, Any]:
    labels = {"app.kubernetes.io/managed-by": "rayops", "app.kubernetes.io/part-of": settings.name}
    return {"name": name, "namespace": namespace, "labels": labels, **extra}


def argocd_objects(
    settings: GitOpsSettings, targets: list[SyncTarget], kuberay_version: str | None, gates: dict[str, bool]
) -> list[dict[str, Any]]:
    """The Argo CD Applications (or ApplicationSet), operator Application and argocd-cm keys."""
    from rayops.gitops.health import argocd_cm_patch  # only rendering needs the scripts

    argocd = settings.argocd
    assert argocd is not None
    version = chart_version(settings, kuberay_version)
    sync_policy = {
        "automated": {"prune": True, "selfHeal": True},
        "syncOptions": ["ServerSideApply=true", "CreateNamespace=true", "ApplyOutOfSyncOnly=true"],
        "retry": RETRY,
    }
    ignore = [{"group": "ray.io", "kind": "RayCluster", "jqPathExpressions": list(AUTOSCALED_PATHS)}]
    objects: list[dict[str, Any]] = []
    if argocd.application_set:
        objects.append(
            {
                "apiVersion": ARGOCD_API,
                "kind": "ApplicationSet",
                "metadata": _metadata(settings.name, argocd.namespace, settings),
                "spec": {
                    "goTemplate": True,
                    "goTemplateOptions": ["missingkey=error"],
                    "generators": [
                        {
                            "list": {
                                "elements": [
                                    {"env": t.name, "namespace": t.namespace or "default", "path": t.path}
                                    for t in targets
                                ]
                            }
                        }
                    ],
                    "template": {
                        "metadata": {
                            "name": f"{settings.name}-{{{{.env}}}}",
                            "labels": {"app.kubernetes.io/managed-by": "rayops"},
                        },
                        "spec": _application_spec(
                            settings, "{{.path}}", "{{.namespace}}", sync_policy, ignore
                        ),
                    },
                },
            }
        )
    else:
        objects.extend(
            {
                "apiVersion": ARGOCD_API,
                "kind": "Application",
                "metadata": _metadata(f"{settings.name}-{t.name}", argocd.namespace, settings),
                "spec": _application_spec(settings, t.path, t.namespace or "default", sync_policy, ignore),
            }
            for t in targets
        )
    objects.append(
        {
            "apiVersion": ARGOCD_API,
            "kind": "Application",
            "metadata": _metadata(
                f"{settings.name}-{CHART_NAME}",
                argocd.namespace,
                settings,
                annotations={"argocd.argoproj.io/sync-wave": "-1"},
            ),
            "spec": {
                "project": argocd.project,
                "source": {
                    "repoURL": settings.operator.chart_repository,
                    "chart": CHART_NAME,
                    "targetRevision": version,
                    "helm": {
                        "releaseName": CHART_NAME,
                        "valuesObject": _operator_values(settings, version, gates),
                    },
                },
                "destination": {"server": argocd.server, "namespace": settings.operator.namespace},
                "syncPolicy": {
                    "automated": {"prune": True, "selfHeal": True},
                    "syncOptions": ["ServerSideApply=true", "CreateNamespace=true"],
                    "retry": RETRY,
                },
            },
        }
    )
    objects.append(argocd_cm_patch(argocd.namespace))
    return objects


def _application_spec(
    settings: GitOpsSettings,
    path: str,
    namespace: str,
    sync_policy: dict[str, Any],
    ignore: list[dict[str, Any]],
) -> dict[str, Any]:
    argocd = settings.argocd
    assert argocd is not None
    return {
        "project": argocd.project,
        "source": {"repoURL": settings.repo_url, "targetRevision": settings.revision, "path": path},
        "destination": {"server": argocd.server, "namespace": namespace},
        "syncPolicy": sync_policy,
        "ignoreDifferences": ignore,
    }


def flux_objects(
    settings: GitOpsSettings,
    targets: list[SyncTarget],
    kuberay_version: str | None,
    gates: dict[str, bool],
    operator_path: str,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The Flux objects: (GitRepository and Kustomizations, operator HelmRepository and HelmRelease)."""
    from rayops.gitops.health import flux_health_check_exprs  # only rendering needs the expressions

    flux = settings.flux
    assert flux is not None
    version = chart_version(settings, kuberay_version)
    source = {"kind": "GitRepository", "name": settings.name}
    operator_kustomization = f"{settings.name}-{CHART_NAME}"

    def kustomization(name: str, path: str, **extra: Any) -> dict[str, Any]:
        return {
            "apiVersion": "kustomize.toolkit.fluxcd.io/v1",
            "kind": "Kustomization",
            "metadata": _metadata(name, flux.namespace, settings),
            "spec": {
                "interval": flux.interval,
                "retryInterval": "1m",
                "timeout": flux.timeout,
                "path": f"./{path}",
                "prune": True,
                "wait": True,
                "sourceRef": source,
                **extra,
            },
        }

    synced = [
        {
            "apiVersion": "source.toolkit.fluxcd.io/v1",
            "kind": "GitRepository",
            "metadata": _metadata(settings.name, flux.namespace, settings),
            "spec": {
                "interval": flux.interval,
                "url": settings.repo_url,
                "ref": {"branch": settings.revision},
            },
        },
        kustomization(operator_kustomization, operator_path),
    ]
    synced.extend(
        kustomization(
            f"{settings.name}-{t.name}",
            t.path,
            dependsOn=[{"name": operator_kustomization}],
            healthCheckExprs=flux_health_check_exprs(),
            **({"ignore": _flux_ignore(t.autoscaled)} if t.autoscaled else {}),
        )
        for t in targets
    )
    operator = [
        {
            "apiVersion": "source.toolkit.fluxcd.io/v1",
            "kind": "HelmRepository",
            "metadata": _metadata("kuberay", flux.namespace, settings),
            "spec": {"interval": "1h", "url": settings.operator.chart_repository},
        },
        {
            "apiVersion": "helm.toolkit.fluxcd.io/v2",
            "kind": "HelmRelease",
            "metadata": _metadata(CHART_NAME, flux.namespace, settings),
            "spec": {
                "interval": flux.interval,
                "releaseName": CHART_NAME,
                "targetNamespace": settings.operator.namespace,
                "chart": {
                    "spec": {
                        "chart": CHART_NAME,
                        "version": version,
                        "sourceRef": {"kind": "HelmRepository", "name": "kuberay"},
                    }
                },
                "install": {"crds": "CreateReplace", "createNamespace": True, "remediation": {"retries": 3}},
                "upgrade": {"crds": "CreateReplace", "remediation": {"retries": 3}},
                "values": _operator_values(settings, version, gates),
            },
        },
    ]
    return synced, operator


def sync_outputs(
    settings: GitOpsSettings,
    root: str,
    environments: list[tuple[str, str | None, str, tuple[AutoscaledCluster, ...]]],
    kuberay_version: str | None,
    gates: dict[str, bool],
) -> dict[str, list[dict[str, Any]]]:
    """Objects per output folder (absolute), for environments given as (name, namespace,
    output folder, autoscaled RayClusters)."""
    output = os.path.join(root, settings.output)

    def in_repository(path: str) -> str:
        relative = os.path.relpath(path, root)
        return os.path.normpath(os.path.join(settings.repo_path, relative)).replace(os.sep, "/")

    targets = [
        SyncTarget(name, namespace, in_repository(path), autoscaled)
        for name, namespace, path, autoscaled in environments
    ]
    outputs: dict[str, list[dict[str, Any]]] = {}
    if settings.argocd is not None:
        outputs[os.path.join(output, "argocd")] = argocd_objects(settings, targets, kuberay_version, gates)
    if settings.flux is not None:
        operator_folder = os.path.join(output, "flux-operator")
        synced, operator = flux_objects(
            settings, targets, kuberay_version, gates, in_repository(operator_folder)
        )
        outputs[os.path.join(output, "flux")] = synced
        outputs[operator_folder] = operator
    return outputs
