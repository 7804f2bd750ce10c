"""Render a workspace's environments into ``rendered/<env>/`` for Argo CD or Flux.

For each environment of ``rayops.yaml``, the overlay file ``<overlay>/overlay.yaml``
names its bases (folders of manifests) and what to change in them:

```yaml
bases: [../base]                   # folders or files, relative to this overlay
resources: [extra.yaml]            # more manifests for this environment only
namespace: ray-dev                 # set on every namespaced resource
namePrefix: dev-                   # and nameSuffix; references to renamed
                                   #   ConfigMaps and Secrets follow the new names
labels: {team: ml}                 # on resources and inside their Pod templates
annotations: {owner: ml-platform}
images:                            # as kustomize's images
  - {name: rayproject/ray, newTag: 2.46.0}
patches:
  - target: {kind: RayJob, name: rayjob-sample}
    patch: {...}                   # strategic merge: worker groups by groupName,
                                   #   Pod lists by the CRD's list-map keys
  - target: {kind: RayJob, name: rayjob-sample}
    json6902: [{op: replace, path: /spec/entrypoint, value: ...}]
```

The rendered resources are validated like ``rayops validate`` does; each finding is
reported at the source line that produced the value (the patch that set it, else the
base manifest). Output is one resource per file, in a stable order and format, with a
header naming its sources. Writing is atomic: a failed render leaves every output
folder as it was, and files no longer rendered are removed.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Any

import yaml

from rayops.errors import UsageError
from rayops.findings import Finding, Location, Path, Severity
from rayops.gitops.sync import AutoscaledCluster, autoscaled_clusters
from rayops.images import split_image
from rayops.loader import (
    Document,
    LoadedFile,
    collect_files,
    copy_json,
    expand_lists,
    read_file,
    resolve_plain,
)
from rayops.overlay import PatchError, apply_json6902, strategic_merge
from rayops.parameters import ParameterError, substitute
from rayops.schemas import registry
from rayops.spec import SpecError, expand, is_spec
from rayops.validate.engine import FileResult, ValidationOptions, Validator
from rayops.workspace import Environment, Workspace, contained_path
from rayops.yamlwriter import dump_block, float_text, reads_as_string

OVERLAY_FILE = "overlay.yaml"
RULE_OVERLAY = "R301"
RULE_PATCH_TARGET = "R302"
RULE_PARAMETER = "R303"
RULE_SPEC = "R304"
MAX_SPEC_FILE_BYTES = 1024 * 1024
"""Largest file a spec may read (code, serve config): a ConfigMap holds at most 1 MiB."""
RENDER_RULES: dict[str, str] = {
    RULE_OVERLAY: "overlay file invalid (unknown setting, wrong type, bad path)",
    RULE_PATCH_TARGET: "a patch that cannot apply (no such resource, worker group or container)",
    RULE_PARAMETER: "a parameter template that cannot render (unknown parameter, sandbox refusal)",
    RULE_SPEC: "a rayops spec that cannot expand (schema, versions, files it names)",
}
_OVERLAY_KEYS = frozenset(
    (
        "bases",
        "resources",
        "namespace",
        "namePrefix",
        "nameSuffix",
        "labels",
        "annotations",
        "images",
        "patches",
        "parameters",
    )
)
_CLUSTER_SCOPED = frozenset(
    (
        "Namespace",
        "ClusterRole",
        "ClusterRoleBinding",
        "CustomResourceDefinition",
        "PriorityClass",
        "StorageClass",
        "PersistentVolume",
        "IngressClass",
        "ValidatingWebhookConfiguration",
        "MutatingWebhookConfiguration",
    )
)
_TOP_ORDER = ("apiVersion", "kind", "metadata", "spec")


@dataclass
class RenderedResource:
    """One output resource, with the documents it came from (for positions)."""

    value: dict[str, Any]
    base: Document
    patches: list[Document] = field(default_factory=list)
    from_spec: bool = False
    overlay_origin: Callable[[Path, Any], Location | None] | None = None

    @property
    def sources(self) -> list[str]:
        """Files that contributed, base first."""
        files = [self.base.file]
        files.extend(p.file for p in self.patches if p.file not in files)
        return files

    def locate(self, path: Path) -> Location:
        """Where ``path``'s value was written: the last patch that sets it, else the base.

        For a resource expanded from a rayops spec, the path is first translated to the
        spec field it came from (the head group to ``spec.head``, worker group ``i`` to
        ``spec.workers[i]``...), and the nearest line that exists in the spec is given.
        """
        for patch in reversed(self.patches):
            if patch.defines(path):
                return patch.locate(path)
        if self.overlay_origin is not None:
            origin = self.overlay_origin(path, _value_at(self.value, path))
            if origin is not None:
                return origin
        return self.base.locate(spec_path(path) if self.from_spec else path)


@dataclass
class RenderResult:
    """What rendering produced: file texts per environment output folder, and findings."""

    outputs: dict[str, dict[str, str]] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)

    def worst(self) -> Severity | None:
        """The most severe finding, or None."""
        return max((f.severity for f in self.findings), default=None)


class _Dumper(yaml.CSafeDumper):
    """Block-style YAML whose strings read the same under YAML 1.1, 1.2 and go-yaml.

    libyaml's emitter (about five times faster than PyYAML's Python one) with rayops's
    own decision of which strings to quote.
    """

    def ignore_aliases(self, data: Any) -> bool:
        return True

    def resolve(self, kind: Any, value: Any, implicit: Any) -> str:
        # Only decides whether a scalar may be written plain: the representers already
        # quote every string that another YAML reader would take for something else.
        if kind is yaml.ScalarNode and implicit[0]:
            return _plain_tag(value)
        return str(super().resolve(kind, value, implicit))  # type: ignore[no-untyped-call]


@lru_cache(maxsize=65536)
def _plain_tag(text: str) -> str:
    """The tag a plain scalar reads as (go-yaml's reading, which rayops's loader shares)."""
    value = resolve_plain(text) if text else None
    if value is None:
        return "tag:yaml.org,2002:null"
    if isinstance(value, bool):
        return "tag:yaml.org,2002:bool"
    if isinstance(value, int):
        return "tag:yaml.org,2002:int"
    if isinstance(value, float):
        return "tag:yaml.org,2002:float"
    return "tag:yaml.org,2002:str"


@lru_cache(maxsize=65536)
def _string_style(text: str) -> str | None:
    """How libyaml is asked to write a string: ``|`` if multi-line, ``"`` if plain it
    would read as anything but this string under YAML 1.1, 1.2 or go-yaml, else plain."""
    if "\n" in text:
        return "|"
    return None if reads_as_string(text) else '"'


_STR, _INT, _FLOAT = "tag:yaml.org,2002:str", "tag:yaml.org,2002:int", "tag:yaml.org,2002:float"
_BOOL, _NULL = "tag:yaml.org,2002:bool", "tag:yaml.org,2002:null"
_MAP, _SEQ = "tag:yaml.org,2002:map", "tag:yaml.org,2002:seq"


def _node(value: Any) -> yaml.Node:
    """The YAML node of plain JSON-like data, built directly (PyYAML's representers are
    generic and slow): block collections, rayops's string quoting, PyYAML's number form."""
    if isinstance(value, str):
        return yaml.ScalarNode(_STR, value, style=_string_style(value))
    if isinstance(value, dict):
        pairs = [(_node(key), _node(item)) for key, item in value.items()]
        return yaml.MappingNode(_MAP, pairs, flow_style=False if pairs else None)
    if isinstance(value, list):
        return yaml.SequenceNode(_SEQ, [_node(item) for item in value], flow_style=False if value else None)
    if value is None:
        return yaml.ScalarNode(_NULL, "null")
    if isinstance(value, bool):
        return yaml.ScalarNode(_BOOL, "true" if value else "false")
    if isinstance(value, int):
        return yaml.ScalarNode(_INT, str(value))
    if isinstance(value, float):
        return yaml.ScalarNode(_FLOAT, float_text(value))
    return yaml.ScalarNode(_STR, str(value), style=_string_style(str(value)))


def dump_resource(value: dict[str, Any], sources: list[str]) -> str:
    """The text of one rendered file: a header naming the sources, then the resource."""
    ordered = {key: value[key] for key in _TOP_ORDER if key in value}
    ordered.update((key, item) for key, item in value.items() if key not in ordered)
    body = dump_block(ordered)
    if body is None:  # not JSON-like data (a tagged value): libyaml handles anything
        body = yaml.serialize(_node(ordered), Dumper=_Dumper, width=-1)
    header = "# Rendered by rayops from " + ", ".join(sources) + ". Do not edit: run `rayops render`.\n"
    return header + body


def _relative(workspace: Workspace, path: str) -> str:
    return os.path.relpath(path, workspace.root)


class _EnvironmentRenderer:
    def __init__(self, workspace: Workspace, environment: Environment) -> None:
        self.workspace = workspace
        self.environment = environment
        self.findings: list[Finding] = []
        self.overlay_document: Document | None = None
        self.overlay_file = os.path.join(environment.overlay, OVERLAY_FILE)

    def error(self, path: Path, message: str, rule: str = RULE_OVERLAY) -> None:
        document = self.overlay_document
        if document is not None:
            location = document.locate(path)
        else:
            location = Location(_relative(self.workspace, self.overlay_file), 1, 1)
        self.findings.append(Finding(rule, Severity.ERROR, message, location, path))

    def read_overlay(self) -> dict[str, Any]:
        if not os.path.isfile(self.overlay_file):
            raise UsageError(
                f"{_relative(self.workspace, self.overlay_file)}: no overlay file for "
                f"environment {self.environment.name!r}"
            )
        loaded = self.read(self.overlay_file)
        if not loaded.documents:
            return {}
        self.overlay_document = loaded.documents[0]
        overlay = self.overlay_document.value
        if not isinstance(overlay, dict):
            self.error((), "an overlay file is a mapping")
            return {}
        for key in overlay:
            if key not in _OVERLAY_KEYS:
                self.error(
                    (key,), f"unknown overlay setting {key!r} (known: {', '.join(sorted(_OVERLAY_KEYS))})"
                )
        return overlay

    def read(self, path: str) -> LoadedFile:
        """Load ``path``; its documents and findings name it relative to the workspace."""
        loaded = read_file(path)
        relative = _relative(self.workspace, path)
        self.findings.extend(replace(f, location=replace(f.location, file=relative)) for f in loaded.findings)
        for document in loaded.documents:
            document.file = relative
        return loaded

    def source_files(self, overlay: dict[str, Any]) -> list[str]:
        files: list[str] = []
        for key in ("bases", "resources"):
            entries = overlay.get(key) or []
            if not isinstance(entries, list):
                self.error((key,), f"{key} must be a list of paths")
                continue
            for index, entry in enumerate(entries):
                if not isinstance(entry, str) or not entry or os.path.isabs(entry):
                    self.error((key, index), "a base or resource is a path relative to the overlay folder")
                    continue
                # Relative to the overlay folder, but it must stay inside the workspace.
                from_root = os.path.relpath(
                    os.path.join(self.environment.overlay, entry), self.workspace.root
                )
                try:
                    resolved = contained_path(self.workspace.root, from_root, "path")
                except UsageError:
                    self.error((key, index), f"{entry!r} leaves the workspace (symbolic links included)")
                    continue
                if not os.path.exists(resolved):
                    self.error((key, index), f"{entry!r} does not exist")
                    continue
                files.extend(collect_files([resolved]))
        return files

    def render(
        self, sources: dict[str, tuple[list[RenderedResource], list[Finding]]]
    ) -> tuple[list[RenderedResource], list[Finding]]:
        """Load, expand and apply the overlay; ``sources`` caches base files across environments."""
        overlay = self.read_overlay()
        resources: list[RenderedResource] = []
        for file in self.source_files(overlay):
            if file not in sources:
                sources[file] = self.load_source(file)
            loaded, findings = sources[file]
            self.findings.extend(findings)
            resources.extend(
                RenderedResource(copy_json(r.value), r.base, from_spec=r.from_spec) for r in loaded
            )
        self.apply(overlay, resources)
        return resources, self.findings

    def load_source(self, file: str) -> tuple[list[RenderedResource], list[Finding]]:
        """The resources of one base file (specs expanded) and the findings met reading it."""
        before = len(self.findings)
        resources: list[RenderedResource] = []
        for document in expand_lists(self.read(file).documents):
            if not isinstance(document.value, dict):
                continue
            if is_spec(document.value):
                resources.extend(self.expand_spec(document, file))
            else:
                resources.append(RenderedResource(document.value, document))
        findings = self.findings[before:]
        del self.findings[before:]
        return resources, findings

    def expand_spec(self, document: Document, file: str) -> list[RenderedResource]:
        """The KubeRay resources of one rayops spec; a finding at the spec line if it cannot expand."""
        folder = os.path.dirname(file)

        def read_spec_file(relative: str) -> bytes:
            from_root = os.path.relpath(os.path.join(folder, relative), self.workspace.root)
            path = contained_path(self.workspace.root, from_root, relative)
            if os.path.getsize(path) > MAX_SPEC_FILE_BYTES:
                raise SpecError((), f"{relative}: over {MAX_SPEC_FILE_BYTES:,} bytes")
            with open(path, "rb") as handle:
                return handle.read()

        try:
            expanded = expand(copy_json(document.value), read_spec_file, document.file)
        except SpecError as error:
            self.findings.extend(
                Finding(
                    RULE_SPEC, Severity.ERROR, problem.message, document.locate(problem.path), problem.path
                )
                for problem in getattr(error, "problems", [error])
            )
            return []
        except (UsageError, OSError) as error:
            message = f"a file the spec names cannot be read: {error}"
            self.findings.append(Finding(RULE_SPEC, Severity.ERROR, message, document.locate(("spec",)), ()))
            return []
        return [RenderedResource(value, document, from_spec=True) for value in expanded]

    def apply(self, overlay: dict[str, Any], resources: list[RenderedResource]) -> None:
        parameters = overlay.get("parameters") or {}
        if not isinstance(parameters, dict):
            self.error(("parameters",), "parameters must be a mapping")
            parameters = {}
        patches = overlay.get("patches") or []
        if parameters:  # opt-in: without parameters, a literal "{{" in a value stays as written
            patches = self.substitute_all(parameters, patches, resources)
        self.apply_patches(patches, resources)
        renames = self.apply_names(overlay, resources)
        for resource in resources:
            resource.overlay_origin = lambda path, value: self.origin(overlay, path, value)
            _rewrite_references(resource.value, renames)
            self.apply_metadata(overlay, resource.value)
            _apply_images(resource.value, overlay.get("images") or [])

    def substitute_all(
        self, parameters: dict[str, Any], patches: Any, resources: list[RenderedResource]
    ) -> Any:
        """Render parameter templates in the resources and the patches (values only)."""
        for resource in resources:
            try:
                resource.value = substitute(resource.value, parameters)
            except ParameterError as error:
                location = resource.base.locate(error.path)
                self.findings.append(
                    Finding(RULE_PARAMETER, Severity.ERROR, error.message, location, error.path)
                )
        try:
            return substitute(patches, parameters, ("patches",))
        except ParameterError as error:
            self.error(error.path, error.message, RULE_PARAMETER)
            return []

    def apply_patches(self, patches: Any, resources: list[RenderedResource]) -> None:
        if not isinstance(patches, list):
            self.error(("patches",), "patches must be a list")
            return
        by_identity: dict[tuple[Any, Any], list[RenderedResource]] = {}
        for resource in resources:
            by_identity.setdefault((resource.value.get("kind"), _name(resource.value)), []).append(resource)
        for index, patch in enumerate(patches):
            where = ("patches", index)
            if not isinstance(patch, dict) or not isinstance(patch.get("target"), dict):
                self.error(where, "a patch needs a target: {kind: ..., name: ...}")
                continue
            target = patch["target"]
            matches = by_identity.get((target.get("kind"), target.get("name")), [])
            if not matches:
                self.error(
                    (*where, "target", "name"),
                    f"no {target.get('kind')} named {target.get('name')!r} in the bases",
                    RULE_PATCH_TARGET,
                )
                continue
            for resource in matches:
                self.apply_one(patch, where, resource)

    def apply_one(self, patch: dict[str, Any], where: Path, resource: RenderedResource) -> None:
        try:
            if "patch" in patch:
                schema = _schema_for(resource.value, self.workspace)
                resource.value = strategic_merge(resource.value, patch["patch"], schema)
                if self.overlay_document is not None and self.overlay_document.node is not None:
                    resource.patches.append(_sub_document(self.overlay_document, (*where, "patch")))
            elif "json6902" in patch:
                resource.value = apply_json6902(resource.value, patch["json6902"])
            else:
                self.error(where, "a patch needs `patch` (strategic merge) or `json6902`")
        except PatchError as error:
            key = "patch" if "patch" in patch else "json6902"
            self.error((*where, key, *error.path), error.message, RULE_PATCH_TARGET)

    def apply_names(
        self, overlay: dict[str, Any], resources: list[RenderedResource]
    ) -> dict[tuple[str, str], str]:
        prefix, suffix = overlay.get("namePrefix") or "", overlay.get("nameSuffix") or ""
        renames: dict[tuple[str, str], str] = {}
        if not isinstance(prefix, str) or not isinstance(suffix, str):
            self.error(("namePrefix",), "namePrefix and nameSuffix must be strings")
            return renames
        if not prefix and not suffix:
            return renames
        for resource in resources:
            metadata = resource.value.get("metadata")
            if isinstance(metadata, dict) and isinstance(metadata.get("name"), str):
                new_name = f"{prefix}{metadata['name']}{suffix}"
                renames[(str(resource.value.get("kind")), metadata["name"])] = new_name
                metadata["name"] = new_name
        return renames

    def origin(self, overlay: dict[str, Any], path: Path, value: Any) -> Location | None:
        """The overlay line that set the value at ``path`` (a label, namespace or image), if any."""
        document = self.overlay_document
        if document is None or not path:
            return None
        if len(path) >= 2 and path[-2] in ("labels", "annotations"):
            added = overlay.get(str(path[-2]))
            if isinstance(added, dict) and path[-1] in added and added[path[-1]] == value:
                return document.locate((path[-2], path[-1]))
        if path == ("metadata", "namespace") and self.environment.namespace:
            return self.workspace_location(("namespace",))
        if path == ("metadata", "namespace") and overlay.get("namespace"):
            return document.locate(("namespace",))
        if path[-1] == "image" and isinstance(value, str):
            for index, rule in enumerate(overlay.get("images") or []):
                names = (rule.get("newName"), rule.get("name")) if isinstance(rule, dict) else ()
                if any(isinstance(n, str) and value.startswith(n) for n in names):
                    return document.locate(("images", index))
        return None

    def workspace_location(self, setting: Path) -> Location:
        """Where this environment's ``setting`` is written in ``rayops.yaml``."""
        index = self.workspace.environments.index(self.environment)
        return _workspace_location(self.workspace, ("environments", index, *setting))

    def apply_metadata(self, overlay: dict[str, Any], value: dict[str, Any]) -> None:
        metadata = value.setdefault("metadata", {})
        if not isinstance(metadata, dict):
            return
        namespace = self.environment.namespace or overlay.get("namespace")
        if namespace and value.get("kind") not in _CLUSTER_SCOPED:
            metadata["namespace"] = namespace
        for field_name in ("labels", "annotations"):
            extra = overlay.get(field_name)
            if not extra:
                continue
            if not isinstance(extra, dict):
                self.error((field_name,), f"{field_name} must be a mapping of strings")
                continue
            for target in [metadata, *_pod_template_metadata(value)]:
                existing = target.setdefault(field_name, {})
                if isinstance(existing, dict):
                    existing.update({str(k): v for k, v in extra.items()})


