"""Strategic merge by list keys and RFC 6902, the patching behind ``rayops render``."""

from __future__ import annotations

import copy
import json
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rayops.overlay import PatchError, apply_json6902, merge_keys_for, strategic_merge

RAYJOB_SCHEMA_FILE = Path(__file__).resolve().parents[2] / "schemas" / "kuberay" / "v1.7.0" / "rayjob_v1.json"

WORKERS = ("spec", "rayClusterSpec", "workerGroupSpecs")
HEAD_CONTAINERS = ("spec", "rayClusterSpec", "headGroupSpec", "template", "spec", "containers")


@cache
def _rayjob_schema() -> dict[str, Any]:
    schema: dict[str, Any] = json.loads(RAYJOB_SCHEMA_FILE.read_text(encoding="utf-8"))
    return schema


@pytest.fixture
def schema() -> dict[str, Any]:
    return _rayjob_schema()


def _worker(name: str, replicas: int = 1, **extra: Any) -> dict[str, Any]:
    return {
        "groupName": name,
        "replicas": replicas,
        "rayStartParams": {},
        "template": {"spec": {"containers": [{"name": "ray-worker", "image": "rayproject/ray:2.46.0"}]}},
        **extra,
    }


def _rayjob() -> dict[str, Any]:
    """The shape of overlays/base/rayjob-sample.yaml, with two more worker groups."""
    return {
        "apiVersion": "ray.io/v1",
        "kind": "RayJob",
        "metadata": {"name": "rayjob-sample"},
        "spec": {
            "entrypoint": "python /home/ray/samples/sample_code.py",
            "rayClusterSpec": {
                "rayVersion": "2.46.0",
                "headGroupSpec": {
                    "rayStartParams": {},
                    "template": {
                        "spec": {
                            "containers": [
                                {
                                    "name": "ray-head",
                                    "image": "rayproject/ray:2.46.0",
                                    "args": ["--a", "--b"],
                                    "env": [
                                        {"name": "A", "value": "1"},
                                        {"name": "B", "value": "2"},
                                    ],
                                    "ports": [
                                        {"containerPort": 6379, "name": "gcs-server"},
                                        {"containerPort": 8265, "name": "dashboard"},
                                    ],
                                    "volumeMounts": [
                                        {"mountPath": "/home/ray/samples", "name": "code-sample"}
                                    ],
                                },
                                {"name": "sidecar", "image": "busybox"},
                            ],
                            "volumes": [
                                {"name": "code-sample", "configMap": {"name": "ray-job-code-sample"}}
                            ],
                        }
                    },
                },
                "workerGroupSpecs": [_worker("small-group"), _worker("gpu-group"), _worker("cpu-group")],
            },
        },
    }


def _at(value: Any, path: tuple[str | int, ...]) -> Any:
    for element in path:
        value = value[element]
    return value


def _nest(path: tuple[str, ...], value: Any) -> Any:
    for element in reversed(path):
        value = {element: value}
    return value


def _error(base: Any, patch: Any, schema: dict[str, Any] | None = None) -> PatchError:
    with pytest.raises(PatchError) as caught:
        strategic_merge(base, patch, schema)
    return caught.value


def _has_directive(value: Any) -> bool:
    if isinstance(value, dict):
        return "$patch" in value or any(_has_directive(item) for item in value.values())
    if isinstance(value, list):
        return any(_has_directive(item) for item in value)
    return False


# --- merge_keys_for ----------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        ("spec", "workerGroupSpecs"),
        ("spec", "rayClusterSpec", "workerGroupSpecs"),
        ("spec", "rayClusterConfig", "workerGroupSpecs"),
        ("spec", "jobTemplate", "rayClusterSpec", "workerGroupSpecs"),
    ],
)
def test_worker_groups_merge_by_group_name_at_any_depth_without_a_schema(path: tuple[str, ...]) -> None:
    assert merge_keys_for(None, path) == ("groupName",)


def test_worker_groups_merge_by_group_name_although_the_crd_declares_no_key(schema: dict[str, Any]) -> None:
    node = schema["properties"]["spec"]["properties"]["rayClusterSpec"]["properties"]["workerGroupSpecs"]
    assert "x-kubernetes-list-map-keys" not in node
    assert merge_keys_for(schema, WORKERS) == ("groupName",)


@pytest.mark.parametrize(
    ("tail", "keys"),
    [
        ((), ("name",)),
        ((0, "env"), ("name",)),
        ((0, "ports"), ("containerPort", "protocol")),
        ((0, "volumeMounts"), ("mountPath",)),
        ((0, "args"), None),
        ((0, "resources"), None),
    ],
)
def test_pod_template_lists_merge_by_the_keys_the_schema_declares(
    schema: dict[str, Any], tail: tuple[str | int, ...], keys: tuple[str, ...] | None
) -> None:
    assert merge_keys_for(schema, HEAD_CONTAINERS + tail) == keys


