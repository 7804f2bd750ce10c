"""``metadata`` checked as the API server checks ObjectMeta, for every kind.

CRD schemas leave ``metadata`` open (``type: object``); the API server validates it
in code (``apimachinery/pkg/api/validation/objectmeta.go``): name or generateName,
the name format of the kind, namespace, label keys and values, annotation keys and
total size, finalizer names, and field types (an unquoted ``yes`` in an annotation
is a boolean to the Kubernetes YAML reader, and annotations must be strings).
This module is that code, plus the equivalent JSON schema for the compiled CRDs.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

from rayops.findings import Path

RULE_METADATA = "S209"

DNS1123_LABEL = r"[a-z0-9]([-a-z0-9]*[a-z0-9])?"
DNS1123_SUBDOMAIN = rf"{DNS1123_LABEL}(\.{DNS1123_LABEL})*"
DNS1035_LABEL = r"[a-z]([-a-z0-9]*[a-z0-9])?"
QUALIFIED_NAME = r"([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]"
LABEL_VALUE = r"(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?"

_DNS1123_LABEL = re.compile(DNS1123_LABEL + r"\Z")
_DNS1123_SUBDOMAIN = re.compile(DNS1123_SUBDOMAIN + r"\Z")
_DNS1035_LABEL = re.compile(DNS1035_LABEL + r"\Z")
_QUALIFIED_NAME = re.compile(QUALIFIED_NAME + r"\Z")
_LABEL_VALUE = re.compile(LABEL_VALUE + r"\Z")

TOTAL_ANNOTATION_SIZE_LIMIT = 256 * 1024

Problem = tuple[Path, str, bool]
"""A metadata problem: path inside metadata, message, and whether it is about a key."""

_STRING_FIELDS = ("name", "generateName", "namespace", "uid", "resourceVersion", "selfLink")
_KNOWN_FIELDS = frozenset(
    (
        *_STRING_FIELDS,
        "labels",
        "annotations",
        "finalizers",
        "ownerReferences",
        "generation",
        "creationTimestamp",
        "deletionTimestamp",
        "deletionGracePeriodSeconds",
        "managedFields",
    )
)


def is_dns1123_subdomain(value: str) -> list[str]:
    """Problems of ``value`` as a DNS-1123 subdomain (most object names)."""
    problems = []
    if len(value) > 253:
        problems.append("must be no more than 253 characters")
    if not _DNS1123_SUBDOMAIN.match(value):
        problems.append(
            "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, "
            "'-' or '.', and must start and end with an alphanumeric character"
        )
    return problems


def is_dns1123_label(value: str) -> list[str]:
    """Problems of ``value`` as a DNS-1123 label (namespaces)."""
    problems = []
    if len(value) > 63:
        problems.append("must be no more than 63 characters")
    if not _DNS1123_LABEL.match(value):
        problems.append(
            "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', "
            "and must start and end with an alphanumeric character"
        )
    return problems


def is_dns1035_label(value: str) -> list[str]:
    """Problems of ``value`` as a DNS-1035 label (Service names)."""
    problems = []
    if len(value) > 63:
        problems.append("must be no more than 63 characters")
    if not _DNS1035_LABEL.match(value):
        problems.append(
            "a DNS-1035 label must consist of lower case alphanumeric characters or '-', "
            "start with an alphabetic character, and end with an alphanumeric character"
        )
    return problems


def is_path_segment_name(value: str) -> list[str]:
    """Problems of ``value`` as a path segment name (RBAC objects)."""
    if value in (".", ".."):
        return [f"may not be '{value}'"]
    return [f"may not contain '{c}'" for c in ("/", "%") if c in value]


def is_qualified_name(value: str) -> list[str]:
    """Problems of ``value`` as a qualified name (label and annotation keys)."""
    prefix, slash, name = value.rpartition("/")
    problems = []
    if slash:
        if not prefix:
            problems.append("prefix part must be non-empty")
        else:
            problems.extend("prefix part " + p for p in is_dns1123_subdomain(prefix))
    if not name:
        problems.append("name part must be non-empty")
        return problems
    if len(name) > 63:
        problems.append("name part must be no more than 63 characters")
    if not _QUALIFIED_NAME.match(name):
        problems.append(
            "name part must consist of alphanumeric characters, '-', '_' or '.', "
            "and must start and end with an alphanumeric character"
        )
    return problems


def is_label_value(value: str) -> list[str]:
    """Problems of ``value`` as a label value."""
    problems = []
    if len(value) > 63:
        problems.append("must be no more than 63 characters")
    if not _LABEL_VALUE.match(value):
        problems.append(
            "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' "
            "or '.', and must start and end with an alphanumeric character"
        )
    return problems


NameCheck = Callable[[str], list[str]]

_NAME_CHECKS: dict[str, NameCheck] = {
    "Service": is_dns1035_label,
    "Namespace": is_dns1123_label,
    "Role": is_path_segment_name,
    "ClusterRole": is_path_segment_name,
    "RoleBinding": is_path_segment_name,
    "ClusterRoleBinding": is_path_segment_name,
}


def name_check_for(kind: str) -> NameCheck:
    """The name rule of ``kind``; DNS-1123 subdomain for custom resources and most kinds."""
    return _NAME_CHECKS.get(kind, is_dns1123_subdomain)


def _type_name(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return "string"


def check_object_meta(
    meta: Any, kind: str, *, namespaced: bool = True, nested: bool = False
) -> Iterator[Problem]:
    """Yield every problem of ``meta`` (the ``metadata`` value of a ``kind`` object).

    ``nested`` is for the metadata of a template inside the object (a Deployment's pod
    template): its name is optional and not checked, as the API server does.
    """
    if meta is None and nested:
        return
    if meta is None:
        yield (), "Required value: name or generateName is required", False
        return
    if not isinstance(meta, dict):
        yield (), f"must be an object, not {_type_name(meta)}", False
        return
    for key in meta:
        if key not in _KNOWN_FIELDS:
            yield (key,), f'unknown field "{key}" in ObjectMeta', True
    for key in _STRING_FIELDS:
        if key in meta and meta[key] is not None and not isinstance(meta[key], str):
            yield (key,), f"must be a string, not {_type_name(meta[key])}", False
    name, generate_name = meta.get("name"), meta.get("generateName")
    check_name = name_check_for(kind)
    if nested:
        name = generate_name = None
    elif not name and not generate_name:
        yield ("name",), "Required value: name or generateName is required", False
    if isinstance(generate_name, str) and generate_name:
        # Checked as a prefix: a trailing '-' is fine (the server appends 5 characters).
        masked = generate_name[:-1] + "a" if generate_name.endswith("-") else generate_name
        for problem in check_name(masked):
            yield ("generateName",), f'Invalid value: "{generate_name}": {problem}', False
    if isinstance(name, str) and name:
        for problem in check_name(name):
            yield ("name",), f'Invalid value: "{name}": {problem}', False
    namespace = meta.get("namespace")
    if isinstance(namespace, str) and namespace and namespaced:
        for problem in is_dns1123_label(namespace):
            yield ("namespace",), f'Invalid value: "{namespace}": {problem}', False
    yield from _check_string_map(meta, "labels", label_values=True)
    yield from _check_string_map(meta, "annotations", label_values=False)
    yield from _check_finalizers(meta.get("finalizers"))
    for field in ("generation", "deletionGracePeriodSeconds"):
        number = meta.get(field)
        if number is not None and not _is_integer(number):
            yield (field,), f"must be an integer, not {_type_name(number)}", False
    yield from _check_owner_references(meta.get("ownerReferences"))


def _is_integer(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    return isinstance(value, int) or (isinstance(value, float) and value.is_integer())


def _check_owner_references(owners: Any) -> Iterator[Problem]:
    if owners is None:
        return
    if not isinstance(owners, list):
        yield ("ownerReferences",), f"must be an array, not {_type_name(owners)}", False
        return
    controllers = 0
    for position, owner in enumerate(owners):
        if not isinstance(owner, dict):
            yield ("ownerReferences", position), f"must be an object, not {_type_name(owner)}", False
            continue
        for field in ("apiVersion", "kind", "name", "uid"):
            if not isinstance(owner.get(field), str) or not owner.get(field):
                yield ("ownerReferences", position), f"Required value: {field} must not be empty", False
        if owner.get("controller") is True:
            controllers += 1
            if controllers > 1:
                yield (
                    ("ownerReferences", position),
                    "Invalid value: only one reference can have Controller set to true",
                    False,
                )


def _check_string_map(meta: dict[str, Any], field: str, *, label_values: bool) -> Iterator[Problem]:
    mapping = meta.get(field)
    if mapping is None:
        return
    if not isinstance(mapping, dict):
        yield (field,), f"must be an object of strings, not {_type_name(mapping)}", False
        return
    total = 0
    for key, value in mapping.items():
        for problem in is_qualified_name(key.lower() if not label_values else key):
            yield (field, key), f'Invalid value: "{key}": {problem}', True
        if not isinstance(value, str):
            hint = ""
            if isinstance(value, bool | int | float):
                hint = f' (quote it: {key}: "{_yaml_text(value)}")'
            yield (field, key), f"must be a string, not {_type_name(value)}{hint}", False
            continue
        total += len(key.encode()) + len(value.encode())
        if label_values:
            for problem in is_label_value(value):
                yield (field, key), f'Invalid value: "{value}": {problem}', False
    if not label_values and total > TOTAL_ANNOTATION_SIZE_LIMIT:
        yield (field,), f"Too long: must have at most {TOTAL_ANNOTATION_SIZE_LIMIT} bytes", False


def _yaml_text(value: bool | int | float) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _check_finalizers(finalizers: Any) -> Iterator[Problem]:
    if finalizers is None:
        return
    if not isinstance(finalizers, list):
        yield ("finalizers",), f"must be an array of strings, not {_type_name(finalizers)}", False
        return
    if "orphan" in finalizers and "foregroundDeletion" in finalizers:
        yield (
            ("finalizers",),
            "Invalid value: finalizer orphan and foregroundDeletion cannot be both set",
            False,
        )
    for position, finalizer in enumerate(finalizers):
        if not isinstance(finalizer, str):
            yield ("finalizers", position), f"must be a string, not {_type_name(finalizer)}", False
            continue
        for problem in is_qualified_name(finalizer):
            yield ("finalizers", position), f'Invalid value: "{finalizer}": {problem}', False


def object_meta_json_schema() -> dict[str, Any]:
    """ObjectMeta as a strict JSON schema, for compiled CRDs read by other validators.

    rayops itself checks metadata with :func:`check_object_meta`; this schema states the
    same rules (less the exact length limits of label-key parts) for kubeconform users.
    """
    string = {"type": ["string", "null"]}
    qualified_key = rf"^({DNS1123_SUBDOMAIN}/)?{QUALIFIED_NAME}$"
    return {
        "type": "object",
        "x-rayops-object-meta": True,
        "additionalProperties": False,
        "anyOf": [{"required": ["name"]}, {"required": ["generateName"]}],
        "properties": {
            "name": {"type": "string", "maxLength": 253, "pattern": rf"^{DNS1123_SUBDOMAIN}$"},
            "generateName": {"type": "string"},
            "namespace": {"type": ["string", "null"], "maxLength": 63, "pattern": rf"^{DNS1123_LABEL}$"},
            "labels": {
                "type": ["object", "null"],
                "propertyNames": {"pattern": qualified_key},
                "additionalProperties": {"type": "string", "maxLength": 63, "pattern": rf"^{LABEL_VALUE}$"},
            },
            "annotations": {
                "type": ["object", "null"],
                "propertyNames": {"pattern": qualified_key},
                "additionalProperties": {"type": "string"},
            },
            "finalizers": {
                "type": ["array", "null"],
                "items": {"type": "string", "pattern": qualified_key},
            },
            "uid": string,
            "resourceVersion": string,
            "selfLink": string,
            "generation": {"type": ["integer", "null"], "format": "int64"},
            "creationTimestamp": {"type": ["string", "null"]},
            "deletionTimestamp": {"type": ["string", "null"], "format": "date-time"},
            "deletionGracePeriodSeconds": {"type": ["integer", "null"], "format": "int64"},
            "ownerReferences": {"type": ["array", "null"], "items": {"type": "object"}},
            "managedFields": {"type": ["array", "null"], "items": {"type": "object"}},
        },
    }