_CLUSTER_SPEC_PREFIXES: tuple[tuple[Path, Path], ...] = (
    (("spec", "jobTemplate", "rayClusterSpec"), ("spec", "job")),
    (("spec", "jobTemplate"), ("spec", "job")),
    (("spec", "rayClusterSpec"), ("spec",)),
    (("spec", "rayClusterConfig"), ("spec",)),
)


def spec_path(path: Path) -> Path:
    """The rayops spec field a path of an expanded KubeRay resource comes from."""
    for prefix, replacement in _CLUSTER_SPEC_PREFIXES:
        if path[: len(prefix)] == prefix:
            path = (*replacement, *path[len(prefix) :])
            break
    for index, element in enumerate(path):
        if element == "headGroupSpec":
            return (*path[:index], "head")
        if element == "workerGroupSpecs" and index + 1 < len(path):
            return (*path[:index], "workers", path[index + 1])
    return path


def _value_at(value: Any, path: Path) -> Any:
    """The value at ``path`` inside ``value``, or None."""
    for element in path:
        if isinstance(value, dict) and isinstance(element, str):
            value = value.get(element)
        elif isinstance(value, list) and isinstance(element, int) and 0 <= element < len(value):
            value = value[element]
        else:
            return None
    return value


def _name(value: dict[str, Any]) -> Any:
    metadata = value.get("metadata")
    return metadata.get("name") if isinstance(metadata, dict) else None