def test_list_indices_are_walked_through_items_whatever_their_value(schema: dict[str, Any]) -> None:
    path = (*WORKERS, 7, "template", "spec", "containers", 3, "env")
    assert merge_keys_for(schema, path) == ("name",)
    assert merge_keys_for(schema, (*WORKERS, 0, "template", "spec", "volumes")) == ("name",)


def test_lists_without_map_keys_or_outside_the_schema_are_replaced(schema: dict[str, Any]) -> None:
    assert merge_keys_for(None, HEAD_CONTAINERS) is None
    assert merge_keys_for(schema, ("spec", "nowhere", "containers")) is None
    assert merge_keys_for(schema, ("metadata", "finalizers")) is None


def test_additional_properties_are_walked_for_names_not_in_properties() -> None:
    schema = {
        "properties": {
            "byName": {
                "additionalProperties": {
                    "type": "array",
                    "x-kubernetes-list-type": "map",
                    "x-kubernetes-list-map-keys": ["id"],
                }
            }
        }
    }
    assert merge_keys_for(schema, ("byName", "anything")) == ("id",)


# --- mappings ----------------------------------------------------------------------


def test_mappings_merge_recursively_and_scalars_replace() -> None:
    base = {"a": {"x": 1, "y": 2}, "b": "keep", "c": [1, 2]}
    patch = {"a": {"y": 3, "z": 4}, "c": "now a string", "d": True}
    assert strategic_merge(base, patch) == {
        "a": {"x": 1, "y": 3, "z": 4},
        "b": "keep",
        "c": "now a string",
        "d": True,
    }


def test_base_key_order_is_kept_and_new_keys_follow_in_patch_order() -> None:
    merged = strategic_merge({"b": 1, "a": 2}, {"d": 0, "a": 5, "c": 0})
    assert list(merged) == ["b", "a", "d", "c"]


def test_a_mapping_replaces_a_scalar_and_a_scalar_replaces_a_mapping() -> None:
    assert strategic_merge({"a": 1}, {"a": {"b": 2}}) == {"a": {"b": 2}}
    assert strategic_merge({"a": {"b": 2}}, {"a": 1}) == {"a": 1}


def test_null_deletes_a_key_and_is_silent_when_the_key_is_absent() -> None:
    base = {"metadata": {"name": "x", "labels": {"team": "ml", "tier": "gold"}}}
    patch = {"metadata": {"labels": {"tier": None, "missing": None}}}
    assert strategic_merge(base, patch) == {"metadata": {"name": "x", "labels": {"team": "ml"}}}


def test_patch_replace_in_a_mapping_replaces_it_and_drops_the_directive() -> None:
    base = {"spec": {"rayStartParams": {"num-cpus": "1", "block": "true"}}}
    patch = {"spec": {"rayStartParams": {"$patch": "replace", "num-gpus": "1"}}}
    assert strategic_merge(base, patch) == {"spec": {"rayStartParams": {"num-gpus": "1"}}}


def test_patch_merge_is_the_default_and_is_dropped() -> None:
    assert strategic_merge({"a": {"x": 1}}, {"a": {"$patch": "merge", "y": 2}}) == {"a": {"x": 1, "y": 2}}


def test_patch_delete_as_a_mapping_value_deletes_the_key() -> None:
    base = {"spec": {"suspend": True, "submitterConfig": {"backoffLimit": 2}}}
    patch = {"spec": {"submitterConfig": {"$patch": "delete"}}}
    assert strategic_merge(base, patch) == {"spec": {"suspend": True}}


def test_patch_delete_of_a_key_the_base_lacks_is_an_error() -> None:
    error = _error({"spec": {}}, {"spec": {"submitterConfig": {"$patch": "delete"}}})
    assert error.path == ("spec", "submitterConfig", "$patch")
    assert "does not exist in the base" in error.message


def test_patch_delete_of_a_mapping_takes_no_other_fields() -> None:
    error = _error({"spec": {"a": {"b": 1}}}, {"spec": {"a": {"$patch": "delete", "b": 1}}})
    assert error.path == ("spec", "a", "b")


def test_patch_delete_of_the_whole_document_is_an_error() -> None:
    assert _error({"a": 1}, {"$patch": "delete"}).path == ("$patch",)


def test_an_unknown_directive_is_an_error_at_its_key() -> None:
    error = _error({"spec": {"a": {}}}, {"spec": {"a": {"$patch": "remove"}}})
    assert error.path == ("spec", "a", "$patch")
    assert "unknown directive" in error.message


def test_unsupported_kubernetes_directives_are_errors() -> None:
    error = _error({"spec": {}}, {"spec": {"$setElementOrder/containers": [{"name": "a"}]}})
    assert error.path == ("spec", "$setElementOrder/containers")


def test_directives_in_the_base_are_data() -> None:
    base = {"a": {"$patch": "delete"}}
    assert strategic_merge(base, {}) == base
    assert strategic_merge(base, {"b": 1}) == {"a": {"$patch": "delete"}, "b": 1}


# --- lists -------------------------------------------------------------------------


