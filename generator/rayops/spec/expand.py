"""Expand a rayops spec into the KubeRay resource (and code ConfigMap) an expert would write.

See the package docstring (:mod:`rayops.spec`) for the spec format. The output is
deterministic: keys come in a fixed order, maps given by the user keep their order, and
the code ConfigMap's name is a hash of its content, so that the rendered YAML diffs
cleanly in git.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any, Final

import yaml

from rayops.findings import Path
from rayops.images import image_ray_version
from rayops.loader import copy_json
from rayops.overlay import PatchError, strategic_merge
from rayops.schemas import registry
from rayops.spec.errors import SpecError
from rayops.spec.schema import SPEC_API_VERSION, SPEC_KINDS, check, spec_schema

KUBERAY_API_VERSION: Final = "ray.io/v1"
MANAGED_BY: Final = "rayops"
CODE_OF_LABEL: Final = "rayops.dev/code-of"
"""Label of a generated code ConfigMap: the name of the resource it belongs to."""
CODE_VOLUME: Final = "code"
"""Name of the volume of the code ConfigMap in every Ray Pod."""
DEFAULT_CODE_MOUNT_PATH: Final = "/home/ray/code"
DEFAULT_IMAGE_REPOSITORY: Final = "rayproject/ray"
METRICS_PORT: Final = 8080
HASH_LENGTH: Final = 10

_HEAD_PORTS: Final = ((6379, "gcs-server"), (8265, "dashboard"), (10001, "client"))
_SERVE_PORT: Final = (8000, "serve")
_RESOURCE_NAMES: Final = (("cpu", "cpu"), ("memory", "memory"), ("ephemeralStorage", "ephemeral-storage"))
_GPU_RESOURCE: Final = "nvidia.com/gpu"
_CONFIG_MAP_KEY: Final = re.compile(r"^[-._a-zA-Z0-9]+$")
_PATH_SEGMENT: Final = re.compile(r"^[-._a-zA-Z0-9]+$")

ReadFile = Callable[[str], bytes]
"""Returns the bytes of a file named relative to the spec's folder."""


def is_spec(document: Any) -> bool:
    """Whether ``document`` is a rayops spec (its apiVersion is :data:`SPEC_API_VERSION`)."""
    return isinstance(document, dict) and document.get("apiVersion") == SPEC_API_VERSION


def expand(document: dict[str, Any], read_file: ReadFile, source: str) -> list[dict[str, Any]]:
    """KubeRay resources (and generated ConfigMaps) for one spec document.

    ``read_file(relative_path)`` returns the bytes of a file named by the spec (code files,
    serveConfig files) relative to the spec's folder; the caller enforces containment and
    size limits and raises its own error for a bad path. ``source`` is the spec file's path
    (for messages only). The spec is checked against its JSON schema first; any problem is
    a :class:`SpecError` whose ``path`` points into ``document``.
    """
    if not is_spec(document):
        raise SpecError(("apiVersion",), f"{source}: not a rayops spec (apiVersion {SPEC_API_VERSION})")
    kind = document.get("kind")
    if kind not in SPEC_KINDS:
        raise SpecError(("kind",), f"unknown spec kind {kind!r}; expected one of: {', '.join(SPEC_KINDS)}")
    check(document, spec_schema(kind))
    return _Expansion(kind, document, read_file).resources()


# --- Values ------------------------------------------------------------------------


