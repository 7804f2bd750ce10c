"""Compile CustomResourceDefinitions into JSON schemas that carry the API server's meaning.

A CRD's ``openAPIV3Schema`` read as plain JSON Schema disagrees with the API server:
it marks defaulted fields as ``required`` (the server defaults them first), rejects
``null`` where the server prunes it, and lets unknown fields through. The compiled
schema fixes each of these so that any JSON Schema validator (kubeconform included)
reaches the server's verdict, and keeps what rayops needs to act like the server:

* a property with a ``default`` is not required, and the ``default`` stays in place;
* an optional (or defaulted) property also accepts ``null``; ``nullable`` is kept, so
  rayops knows which nulls the server keeps and which it prunes;
* ``x-kubernetes-int-or-string`` becomes ``type: [integer, string]``;
* objects reject unknown fields (``additionalProperties: false``) at every level, the
  root included, unless ``x-kubernetes-preserve-unknown-fields`` says otherwise;
* ``x-kubernetes-embedded-resource`` objects accept ``apiVersion``, ``kind`` and
  ``metadata``; the root ``metadata`` is ObjectMeta;
* ``x-kubernetes-list-type: set`` becomes ``uniqueItems``; map-type keys and
  ``x-kubernetes-validations`` (CEL) are kept for rayops to enforce.

Output follows kubeconform's layout: ``<out>/<kind>_<version>.json`` (lower-case kind),
one per served version, plus ``index.json`` listing them for rayops's registry.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import yaml

from rayops.errors import SchemaError, UsageError
from rayops.validate.objectmeta import object_meta_json_schema

JSON_SCHEMA_DIALECT = "http://json-schema.org/draft-07/schema#"
INDEX_FILE = "index.json"

_COPIED_KEYS = (
    "description",
    "format",
    "enum",
    "pattern",
    "minLength",
    "maxLength",
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "multipleOf",
    "minItems",
    "maxItems",
    "uniqueItems",
    "minProperties",
    "maxProperties",
    "default",
    "nullable",
    "x-kubernetes-preserve-unknown-fields",
    "x-kubernetes-embedded-resource",
    "x-kubernetes-int-or-string",
    "x-kubernetes-list-type",
    "x-kubernetes-list-map-keys",
    "x-kubernetes-map-type",
    "x-kubernetes-validations",
)


@dataclass(frozen=True)
class CompiledSchema:
    """One kind at one served version, ready to be written as JSON."""

    group: str
    kind: str
    version: str
    plural: str
    scope: str
    storage: bool
    deprecated: bool
    deprecation_warning: str
    status_subresource: bool
    schema: dict[str, Any]

    @property
    def cel_paths(self) -> list[list[str]]:
        """Where the schema carries CEL rules: property names, ``[]`` for items, ``{}`` for maps."""
        found: list[list[str]] = []
        _find_cel(self.schema, [], found)
        return found

    @property
    def file_name(self) -> str:
        """kubeconform's ``{{.ResourceKind}}_{{.ResourceAPIVersion}}.json``."""
        return f"{self.kind.lower()}_{self.version}.json"

    @property
    def api_version(self) -> str:
        """``group/version`` as written in manifests."""
        return f"{self.group}/{self.version}" if self.group else self.version