def test_a_list_without_keys_is_replaced(schema: dict[str, Any]) -> None:
    patch = _nest(HEAD_CONTAINERS, [{"name": "ray-head", "args": ["--c"]}])
    merged = strategic_merge(_rayjob(), patch, schema)
    assert _at(merged, (*HEAD_CONTAINERS, 0, "args")) == ["--c"]


def test_without_a_schema_only_worker_groups_merge_and_containers_are_replaced() -> None:
    patch = _nest(HEAD_CONTAINERS, [{"name": "ray-head", "image": "rayproject/ray:2.47.0"}])
    merged = strategic_merge(_rayjob(), patch)
    assert _at(merged, HEAD_CONTAINERS) == [{"name": "ray-head", "image": "rayproject/ray:2.47.0"}]


@pytest.mark.parametrize("use_schema", [True, False])
def test_worker_group_merged_by_group_name(schema: dict[str, Any], use_schema: bool) -> None:
    base = _rayjob()
    patch = _nest(WORKERS, [{"groupName": "gpu-group", "replicas": 4}])
    merged = strategic_merge(base, patch, schema if use_schema else None)
    groups = _at(merged, WORKERS)
    assert [group["groupName"] for group in groups] == ["small-group", "gpu-group", "cpu-group"]
    assert groups[1] == {**_worker("gpu-group"), "replicas": 4}
    assert groups[0] == _worker("small-group")
    assert groups[2] == _worker("cpu-group")


@pytest.mark.parametrize(
    "path",
    [
        ("spec", "workerGroupSpecs"),
        ("spec", "rayClusterConfig", "workerGroupSpecs"),
        ("spec", "jobTemplate", "rayClusterSpec", "workerGroupSpecs"),
    ],
)
def test_worker_groups_of_every_kind_merge_by_group_name(path: tuple[str, ...]) -> None:
    base = _nest(path, [_worker("a"), _worker("b")])
    merged = strategic_merge(base, _nest(path, [{"groupName": "b", "replicas": 9}]))
    assert _at(merged, path) == [_worker("a"), _worker("b", 9)]


def test_a_new_worker_group_with_a_template_is_appended_in_patch_order() -> None:
    base = _rayjob()
    patch = _nest(WORKERS, [_worker("z-group"), {"groupName": "small-group", "replicas": 2}, _worker("y")])
    groups = _at(strategic_merge(base, patch), WORKERS)
    assert [group["groupName"] for group in groups] == [
        "small-group",
        "gpu-group",
        "cpu-group",
        "z-group",
        "y",
    ]
    assert groups[0]["replicas"] == 2


def test_a_worker_group_missing_from_the_base_without_a_template_is_an_error(schema: dict[str, Any]) -> None:
    patch = _nest(
        WORKERS, [{"groupName": "gpu-group", "replicas": 2}, {"groupName": "smal-group", "replicas": 3}]
    )
    error = _error(_rayjob(), patch, schema)
    assert error.path == (*WORKERS, 1)
    assert (
        error.message == "worker group 'smal-group' does not exist in the base; to add one, give its template"
    )


def test_patch_delete_removes_a_worker_group() -> None:
    patch = _nest(WORKERS, [{"$patch": "delete", "groupName": "gpu-group"}])
    groups = _at(strategic_merge(_rayjob(), patch), WORKERS)
    assert [group["groupName"] for group in groups] == ["small-group", "cpu-group"]


def test_patch_delete_of_a_worker_group_the_base_lacks_is_an_error() -> None:
    patch = _nest(
        WORKERS, [{"groupName": "cpu-group", "replicas": 2}, {"$patch": "delete", "groupName": "tpu"}]
    )
    error = _error(_rayjob(), patch)
    assert error.path == (*WORKERS, 1)
    assert error.message == "worker group 'tpu' does not exist in the base; nothing to delete"


def test_a_delete_item_carries_only_its_merge_keys() -> None:
    patch = _nest(WORKERS, [{"$patch": "delete", "groupName": "gpu-group", "replicas": 0}])
    assert _error(_rayjob(), patch).path == (*WORKERS, 0, "replicas")


def test_patch_items_apply_in_turn_so_a_group_can_be_deleted_and_recreated() -> None:
    patch = _nest(WORKERS, [{"$patch": "delete", "groupName": "small-group"}, _worker("small-group", 5)])
    groups = _at(strategic_merge(_rayjob(), patch), WORKERS)
    assert [(group["groupName"], group["replicas"]) for group in groups] == [
        ("gpu-group", 1),
        ("cpu-group", 1),
        ("small-group", 5),
    ]


def test_a_patch_item_without_its_merge_key_is_an_error() -> None:
    patch = _nest(WORKERS, [{"groupName": "gpu-group"}, {"replicas": 3}])
    error = _error(_rayjob(), patch)
    assert error.path == (*WORKERS, 1)
    assert "'groupName'" in error.message


def test_a_patch_item_of_a_keyed_list_must_be_a_mapping() -> None:
    assert _error(_rayjob(), _nest(WORKERS, ["gpu-group"])).path == (*WORKERS, 0)