def _sub_document(document: Document, path: Path) -> Document:
    """A document view rooted at ``path`` of ``document`` (a patch inside the overlay file)."""
    from rayops.loader import _child

    node = document.node
    for element in path:
        found = _child(node, element) if node is not None else None
        node = found[1] if found else None
    return Document(document.file, document.index, None, node)


def _schema_for(value: dict[str, Any], workspace: Workspace) -> dict[str, Any] | None:
    """The compiled CRD schema of a KubeRay (or Argo CD, Flux) resource, for merge keys."""
    api_version, kind = value.get("apiVersion"), value.get("kind")
    if not isinstance(api_version, str) or not isinstance(kind, str):
        return None
    schema_set = registry.select_set("kuberay", workspace.kuberay_version)
    entry = schema_set.entries.get((api_version, kind))
    return registry.load_json(entry.path) if entry is not None else None


def _pod_template_metadata(value: dict[str, Any]) -> list[dict[str, Any]]:
    """The metadata of every Pod template inside a resource (Ray groups, workloads)."""
    found: list[dict[str, Any]] = []

    def visit(node: Any) -> None:
        if isinstance(node, dict):
            template = node.get("template")
            if isinstance(template, dict) and isinstance(template.get("spec"), dict):
                found.append(template.setdefault("metadata", {}))
            for child in node.values():
                visit(child)
        elif isinstance(node, list):
            for child in node:
                visit(child)

    visit(value.get("spec"))
    return [m for m in found if isinstance(m, dict)]