def _convert(schema: dict[str, Any]) -> dict[str, Any]:
    """Convert one structural-schema node (recursively) to the strict JSON form."""
    out: dict[str, Any] = {}
    for key in _COPIED_KEYS:
        if key in schema:
            out[key] = schema[key]
    if out.get("x-kubernetes-list-type") == "set":
        out["uniqueItems"] = True
    schema_type = schema.get("type")
    preserve = bool(schema.get("x-kubernetes-preserve-unknown-fields"))
    if schema.get("x-kubernetes-int-or-string"):
        out["type"] = ["integer", "string"]
    elif schema_type is not None:
        out["type"] = schema_type
    for combinator in ("allOf", "anyOf", "oneOf"):
        if combinator in schema and not schema.get("x-kubernetes-int-or-string"):
            out[combinator] = [_convert(branch) for branch in schema[combinator]]
    if "not" in schema:
        out["not"] = _convert(schema["not"])
    if isinstance(schema.get("items"), dict):
        out["items"] = _convert(schema["items"])
    properties: dict[str, Any] = dict(schema.get("properties") or {})
    if schema.get("x-kubernetes-embedded-resource"):
        properties.setdefault("apiVersion", {"type": "string"})
        properties.setdefault("kind", {"type": "string"})
        properties.setdefault("metadata", {"type": "object", "x-kubernetes-preserve-unknown-fields": True})
    required = [name for name in schema.get("required") or [] if "default" not in properties.get(name, {})]
    if properties:
        converted: dict[str, Any] = {}
        for name, child in properties.items():
            converted_child = _convert(child)
            if name not in required:
                _allow_null(converted_child)
            converted[name] = converted_child
        out["properties"] = converted
    if required:
        out["required"] = required
    additional = schema.get("additionalProperties")
    if isinstance(additional, dict):
        out["additionalProperties"] = _convert(additional)
    elif additional is not None:
        out["additionalProperties"] = additional
    elif (schema_type == "object" or properties) and not preserve:
        out["additionalProperties"] = False
    return out


def _allow_null(schema: dict[str, Any]) -> None:
    """Let an optional property be ``null``: the API server prunes such nulls."""
    schema_type = schema.get("type")
    if schema_type is None:
        return  # no type constraint (preserve-unknown-fields): null is already accepted
    types = schema_type if isinstance(schema_type, list) else [schema_type]
    if "null" not in types:
        schema["type"] = [*types, "null"]
    if "enum" in schema and None not in schema["enum"]:
        schema["enum"] = [*schema["enum"], None]


def _find_cel(schema: dict[str, Any], path: list[str], found: list[list[str]]) -> None:
    if schema.get("x-kubernetes-validations"):
        found.append(list(path))
    for name, child in (schema.get("properties") or {}).items():
        if isinstance(child, dict):
            _find_cel(child, [*path, name], found)
    for edge, child in (("[]", schema.get("items")), ("{}", schema.get("additionalProperties"))):
        if isinstance(child, dict):
            _find_cel(child, [*path, edge], found)


def compile_crd(crd: dict[str, Any], origin: str = "<crd>") -> list[CompiledSchema]:
    """Compile every served version of one ``apiextensions.k8s.io/v1`` CRD."""
    if crd.get("kind") != "CustomResourceDefinition":
        raise SchemaError(f"{origin}: not a CustomResourceDefinition (kind {crd.get('kind')!r})")
    if crd.get("apiVersion") != "apiextensions.k8s.io/v1":
        raise SchemaError(f"{origin}: only apiextensions.k8s.io/v1 CRDs are supported")
    spec = crd.get("spec") or {}
    names = spec.get("names") or {}
    group, kind = spec.get("group", ""), names.get("kind", "")
    if not group or not kind:
        raise SchemaError(f"{origin}: CRD without spec.group or spec.names.kind")
    compiled = []
    for version in spec.get("versions") or []:
        if not version.get("served", False):
            continue
        source = ((version.get("schema") or {}).get("openAPIV3Schema")) or {"type": "object"}
        root = _convert(source)
        properties = root.setdefault("properties", {})
        properties["apiVersion"] = {"type": "string", "enum": [f"{group}/{version['name']}"]}
        properties["kind"] = {"type": "string", "enum": [kind]}
        properties["metadata"] = object_meta_json_schema()
        root["required"] = sorted({*root.get("required", []), "apiVersion", "kind", "metadata"})
        root["additionalProperties"] = bool(source.get("x-kubernetes-preserve-unknown-fields", False))
        document = {
            "$schema": JSON_SCHEMA_DIALECT,
            "title": f"{kind} {group}/{version['name']}",
            **root,
            "x-kubernetes-group-version-kind": [{"group": group, "kind": kind, "version": version["name"]}],
        }
        compiled.append(
            CompiledSchema(
                group=group,
                kind=kind,
                version=version["name"],
                plural=names.get("plural", kind.lower() + "s"),
                scope=spec.get("scope", "Namespaced"),
                storage=bool(version.get("storage", False)),
                deprecated=bool(version.get("deprecated", False)),
                deprecation_warning=str(version.get("deprecationWarning") or ""),
                status_subresource="status" in (version.get("subresources") or {}),
                schema=document,
            )
        )
    return compiled