def test_an_unknown_directive_in_a_list_item_is_an_error() -> None:
    patch = _nest(WORKERS, [{"$patch": "drop", "groupName": "gpu-group"}])
    assert _error(_rayjob(), patch).path == (*WORKERS, 0, "$patch")


def test_container_env_is_merged_by_name(schema: dict[str, Any]) -> None:
    patch = _nest(
        HEAD_CONTAINERS,
        [{"name": "ray-head", "env": [{"name": "B", "value": "20"}, {"name": "C", "value": "3"}]}],
    )
    merged = strategic_merge(_rayjob(), patch, schema)
    head = _at(merged, (*HEAD_CONTAINERS, 0))
    assert head["env"] == [
        {"name": "A", "value": "1"},
        {"name": "B", "value": "20"},
        {"name": "C", "value": "3"},
    ]
    assert head["image"] == "rayproject/ray:2.46.0"
    assert _at(merged, (*HEAD_CONTAINERS, 1)) == {"name": "sidecar", "image": "busybox"}


def test_worker_container_env_is_merged_by_name_inside_a_worker_group(schema: dict[str, Any]) -> None:
    env = [{"name": "RAY_DEDUP_LOGS", "value": "0"}]
    patch = _nest(
        WORKERS,
        [
            {
                "groupName": "gpu-group",
                "template": {"spec": {"containers": [{"name": "ray-worker", "env": env}]}},
            }
        ],
    )
    merged = strategic_merge(_rayjob(), patch, schema)
    container = _at(merged, (*WORKERS, 1, "template", "spec", "containers", 0))
    assert container == {"name": "ray-worker", "image": "rayproject/ray:2.46.0", "env": env}


def test_ports_merge_by_container_port_and_protocol_with_the_schema_default(schema: dict[str, Any]) -> None:
    """The schema defaults ``protocol`` to TCP: a port without it is the TCP port."""
    patch = _nest(
        HEAD_CONTAINERS,
        [
            {
                "name": "ray-head",
                "ports": [
                    {"containerPort": 8265, "protocol": "TCP", "name": "dash"},
                    {"containerPort": 6379, "protocol": "UDP", "name": "gcs-udp"},
                ],
            }
        ],
    )
    ports = _at(strategic_merge(_rayjob(), patch, schema), (*HEAD_CONTAINERS, 0, "ports"))
    assert ports == [
        {"containerPort": 6379, "name": "gcs-server"},
        {"containerPort": 8265, "name": "dash", "protocol": "TCP"},
        {"containerPort": 6379, "protocol": "UDP", "name": "gcs-udp"},
    ]


def test_a_port_without_its_container_port_is_an_error(schema: dict[str, Any]) -> None:
    patch = _nest(HEAD_CONTAINERS, [{"name": "ray-head", "ports": [{"name": "x"}]}])
    error = _error(_rayjob(), patch, schema)
    assert error.path == (*HEAD_CONTAINERS, 0, "ports", 0)
    assert "'containerPort'" in error.message


def test_volume_mounts_merge_by_mount_path(schema: dict[str, Any]) -> None:
    patch = _nest(
        HEAD_CONTAINERS,
        [{"name": "ray-head", "volumeMounts": [{"mountPath": "/home/ray/samples", "readOnly": True}]}],
    )
    mounts = _at(strategic_merge(_rayjob(), patch, schema), (*HEAD_CONTAINERS, 0, "volumeMounts"))
    assert mounts == [{"mountPath": "/home/ray/samples", "name": "code-sample", "readOnly": True}]


def test_a_new_container_needs_an_image(schema: dict[str, Any]) -> None:
    patch = _nest(HEAD_CONTAINERS, [{"name": "ray-haed", "env": []}])
    error = _error(_rayjob(), patch, schema)
    assert error.path == (*HEAD_CONTAINERS, 0)
    assert error.message == "container 'ray-haed' does not exist in the base; to add one, give its image"
    merged = strategic_merge(
        _rayjob(), _nest(HEAD_CONTAINERS, [{"name": "log", "image": "fluent-bit"}]), schema
    )
    assert [c["name"] for c in _at(merged, HEAD_CONTAINERS)] == ["ray-head", "sidecar", "log"]


def test_a_new_env_var_needs_no_defining_field(schema: dict[str, Any]) -> None:
    patch = _nest(HEAD_CONTAINERS, [{"name": "ray-head", "env": [{"name": "NEW"}]}])
    env = _at(strategic_merge(_rayjob(), patch, schema), (*HEAD_CONTAINERS, 0, "env"))
    assert env[-1] == {"name": "NEW"}


def test_patch_delete_removes_a_container(schema: dict[str, Any]) -> None:
    patch = _nest(HEAD_CONTAINERS, [{"$patch": "delete", "name": "sidecar"}])
    containers = _at(strategic_merge(_rayjob(), patch, schema), HEAD_CONTAINERS)
    assert [c["name"] for c in containers] == ["ray-head"]