_REFERENCE_FIELDS = {
    "configMap": ("ConfigMap", "name"),
    "configMapRef": ("ConfigMap", "name"),
    "configMapKeyRef": ("ConfigMap", "name"),
    "secret": ("Secret", "secretName"),
    "secretRef": ("Secret", "name"),
    "secretKeyRef": ("Secret", "name"),
}


def _rewrite_references(value: Any, renames: dict[tuple[str, str], str]) -> None:
    """Point ConfigMap and Secret references (volumes, envFrom, env) at renamed objects."""
    if not renames:
        return
    if isinstance(value, dict):
        for key, child in value.items():
            reference = _REFERENCE_FIELDS.get(key)
            if reference is not None and isinstance(child, dict):
                kind, name_field = reference
                name = child.get(name_field)
                if isinstance(name, str) and (kind, name) in renames:
                    child[name_field] = renames[(kind, name)]
            _rewrite_references(child, renames)
    elif isinstance(value, list):
        for child in value:
            _rewrite_references(child, renames)


def _apply_images(value: Any, images: Any) -> None:
    """kustomize's ``images``: change the name, tag or digest of matching container images."""
    if not isinstance(images, list) or not images:
        return
    if isinstance(value, dict):
        for key, child in value.items():
            if key in ("containers", "initContainers") and isinstance(child, list):
                for container in child:
                    if isinstance(container, dict) and isinstance(container.get("image"), str):
                        container["image"] = _new_image(container["image"], images)
            else:
                _apply_images(child, images)
    elif isinstance(value, list):
        for child in value:
            _apply_images(child, images)