def _iter_crds(value: Any) -> Iterator[dict[str, Any]]:
    if isinstance(value, dict):
        if value.get("kind") == "List" or (value.get("kind", "").endswith("List") and "items" in value):
            for item in value.get("items") or []:
                yield from _iter_crds(item)
        elif value.get("kind") == "CustomResourceDefinition":
            yield value


def read_crds(paths: Iterable[str]) -> list[tuple[str, dict[str, Any]]]:
    """Read CRDs from files or folders (``kubectl get crd -o yaml`` output included)."""
    found: list[tuple[str, dict[str, Any]]] = []
    for path in paths:
        if os.path.isdir(path):
            files = sorted(
                os.path.join(root, name)
                for root, _dirs, names in os.walk(path)
                for name in names
                if name.endswith((".yaml", ".yml", ".json"))
            )
        elif os.path.isfile(path):
            files = [path]
        else:
            raise UsageError(f"no such file or folder: {path}")
        for file in files:
            try:
                with open(file, "rb") as handle:
                    documents = list(yaml.load_all(handle, Loader=yaml.CSafeLoader))
            except (OSError, yaml.YAMLError) as error:
                raise SchemaError(f"{file}: cannot read CRDs: {error}") from error
            for document in documents:
                found.extend((file, crd) for crd in _iter_crds(document))
    if not found:
        raise UsageError("no CustomResourceDefinition found in " + ", ".join(paths))
    return found


def render_json(value: Any, *, compact: bool = True) -> str:
    """Deterministic JSON text: sorted keys, final newline; compact unless asked.

    Schemas are compact because every validate run reads them (a third of the size,
    and of the time ``json.load`` takes); indexes are indented for reviewers.
    """
    if compact:
        return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":")) + "\n"
    return json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def build_schema_set(sources: Iterable[str], output: str) -> list[CompiledSchema]:
    """Compile the CRDs under ``sources`` into ``output`` (replacing its JSON files atomically)."""
    compiled: list[CompiledSchema] = []
    for origin, crd in read_crds(sources):
        compiled.extend(compile_crd(crd, origin))
    compiled.sort(key=lambda c: (c.group, c.kind, c.version))
    files = {c.file_name: render_json(c.schema) for c in compiled}
    if len(files) != len(compiled):
        raise SchemaError("two CRDs compile to the same file name (same kind and version)")
    index = [
        {
            "group": c.group,
            "kind": c.kind,
            "version": c.version,
            "plural": c.plural,
            "scope": c.scope,
            "storage": c.storage,
            "deprecated": c.deprecated,
            "deprecationWarning": c.deprecation_warning,
            "statusSubresource": c.status_subresource,
            "celPaths": c.cel_paths,
            "file": c.file_name,
        }
        for c in compiled
    ]
    files[INDEX_FILE] = render_json({"schemas": index}, compact=False)
    _write_folder(output, files)
    return compiled


def _write_folder(output: str, files: dict[str, str]) -> None:
    """Write ``files`` into ``output``: each atomically, and stale JSON files removed."""
    os.makedirs(output, exist_ok=True)
    for name, text in files.items():
        target = os.path.join(output, name)
        handle, temporary = tempfile.mkstemp(dir=output, prefix=".tmp-", suffix=".json")
        try:
            with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as stream:
                stream.write(text)
            os.chmod(temporary, 0o644)
            os.replace(temporary, target)
        except BaseException:
            if os.path.exists(temporary):
                os.unlink(temporary)
            raise
    for name in os.listdir(output):
        if name.endswith(".json") and name not in files:
            os.unlink(os.path.join(output, name))
