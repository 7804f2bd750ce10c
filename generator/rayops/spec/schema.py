"""The JSON Schemas (draft-07) of the four rayops spec kinds, and the checker that walks them.

The schemas are built here, in Python, and written to ``schemas/rayops/v1alpha1/<kind>.json``
for editors (the YAML language server); a test compares the files with :func:`schema_text`.
:func:`check` walks the same schemas to validate a spec before it is expanded, with the
draft-07 meaning of the keywords used here (``type``, ``enum``, ``const``, ``properties``,
``required``, ``additionalProperties``, ``items``, ``minItems``, ``minProperties``,
``minimum``, ``minLength``, ``pattern``, ``anyOf`` and local ``$ref``), and raises
:class:`~rayops.spec.errors.SpecError` at the path of the first problem.

Every object that rayops defines has ``additionalProperties: false``; the few values that
are plain Kubernetes or Ray objects passed through unchanged (volumes, tolerations, a Ray
runtime env, a Serve config, Pod template patches) say ``additionalProperties: true``
explicitly: the validator checks them after expansion, against the KubeRay CRDs.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any, Final

from rayops.findings import Path
from rayops.spec.errors import SpecError, SpecErrors

SPEC_API_VERSION: Final = "rayops.dev/v1alpha1"
"""The ``apiVersion`` of every rayops spec."""
SPEC_KINDS: Final = ("RayCluster", "RayJob", "RayService", "RayCronJob")
"""The kinds of rayops specs, each expanding into the KubeRay kind of the same name."""
SCHEDULERS: Final = ("volcano", "yunikorn", "kueue")
"""The batch schedulers a spec can name."""

_DRAFT_07: Final = "http://json-schema.org/draft-07/schema#"
_REF_PREFIX: Final = "#/definitions/"


# --- Building blocks ---------------------------------------------------------------


def _string(description: str, **extra: Any) -> dict[str, Any]:
    return {"type": "string", "description": description, **extra}


def _boolean(description: str) -> dict[str, Any]:
    return {"type": "boolean", "description": description}


def _integer(description: str, minimum: int | None = 0) -> dict[str, Any]:
    node: dict[str, Any] = {"type": "integer", "description": description}
    if minimum is not None:
        node["minimum"] = minimum
    return node


def _ref(name: str, description: str | None = None) -> dict[str, Any]:
    node: dict[str, Any] = {"$ref": _REF_PREFIX + name}
    if description is not None:
        # Draft-07 ignores siblings of $ref; editors still show the description.
        node["description"] = description
    return node


def _object(
    description: str, properties: dict[str, Any], required: tuple[str, ...] = (), **extra: Any
) -> dict[str, Any]:
    node: dict[str, Any] = {"type": "object", "description": description}
    if required:
        node["required"] = list(required)
    node["properties"] = properties
    node["additionalProperties"] = False
    node.update(extra)
    return node


def _passthrough(description: str) -> dict[str, Any]:
    """A Kubernetes or Ray object written unchanged into the output."""
    return {"type": "object", "description": description, "additionalProperties": True}


_DEFINITIONS: Final[dict[str, Any]] = {
    "stringMap": {
        "type": "object",
        "description": "A mapping of strings to strings.",
        "additionalProperties": {"type": "string"},
    },
    "scalarMap": {
        "type": "object",
        "description": "A mapping of names to strings (numbers and booleans are written as strings).",
        "additionalProperties": {"type": ["string", "number", "boolean"]},
    },
    "quantity": {
        "description": "A Kubernetes quantity, such as 500m, 2, 4Gi.",
        "type": ["string", "number"],
        "pattern": "^[+-]?([0-9]+(\\.[0-9]*)?|\\.[0-9]+)([eE][+-]?[0-9]+|[numkMGTPE]|[KMGTPE]i)?$",
    },
    "resourceAmount": {
        "description": (
            "A quantity used as both request and limit (the usual choice for Ray), "
            "or {request, limit} to give them apart."
        ),
        "anyOf": [
            {"$ref": _REF_PREFIX + "quantity"},
            _object(
                "Request and limit given apart.",
                {
                    "request": _ref("quantity", "The amount the scheduler reserves."),
                    "limit": _ref("quantity", "The most the container may use."),
                },
                minProperties=1,
            ),
        ],
    },
    "resources": _object(
        "Resources of each Ray container of the group.",
        {
            "cpu": _ref("resourceAmount", 'CPU, e.g. "1", 500m, or {request: 200m, limit: "1"}.'),
            "memory": _ref("resourceAmount", "Memory, e.g. 2Gi."),
            "ephemeralStorage": _ref("resourceAmount", "Ephemeral storage (ephemeral-storage)."),
            "gpu": _integer("NVIDIA GPUs: the nvidia.com/gpu limit.", minimum=0),
        },
    ),
    "tolerations": {
        "type": "array",
        "description": "Kubernetes tolerations of the Ray Pods.",
        "items": _passthrough("A Kubernetes toleration."),
    },
    "podTemplatePatch": _passthrough(
        "A Pod template (metadata, spec) strategic-merged into the generated one: containers, "
        "volumes and env merge by name, ports by containerPort."
    ),
}

_GROUP_PROPERTIES: Final[dict[str, Any]] = {
    "image": _string(
        "The Ray image of this group; its tag must be the spec's rayVersion (e.g. a -gpu image)."
    ),
    "resources": _ref("resources"),
    "rayStartParams": _ref("scalarMap", "Options of `ray start` for this group (rayStartParams)."),
    "env": _ref("scalarMap", "Environment variables of this group's Ray containers, over the spec's env."),
    "nodeSelector": _ref("stringMap", "Node selector of this group's Pods, over the spec's nodeSelector."),
    "tolerations": _ref("tolerations", "Tolerations of this group's Pods, added to the spec's."),
    "labels": _ref("stringMap", "Labels of this group's Pods, over the spec's labels."),
    "annotations": _ref("stringMap", "Annotations of this group's Pods, over the spec's annotations."),
    "podTemplatePatch": _ref("podTemplatePatch", "Patch of this group's Pod template, applied last."),
}

_DEFINITIONS["head"] = _object(
    "The Ray head Pod (headGroupSpec).",
    {
        **_GROUP_PROPERTIES,
        "serviceType": _string("Type of the head Service.", enum=["ClusterIP", "NodePort", "LoadBalancer"]),
    },
)
_DEFINITIONS["workerGroup"] = _object(
    "A worker group (an item of workerGroupSpecs).",
    {
        "name": _string(
            "The group's name (groupName), unique in the spec.",
            pattern="^[a-z0-9]([-a-z0-9]*[a-z0-9])?$",
            maxLength=63,
        ),
        "replicas": _integer("Number of workers to start with (between minReplicas and maxReplicas)."),
        "minReplicas": _integer("Fewest workers the autoscaler keeps."),
        "maxReplicas": _integer("Most workers the autoscaler starts."),
        "numOfHosts": _integer("Hosts per replica (multi-host TPU slices).", minimum=1),
        **_GROUP_PROPERTIES,
    },
    required=("name",),
)

_METADATA: Final = _object(
    "Name, namespace, labels and annotations of the generated resource.",
    {
        "name": _string(
            "Name of the KubeRay resource; also app.kubernetes.io/instance.",
            pattern="^[a-z0-9]([-a-z0-9]*[a-z0-9])?$",
            maxLength=63,
        ),
        "namespace": _string("Namespace of the generated resources."),
        "labels": _ref("stringMap", "Labels of the resource (not of its Pods)."),
        "annotations": _ref("stringMap", "Annotations of the resource (not of its Pods)."),
    },
    required=("name",),
)

_CLUSTER_PROPERTIES: Final[dict[str, Any]] = {
    "rayVersion": _string(
        "The Ray version, e.g. 2.46.0; the image defaults to rayproject/ray:<rayVersion>.",
        pattern="^[0-9]+\\.[0-9]+\\.[0-9]+$",
    ),
    "image": _string(
        "The Ray image of every group; the version in its tag must be rayVersion (2.46.0-py311 is 2.46.0)."
    ),
    "imagePullPolicy": _string(
        "Image pull policy of the Ray containers.", enum=["Always", "IfNotPresent", "Never"]
    ),
    "serviceAccountName": _string("Service account of the Ray Pods."),
    "code": _object(
        "Files of the spec's folder shipped in a ConfigMap (named <name>-code-<hash>) and mounted in "
        "every Ray container.",
        {
            "files": {
                "type": "array",
                "description": "Paths relative to the spec's folder, e.g. sample_code.py or src/train.py.",
                "minItems": 1,
                "items": {"type": "string", "minLength": 1},
            },
            "mountPath": _string("Where the files appear in the containers (default /home/ray/code)."),
        },
        required=("files",),
    ),
    "head": _ref("head"),
    "workers": {
        "type": "array",
        "description": "Worker groups.",
        "items": _ref("workerGroup"),
    },
    "autoscaling": _object(
        "In-tree autoscaling (enableInTreeAutoscaling, autoscalerOptions).",
        {
            "enabled": _boolean("Whether the Ray autoscaler runs (default true when this block is given)."),
            "version": _string("Autoscaler version.", enum=["v1", "v2"]),
            "idleTimeoutSeconds": _integer("Seconds an idle worker lives before it is removed."),
            "upscalingMode": _string(
                "How fast the autoscaler scales up.", enum=["Default", "Aggressive", "Conservative"]
            ),
        },
    ),
    "gcsFaultTolerance": _object(
        "GCS fault tolerance with an external Redis (gcsFaultToleranceOptions).",
        {
            "redisAddress": _string("Redis address, host:port.", minLength=1),
            "redisPasswordSecret": _object(
                "The Secret key holding the Redis password.",
                {"name": _string("Secret name.", minLength=1), "key": _string("Key in it.", minLength=1)},
                required=("name", "key"),
            ),
            "externalStorageNamespace": _string("Storage namespace in Redis (default: the cluster's UID)."),
        },
        required=("redisAddress",),
    ),
    "env": _ref("scalarMap", "Environment variables of every Ray container."),
    "nodeSelector": _ref("stringMap", "Node selector of every Ray Pod."),
    "tolerations": _ref("tolerations"),
    "labels": _ref("stringMap", "Labels of every Ray Pod."),
    "annotations": _ref("stringMap", "Annotations of every Ray Pod."),
    "volumes": {
        "type": "array",
        "description": "Kubernetes volumes added to every Ray Pod.",
        "items": {**_passthrough("A Kubernetes volume."), "required": ["name"]},
    },
    "volumeMounts": {
        "type": "array",
        "description": "Kubernetes volume mounts added to every Ray container.",
        "items": {**_passthrough("A Kubernetes volume mount."), "required": ["name", "mountPath"]},
    },
    "persistentVolumeClaims": {
        "type": "array",
        "description": "PersistentVolumeClaims mounted in every Ray container (a volume and a mount each).",
        "items": _object(
            "A claim and where to mount it.",
            {
                "name": _string("Volume name.", minLength=1),
                "claimName": _string("The PersistentVolumeClaim's name.", minLength=1),
                "mountPath": _string("Where to mount it.", minLength=1),
                "readOnly": _boolean("Mount read-only."),
            },
            required=("name", "claimName", "mountPath"),
        ),
    },
    "scheduler": _object(
        "Batch scheduler: labels KubeRay (volcano, yunikorn) or Kueue read.",
        {
            "name": _string("The scheduler.", enum=list(SCHEDULERS)),
            "queue": _string("Queue (required for kueue: its LocalQueue).", minLength=1),
            "gangScheduling": _boolean("YuniKorn gang scheduling (ray.io/gang-scheduling-enabled)."),
        },
        required=("name",),
    ),
    "prometheus": _boolean(
        "Expose Ray metrics: port 8080 named metrics and prometheus.io/scrape annotations on the Pods."
    ),
    "ingress": _object(
        "Ingress of the head's dashboard.", {"enabled": _boolean("headGroupSpec.enableIngress.")}
    ),
    "podTemplatePatch": _object(
        "Escape hatch: patches strategic-merged into the generated Pod templates.",
        {
            "head": _ref("podTemplatePatch", "Patch of the head Pod template."),
            "workers": _ref("podTemplatePatch", "Patch of every worker group's Pod template."),
        },
    ),
}

_JOB_PROPERTIES: Final[dict[str, Any]] = {
    "entrypoint": _string("The command the job runs, e.g. python /home/ray/code/train.py."),
    "runtimeEnv": _passthrough("Ray runtime environment (pip, env_vars, ...), written as runtimeEnvYAML."),
    "shutdownAfterJobFinishes": _boolean("Delete the RayCluster when the job finishes."),
    "ttlSecondsAfterFinished": _integer("Seconds to keep the cluster after the job finishes."),
    "submissionMode": _string(
        "How the job is submitted.", enum=["K8sJobMode", "HTTPMode", "InteractiveMode", "SidecarMode"]
    ),
    "activeDeadlineSeconds": _integer("Seconds the job may run before KubeRay stops it.", minimum=1),
    "backoffLimit": _integer("Retries of the whole job."),
    "suspend": _boolean("Create the RayJob suspended."),
    "entrypointNumCpus": {"type": "number", "minimum": 0, "description": "CPUs reserved for the entrypoint."},
    "entrypointNumGpus": {"type": "number", "minimum": 0, "description": "GPUs reserved for the entrypoint."},
}

_SERVICE_PROPERTIES: Final[dict[str, Any]] = {
    "serveConfig": _passthrough("Ray Serve config (applications: ...), written as serveConfigV2."),
    "serveConfigFile": _string("A Ray Serve config file of the spec's folder, written as serveConfigV2."),
    "upgradeStrategy": _object(
        "How the RayService upgrades its cluster.",
        {
            "type": _string("Upgrade type.", enum=["NewCluster", "NewClusterWithIncrementalUpgrade", "None"]),
            "clusterUpgradeOptions": _passthrough("Options of an incremental upgrade."),
        },
    ),
}

_KIND_DESCRIPTIONS: Final = {
    "RayCluster": "A Ray cluster; expands into a ray.io/v1 RayCluster.",
    "RayJob": "A Ray job with its own cluster; expands into a ray.io/v1 RayJob.",
    "RayService": "A Ray Serve service; expands into a ray.io/v1 RayService.",
    "RayCronJob": "A RayJob run on a schedule; expands into a ray.io/v1 RayCronJob.",
}


def _spec_schema(kind: str) -> dict[str, Any]:
    job_required = ("rayVersion",)
    if kind == "RayCluster":
        return _object("The cluster.", dict(_CLUSTER_PROPERTIES), required=job_required)
    if kind == "RayJob":
        return _object(
            "The job and its cluster.", {**_JOB_PROPERTIES, **_CLUSTER_PROPERTIES}, required=job_required
        )
    if kind == "RayService":
        return _object(
            "The Serve applications and their cluster.",
            {**_SERVICE_PROPERTIES, **_CLUSTER_PROPERTIES},
            required=job_required,
        )
    return _object(
        "The schedule and the job it runs.",
        {
            "schedule": _string('Cron schedule, e.g. "0 2 * * *".', minLength=1),
            "timeZone": _string("IANA time zone of the schedule, e.g. Europe/Paris (KubeRay 1.7+)."),
            "suspend": _boolean("Stop scheduling new runs."),
            "job": _object(
                "The RayJob run on each tick: the fields of a RayJob spec.",
                {**_JOB_PROPERTIES, **_CLUSTER_PROPERTIES},
                required=job_required,
            ),
        },
        required=("schedule", "job"),
    )


def spec_schema(kind: str) -> dict[str, Any]:
    """The JSON Schema (draft-07) of a whole spec document of ``kind`` (one of :data:`SPEC_KINDS`)."""
    if kind not in SPEC_KINDS:
        raise ValueError(f"unknown spec kind {kind!r}")
    return {
        "$schema": _DRAFT_07,
        "title": f"rayops {kind} spec ({SPEC_API_VERSION})",
        "description": _KIND_DESCRIPTIONS[kind],
        "type": "object",
        "required": ["apiVersion", "kind", "metadata", "spec"],
        "properties": {
            "apiVersion": {"const": SPEC_API_VERSION, "description": "Always " + SPEC_API_VERSION + "."},
            "kind": {"const": kind, "description": "The kind of spec."},
            "metadata": _METADATA,
            "spec": _spec_schema(kind),
        },
        "additionalProperties": False,
        "definitions": _DEFINITIONS,
    }


def schema_text(kind: str) -> str:
    """The content of ``schemas/rayops/v1alpha1/<kind lowercased>.json``."""
    return json.dumps(spec_schema(kind), indent=2) + "\n"


# --- The checker -------------------------------------------------------------------

_JSON_TYPE_NAMES: Final = {
    "object": "a mapping",
    "array": "a list",
    "string": "a string",
    "integer": "an integer",
    "number": "a number",
    "boolean": "a boolean (true or false)",
    "null": "null",
}


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__


def _type_matches(value: Any, wanted: str) -> bool:
    actual = _json_type(value)
    return actual == wanted or (wanted == "number" and actual == "integer")


def _allowed_types(node: Mapping[str, Any]) -> list[str] | None:
    wanted = node.get("type")
    if wanted is None:
        return None
    return [wanted] if isinstance(wanted, str) else list(wanted)


def problems(document: Any, schema: Mapping[str, Any]) -> list[SpecError]:
    """Every place ``document`` breaks ``schema``, in document order.

    Inside a value of the wrong type nothing more is checked; of ``anyOf`` branches, those
    of the first branch whose type fits are reported.
    """
    checker = _Checker(schema)
    checker.walk(document, schema, ())
    return checker.problems


def check(document: Any, schema: Mapping[str, Any]) -> None:
    """Raise :class:`SpecErrors` with every place ``document`` breaks ``schema``, if any."""
    found = problems(document, schema)
    if found:
        raise SpecErrors(found)


class _Checker:
    def __init__(self, root: Mapping[str, Any]) -> None:
        self.definitions: Mapping[str, Any] = root.get("definitions", {})
        self.problems: list[SpecError] = []

    def fail(self, path: Path, message: str) -> None:
        self.problems.append(SpecError(path, message))

    def resolve(self, node: Mapping[str, Any]) -> Mapping[str, Any]:
        while "$ref" in node:
            reference = node["$ref"]
            if not isinstance(reference, str) or not reference.startswith(_REF_PREFIX):
                raise ValueError(f"unsupported $ref {reference!r}")
            node = self.definitions[reference[len(_REF_PREFIX) :]]
        return node

    def walk(self, value: Any, node: Mapping[str, Any], path: Path) -> None:
        node = self.resolve(node)
        if "anyOf" in node and not self.walk_any_of(value, node["anyOf"], path):
            return
        allowed = _allowed_types(node)
        if allowed is not None and not any(_type_matches(value, wanted) for wanted in allowed):
            names = " or ".join(_JSON_TYPE_NAMES.get(wanted, wanted) for wanted in allowed)
            self.fail(path, f"expected {names}, not {_JSON_TYPE_NAMES.get(_json_type(value), 'this')}")
            return
        if "const" in node and value != node["const"]:
            self.fail(path, f"must be {node['const']!r}")
        if "enum" in node and value not in node["enum"]:
            self.fail(path, f"{value!r} is not one of: {', '.join(map(str, node['enum']))}")
        if isinstance(value, str):
            self.check_string(value, node, path)
        elif isinstance(value, int | float) and not isinstance(value, bool):
            if "minimum" in node and value < node["minimum"]:
                self.fail(path, f"must be at least {node['minimum']}")
        elif isinstance(value, dict):
            self.walk_object(value, node, path)
        elif isinstance(value, list):
            if len(value) < node.get("minItems", 0):
                self.fail(path, f"needs at least {node['minItems']} item(s)")
            items = node.get("items")
            if isinstance(items, Mapping):
                for index, item in enumerate(value):
                    self.walk(item, items, (*path, index))

    def check_string(self, value: str, node: Mapping[str, Any], path: Path) -> None:
        if len(value) < node.get("minLength", 0):
            self.fail(path, "must not be empty")
        if "maxLength" in node and len(value) > node["maxLength"]:
            self.fail(path, f"is longer than {node['maxLength']} characters")
        if "pattern" in node and re.search(node["pattern"], value) is None:
            self.fail(path, f"{value!r} does not match {node['pattern']}")

    def walk_object(self, value: dict[Any, Any], node: Mapping[str, Any], path: Path) -> None:
        properties: Mapping[str, Any] = node.get("properties", {})
        additional = node.get("additionalProperties", True)
        for key in value:
            if key not in properties and additional is False:
                known = ", ".join(properties)
                self.fail((*path, key), f"unknown field {key!r}; known fields: {known}")
        for required in node.get("required", ()):
            if required not in value:
                self.fail(path, f"missing required field {required!r}")
        if len(value) < node.get("minProperties", 0):
            self.fail(path, "must not be empty")
        for key, item in value.items():
            if key in properties:
                self.walk(item, properties[key], (*path, key))
            elif isinstance(additional, Mapping):
                self.walk(item, additional, (*path, key))

    def walk_any_of(self, value: Any, branches: list[Mapping[str, Any]], path: Path) -> bool:
        """Whether a branch accepts ``value``; if none does, report the best branch's problems."""
        failures: list[tuple[bool, list[SpecError]]] = []
        for branch in branches:
            trial = _Checker({"definitions": self.definitions})
            trial.walk(value, branch, path)
            if not trial.problems:
                return True
            allowed = _allowed_types(self.resolve(branch))
            type_fits = allowed is None or any(_type_matches(value, wanted) for wanted in allowed)
            failures.append((type_fits, trial.problems))
        fitting = [found for type_fits, found in failures if type_fits]
        self.problems.extend(fitting[0] if fitting else failures[0][1])
        return False