def test_patch_delete_of_a_container_the_base_lacks_is_an_error(schema: dict[str, Any]) -> None:
    patch = _nest(HEAD_CONTAINERS, [{"$patch": "delete", "name": "gone"}])
    error = _error(_rayjob(), patch, schema)
    assert error.path == (*HEAD_CONTAINERS, 0)
    assert error.message == "container 'gone' does not exist in the base; nothing to delete"


def test_patch_delete_in_a_list_without_keys_is_an_error() -> None:
    error = _error({"a": [{"x": 1}]}, {"a": [{"$patch": "delete", "x": 1}]})
    assert error.path == ("a", 0, "$patch")


def test_patch_replace_replaces_a_keyed_list_with_the_other_items() -> None:
    patch = _nest(WORKERS, [{"$patch": "replace"}, _worker("only", 2)])
    assert _at(strategic_merge(_rayjob(), patch), WORKERS) == [_worker("only", 2)]


def test_items_of_a_replaced_keyed_list_are_still_new_items() -> None:
    patch = _nest(WORKERS, [{"$patch": "replace"}, {"groupName": "small-group", "replicas": 2}])
    assert _error(_rayjob(), patch).path == (*WORKERS, 1)


def test_patch_replace_in_a_list_stands_alone() -> None:
    patch = _nest(WORKERS, [_worker("a"), {"$patch": "replace", "groupName": "b"}])
    assert _error(_rayjob(), patch).path == (*WORKERS, 1)


def test_patch_replace_marker_in_a_list_without_keys_is_removed() -> None:
    assert strategic_merge({"a": [1, 2]}, {"a": [{"$patch": "replace"}, 3]}) == {"a": [3]}


def test_directives_in_new_values_are_applied_and_never_reach_the_output(schema: dict[str, Any]) -> None:
    new_group = _worker("new")
    new_group["rayStartParams"] = {"$patch": "replace", "num-cpus": "2"}
    new_group["template"]["spec"]["containers"].append(
        {"$patch": "merge", "name": "side", "image": "busybox"}
    )
    patch = _nest(WORKERS, [new_group])
    patch["spec"]["rayClusterSpec"]["headGroupSpec"] = {"rayStartParams": {"$patch": "merge", "x": "1"}}
    patch["spec"]["submitterConfig"] = {"$patch": "replace", "backoffLimit": 1}
    merged = strategic_merge(_rayjob(), patch, schema)
    assert not _has_directive(merged)
    assert _at(merged, (*WORKERS, 3, "rayStartParams")) == {"num-cpus": "2"}
    assert merged["spec"]["submitterConfig"] == {"backoffLimit": 1}


def test_a_list_patch_where_the_base_has_no_list_merges_into_an_empty_list() -> None:
    base = {"spec": {"workerGroupSpecs": None}}
    merged = strategic_merge(base, {"spec": {"workerGroupSpecs": [_worker("a")]}})
    assert merged == {"spec": {"workerGroupSpecs": [_worker("a")]}}
    error = _error({"spec": {}}, {"spec": {"workerGroupSpecs": [{"groupName": "a", "replicas": 1}]}})
    assert error.path == ("spec", "workerGroupSpecs", 0)


def test_key_identity_is_json_equality_so_true_is_not_one() -> None:
    base = {"workerGroupSpecs": [{"groupName": 1, "replicas": 1}]}
    patch = {"workerGroupSpecs": [{"groupName": True, "replicas": 2, "template": {}}]}
    assert strategic_merge(base, patch)["workerGroupSpecs"] == [
        {"groupName": 1, "replicas": 1},
        {"groupName": True, "replicas": 2, "template": {}},
    ]


def test_base_items_without_the_merge_key_are_kept_and_never_matched() -> None:
    base = {"workerGroupSpecs": [{"replicas": 1}, {"groupName": "a"}]}
    merged = strategic_merge(base, {"workerGroupSpecs": [{"groupName": "a", "replicas": 2}]})
    assert merged == {"workerGroupSpecs": [{"replicas": 1}, {"groupName": "a", "replicas": 2}]}


def test_a_patch_item_applies_to_every_base_item_with_its_identity() -> None:
    """Duplicates in the base are the validator's finding; the patch treats them alike."""
    base = {"workerGroupSpecs": [{"groupName": "a"}, {"groupName": "b"}, {"groupName": "a", "x": 1}]}
    merged = strategic_merge(base, {"workerGroupSpecs": [{"groupName": "a", "replicas": 2}]})
    assert merged["workerGroupSpecs"] == [
        {"groupName": "a", "replicas": 2},
        {"groupName": "b"},
        {"groupName": "a", "x": 1, "replicas": 2},
    ]
    deleted = strategic_merge(base, {"workerGroupSpecs": [{"$patch": "delete", "groupName": "a"}]})
    assert deleted == {"workerGroupSpecs": [{"groupName": "b"}]}