def _new_image(image: str, images: list[Any]) -> str:
    name, tag, digest = split_image(image)
    for rule in images:
        if not isinstance(rule, dict) or rule.get("name") != name:
            continue
        name = str(rule.get("newName") or name)
        if rule.get("digest"):
            return f"{name}@{rule['digest']}"
        tag = str(rule.get("newTag") or tag)
    text = f"{name}:{tag}" if tag else name
    return f"{text}@{digest}" if digest else text


def _file_name(value: dict[str, Any], taken: set[str]) -> str:
    kind = str(value.get("kind", "object")).lower()
    found = value.get("metadata")
    metadata: dict[str, Any] = found if isinstance(found, dict) else {}
    name = str(metadata.get("name") or metadata.get("generateName") or "unnamed")
    candidate = f"{kind}-{name}.yaml"
    if candidate in taken and metadata.get("namespace"):
        candidate = f"{metadata['namespace']}.{kind}-{name}.yaml"
    return candidate


def render_workspace(workspace: Workspace, names: list[str] | None = None) -> RenderResult:
    """Render the named environments (all by default) in memory and validate the result."""
    if not workspace.environments:
        raise UsageError("rayops.yaml defines no environments to render")
    environments = [workspace.environment(name) for name in names] if names else list(workspace.environments)
    options = ValidationOptions(
        kuberay_version=workspace.kuberay_version,
        kubernetes_version=workspace.kubernetes_version,
        feature_gates=tuple(sorted(workspace.feature_gates.items())),
    )
    validator = Validator(options)
    result = RenderResult()
    sources: dict[str, tuple[list[RenderedResource], list[Finding]]] = {}
    autoscaled: dict[str, tuple[AutoscaledCluster, ...]] = {}
    for environment in environments:
        resources, findings = _EnvironmentRenderer(workspace, environment).render(sources)
        result.findings.extend(findings)
        # Before validation, which applies the API server's defaults to the values.
        result.findings.extend(_gitops_hazards(workspace, environment, resources))
        autoscaled[environment.name] = autoscaled_clusters([r.value for r in resources])
        files: dict[str, str] = {}
        for resource in resources:
            name = _file_name(resource.value, set(files))
            files[name] = dump_resource(resource.value, resource.sources)
            check = FileResult(environment.name)
            validator.validate_document(Document(resource.base.file, 0, resource.value, None), check)
            # Report each finding where its value was written: a patch, else the base.
            result.findings.extend(
                Finding(
                    f.rule,
                    f.severity,
                    f"{f.message} [{environment.name}]",
                    resource.locate(f.path),
                    f.path,
                    f.kind,
                    f.name,
                )
                for f in check.findings
            )
        files.update(_previous_code(environment.output, files, resources))
        result.outputs[environment.output] = dict(sorted(files.items()))
    deploys_watcher = workspace.watch is not None and workspace.watch.deployment.enabled
    if (workspace.gitops.enabled or deploys_watcher) and not names:
        _render_sync_objects(workspace, validator, result, autoscaled)
    return result