def _scalar_text(value: Any) -> str:
    """A string for an env value or a rayStartParams value: booleans as true/false."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _quantity(value: Any) -> str:
    return value if isinstance(value, str) else _scalar_text(value)


def _yaml_text(value: Any) -> str:
    dumper = yaml.CSafeDumper
    text: str = yaml.dump(
        value, Dumper=dumper, sort_keys=False, default_flow_style=False, allow_unicode=True, width=1000
    )
    return text


def check_relative_path(value: str, path: Path) -> None:
    """Raise :class:`SpecError` unless ``value`` is a plain relative path (no ``..``, not absolute)."""
    if value.startswith("/") or re.match(r"^[A-Za-z]:", value) or "\\" in value:
        raise SpecError(path, f"{value!r} must be a path relative to the spec's folder")
    for segment in value.split("/"):
        if segment in ("", ".", ".."):
            raise SpecError(path, f"{value!r} must be a plain relative path (no '..', '.' or empty segment)")
        if not _PATH_SEGMENT.match(segment):
            raise SpecError(path, f"{value!r}: file names may use only letters, digits, '-', '_' and '.'")


def code_hash(files: Mapping[str, bytes]) -> str:
    """First 10 hex digits of the SHA-256 over the files sorted by name.

    Each file adds ``<length>:<name><length>:<content>`` (lengths in bytes, decimal), so
    no two different sets of files hash the same bytes.
    """
    digest = hashlib.sha256()
    for name, content in sorted(files.items()):
        encoded = name.encode()
        digest.update(b"%d:%s%d:" % (len(encoded), encoded, len(content)))
        digest.update(content)
    return digest.hexdigest()[:HASH_LENGTH]


@cache
def _raycluster_schema() -> dict[str, Any]:
    """The compiled RayCluster CRD schema of the newest bundled KubeRay, for list merge keys."""
    schema_set = registry.select_set("kuberay", None)
    entry = schema_set.entries[(KUBERAY_API_VERSION, "RayCluster")]
    loaded: dict[str, Any] = registry.load_json(entry.path)
    return loaded


# --- The expansion -----------------------------------------------------------------


@dataclass(frozen=True)
class _Code:
    """The generated code ConfigMap, and its volume and mount in the Ray Pods."""

    config_map: dict[str, Any]
    volume: dict[str, Any]
    mount: dict[str, Any]


class _Expansion:
    """One spec document being expanded; ``fields`` are the cluster (and job) fields."""

    def __init__(self, kind: str, document: dict[str, Any], read_file: ReadFile) -> None:
        self.kind = kind
        self.document = document
        self.read_file = read_file
        self.metadata: dict[str, Any] = document["metadata"]
        self.name: str = self.metadata["name"]
        self.spec: dict[str, Any] = document["spec"]
        if kind == "RayCronJob":
            self.fields: dict[str, Any] = self.spec["job"]
            self.fields_path: Path = ("spec", "job")
        else:
            self.fields = self.spec
            self.fields_path = ("spec",)

    def at(self, *elements: str | int) -> Path:
        """A path among the cluster fields."""
        return (*self.fields_path, *elements)

    # --- Checks beyond the schema

    def check(self) -> None:
        ray_version: str = self.fields["rayVersion"]
        self.check_image(self.fields.get("image"), ray_version, self.at("image"))
        head = self.fields.get("head", {})
        self.check_image(head.get("image"), ray_version, self.at("head", "image"))
        seen: dict[str, int] = {}
        for index, group in enumerate(self.fields.get("workers", [])):
            self.check_image(group.get("image"), ray_version, self.at("workers", index, "image"))
            if group["name"] in seen:
                raise SpecError(
                    self.at("workers", index, "name"),
                    f"worker group {group['name']!r} is already defined at workers[{seen[group['name']]}]",
                )
            seen[group["name"]] = index
            self.check_replicas(group, index)
        scheduler = self.fields.get("scheduler")
        if scheduler is not None:
            if scheduler["name"] == "kueue" and "queue" not in scheduler:
                raise SpecError(self.at("scheduler"), "kueue needs a queue (the name of a LocalQueue)")
            if scheduler.get("gangScheduling") and scheduler["name"] != "yunikorn":
                raise SpecError(self.at("scheduler", "gangScheduling"), "gangScheduling is a yunikorn option")
        if (
            self.kind in ("RayJob", "RayCronJob")
            and self.fields.get("ttlSecondsAfterFinished", 0) > 0
            and not self.fields.get("shutdownAfterJobFinishes", False)
        ):
            raise SpecError(
                self.at("ttlSecondsAfterFinished"),
                "ttlSecondsAfterFinished needs shutdownAfterJobFinishes: true",
            )

    @staticmethod
    def check_image(image: str | None, ray_version: str, path: Path) -> None:
        if image is None:
            return
        found = image_ray_version(image)
        if found is not None and found != ray_version:
            raise SpecError(path, f"image {image} runs Ray {found} but rayVersion is {ray_version}")

    def check_replicas(self, group: Mapping[str, Any], index: int) -> None:
        low, high, replicas = group.get("minReplicas"), group.get("maxReplicas"), group.get("replicas")
        if low is not None and high is not None and low > high:
            raise SpecError(
                self.at("workers", index, "minReplicas"),
                f"minReplicas ({low}) is greater than maxReplicas ({high})",
            )
        if replicas is not None and low is not None and replicas < low:
            raise SpecError(
                self.at("workers", index, "replicas"), f"replicas ({replicas}) is below minReplicas ({low})"
            )
        if replicas is not None and high is not None and replicas > high:
            raise SpecError(
                self.at("workers", index, "replicas"), f"replicas ({replicas}) is above maxReplicas ({high})"
            )

    # --- Resources

    def resources(self) -> list[dict[str, Any]]:
        self.check()
        code = self.code()
        cluster = self.cluster_spec(code)
        if self.kind == "RayCluster":
            spec = cluster
        elif self.kind == "RayJob":
            spec = self.job_spec(cluster)
        elif self.kind == "RayService":
            spec = self.service_spec(cluster)
        else:
            spec = self.cron_spec(self.job_spec(cluster))
        resource = {
            "apiVersion": KUBERAY_API_VERSION,
            "kind": self.kind,
            "metadata": self.resource_metadata(),
            "spec": spec,
        }
        produced = [resource] if code is None else [resource, code.config_map]
        return [copy_json(item) for item in produced]  # no mapping twice: YAML would write anchors

    def standard_labels(self) -> dict[str, str]:
        return {
            "app.kubernetes.io/name": self.kind.lower(),
            "app.kubernetes.io/instance": self.name,
            "app.kubernetes.io/managed-by": MANAGED_BY,
        }

    def object_metadata(self, name: str, labels: dict[str, str]) -> dict[str, Any]:
        metadata: dict[str, Any] = {"name": name}
        if "namespace" in self.metadata:
            metadata["namespace"] = self.metadata["namespace"]
        metadata["labels"] = labels
        return metadata

    def resource_metadata(self) -> dict[str, Any]:
        labels = self.standard_labels()
        labels.update(self.metadata.get("labels", {}))
        labels.update(self.scheduler_labels())
        # Users may rename the application, not take the resource away from rayops.
        labels["app.kubernetes.io/instance"] = self.name
        labels["app.kubernetes.io/managed-by"] = MANAGED_BY
        metadata = self.object_metadata(self.name, labels)
        if self.metadata.get("annotations"):
            metadata["annotations"] = dict(self.metadata["annotations"])
        return metadata

    def scheduler_labels(self) -> dict[str, str]:
        scheduler = self.fields.get("scheduler")
        if scheduler is None:
            return {}
        name, queue = scheduler["name"], scheduler.get("queue")
        if name == "kueue":
            return {"kueue.x-k8s.io/queue-name": queue}
        labels = {"ray.io/scheduler-name": name}
        if name == "volcano":
            if queue is not None:
                labels["volcano.sh/queue-name"] = queue
            return labels
        if scheduler.get("gangScheduling"):
            labels["ray.io/gang-scheduling-enabled"] = "true"
        labels["yunikorn.apache.org/app-id"] = self.name
        if queue is not None:
            labels["yunikorn.apache.org/queue"] = queue
        return labels

    # --- Code

    def code(self) -> _Code | None:
        code = self.fields.get("code")
        if code is None:
            return None
        contents: dict[str, bytes] = {}
        keys: dict[str, str] = {}
        for index, file_name in enumerate(code["files"]):
            path = self.at("code", "files", index)
            check_relative_path(file_name, path)
            key = file_name.replace("/", "__")
            if key in keys or not _CONFIG_MAP_KEY.match(key):
                raise SpecError(path, f"{file_name!r} is listed twice or clashes with {keys.get(key)!r}")
            keys[key] = file_name
            contents[file_name] = self.read_file(file_name)
        mount_path = code.get("mountPath", DEFAULT_CODE_MOUNT_PATH)
        if not mount_path.startswith("/"):
            raise SpecError(self.at("code", "mountPath"), "mountPath must be an absolute path")
        config_map_name = f"{self.name}-code-{code_hash(contents)}"
        data: dict[str, str] = {}
        binary_data: dict[str, str] = {}
        for key, file_name in sorted(keys.items()):
            try:
                data[key] = contents[file_name].decode("utf-8")
            except UnicodeDecodeError:
                binary_data[key] = base64.b64encode(contents[file_name]).decode("ascii")
        labels = self.standard_labels()
        labels[CODE_OF_LABEL] = self.name
        config_map: dict[str, Any] = {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": self.object_metadata(config_map_name, labels),
        }
        if data:
            config_map["data"] = data
        if binary_data:
            config_map["binaryData"] = binary_data
        volume = {
            "name": CODE_VOLUME,
            "configMap": {
                "name": config_map_name,
                "items": [{"key": key, "path": file_name} for key, file_name in sorted(keys.items())],
            },
        }
        return _Code(config_map, volume, {"name": CODE_VOLUME, "mountPath": mount_path})

    def volumes_and_mounts(self, code: _Code | None) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        volumes: list[tuple[Path, dict[str, Any]]] = []
        mounts: list[tuple[Path, dict[str, Any]]] = []
        if code is not None:
            volumes.append((self.at("code"), code.volume))
            mounts.append((self.at("code", "mountPath"), code.mount))
        for index, claim in enumerate(self.fields.get("persistentVolumeClaims", [])):
            path = self.at("persistentVolumeClaims", index)
            source: dict[str, Any] = {"claimName": claim["claimName"]}
            mount: dict[str, Any] = {"name": claim["name"], "mountPath": claim["mountPath"]}
            if claim.get("readOnly"):
                source["readOnly"] = True
                mount["readOnly"] = True
            volumes.append(((*path, "name"), {"name": claim["name"], "persistentVolumeClaim": source}))
            mounts.append(((*path, "mountPath"), mount))
        for index, volume in enumerate(self.fields.get("volumes", [])):
            volumes.append((self.at("volumes", index, "name"), dict(volume)))
        for index, mount in enumerate(self.fields.get("volumeMounts", [])):
            mounts.append((self.at("volumeMounts", index, "mountPath"), dict(mount)))
        names: set[str] = set()
        for path, volume in volumes:
            if volume["name"] in names:
                raise SpecError(path, f"a volume named {volume['name']!r} is already defined")
            names.add(volume["name"])
        mount_paths: set[str] = set()
        for path, mount in mounts:
            if mount["mountPath"] in mount_paths:
                raise SpecError(path, f"{mount['mountPath']!r} is already mounted")
            if mount.get("name") not in names:
                raise SpecError(path, f"the mount of {mount['mountPath']!r} names no volume of the spec")
            mount_paths.add(mount["mountPath"])
        return [volume for _, volume in volumes], [mount for _, mount in mounts]

    # --- The cluster

    def cluster_spec(self, code: _Code | None) -> dict[str, Any]:
        fields = self.fields
        volumes, mounts = self.volumes_and_mounts(code)
        cluster: dict[str, Any] = {"rayVersion": fields["rayVersion"]}
        autoscaling = fields.get("autoscaling")
        if autoscaling is not None and autoscaling.get("enabled", True):
            cluster["enableInTreeAutoscaling"] = True
            options = {
                key: autoscaling[key]
                for key in ("version", "upscalingMode", "idleTimeoutSeconds")
                if key in autoscaling
            }
            if options:
                cluster["autoscalerOptions"] = options
        fault_tolerance = fields.get("gcsFaultTolerance")
        if fault_tolerance is not None:
            cluster["gcsFaultToleranceOptions"] = self.fault_tolerance_options(fault_tolerance)
        head = fields.get("head", {})
        head_spec: dict[str, Any] = {}
        if fields.get("ingress", {}).get("enabled"):
            head_spec["enableIngress"] = True
        if "serviceType" in head:
            head_spec["serviceType"] = head["serviceType"]
        head_spec["rayStartParams"] = self.ray_start_params(head)
        head_spec["template"] = self.pod_template(head, "head", volumes, mounts, ("head",))
        cluster["headGroupSpec"] = head_spec
        workers = fields.get("workers", [])
        if workers:
            cluster["workerGroupSpecs"] = [
                self.worker_group(group, index, volumes, mounts) for index, group in enumerate(workers)
            ]
        return cluster

    @staticmethod
    def fault_tolerance_options(fault_tolerance: Mapping[str, Any]) -> dict[str, Any]:
        options: dict[str, Any] = {"redisAddress": fault_tolerance["redisAddress"]}
        secret = fault_tolerance.get("redisPasswordSecret")
        if secret is not None:
            options["redisPassword"] = {
                "valueFrom": {"secretKeyRef": {"name": secret["name"], "key": secret["key"]}}
            }
        if "externalStorageNamespace" in fault_tolerance:
            options["externalStorageNamespace"] = fault_tolerance["externalStorageNamespace"]
        return options

    @staticmethod
    def ray_start_params(group: Mapping[str, Any]) -> dict[str, str]:
        return {key: _scalar_text(value) for key, value in group.get("rayStartParams", {}).items()}

    def worker_group(
        self,
        group: Mapping[str, Any],
        index: int,
        volumes: list[dict[str, Any]],
        mounts: list[dict[str, Any]],
    ) -> dict[str, Any]:
        spec: dict[str, Any] = {"groupName": group["name"]}
        for field in ("replicas", "minReplicas", "maxReplicas", "numOfHosts"):
            if field in group:
                spec[field] = group[field]
        spec["rayStartParams"] = self.ray_start_params(group)
        spec["template"] = self.pod_template(group, "worker", volumes, mounts, ("workers", index))
        return spec

    def pod_template(
        self,
        group: Mapping[str, Any],
        role: str,
        volumes: list[dict[str, Any]],
        mounts: list[dict[str, Any]],
        group_path: Path,
    ) -> dict[str, Any]:
        fields = self.fields
        container: dict[str, Any] = {
            "name": f"ray-{role}",
            "image": group.get("image")
            or fields.get("image")
            or f"{DEFAULT_IMAGE_REPOSITORY}:{fields['rayVersion']}",
        }
        if "imagePullPolicy" in fields:
            container["imagePullPolicy"] = fields["imagePullPolicy"]
        env = {**fields.get("env", {}), **group.get("env", {})}
        if env:
            container["env"] = [{"name": name, "value": _scalar_text(value)} for name, value in env.items()]
        ports = self.ports(role)
        if ports:
            container["ports"] = ports
        resources = self.container_resources(group.get("resources", {}))
        if resources:
            container["resources"] = resources
        if mounts:
            container["volumeMounts"] = [dict(mount) for mount in mounts]
        pod_spec: dict[str, Any] = {}
        if "serviceAccountName" in fields:
            pod_spec["serviceAccountName"] = fields["serviceAccountName"]
        node_selector = {**fields.get("nodeSelector", {}), **group.get("nodeSelector", {})}
        if node_selector:
            pod_spec["nodeSelector"] = node_selector
        tolerations = [*fields.get("tolerations", []), *group.get("tolerations", [])]
        if tolerations:
            pod_spec["tolerations"] = [dict(toleration) for toleration in tolerations]
        pod_spec["containers"] = [container]
        if volumes:
            pod_spec["volumes"] = [dict(volume) for volume in volumes]
        template: dict[str, Any] = {}
        pod_metadata = self.pod_metadata(group)
        if pod_metadata:
            template["metadata"] = pod_metadata
        template["spec"] = pod_spec
        return self.patched(template, role, group, group_path)

    def ports(self, role: str) -> list[dict[str, Any]]:
        ports: list[tuple[int, str]] = []
        if role == "head":
            ports.extend(_HEAD_PORTS)
            if self.kind == "RayService":
                ports.append(_SERVE_PORT)
        if self.fields.get("prometheus"):
            ports.append((METRICS_PORT, "metrics"))
        return [{"containerPort": number, "name": name} for number, name in ports]

    def pod_metadata(self, group: Mapping[str, Any]) -> dict[str, Any]:
        labels = {**self.fields.get("labels", {}), **group.get("labels", {})}
        annotations: dict[str, str] = {}
        if self.fields.get("prometheus"):
            annotations = {"prometheus.io/scrape": "true", "prometheus.io/port": str(METRICS_PORT)}
        annotations.update(self.fields.get("annotations", {}))
        annotations.update(group.get("annotations", {}))
        metadata: dict[str, Any] = {}
        if labels:
            metadata["labels"] = labels
        if annotations:
            metadata["annotations"] = annotations
        return metadata

    @staticmethod
    def container_resources(resources: Mapping[str, Any]) -> dict[str, Any]:
        limits: dict[str, Any] = {}
        requests: dict[str, Any] = {}
        for field, name in _RESOURCE_NAMES:
            amount = resources.get(field)
            if amount is None:
                continue
            if isinstance(amount, dict):
                request, limit = amount.get("request"), amount.get("limit")
            else:
                request = limit = amount
            if limit is not None:
                limits[name] = _quantity(limit)
            if request is not None:
                requests[name] = _quantity(request)
        if resources.get("gpu"):
            limits[_GPU_RESOURCE] = resources["gpu"]
        result: dict[str, Any] = {}
        if limits:
            result["limits"] = limits
        if requests:
            result["requests"] = requests
        return result

    def patched(
        self, template: dict[str, Any], role: str, group: Mapping[str, Any], group_path: Path
    ) -> dict[str, Any]:
        """The template with the spec's patch for the role, then the group's own patch, merged in."""
        patches: list[tuple[Path, Any]] = []
        spec_patches = self.fields.get("podTemplatePatch", {})
        role_key = "head" if role == "head" else "workers"
        if role_key in spec_patches:
            patches.append((self.at("podTemplatePatch", role_key), spec_patches[role_key]))
        if "podTemplatePatch" in group:
            patches.append((self.at(*group_path, "podTemplatePatch"), group["podTemplatePatch"]))
        base_path: Path = (
            ("spec", "headGroupSpec", "template")
            if role == "head"
            else ("spec", "workerGroupSpecs", 0, "template")
        )
        for patch_path, patch in patches:
            try:
                template = strategic_merge(template, patch, _raycluster_schema(), path=base_path)
            except PatchError as error:
                inner = error.path[len(base_path) :] if error.path[: len(base_path)] == base_path else ()
                raise SpecError((*patch_path, *inner), error.message) from error
        return template

    # --- The kinds

    def job_spec(self, cluster: dict[str, Any]) -> dict[str, Any]:
        fields = self.fields
        spec: dict[str, Any] = {}
        for field in ("entrypoint", "entrypointNumCpus", "entrypointNumGpus"):
            if field in fields:
                spec[field] = fields[field]
        if "runtimeEnv" in fields:
            spec["runtimeEnvYAML"] = _yaml_text(fields["runtimeEnv"])
        for field in (
            "submissionMode",
            "shutdownAfterJobFinishes",
            "ttlSecondsAfterFinished",
            "activeDeadlineSeconds",
            "backoffLimit",
            "suspend",
        ):
            if field in fields:
                spec[field] = fields[field]
        spec["rayClusterSpec"] = cluster
        return spec

    def service_spec(self, cluster: dict[str, Any]) -> dict[str, Any]:
        spec: dict[str, Any] = {"serveConfigV2": self.serve_config_text()}
        if "upgradeStrategy" in self.spec:
            spec["upgradeStrategy"] = dict(self.spec["upgradeStrategy"])
        spec["rayClusterConfig"] = cluster
        return spec

    def serve_config_text(self) -> str:
        inline, file_name = self.spec.get("serveConfig"), self.spec.get("serveConfigFile")
        if inline is not None and file_name is not None:
            raise SpecError(("spec", "serveConfigFile"), "give serveConfig or serveConfigFile, not both")
        if inline is not None:
            return _yaml_text(inline)
        if file_name is None:
            raise SpecError(("spec",), "a RayService needs serveConfig or serveConfigFile")
        path: Path = ("spec", "serveConfigFile")
        check_relative_path(file_name, path)
        try:
            text = self.read_file(file_name).decode("utf-8")
            parsed = yaml.safe_load(text)
        except (UnicodeDecodeError, yaml.YAMLError) as error:
            raise SpecError(path, f"{file_name} is not a YAML file: {error}") from error
        if not isinstance(parsed, dict):
            raise SpecError(path, f"{file_name} must hold a mapping (applications: ...)")
        return text if text.endswith("\n") else text + "\n"

    def cron_spec(self, job: dict[str, Any]) -> dict[str, Any]:
        spec: dict[str, Any] = {"schedule": self.spec["schedule"]}
        for field in ("timeZone", "suspend"):
            if field in self.spec:
                spec[field] = self.spec[field]
        spec["jobTemplate"] = job
        return spec