def test_the_path_argument_places_a_sub_tree_in_the_schema_and_in_errors(schema: dict[str, Any]) -> None:
    cluster = _rayjob()["spec"]["rayClusterSpec"]
    patch = {"headGroupSpec": {"template": {"spec": {"containers": [{"name": "ray-head", "image": "r:2"}]}}}}
    merged = strategic_merge(cluster, patch, schema, path=("spec", "rayClusterSpec"))
    assert [c["name"] for c in merged["headGroupSpec"]["template"]["spec"]["containers"]] == [
        "ray-head",
        "sidecar",
    ]
    error = _error(cluster, {"workerGroupSpecs": [{"groupName": "q"}]})
    assert error.path == ("workerGroupSpecs", 0)
    with pytest.raises(PatchError) as caught:
        strategic_merge(cluster, {"workerGroupSpecs": [{"groupName": "q"}]}, path=("spec", "rayClusterSpec"))
    assert caught.value.path == (*WORKERS, 0)


def test_patch_error_renders_its_path() -> None:
    error = PatchError((*WORKERS, 1, "$patch"), "boom")
    assert str(error) == 'spec.rayClusterSpec.workerGroupSpecs[1]["$patch"]: boom'
    assert str(PatchError((), "whole")) == "whole"


def test_inputs_are_never_modified_and_the_result_shares_nothing_with_them(schema: dict[str, Any]) -> None:
    base = _rayjob()
    patch = _nest(
        WORKERS,
        [
            {"groupName": "gpu-group", "replicas": 4},
            {"$patch": "delete", "groupName": "cpu-group"},
            _worker("new"),
        ],
    )
    patch["spec"]["rayClusterSpec"]["headGroupSpec"] = {
        "template": {"spec": {"containers": [{"name": "sidecar"}]}}
    }
    base_before, patch_before = copy.deepcopy(base), copy.deepcopy(patch)
    merged = strategic_merge(base, patch, schema)
    assert base == base_before
    assert patch == patch_before

    def scribble(value: Any) -> None:
        if isinstance(value, dict):
            for item in list(value.values()):
                scribble(item)
            value["scribbled"] = True
        elif isinstance(value, list):
            for item in value:
                scribble(item)
            value.append("scribbled")

    scribble(merged)
    assert base == base_before
    assert patch == patch_before


# --- RFC 6902 ----------------------------------------------------------------------


def _json6902_error(document: Any, operations: list[dict[str, Any]]) -> PatchError:
    with pytest.raises(PatchError) as caught:
        apply_json6902(document, operations)
    return caught.value


def test_json6902_add_to_an_object_to_an_array_position_and_at_the_end() -> None:
    document = {"spec": {"items": [1, 3]}}
    result = apply_json6902(
        document,
        [
            {"op": "add", "path": "/spec/suspend", "value": True},
            {"op": "add", "path": "/spec/items/1", "value": 2},
            {"op": "add", "path": "/spec/items/-", "value": 4},
            {"op": "add", "path": "/spec/items/4", "value": 5},
        ],
    )
    assert result == {"spec": {"items": [1, 2, 3, 4, 5], "suspend": True}}


def test_json6902_add_at_the_root_replaces_the_document() -> None:
    assert apply_json6902({"a": 1}, [{"op": "add", "path": "", "value": [1]}]) == [1]


def test_json6902_remove_and_replace() -> None:
    document = {"a": {"b": 1, "c": 2}, "l": ["x", "y", "z"]}
    result = apply_json6902(
        document,
        [
            {"op": "remove", "path": "/a/b"},
            {"op": "remove", "path": "/l/0"},
            {"op": "replace", "path": "/a/c", "value": {"d": None}},
            {"op": "replace", "path": "/l/1", "value": "Z"},
        ],
    )
    assert result == {"a": {"c": {"d": None}}, "l": ["y", "Z"]}


def test_json6902_remove_or_replace_of_a_missing_member_is_an_error() -> None:
    operations: list[dict[str, Any]] = [
        {"op": "add", "path": "/b", "value": 1},
        {"op": "remove", "path": "/nope"},
    ]
    assert _json6902_error({"a": 1}, operations).path == (1, "path")
    assert _json6902_error({"a": 1}, [{"op": "replace", "path": "/nope", "value": 1}]).path == (0, "path")
    assert _json6902_error({"l": [1]}, [{"op": "replace", "path": "/l/1", "value": 1}]).path == (0, "path")


def test_json6902_move_and_copy() -> None:
    document = {"a": {"b": [1, 2]}, "c": {}}
    result = apply_json6902(
        document,
        [
            {"op": "copy", "from": "/a/b", "path": "/c/copied"},
            {"op": "move", "from": "/a/b/0", "path": "/c/first"},
            {"op": "move", "from": "/c", "path": "/c"},
        ],
    )
    assert result == {"a": {"b": [2]}, "c": {"copied": [1, 2], "first": 1}}


def test_json6902_move_into_its_own_child_is_an_error() -> None:
    assert _json6902_error({"a": {"b": {}}}, [{"op": "move", "from": "/a", "path": "/a/b/c"}]).path == (
        0,
        "from",
    )


