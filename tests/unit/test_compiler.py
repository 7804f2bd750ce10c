"""The CRD compiler: each API-server meaning it writes into the JSON schema."""

from __future__ import annotations

from typing import Any

from rayops.schemas.compiler import compile_crd


def _crd(schema: dict[str, Any], *, served: bool = True) -> dict[str, Any]:
    return {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": "widgets.example.com"},
        "spec": {
            "group": "example.com",
            "names": {"kind": "Widget", "plural": "widgets"},
            "scope": "Namespaced",
            "versions": [
                {"name": "v1", "served": served, "storage": True, "schema": {"openAPIV3Schema": schema}},
                {"name": "v0", "served": False, "storage": False, "schema": {"openAPIV3Schema": schema}},
            ],
        },
    }


SPEC = {
    "type": "object",
    "properties": {
        "spec": {
            "type": "object",
            "required": ["size", "name"],
            "properties": {
                "size": {"type": "integer", "default": 3},
                "name": {"type": "string"},
                "note": {"type": "string"},
                "keep": {"type": "string", "nullable": True},
                "port": {
                    "x-kubernetes-int-or-string": True,
                    "anyOf": [{"type": "integer"}, {"type": "string"}],
                },
                "extra": {"type": "object", "x-kubernetes-preserve-unknown-fields": True},
                "tags": {"type": "array", "items": {"type": "string"}, "x-kubernetes-list-type": "set"},
                "pod": {"type": "object", "x-kubernetes-embedded-resource": True, "properties": {}},
            },
        }
    },
}


def _spec_schema() -> dict[str, Any]:
    [compiled] = compile_crd(_crd(SPEC))
    spec: dict[str, Any] = compiled.schema["properties"]["spec"]
    return spec


def test_only_served_versions_are_compiled_with_kubeconform_names() -> None:
    compiled = compile_crd(_crd(SPEC))
    assert [(c.kind, c.version, c.file_name) for c in compiled] == [("Widget", "v1", "widget_v1.json")]


def test_a_defaulted_field_is_not_required_and_keeps_its_default() -> None:
    spec = _spec_schema()
    assert spec["required"] == ["name"]
    assert spec["properties"]["size"]["default"] == 3
    assert spec["properties"]["size"]["type"] == ["integer", "null"]


def test_optional_fields_accept_null_required_ones_do_not() -> None:
    spec = _spec_schema()
    assert spec["properties"]["note"]["type"] == ["string", "null"]
    assert spec["properties"]["name"]["type"] == "string"
    assert spec["properties"]["keep"]["nullable"] is True


def test_int_or_string_becomes_a_type_union() -> None:
    port = _spec_schema()["properties"]["port"]
    assert port["type"] == ["integer", "string", "null"]
    assert "anyOf" not in port


def test_unknown_fields_are_rejected_except_where_preserved() -> None:
    spec = _spec_schema()
    assert spec["additionalProperties"] is False
    assert "additionalProperties" not in spec["properties"]["extra"]


def test_root_is_strict_and_names_its_kind() -> None:
    [compiled] = compile_crd(_crd(SPEC))
    root = compiled.schema
    assert root["additionalProperties"] is False
    assert root["properties"]["apiVersion"]["enum"] == ["example.com/v1"]
    assert root["properties"]["kind"]["enum"] == ["Widget"]
    assert root["properties"]["metadata"]["x-rayops-object-meta"] is True
    assert set(root["required"]) == {"apiVersion", "kind", "metadata"}


def test_sets_are_unique_items_and_embedded_resources_take_type_meta() -> None:
    spec = _spec_schema()
    assert spec["properties"]["tags"]["uniqueItems"] is True
    assert set(spec["properties"]["pod"]["properties"]) == {"apiVersion", "kind", "metadata"}