RULE_SELF_DELETING_JOB = "R305"


def _gitops_hazards(
    workspace: Workspace, environment: Environment, resources: list[RenderedResource]
) -> list[Finding]:
    """Warnings for what Argo CD or Flux would repeat (see rayops.gitops.sync).

    Replicas on an autoscaled worker group, which the engines would fight the autoscaler
    over, are the operator rule KR601, reported by validation with or without gitops.
    """
    if not workspace.gitops.enabled:
        return []
    found = []
    for resource in resources:
        value = resource.value
        if value.get("apiVersion") != "ray.io/v1":
            continue
        spec = value.get("spec")
        if not isinstance(spec, dict):
            continue
        if value.get("kind") == "RayJob":
            for path in _self_deleting_policies(spec):
                found.append(
                    Finding(
                        RULE_SELF_DELETING_JOB,
                        Severity.WARNING,
                        "this RayJob deletes itself when it finishes, and Argo CD's self-heal or Flux's next "
                        "reconcile re-creates it from git, so the job runs again: use DeleteCluster, or "
                        f"remove the RayJob from git once it ran [{environment.name}]",
                        resource.locate(path),
                        path,
                        "RayJob",
                        str(_name(value)),
                    )
                )
    return found


def _self_deleting_policies(spec: dict[str, Any]) -> list[Path]:
    """Paths of DeleteSelf policies in a RayJob's deletion strategy (legacy and rules forms)."""
    strategy = spec.get("deletionStrategy")
    if not isinstance(strategy, dict):
        return []
    paths: list[Path] = []
    for key in ("onSuccess", "onFailure"):
        policy = strategy.get(key)
        if isinstance(policy, dict) and policy.get("policy") == "DeleteSelf":
            paths.append(("spec", "deletionStrategy", key, "policy"))
    for index, rule in enumerate(strategy.get("deletionRules") or []):
        if isinstance(rule, dict) and rule.get("policy") == "DeleteSelf":
            paths.append(("spec", "deletionStrategy", "deletionRules", index, "policy"))
    return paths