def test_json6902_test_passes_or_fails_with_the_operation_path() -> None:
    document = {"spec": {"replicas": 2, "suspend": False}}
    assert apply_json6902(document, [{"op": "test", "path": "/spec/replicas", "value": 2.0}]) == document
    operations = [
        {"op": "test", "path": "/spec/replicas", "value": 2},
        {"op": "replace", "path": "/spec/replicas", "value": 3},
        {"op": "test", "path": "/spec/replicas", "value": 2},
    ]
    error = _json6902_error(document, operations)
    assert error.path == (2, "path")
    assert "test failed" in error.message
    # JSON equality: false is not 0.
    assert _json6902_error(document, [{"op": "test", "path": "/spec/suspend", "value": 0}]).path == (
        0,
        "path",
    )


def test_json6902_pointer_escapes() -> None:
    document = {"metadata": {"annotations": {"ray.io/a~b": "1"}}}
    result = apply_json6902(
        document,
        [
            {"op": "test", "path": "/metadata/annotations/ray.io~1a~0b", "value": "1"},
            {"op": "add", "path": "/metadata/annotations/x~01", "value": "2"},
        ],
    )
    assert result["metadata"]["annotations"] == {"ray.io/a~b": "1", "x~1": "2"}


@pytest.mark.parametrize(
    ("operation", "where"),
    [
        ({"op": "frobnicate", "path": "/a"}, (0, "op")),
        ({"path": "/a"}, (0, "op")),
        ({"op": "add", "path": "/a"}, (0, "value")),
        ({"op": "add", "path": "a", "value": 1}, (0, "path")),
        ({"op": "add", "value": 1}, (0, "path")),
        ({"op": "add", "path": "/a~2", "value": 1}, (0, "path")),
        ({"op": "add", "path": "/l/01", "value": 1}, (0, "path")),
        ({"op": "add", "path": "/l/5", "value": 1}, (0, "path")),
        ({"op": "remove", "path": "/l/-"}, (0, "path")),
        ({"op": "remove", "path": ""}, (0, "path")),
        ({"op": "add", "path": "/s/x", "value": 1}, (0, "path")),
        ({"op": "add", "path": "/missing/x", "value": 1}, (0, "path")),
        ({"op": "copy", "from": "/missing", "path": "/b"}, (0, "from")),
        ({"op": "move", "path": "/b"}, (0, "from")),
    ],
)
def test_json6902_errors_point_at_the_operation_member(
    operation: dict[str, Any], where: tuple[int, str]
) -> None:
    assert _json6902_error({"a": 1, "l": [0], "s": "text"}, [operation]).path == where


def test_json6902_operations_must_be_a_list_of_mappings() -> None:
    assert _json6902_error({}, ["add"]).path == (0,)  # type: ignore[list-item]
    with pytest.raises(PatchError):
        apply_json6902({}, {"op": "add"})  # type: ignore[arg-type]


def test_json6902_never_modifies_its_inputs_nor_shares_values_with_them() -> None:
    document = {"a": {"b": [1]}, "c": 1}
    value = {"new": [1]}
    operations: list[dict[str, Any]] = [
        {"op": "add", "path": "/a/b/-", "value": value},
        {"op": "remove", "path": "/c"},
        {"op": "copy", "from": "/a", "path": "/d"},
    ]
    document_before, operations_before = copy.deepcopy(document), copy.deepcopy(operations)
    result = apply_json6902(document, operations)
    result["a"]["b"][1]["new"].append(2)
    result["d"]["b"].append(3)
    assert document == document_before
    assert operations == operations_before
    assert result["a"]["b"] == [1, {"new": [1, 2]}]


def test_json6902_leaves_the_document_intact_when_an_operation_fails() -> None:
    document = {"a": [1, 2]}
    _json6902_error(document, [{"op": "remove", "path": "/a/0"}, {"op": "remove", "path": "/zz"}])
    assert document == {"a": [1, 2]}


# --- Properties --------------------------------------------------------------------

PROPERTY_SETTINGS = settings(derandomize=True, max_examples=200, deadline=None, database=None)

_KEYS = st.sampled_from(["a", "b", "c", "name"])
_NON_NULL_SCALARS = st.booleans() | st.integers(-2, 2) | st.text("xy", max_size=2)


