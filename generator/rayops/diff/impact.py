"""Impact labels: what the KubeRay operator (and the API server) will do with a change.

Each label is read from KubeRay's controllers (``ray-operator/controllers/ray``), for
the release the workspace pins:

``new-cluster`` (warning)
    A RayService whose ``rayClusterConfig`` changed beyond what the operator updates in
    place: with the zero-downtime upgrade (``upgradeStrategy.type`` unset or
    ``NewCluster``, or ``NewClusterWithIncrementalUpgrade`` with its feature gate) the
    operator starts a second, complete Ray cluster, moves traffic when it is ready and
    deletes the old one (``shouldPrepareNewCluster``). The message gives the new
    cluster's size: both run at once during the upgrade.
``cluster-updated-in-place`` (info)
    A RayService change that only appends worker groups: the running cluster is updated
    (``isClusterSpecHashEqual(..., partial=true)``). The update copies the whole
    ``rayClusterConfig`` to the running cluster (``modifyRayCluster``), so the change's
    other edits to existing groups (replicas, tolerations...) apply with it.
``serve-config-updated-in-place`` (info)
    Only ``serveConfigV2`` changed: the operator submits it to the running cluster.
``not-applied`` (warning)
    A RayService change the operator leaves out of the running cluster: worker-group
    ``replicas``, ``minReplicas`` and ``maxReplicas`` (and, from 1.6, tolerations,
    scheduling gates and ``upgradeStrategy``; from 1.7, ``suspend``) are excluded from
    the cluster hash; with ``upgradeStrategy.type: None`` no cluster change is rolled out.
``pods-not-updated`` (warning)
    A RayCluster Pod template change: running Pods keep the old template; only Pods
    created later (scale-up, replacement) get the new one, unless
    ``upgradeStrategy.type: Recreate`` (KubeRay 1.6 and newer) and the change is one its
    hash covers (tolerations and scheduling gates are not).
``recreate-all-pods`` (warning)
    A RayCluster with ``upgradeStrategy.type: Recreate`` (KubeRay 1.6 and newer) whose
    spec hash changed: any change but worker-group ``replicas``, ``minReplicas``,
    ``maxReplicas``, ``workersToDelete``, tolerations, scheduling gates and
    ``upgradeStrategy`` (``rayStartParams``, ``rayVersion``, autoscaler options, an added
    worker group, a template): every Pod of the cluster is deleted and created again
    (``shouldRecreatePodsForUpgrade``).
``cluster-suspended`` (warning)
    ``spec.suspend`` set on a RayCluster (every Pod is deleted) or on a RayService
    (KubeRay 1.7: its Ray clusters and Services are deleted) until it is unset.
``no-effect`` (info)
    A Ray cluster spec edited into an equal one, as KubeRay reads it (typed and
    defaulted): ``cpu: "1"`` and ``1000m``, a CRD default written out (``numOfHosts: 1``).
``job-spec-ignored`` (warning)
    A change to an existing RayJob's ``rayClusterSpec``, entrypoint, runtime environment,
    submitter or other submission fields: the operator used them once, when it created
    the cluster and submitted the job, and does not act on the change; a new name
    creates a new RayJob that runs it.
``job-lifecycle-updated`` (info)
    A change to a RayJob field the operator reads on every reconcile
    (``activeDeadlineSeconds``, ``preRunningDeadlineSeconds``, ``backoffLimit``,
    ``shutdownAfterJobFinishes``, ``deletionStrategy``, ``ttlSecondsAfterFinished``):
    it applies to the existing RayJob.
``ray-cluster-deleted`` (warning)
    A RayCluster, RayService or RayJob removed: its Ray cluster and Pods are deleted.
``immutable-field`` (error)
    A CRD transition rule (CEL with ``oldSelf``, evaluated against the base revision)
    or ``immutable: true`` on a ConfigMap or Secret rejects the change, or a Secret's
    ``type`` changed (immutable in Kubernetes): the sync fails.
``validation-error``, ``validation-warning``
    What ``rayops validate`` reports on the head revision's object.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cache
from typing import Any

from rayops.diff.model import ADDED, DELETED, RENAMED, Change, Impact, KeyedItem, Resource, ResourceDiff
from rayops.diff.quantity import format_count, format_cpu, format_memory, parse_quantity
from rayops.diff.summary import Resources, summarize
from rayops.errors import RayopsError
from rayops.findings import Severity, format_path
from rayops.loader import Document, copy_json
from rayops.rules.releases import Target, format_release
from rayops.validate.cel import RULE_CEL
from rayops.validate.engine import FileResult, Validator

ValidatorFactory = Callable[[], Validator]


def describe(resources: Resources | None) -> str:
    """``8 CPU, 1 GPU, 32Gi memory``."""
    if resources is None:
        return "an unbounded number of Pods"
    parts = [f"{format_cpu(resources.cpu)} CPU"]
    if resources.gpu:
        parts.append(f"{format_count(resources.gpu)} GPU")
    parts.append(f"{format_memory(resources.memory)} memory")
    return ", ".join(parts)


def _get(value: Any, *path: str) -> Any:
    for part in path:
        value = value.get(part) if isinstance(value, dict) else None
    return value


def muted_cluster_spec(spec: Any, target: Target, groups: int | None = None) -> Any:
    """A cluster spec without what the RayService hash ignores, in ``target``'s release.

    The spec is first read as KubeRay reads it (:func:`normalised_cluster_spec`).
    ``groups`` keeps only the first worker groups (the operator's partial comparison).
    """
    if not isinstance(spec, dict):
        return spec
    muted = normalised_cluster_spec(spec, target)
    newer = target.at_least("1.6")
    workers = muted.get("workerGroupSpecs")
    if isinstance(workers, list):
        if groups is not None:
            muted["workerGroupSpecs"] = workers = workers[:groups]
        for group in workers:
            if not isinstance(group, dict):
                continue
            for name in ("replicas", "minReplicas", "maxReplicas"):
                group.pop(name, None)
            strategy = group.get("scaleStrategy")
            if isinstance(strategy, dict):
                strategy.pop("workersToDelete", None)
                if not strategy:
                    group.pop("scaleStrategy")
            if newer:
                _mute_pod(group)
    if newer:
        _mute_pod(muted.get("headGroupSpec"))
        muted.pop("upgradeStrategy", None)
    if target.at_least("1.7"):
        muted.pop("suspend", None)
    return muted


def normalised_cluster_spec(spec: Any, target: Target) -> Any:
    """A copy of a cluster spec as the operator sees it: typed and defaulted.

    KubeRay hashes the Go object (``GenerateJsonHash``), not the YAML: a ``null`` is no
    field, the CRD's defaults of ``target``'s release are filled in (``numOfHosts: 1``),
    and a resource quantity is its value in its format (``"1"``, ``1`` and ``1000m`` are
    one quantity; ``1Gi`` and ``1073741824`` are not, as Kubernetes prints them apart).
    """
    if not isinstance(spec, dict):
        return spec
    value = copy_json(spec)
    _default(value, _cluster_spec_schema(format_release(target.release)))
    _normalise_quantities(value)
    return value


@cache
def _cluster_spec_schema(release: str) -> dict[str, Any]:
    """The RayCluster ``spec`` schema of a bundled release (a minimal one when none is)."""
    from rayops.schemas import registry

    try:
        entry = registry.select_set("kuberay", release).entries.get(("ray.io/v1", "RayCluster"))
        if entry is not None:
            schema = registry.load_json(entry.path)["properties"]["spec"]
            if isinstance(schema, dict):
                return schema
    except (RayopsError, KeyError, TypeError):
        pass
    return {"properties": {"workerGroupSpecs": {"items": {"properties": {"numOfHosts": {"default": 1}}}}}}


def _default(value: Any, schema: Any) -> None:
    """Drop ``null`` fields and fill in defaults, as the API server stores an object."""
    if not isinstance(schema, dict):
        return
    if isinstance(value, list):
        items = schema.get("items")
        for item in value:
            _default(item, items)
        return
    if not isinstance(value, dict):
        return
    properties = schema.get("properties") or {}
    additional = schema.get("additionalProperties")
    for key in [key for key, item in value.items() if item is None]:
        del value[key]
    for key, child in properties.items():
        if key not in value and isinstance(child, dict) and "default" in child:
            value[key] = copy_json(child["default"])
    for key, item in value.items():
        _default(item, properties.get(key, additional))


_QUANTITY_MAPS = ("requests", "limits", "overhead")
_EXPONENT = re.compile(r"[eE][+-]?\d+$")


def _normalise_quantities(value: Any) -> None:
    """Resource quantities (requests, limits, overhead, ``sizeLimit``) as (format, value)."""
    if isinstance(value, list):
        for item in value:
            _normalise_quantities(item)
        return
    if not isinstance(value, dict):
        return
    for key, item in value.items():
        if key in _QUANTITY_MAPS and isinstance(item, dict):
            value[key] = {name: _quantity(amount) for name, amount in item.items()}
        elif key == "sizeLimit":
            value[key] = _quantity(item)
        else:
            _normalise_quantities(item)


def _quantity(amount: Any) -> Any:
    """A quantity as Kubernetes prints it back: its format (suffix family) and its value."""
    nano = parse_quantity(amount)
    if nano is None:
        return amount
    text = str(amount).strip()
    if (
        text.endswith(("Ki", "Mi", "Gi", "Ti", "Pi", "Ei"))
        and abs(nano) >= 1024 * 10**9
        and nano % 10**9 == 0
    ):
        family = "binary"
    elif isinstance(amount, str) and _EXPONENT.search(text):
        family = "exponent"
    else:
        family = "decimal"
    return ("quantity", family if nano else "", nano)


def _mute_pod(group: Any) -> None:
    pod = _get(group, "template", "spec")
    if isinstance(pod, dict):
        pod.pop("tolerations", None)
        pod.pop("schedulingGates", None)


def _under(change: Change, *prefix: str) -> bool:
    return tuple(change.path[: len(prefix)]) == prefix


def _is_template_change(change: Change, cluster_prefix: tuple[str, ...]) -> bool:
    path = change.path[len(cluster_prefix) :]
    if tuple(change.path[: len(cluster_prefix)]) != cluster_prefix or not path:
        return False
    if path[0] == "headGroupSpec":
        return len(path) > 1 and path[1] == "template"
    return path[0] == "workerGroupSpecs" and len(path) > 2 and path[2] == "template"


def ray_impacts(diff: ResourceDiff, target: Target) -> list[Impact]:
    """The operator's reaction to a changed Ray resource."""
    kind = diff.key.kind
    if diff.status == DELETED:
        if kind in ("RayCluster", "RayService", "RayJob"):
            return [
                Impact(
                    "ray-cluster-deleted",
                    "warning",
                    f"deleting this {kind} deletes its Ray cluster and every Pod of it",
                )
            ]
        return []
    if diff.status in (ADDED, RENAMED) or diff.base is None or diff.head is None:
        if diff.status == RENAMED and kind == "RayJob":
            return [
                Impact(
                    "new-job",
                    "info",
                    f"a new RayJob runs the new spec; {diff.base.key.name if diff.base else 'the old one'} "
                    "is deleted with its cluster",
                )
            ]
        return []
    if kind == "RayService":
        return _rayservice(diff, target)
    if kind == "RayCluster":
        return _raycluster(diff, target)
    if kind == "RayJob":
        return _rayjob(diff)
    return []


JOB_LIFECYCLE_FIELDS = (
    "activeDeadlineSeconds",
    "preRunningDeadlineSeconds",
    "backoffLimit",
    "shutdownAfterJobFinishes",
    "deletionStrategy",
    "ttlSecondsAfterFinished",
)
"""RayJob fields the operator reads on every reconcile (``rayjob_controller.go``)."""


def _rayjob(diff: ResourceDiff) -> list[Impact]:
    spec_changes = [c for c in diff.changes if _under(c, "spec") and not _under(c, "spec", "suspend")]
    lifecycle = [c for c in spec_changes if len(c.path) > 1 and c.path[1] in JOB_LIFECYCLE_FIELDS]
    ignored = [c for c in spec_changes if c not in lifecycle]
    impacts = []
    if ignored:
        impacts.append(
            Impact(
                "job-spec-ignored",
                "warning",
                "KubeRay does not act on this change to an existing RayJob: it used the cluster spec, "
                "entrypoint, runtime environment and submitter settings once, to create the cluster and "
                "submit the job, which keeps running (or ran) with the old ones. To run the new spec, "
                "give the RayJob a new name.",
                ignored[0].where,
            )
        )
    if lifecycle:
        fields = ", ".join(dict.fromkeys(str(c.path[1]) for c in lifecycle))
        impacts.append(
            Impact(
                "job-lifecycle-updated",
                "info",
                f"KubeRay reads {fields} on every reconcile: the existing RayJob follows the new value "
                "(deadlines, retries, and what happens to its cluster when the job finishes)",
                lifecycle[0].where,
            )
        )
    return impacts


def _newly_true(diff: ResourceDiff, *path: str) -> bool:
    assert diff.base is not None and diff.head is not None
    return _get(diff.head.value, *path) is True and _get(diff.base.value, *path) is not True


def _rayservice(diff: ResourceDiff, target: Target) -> list[Impact]:
    assert diff.base is not None and diff.head is not None
    impacts: list[Impact] = []
    old_spec = _get(diff.base.value, "spec", "rayClusterConfig")
    new_spec = _get(diff.head.value, "spec", "rayClusterConfig")
    cluster_changes = [c for c in diff.changes if _under(c, "spec", "rayClusterConfig")]
    serve_changed = any(_under(c, "spec", "serveConfigV2") for c in diff.changes)
    if target.at_least("1.7") and _newly_true(diff, "spec", "suspend"):
        return [
            Impact(
                "cluster-suspended",
                "warning",
                "spec.suspend is true: KubeRay deletes every resource this RayService owns, its Ray clusters "
                "(every Pod) and Services included; Serve is down until suspend is false again, when a new "
                "cluster is created from the spec",
                "spec.suspend",
            )
        ]
    new_cluster = False
    if cluster_changes:
        if normalised_cluster_spec(old_spec, target) == normalised_cluster_spec(new_spec, target):
            impacts.append(_no_effect(cluster_changes))
        elif muted_cluster_spec(old_spec, target) == muted_cluster_spec(new_spec, target):
            paths = ", ".join(sorted({c.where for c in cluster_changes}))
            impacts.append(
                Impact(
                    "not-applied",
                    "warning",
                    "KubeRay leaves these fields of a RayService's cluster out of its comparison: the "
                    f"running cluster does not change; they apply to the next new cluster ({paths})",
                    cluster_changes[0].where,
                )
            )
        elif _appends_groups(old_spec, new_spec, target):
            added = [
                str(g.get("groupName"))
                for g in (new_spec.get("workerGroupSpecs") or [])[
                    len(old_spec.get("workerGroupSpecs") or []) :
                ]
                if isinstance(g, dict)
            ]
            added_paths = {
                ("spec", "rayClusterConfig", "workerGroupSpecs", KeyedItem("groupName", name))
                for name in added
            }
            others = sorted({c.where for c in cluster_changes if tuple(c.path[:4]) not in added_paths})
            also = (
                "; the update copies the whole rayClusterConfig to the running cluster, so this change's "
                f"other edits apply to it too ({', '.join(others)})"
                if others
                else ""
            )
            impacts.append(
                Impact(
                    "cluster-updated-in-place",
                    "info",
                    f"worker groups {', '.join(added)} are added to the running cluster in place; "
                    f"no new cluster{also}",
                    "spec.rayClusterConfig.workerGroupSpecs",
                )
            )
        else:
            strategy = _get(diff.head.value, "spec", "upgradeStrategy", "type")
            incremental_gate = target.gate("RayServiceIncrementalUpgrade")
            enabled = strategy in (None, "NewCluster") or (
                strategy == "NewClusterWithIncrementalUpgrade" and incremental_gate
            )
            if enabled:
                new_cluster = True
                summary = summarize(diff.head.value)
                size = describe(summary.total("initial") if summary else None)
                how = (
                    "traffic has moved to it step by step (incremental upgrade)"
                    if strategy == "NewClusterWithIncrementalUpgrade"
                    else "it is ready and traffic switches to it"
                )
                note = (
                    " (unless the operator runs with ENABLE_ZERO_DOWNTIME=false)" if strategy is None else ""
                )
                impacts.append(
                    Impact(
                        "new-cluster",
                        "warning",
                        f"KubeRay starts a second Ray cluster for this change{note}: {size} at its initial "
                        f"size, running beside the current one until {how}; then the old cluster is deleted",
                        cluster_changes[0].where,
                    )
                )
            else:
                impacts.append(
                    Impact(
                        "not-applied",
                        "warning",
                        f"upgradeStrategy.type is {strategy}: KubeRay does not roll out changes to "
                        "rayClusterConfig; the running cluster keeps its old spec",
                        cluster_changes[0].where,
                    )
                )
    if serve_changed:
        if new_cluster:
            message = "the new serveConfigV2 is deployed on the new cluster"
        else:
            message = (
                "the Serve applications are updated in place: KubeRay submits the new serveConfigV2 to the "
                "running cluster; no new cluster"
            )
        impacts.append(Impact("serve-config-updated-in-place", "info", message, "spec.serveConfigV2"))
    return impacts


def _appends_groups(old_spec: Any, new_spec: Any, target: Target) -> bool:
    if not isinstance(old_spec, dict) or not isinstance(new_spec, dict):
        return False
    old_groups = old_spec.get("workerGroupSpecs") or []
    new_groups = new_spec.get("workerGroupSpecs") or []
    if not isinstance(old_groups, list) or not isinstance(new_groups, list):
        return False
    if len(new_groups) <= len(old_groups):
        return False
    return bool(muted_cluster_spec(old_spec, target) == muted_cluster_spec(new_spec, target, len(old_groups)))


def _no_effect(changes: list[Change]) -> Impact:
    return Impact(
        "no-effect",
        "info",
        "KubeRay reads the same cluster spec before and after (equal quantities such as 1 and 1000m, "
        "CRD defaults written out): nothing changes in the cluster",
        changes[0].where,
    )


_HASH_MUTED = frozenset(
    {"replicas", "minReplicas", "maxReplicas", "workersToDelete", "tolerations", "schedulingGates"}
)


def _is_hashed(change: Change) -> bool:
    """Whether a RayCluster change is in the spec hash (not a muted field, nor upgradeStrategy)."""
    path = change.path[1:]
    return bool(path) and path[0] != "upgradeStrategy" and not any(part in _HASH_MUTED for part in path)


def _raycluster(diff: ResourceDiff, target: Target) -> list[Impact]:
    assert diff.head is not None and diff.base is not None
    spec_changes = [c for c in diff.changes if _under(c, "spec")]
    if not spec_changes:
        return []
    if _newly_true(diff, "spec", "suspend"):
        return [
            Impact(
                "cluster-suspended",
                "warning",
                "spec.suspend is true: KubeRay deletes every Pod of the cluster (head included) and creates "
                "none until suspend is false again; running jobs are interrupted",
                "spec.suspend",
            )
        ]
    old_spec, new_spec = diff.base.value.get("spec"), diff.head.value.get("spec")
    if normalised_cluster_spec(old_spec, target) == normalised_cluster_spec(new_spec, target):
        return [_no_effect(spec_changes)]
    template = [c for c in spec_changes if _is_template_change(c, ("spec",))]
    recreate = _get(diff.head.value, "spec", "upgradeStrategy", "type") == "Recreate" and target.at_least(
        "1.6"
    )
    if recreate and muted_cluster_spec(old_spec, target) != muted_cluster_spec(new_spec, target):
        hashed = [c for c in spec_changes if _is_hashed(c)] or spec_changes
        return [
            Impact(
                "recreate-all-pods",
                "warning",
                "upgradeStrategy.type is Recreate and this change alters the cluster spec KubeRay compares: "
                "it deletes every Pod of the cluster (head included) and creates them again with the new "
                "spec; running jobs are interrupted",
                hashed[0].where,
            )
        ]
    if not template:
        return []
    if recreate:
        advice = (
            "upgradeStrategy.type is Recreate, but KubeRay leaves tolerations and scheduling gates out of "
            "the spec it compares, so it does not recreate the Pods for them; replace the cluster to apply "
            "them now"
        )
    elif target.at_least("1.6"):
        advice = "set spec.upgradeStrategy.type: Recreate to recreate every Pod, or replace the cluster"
    else:
        advice = "KubeRay 1.6 adds spec.upgradeStrategy.type: Recreate for that, or replace the cluster"
    return [
        Impact(
            "pods-not-updated",
            "warning",
            "running Pods keep their old template: KubeRay only uses the new one for Pods it creates later "
            f"(scale-up, replacement); {advice}",
            template[0].where,
        )
    ]


def validation_impacts(diff: ResourceDiff, make_validator: ValidatorFactory) -> list[Impact]:
    """Findings of ``rayops validate`` on the head object, and immutable fields vs the base."""
    if diff.head is None:
        return []
    impacts: list[Impact] = []
    validator = make_validator()
    previous = None
    if diff.base is not None and diff.status != RENAMED:
        previous = copy_json(diff.base.unredacted)
    plain = _validate(validator, diff.head, previous)
    # One run with the base as the previous version; only when a CEL rule failed is a
    # second run needed, without it, to tell the transition rules from the others.
    if previous is not None and any(f.rule == RULE_CEL for f in plain.findings):
        transition, plain = plain, _validate(validator, diff.head, None)
        known = {(f.rule, f.path, f.message) for f in plain.findings}
        for finding in transition.findings:
            if (finding.rule, finding.path, finding.message) not in known:
                impacts.append(
                    Impact(
                        "immutable-field",
                        "error",
                        f"the API server rejects this change, so the sync fails: {finding.message}",
                        format_path(finding.path),
                    )
                )
    if previous is not None:
        impacts.extend(_immutable_data(diff))
    for finding in plain.findings:
        if finding.severity < Severity.WARNING:
            continue
        label = "validation-error" if finding.severity >= Severity.ERROR else "validation-warning"
        impacts.append(
            Impact(
                label,
                "error" if finding.severity >= Severity.ERROR else "warning",
                f"[{finding.rule}] {finding.message}",
                format_path(finding.path),
            )
        )
    return impacts


def _validate(validator: Validator, head: Resource, previous: dict[str, Any] | None) -> FileResult:
    """Validate a copy of the head object (validation applies defaults in place)."""
    result = FileResult(head.file)
    document = Document(head.file, 0, copy_json(head.unredacted), None)
    validator.validate_document(document, result, previous)
    return result


def _immutable_data(diff: ResourceDiff) -> list[Impact]:
    assert diff.base is not None and diff.head is not None
    if diff.key.kind == "Secret" and (diff.base.value.get("type") or "Opaque") != (
        diff.head.value.get("type") or "Opaque"
    ):
        return [
            Impact(
                "immutable-field",
                "error",
                "a Secret's type cannot be changed: the API server rejects the update, so the sync fails; "
                "give the Secret a new name (or delete it first)",
                "type",
            )
        ]
    if diff.key.kind not in ("ConfigMap", "Secret") or diff.base.value.get("immutable") is not True:
        return []
    changed = [
        c for c in diff.changes if c.path and c.path[0] in ("data", "binaryData", "stringData", "immutable")
    ]
    if not changed:
        return []
    return [
        Impact(
            "immutable-field",
            "error",
            f"the {diff.key.kind} is immutable (immutable: true): the API server rejects changes to its "
            "data, so the sync fails; give it a new name",
            changed[0].where,
        )
    ]
