"""``rayops cluster check``: a read-only preflight of the cluster against the workspace.

Three checks, each only GET requests with the watcher's client:

1. The KubeRay operator Deployment (label ``app.kubernetes.io/name=kuberay-operator``, as the
   Helm chart sets it) exists and all its replicas are ready; its image tag is the pinned release.
2. The RayCluster, RayJob, RayService (and, from 1.7, RayCronJob) CRDs installed in the cluster
   compile (with rayops' own CRD compiler) to the schemas bundled for the release
   ``rayops.yaml`` pins; each differing field is named.
3. The operator's ``--feature-gates`` flag sets each gate ``rayops.yaml`` declares to the same value.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from rayops.schemas.compiler import compile_crd
from rayops.schemas.registry import load_json, select_set
from rayops.watch.kube import ApiError, KubeApi
from rayops.workspace import parse_feature_gates

OPERATOR_LABEL: Final = "app.kubernetes.io/name=kuberay-operator"
MAX_DIFFERENCES: Final = 12


@dataclass(frozen=True)
class Check:
    """One preflight result; ``ok`` False is a finding (exit code 1)."""

    name: str
    ok: bool
    message: str

    def as_dict(self) -> dict[str, Any]:
        """The JSON form of this check."""
        return {"check": self.name, "ok": self.ok, "message": self.message}


async def cluster_check(
    api: KubeApi,
    kuberay_version: str | None,
    feature_gates: Mapping[str, bool],
    operator_namespace: str | None = None,
) -> list[Check]:
    """Run the three checks; every result, passing or not."""
    schema_set = select_set("kuberay", kuberay_version)
    checks: list[Check] = []
    operator = await _find_operator(api, operator_namespace)
    checks.append(_operator_check(operator, schema_set.version.lstrip("v")))
    checks.extend(await _crd_checks(api, schema_set))
    checks.append(_gates_check(operator, feature_gates))
    return checks


async def _find_operator(api: KubeApi, namespace: str | None) -> dict[str, Any] | None:
    path = f"/apis/apps/v1/namespaces/{namespace}/deployments" if namespace else "/apis/apps/v1/deployments"
    listing = await api.get(path, params={"labelSelector": OPERATOR_LABEL})
    items = sorted(
        listing.get("items") or [], key=lambda d: (d["metadata"].get("namespace", ""), d["metadata"]["name"])
    )
    return items[0] if items else None


def _operator_container(deployment: Mapping[str, Any]) -> dict[str, Any]:
    containers = deployment["spec"]["template"]["spec"].get("containers") or [{}]
    for container in containers:
        if "operator" in container.get("name", "") or "kuberay" in container.get("image", ""):
            return dict(container)
    return dict(containers[0])


def _operator_check(deployment: Mapping[str, Any] | None, pinned: str) -> Check:
    if deployment is None:
        return Check(
            "operator", False, f"no Deployment labelled {OPERATOR_LABEL}: is the KubeRay operator installed?"
        )
    where = f"{deployment['metadata'].get('namespace')}/{deployment['metadata']['name']}"
    wanted = deployment["spec"].get("replicas", 1)
    status = deployment.get("status") or {}
    ready = status.get("readyReplicas") or 0
    if wanted < 1 or ready < wanted:
        return Check("operator", False, f"{where}: {ready} of {wanted} replicas ready")
    image = _operator_container(deployment).get("image", "")
    tag = image.rsplit(":", 1)[-1] if ":" in image.rsplit("/", 1)[-1] else ""
    if re.fullmatch(r"v?\d+\.\d+\.\d+", tag) and tag.lstrip("v") != pinned.lstrip("v"):
        return Check("operator", False, f"{where} runs {image}, rayops.yaml pins KubeRay {pinned}")
    return Check("operator", True, f"{where}: {ready}/{wanted} replicas ready ({image})")


async def _crd_checks(api: KubeApi, schema_set: Any) -> list[Check]:
    checks = []
    release = schema_set.version.lstrip("v")
    for (api_version, kind), entry in sorted(schema_set.entries.items()):
        if api_version != "ray.io/v1":
            continue
        name = f"crd {kind}"
        plural = f"{kind.lower()}s.ray.io"
        try:
            crd = await api.get(f"/apis/apiextensions.k8s.io/v1/customresourcedefinitions/{plural}")
        except ApiError as error:
            if error.status == 404:
                checks.append(Check(name, False, f"CRD {plural} is not installed (KubeRay {release} has it)"))
                continue
            raise
        compiled = {c.version: c for c in compile_crd(crd, plural)}
        if "v1" not in compiled:
            checks.append(Check(name, False, f"CRD {plural} does not serve ray.io/v1"))
            continue
        differences = schema_differences(compiled["v1"].schema, load_json(entry.path))
        if differences:
            shown = "; ".join(differences[:MAX_DIFFERENCES])
            more = (
                f" (and {len(differences) - MAX_DIFFERENCES} more)"
                if len(differences) > MAX_DIFFERENCES
                else ""
            )
            checks.append(Check(name, False, f"CRD {plural} differs from KubeRay {release}: {shown}{more}"))
        else:
            checks.append(Check(name, True, f"CRD {plural} matches KubeRay {release}"))
    return checks


def schema_differences(cluster: Mapping[str, Any], bundled: Mapping[str, Any], path: str = "") -> list[str]:
    """Field paths where two compiled schemas differ: fields only on one side, or other types."""
    found: list[str] = []
    if path and _types(cluster) != _types(bundled):
        found.append(
            f"{path}: type {'/'.join(_types(cluster))} in the cluster, "
            f"{'/'.join(_types(bundled))} in the release"
        )
        return found
    if path and cluster.get("enum") != bundled.get("enum"):
        found.append(f"{path}: other allowed values")
    ours = cluster.get("properties") or {}
    theirs = bundled.get("properties") or {}
    for name in sorted(set(ours) | set(theirs)):
        if path == "" and name in ("metadata", "apiVersion", "kind"):
            continue
        child = f"{path}.{name}" if path else name
        if name not in theirs:
            found.append(f"{child}: only in the cluster's CRD")
        elif name not in ours:
            found.append(f"{child}: missing from the cluster's CRD")
        else:
            found.extend(schema_differences(ours[name], theirs[name], child))
    if isinstance(cluster.get("items"), dict) and isinstance(bundled.get("items"), dict):
        found.extend(schema_differences(cluster["items"], bundled["items"], f"{path}[]"))
    if isinstance(cluster.get("additionalProperties"), dict) and isinstance(
        bundled.get("additionalProperties"), dict
    ):
        found.extend(
            schema_differences(
                cluster["additionalProperties"], bundled["additionalProperties"], f"{path}{{}}"
            )
        )
    return found


def _types(schema: Mapping[str, Any]) -> list[str]:
    value = schema.get("type", [])
    return sorted(value) if isinstance(value, list) else [str(value)]


def _gates_check(deployment: Mapping[str, Any] | None, wanted: Mapping[str, bool]) -> Check:
    if deployment is None:
        return Check("feature gates", not wanted, "no operator to read feature gates from")
    container = _operator_container(deployment)
    running: dict[str, bool] = {}
    arguments = [*(container.get("command") or []), *(container.get("args") or [])]
    for index, argument in enumerate(arguments):
        if argument.startswith("--feature-gates="):
            running.update(parse_feature_gates(argument.split("=", 1)[1]))
        elif argument == "--feature-gates" and index + 1 < len(arguments):
            running.update(parse_feature_gates(arguments[index + 1]))
    mismatched = [
        f"{gate}: rayops.yaml {str(value).lower()}, operator "
        + (str(running[gate]).lower() if gate in running else "unset (its default)")
        for gate, value in sorted(wanted.items())
        if running.get(gate) != value
    ]
    if mismatched:
        return Check("feature gates", False, "; ".join(mismatched))
    shown = ", ".join(f"{gate}={str(value).lower()}" for gate, value in sorted(running.items())) or "none set"
    return Check("feature gates", True, f"operator gates match rayops.yaml ({shown})")