def _json_values(scalars: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.recursive(
        scalars,
        lambda children: st.lists(children, max_size=3) | st.dictionaries(_KEYS, children, max_size=3),
        max_leaves=12,
    )


def _json_dicts(scalars: st.SearchStrategy[Any]) -> st.SearchStrategy[dict[str, Any]]:
    return st.dictionaries(_KEYS, _json_values(scalars), max_size=4)


# ``null`` as a mapping value is a deletion, so documents merged with themselves have no nulls in mappings.
_ANY_DICTS = _json_dicts(st.none() | _NON_NULL_SCALARS)
_NULL_FREE_DICTS = _json_dicts(_NON_NULL_SCALARS)
_GROUP_NAMES = st.sampled_from(["small", "large", "gpu", "cpu", "tpu"])


def _worker_groups(*, with_template: bool) -> st.SearchStrategy[list[dict[str, Any]]]:
    optional: dict[str, st.SearchStrategy[Any]] = {
        "replicas": st.integers(0, 3),
        "rayStartParams": _NULL_FREE_DICTS,
    }
    required: dict[str, st.SearchStrategy[Any]] = {"groupName": _GROUP_NAMES}
    if with_template:
        required["template"] = _NULL_FREE_DICTS
    else:
        optional["template"] = _NULL_FREE_DICTS
    return st.lists(
        st.fixed_dictionaries(required, optional=optional), max_size=4, unique_by=lambda g: g["groupName"]
    )


_WORKER_PATHS = st.sampled_from([("spec", "workerGroupSpecs"), WORKERS])


@st.composite
def _worker_documents(draw: st.DrawFn, *, with_template: bool) -> tuple[tuple[str, ...], dict[str, Any]]:
    path = draw(_WORKER_PATHS)
    document = _nest(path, draw(_worker_groups(with_template=with_template)))
    document["spec"].update(draw(_NULL_FREE_DICTS))
    return path, document


_SCHEMAS = st.sampled_from([None, "rayjob"])


def _schema_named(name: str | None) -> dict[str, Any] | None:
    return _rayjob_schema() if name == "rayjob" else None


@PROPERTY_SETTINGS
@given(
    base=_ANY_DICTS | _worker_documents(with_template=False).map(lambda pair: pair[1]), schema_name=_SCHEMAS
)
def test_property_an_empty_patch_returns_the_base(base: dict[str, Any], schema_name: str | None) -> None:
    assert strategic_merge(base, {}, _schema_named(schema_name)) == base


@PROPERTY_SETTINGS
@given(
    base=_NULL_FREE_DICTS | _worker_documents(with_template=False).map(lambda pair: pair[1]),
    schema_name=_SCHEMAS,
)
def test_property_merging_a_base_with_itself_returns_the_base(
    base: dict[str, Any], schema_name: str | None
) -> None:
    assert strategic_merge(base, base, _schema_named(schema_name)) == base


@PROPERTY_SETTINGS
@given(base=_ANY_DICTS, patch=_ANY_DICTS)
def test_property_merge_is_idempotent(base: dict[str, Any], patch: dict[str, Any]) -> None:
    once = strategic_merge(base, patch)
    assert strategic_merge(once, patch) == once


@PROPERTY_SETTINGS
@given(
    base=_worker_documents(with_template=False),
    patch_groups=_worker_groups(with_template=True),
    schema_name=_SCHEMAS,
)
def test_property_worker_group_merge_is_idempotent(
    base: tuple[tuple[str, ...], dict[str, Any]], patch_groups: list[dict[str, Any]], schema_name: str | None
) -> None:
    path, document = base
    patch = _nest(path, patch_groups)
    once = strategic_merge(document, patch, _schema_named(schema_name))
    assert strategic_merge(once, patch, _schema_named(schema_name)) == once


_DIRECTIVE_VALUES = st.sampled_from(["replace", "delete", "merge", "bogus"])
_DIRECTIVE_KEYS = st.sampled_from(["a", "b", "name", "groupName", "$patch"])
_PATCHES_WITH_DIRECTIVES = st.recursive(
    st.none() | _NON_NULL_SCALARS | _DIRECTIVE_VALUES,
    lambda children: st.lists(children, max_size=3) | st.dictionaries(_DIRECTIVE_KEYS, children, max_size=3),
    max_leaves=12,
)


@PROPERTY_SETTINGS
@given(
    base=_ANY_DICTS | _worker_documents(with_template=False).map(lambda pair: pair[1]),
    patch=_ANY_DICTS
    | _worker_documents(with_template=False).map(lambda pair: pair[1])
    | _PATCHES_WITH_DIRECTIVES
    | _PATCHES_WITH_DIRECTIVES.map(lambda groups: _nest(WORKERS, groups)),
    schema_name=_SCHEMAS,
)
def test_property_inputs_are_never_modified_and_errors_are_patch_errors(
    base: dict[str, Any], patch: Any, schema_name: str | None
) -> None:
    base_before, patch_before = copy.deepcopy(base), copy.deepcopy(patch)
    try:
        merged = strategic_merge(base, patch, _schema_named(schema_name))
    except PatchError:
        pass
    else:
        assert not _has_directive(merged)
    assert base == base_before
    assert patch == patch_before


@PROPERTY_SETTINGS
@given(
    base=_worker_documents(with_template=False),
    patch_groups=_worker_groups(with_template=True),
    schema_name=_SCHEMAS,
)
def test_property_worker_group_names_are_the_union_in_base_then_patch_order(
    base: tuple[tuple[str, ...], dict[str, Any]], patch_groups: list[dict[str, Any]], schema_name: str | None
) -> None:
    path, document = base
    merged = strategic_merge(document, _nest(path, patch_groups), _schema_named(schema_name))
    base_names = [group["groupName"] for group in _at(document, path)]
    patch_names = [group["groupName"] for group in patch_groups]
    merged_names = [group["groupName"] for group in _at(merged, path)]
    assert set(merged_names) == set(base_names) | set(patch_names)
    assert merged_names == base_names + [name for name in patch_names if name not in base_names]