def _workspace_location(workspace: Workspace, path: Path) -> Location:
    """The place of a ``rayops.yaml`` setting, named relative to the workspace like every finding."""
    location = workspace.location(path)
    return replace(location, file=_relative(workspace, location.file))


def _render_sync_objects(
    workspace: Workspace,
    validator: Validator,
    result: RenderResult,
    autoscaled: dict[str, tuple[AutoscaledCluster, ...]],
) -> None:
    """Add the Argo CD and Flux objects of ``rayops.yaml``'s gitops section, and the
    watcher's Deployment and RBAC (``<gitops output>/watcher``) when ``watch.deployment``
    is enabled, validated. With both, the watcher's folder is synced like an environment."""
    from rayops.gitops.sync import sync_outputs
    from rayops.workspace import WORKSPACE_FILE

    environments = [(e.name, e.namespace, e.output, autoscaled[e.name]) for e in workspace.environments]
    outputs: dict[str, list[dict[str, Any]]] = {}
    watch = workspace.watch
    if watch is not None and watch.deployment.enabled:
        from rayops.watch.manifests import watcher_manifests

        folder = os.path.join(workspace.root, workspace.gitops.output, "watcher")
        deployment = watch.deployment
        outputs[folder] = watcher_manifests(
            watch, list(watch.namespaces), deployment.image, deployment.namespace
        )
        environments.append(("watcher", deployment.namespace, folder, ()))
    if workspace.gitops.enabled:
        outputs.update(
            sync_outputs(
                workspace.gitops,
                workspace.root,
                environments,
                workspace.kuberay_version,
                workspace.feature_gates,
            )
        )
    for output, objects in outputs.items():
        section = ("watch",) if output.endswith(os.sep + "watcher") else ("gitops",)
        files: dict[str, str] = {}
        for value in objects:
            name = _file_name(value, set(files))
            files[name] = dump_resource(value, [WORKSPACE_FILE])
            check = FileResult(WORKSPACE_FILE)
            validator.validate_document(Document(WORKSPACE_FILE, 0, value, None), check)
            result.findings.extend(
                replace(
                    f,
                    message=f"{f.message} (in the object rendered from {section[0]})",
                    location=_workspace_location(workspace, section),
                )
                for f in check.findings
            )
        result.outputs[output] = dict(sorted(files.items()))


CODE_OWNER_LABEL = "rayops.dev/code-of"
PREVIOUS_CODE_ANNOTATION = "rayops.dev/previous-code"


def _previous_code(output: str, files: dict[str, str], resources: list[RenderedResource]) -> dict[str, str]:
    """The code ConfigMap of the previous render, for each spec, while clusters may mount it.

    A code change renames a spec's ConfigMap and the new RayCluster mounts the new one,
    but Pods still running (a RayJob's cluster, a RayService's old cluster during its
    upgrade) mount the old name. So the ConfigMap that was current before the change is
    kept, annotated ``rayops.dev/previous-code``, until the next code change, when it is
    dropped and Argo CD or Flux prune it.
    """
    current = {}
    for resource in resources:
        metadata = resource.value.get("metadata")
        labels = metadata.get("labels") if isinstance(metadata, dict) else None
        owner = labels.get(CODE_OWNER_LABEL) if isinstance(labels, dict) else None
        if isinstance(owner, str) and isinstance(metadata, dict):
            current[owner] = str(metadata.get("name"))
    kept: dict[str, str] = {}
    if not current or not os.path.isdir(output):
        return kept
    on_disk = set(os.listdir(output))
    for name in sorted(on_disk):
        if not name.startswith("configmap-") or name in files:
            continue
        with open(os.path.join(output, name), encoding="utf-8") as handle:
            text = handle.read()
        try:
            previous = yaml.safe_load(text)
        except yaml.YAMLError:
            continue
        metadata = previous.get("metadata") if isinstance(previous, dict) else None
        if not isinstance(metadata, dict):
            continue
        labels = metadata.get("labels") or {}
        owner = labels.get(CODE_OWNER_LABEL) if isinstance(labels, dict) else None
        if owner not in current:
            continue
        changed_now = f"configmap-{current[owner]}.yaml" not in on_disk
        was_previous = PREVIOUS_CODE_ANNOTATION in (metadata.get("annotations") or {})
        if changed_now and not was_previous:
            metadata.setdefault("annotations", {})[PREVIOUS_CODE_ANNOTATION] = "true"
            header = text.splitlines()[0].removeprefix("# Rendered by rayops from ").split(". Do not edit")[0]
            kept[name] = dump_resource(previous, [header])
        elif not changed_now and was_previous:
            kept[name] = text
    return kept


def write_outputs(result: RenderResult) -> None:
    """Replace each output folder by its rendered files, atomically per folder."""
    staged: list[tuple[str, str]] = []
    try:
        for output, files in result.outputs.items():
            parent = os.path.dirname(output)
            os.makedirs(parent, exist_ok=True)
            stage = tempfile.mkdtemp(prefix=".rayops-render-", dir=parent)
            staged.append((output, stage))
            for name, text in files.items():
                with open(os.path.join(stage, name), "w", encoding="utf-8", newline="\n") as handle:
                    handle.write(text)
            os.chmod(stage, 0o755)
    except BaseException:
        for _, stage in staged:
            shutil.rmtree(stage, ignore_errors=True)
        raise
    for output, stage in staged:
        previous = None
        if os.path.exists(output):
            previous = output + ".rayops-old"
            shutil.rmtree(previous, ignore_errors=True)
            os.rename(output, previous)
        os.rename(stage, output)
        if previous is not None:
            shutil.rmtree(previous, ignore_errors=True)


def differences(result: RenderResult, workspace: Workspace) -> list[str]:
    """How the files on disk differ from what render would write ([] when up to date)."""
    found: list[str] = []
    for output, files in result.outputs.items():
        on_disk = set(os.listdir(output)) if os.path.isdir(output) else set()
        relative = _relative(workspace, output)
        for name in sorted(on_disk - set(files)):
            found.append(f"{relative}/{name}: stale (render would remove it)")
        for name, text in files.items():
            path = os.path.join(output, name)
            if name not in on_disk:
                found.append(f"{relative}/{name}: missing")
                continue
            with open(path, encoding="utf-8") as handle:
                if handle.read() != text:
                    found.append(f"{relative}/{name}: differs")
    return found
