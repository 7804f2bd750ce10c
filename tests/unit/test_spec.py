"""rayops specs: expansion into KubeRay resources, errors, and the JSON schemas of the spec kinds."""

from __future__ import annotations

import copy
import importlib.util
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from rayops.loader import Document
from rayops.spec import SPEC_API_VERSION, SPEC_KINDS, SpecError, expand, is_spec, schema_text, spec_schema
from rayops.spec.schema import check
from rayops.validate.engine import FileResult, ValidationOptions, Validator

REPO_ROOT = Path(__file__).resolve().parents[2]
SCHEMA_DIR = REPO_ROOT / "schemas" / "rayops" / "v1alpha1"
EXPECTED_DIR = Path(__file__).resolve().parent / "spec_expected"

SAMPLE_CODE = b'import ray\n\nray.init()\nprint("hello")\n'

GUIDE_SPEC_YAML = """
apiVersion: rayops.dev/v1alpha1
kind: RayJob
metadata:
  name: rayjob-sample
spec:
  rayVersion: "2.46.0"
  image: rayproject/ray:2.46.0
  entrypoint: python /home/ray/samples/sample_code.py
  runtimeEnv:
    pip: [requests==2.26.0, pendulum==2.1.2]
    env_vars: {counter_name: test_counter}
  code: {files: [sample_code.py], mountPath: /home/ray/samples}
  head:
    resources: {cpu: {request: 200m, limit: "1"}}
  workers:
    - name: small-group
      replicas: 1
      minReplicas: 1
      maxReplicas: 5
      resources: {cpu: {request: 200m, limit: "1"}}
"""

CLUSTER_FIELDS_YAML = """
rayVersion: "2.46.0"
image: rayproject/ray:2.46.0-py311
serviceAccountName: ray
code: {files: [train.py, lib/util.py]}
head:
  resources: {cpu: "2", memory: 8Gi}
  rayStartParams: {num-cpus: 0}
  env: {ROLE: head}
workers:
  - name: cpu
    minReplicas: 1
    maxReplicas: 4
    resources: {cpu: 4, memory: 16Gi}
  - name: gpu
    image: rayproject/ray:2.46.0-py311-gpu
    replicas: 0
    minReplicas: 0
    maxReplicas: 2
    resources: {cpu: "8", memory: 32Gi, gpu: 1}
    nodeSelector: {accelerator: nvidia}
    tolerations: [{key: nvidia.com/gpu, operator: Exists, effect: NoSchedule}]
    podTemplatePatch:
      spec:
        containers:
          - name: ray-worker
            env: [{name: CUDA_VISIBLE_DEVICES_HINT, value: "0"}]
autoscaling: {version: v2, idleTimeoutSeconds: 60}
gcsFaultTolerance:
  redisAddress: redis:6379
  redisPasswordSecret: {name: redis, key: password}
env: {OMP_NUM_THREADS: 1, MODE: prod}
nodeSelector: {pool: ray}
tolerations: [{key: dedicated, operator: Equal, value: ray, effect: NoSchedule}]
labels: {team: ml}
annotations: {owner: ml-team}
volumes: [{name: scratch, emptyDir: {}}]
volumeMounts: [{name: scratch, mountPath: /scratch}]
persistentVolumeClaims: [{name: data, claimName: data, mountPath: /data, readOnly: true}]
scheduler: {name: volcano, queue: ml}
prometheus: true
ingress: {enabled: true}
podTemplatePatch:
  head:
    spec:
      containers:
        - name: log-sidecar
          image: busybox:1.36
          args: [sleep, infinity]
"""

JOB_FIELDS_YAML = """
entrypoint: python /home/ray/code/train.py
runtimeEnv: {pip: [torch]}
shutdownAfterJobFinishes: true
ttlSecondsAfterFinished: 300
activeDeadlineSeconds: 3600
backoffLimit: 1
"""

SERVE_CONFIG = {
    "applications": [
        {"name": "fruit", "import_path": "fruit.deployment_graph", "route_prefix": "/fruit"},
    ]
}

FILES = {
    "sample_code.py": SAMPLE_CODE,
    "train.py": b"import ray\nray.init()\n",
    "lib/util.py": b"def helper():\n    return 1\n",
    "serve.yaml": yaml.safe_dump(SERVE_CONFIG).encode(),
}


def read_from(files: dict[str, bytes]) -> Callable[[str], bytes]:
    def read(relative_path: str) -> bytes:
        return files[relative_path]

    return read


def guide_spec() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(GUIDE_SPEC_YAML)
    return loaded


def spec_of(kind: str, *, name: str = "demo") -> dict[str, Any]:
    """A spec of ``kind`` using nearly every field."""
    cluster = yaml.safe_load(CLUSTER_FIELDS_YAML)
    job = {**yaml.safe_load(JOB_FIELDS_YAML), **cluster}
    spec: dict[str, Any]
    if kind == "RayCluster":
        spec = cluster
    elif kind == "RayJob":
        spec = job
    elif kind == "RayService":
        spec = {
            "serveConfigFile": "serve.yaml",
            "upgradeStrategy": {"type": "NewCluster"},
            **cluster,
        }
    else:
        spec = {"schedule": "0 2 * * *", "suspend": False, "job": job}
    return {
        "apiVersion": SPEC_API_VERSION,
        "kind": kind,
        "metadata": {"name": name, "namespace": "ray-dev", "labels": {"tier": "batch"}},
        "spec": spec,
    }


def errors_of(resource: dict[str, Any], version: str, gates: dict[str, bool] | None = None) -> list[str]:
    validator = Validator(ValidationOptions(kuberay_version=version, feature_gates=gates or {}))
    result = FileResult("x")
    validator.validate_document(Document("x", 0, resource, None), result)
    return [
        f"{finding.rule} {finding.message}"
        for finding in result.findings
        if finding.severity.label == "error"
    ]


def cluster_of(resource: dict[str, Any]) -> dict[str, Any]:
    spec = resource["spec"]
    kind = resource["kind"]
    found: dict[str, Any]
    if kind == "RayCluster":
        found = spec
    elif kind == "RayJob":
        found = spec["rayClusterSpec"]
    elif kind == "RayService":
        found = spec["rayClusterConfig"]
    else:
        found = spec["jobTemplate"]["rayClusterSpec"]
    return found


def templates_of(resource: dict[str, Any]) -> list[dict[str, Any]]:
    cluster = cluster_of(resource)
    return [cluster["headGroupSpec"]["template"]] + [
        group["template"] for group in cluster.get("workerGroupSpecs", [])
    ]


# --- The guide's sample --------------------------------------------------------------


def test_guide_sample_matches_kuberay_sample(shared_samples: Path) -> None:
    sample_job, sample_config_map = yaml.safe_load_all(
        (shared_samples / "ray-operator/config/samples/ray-job.sample.yaml").read_text(encoding="utf-8")
    )
    code = sample_config_map["data"]["sample_code.py"].encode()
    job, config_map = expand(guide_spec(), read_from({"sample_code.py": code}), "rayjob.yaml")

    assert (job["apiVersion"], job["kind"], job["metadata"]["name"]) == (
        "ray.io/v1",
        "RayJob",
        "rayjob-sample",
    )
    assert job["spec"]["entrypoint"] == sample_job["spec"]["entrypoint"]
    assert yaml.safe_load(job["spec"]["runtimeEnvYAML"]) == yaml.safe_load(
        sample_job["spec"]["runtimeEnvYAML"]
    )
    cluster, expected_cluster = job["spec"]["rayClusterSpec"], sample_job["spec"]["rayClusterSpec"]
    assert cluster["rayVersion"] == expected_cluster["rayVersion"]

    head = cluster["headGroupSpec"]
    expected_head = expected_cluster["headGroupSpec"]
    assert head["rayStartParams"] == expected_head["rayStartParams"] == {}
    container = head["template"]["spec"]["containers"][0]
    expected_container = expected_head["template"]["spec"]["containers"][0]
    for field in ("name", "image", "ports", "resources"):
        assert container[field] == expected_container[field], field
    assert [m["mountPath"] for m in container["volumeMounts"]] == ["/home/ray/samples"]
    volume = head["template"]["spec"]["volumes"][0]
    expected_volume = expected_head["template"]["spec"]["volumes"][0]
    assert volume["configMap"]["items"] == expected_volume["configMap"]["items"]
    assert container["volumeMounts"][0]["name"] == volume["name"]

    (group,) = cluster["workerGroupSpecs"]
    (expected_group,) = expected_cluster["workerGroupSpecs"]
    for field in ("groupName", "replicas", "minReplicas", "maxReplicas", "rayStartParams"):
        assert group[field] == expected_group[field], field
    worker = group["template"]["spec"]["containers"][0]
    expected_worker = expected_group["template"]["spec"]["containers"][0]
    for field in ("name", "image", "resources"):
        assert worker[field] == expected_worker[field], field
    assert worker["volumeMounts"] == container["volumeMounts"]

    assert config_map["kind"] == "ConfigMap"
    assert config_map["data"] == sample_config_map["data"]
    assert config_map["metadata"]["name"].startswith("rayjob-sample-code-")
    assert config_map["metadata"]["labels"]["rayops.dev/code-of"] == "rayjob-sample"
    assert volume["configMap"]["name"] == config_map["metadata"]["name"]


def test_guide_sample_expands_to_the_expected_yaml() -> None:
    resources = expand(guide_spec(), read_from(FILES), "rayjob.yaml")
    rendered = yaml.safe_dump_all(resources, sort_keys=False)
    expected = (EXPECTED_DIR / "rayjob-sample.yaml").read_text(encoding="utf-8")
    assert rendered == expected


def test_expansion_is_deterministic_and_leaves_the_spec_alone() -> None:
    spec = spec_of("RayJob")
    before = copy.deepcopy(spec)
    first = expand(spec, read_from(FILES), "x")
    second = expand(spec, read_from(FILES), "x")
    assert spec == before
    assert yaml.safe_dump_all(first, sort_keys=False) == yaml.safe_dump_all(second, sort_keys=False)
    assert "&id" not in yaml.safe_dump_all(first, sort_keys=False)


def test_code_change_renames_the_config_map_and_every_reference() -> None:
    spec = spec_of("RayCluster")
    _, old_map = expand(spec, read_from(FILES), "x")
    changed = {**FILES, "lib/util.py": b"def helper():\n    return 2\n"}
    cluster, new_map = expand(spec, read_from(changed), "x")
    old_name, new_name = old_map["metadata"]["name"], new_map["metadata"]["name"]
    assert old_name != new_name
    assert new_name.startswith("demo-code-") and len(new_name) == len("demo-code-") + 10
    templates = templates_of(cluster)
    assert len(templates) == 3
    for template in templates:
        (code_volume,) = [v for v in template["spec"]["volumes"] if v["name"] == "code"]
        assert code_volume["configMap"]["name"] == new_name
    assert old_name not in json.dumps(cluster)
    assert new_map["data"] == {
        "lib__util.py": "def helper():\n    return 2\n",
        "train.py": "import ray\nray.init()\n",
    }


def test_file_order_does_not_change_the_hash() -> None:
    spec = spec_of("RayCluster")
    reordered = copy.deepcopy(spec)
    reordered["spec"]["code"]["files"].reverse()
    assert expand(spec, read_from(FILES), "x")[1] == expand(reordered, read_from(FILES), "x")[1]


# --- Every kind ----------------------------------------------------------------------


@pytest.mark.parametrize("version", ["1.5.1", "1.7.0"])
@pytest.mark.parametrize("kind", ["RayCluster", "RayJob", "RayService"])
def test_each_kind_expands_and_validates(kind: str, version: str) -> None:
    resources = expand(spec_of(kind), read_from(FILES), "x")
    assert [r["kind"] for r in resources] == [kind, "ConfigMap"]
    for resource in resources:
        assert errors_of(resource, version) == []
    assert errors_of(expand(guide_spec(), read_from(FILES), "x")[0], version) == []


@pytest.mark.parametrize("version", ["1.6.2", "1.7.0"])
@pytest.mark.parametrize("gate", [False, True])
def test_cron_job_expands_and_validates(version: str, gate: bool) -> None:
    spec = spec_of("RayCronJob")
    if version == "1.7.0":
        spec["spec"]["timeZone"] = "Europe/Paris"
    cron, config_map = expand(spec, read_from(FILES), "x")
    assert list(cron["spec"]) == [
        "schedule",
        *(["timeZone"] if version == "1.7.0" else []),
        "suspend",
        "jobTemplate",
    ]
    assert cron["spec"]["jobTemplate"]["entrypoint"] == "python /home/ray/code/train.py"
    assert errors_of(cron, version, {"RayCronJob": gate}) == []
    assert errors_of(config_map, version) == []


def test_cron_job_is_not_in_kuberay_1_5() -> None:
    cron, _ = expand(spec_of("RayCronJob"), read_from(FILES), "x")
    (error,) = errors_of(cron, "1.5.1")
    assert "added in" in error


def test_cluster_fields_expand_as_an_expert_writes_them() -> None:
    cluster_resource, _ = expand(spec_of("RayCluster"), read_from(FILES), "x")
    metadata = cluster_resource["metadata"]
    assert metadata["namespace"] == "ray-dev"
    assert metadata["labels"] == {
        "app.kubernetes.io/name": "raycluster",
        "app.kubernetes.io/instance": "demo",
        "app.kubernetes.io/managed-by": "rayops",
        "tier": "batch",
        "ray.io/scheduler-name": "volcano",
        "volcano.sh/queue-name": "ml",
    }
    cluster = cluster_of(cluster_resource)
    assert list(cluster) == [
        "rayVersion",
        "enableInTreeAutoscaling",
        "autoscalerOptions",
        "gcsFaultToleranceOptions",
        "headGroupSpec",
        "workerGroupSpecs",
    ]
    assert cluster["autoscalerOptions"] == {"version": "v2", "idleTimeoutSeconds": 60}
    assert cluster["gcsFaultToleranceOptions"] == {
        "redisAddress": "redis:6379",
        "redisPassword": {"valueFrom": {"secretKeyRef": {"name": "redis", "key": "password"}}},
    }
    head = cluster["headGroupSpec"]
    assert head["enableIngress"] is True
    assert head["rayStartParams"] == {"num-cpus": "0"}
    head_pod = head["template"]
    assert head_pod["metadata"] == {
        "labels": {"team": "ml"},
        "annotations": {"prometheus.io/scrape": "true", "prometheus.io/port": "8080", "owner": "ml-team"},
    }
    ray_head, sidecar = head_pod["spec"]["containers"]
    assert sidecar["name"] == "log-sidecar"
    assert ray_head["name"] == "ray-head"
    assert ray_head["image"] == "rayproject/ray:2.46.0-py311"
    assert [(p["containerPort"], p["name"]) for p in ray_head["ports"]] == [
        (6379, "gcs-server"),
        (8265, "dashboard"),
        (10001, "client"),
        (8080, "metrics"),
    ]
    assert ray_head["env"] == [
        {"name": "OMP_NUM_THREADS", "value": "1"},
        {"name": "MODE", "value": "prod"},
        {"name": "ROLE", "value": "head"},
    ]
    assert ray_head["resources"] == {
        "limits": {"cpu": "2", "memory": "8Gi"},
        "requests": {"cpu": "2", "memory": "8Gi"},
    }
    assert [m["mountPath"] for m in ray_head["volumeMounts"]] == ["/home/ray/code", "/data", "/scratch"]
    assert [v["name"] for v in head_pod["spec"]["volumes"]] == ["code", "data", "scratch"]
    assert head_pod["spec"]["volumes"][1] == {
        "name": "data",
        "persistentVolumeClaim": {"claimName": "data", "readOnly": True},
    }
    cpu_group, gpu_group = cluster["workerGroupSpecs"]
    assert cpu_group["groupName"] == "cpu" and "replicas" not in cpu_group
    cpu_worker = cpu_group["template"]["spec"]["containers"][0]
    assert cpu_worker["resources"]["limits"] == {"cpu": "4", "memory": "16Gi"}
    assert [(p["containerPort"], p["name"]) for p in cpu_worker["ports"]] == [(8080, "metrics")]
    gpu_pod = gpu_group["template"]["spec"]
    gpu_worker = gpu_pod["containers"][0]
    assert gpu_worker["image"] == "rayproject/ray:2.46.0-py311-gpu"
    assert gpu_worker["resources"]["limits"] == {"cpu": "8", "memory": "32Gi", "nvidia.com/gpu": 1}
    assert gpu_worker["env"][-1] == {"name": "CUDA_VISIBLE_DEVICES_HINT", "value": "0"}
    assert gpu_pod["nodeSelector"] == {"pool": "ray", "accelerator": "nvidia"}
    assert [t["key"] for t in gpu_pod["tolerations"]] == ["dedicated", "nvidia.com/gpu"]
    assert gpu_pod["serviceAccountName"] == "ray"


def test_job_fields() -> None:
    job, _ = expand(spec_of("RayJob"), read_from(FILES), "x")
    assert list(job["spec"]) == [
        "entrypoint",
        "runtimeEnvYAML",
        "shutdownAfterJobFinishes",
        "ttlSecondsAfterFinished",
        "activeDeadlineSeconds",
        "backoffLimit",
        "rayClusterSpec",
    ]
    assert job["spec"]["runtimeEnvYAML"] == "pip:\n- torch\n"


def test_service_serve_config_inline_and_from_file() -> None:
    from_file, _ = expand(spec_of("RayService"), read_from(FILES), "x")
    assert from_file["spec"]["serveConfigV2"] == FILES["serve.yaml"].decode()
    assert from_file["spec"]["upgradeStrategy"] == {"type": "NewCluster"}
    head = from_file["spec"]["rayClusterConfig"]["headGroupSpec"]["template"]["spec"]["containers"][0]
    assert {"containerPort": 8000, "name": "serve"} in head["ports"]
    inline_spec = spec_of("RayService")
    del inline_spec["spec"]["serveConfigFile"]
    inline_spec["spec"]["serveConfig"] = SERVE_CONFIG
    inline, _ = expand(inline_spec, read_from(FILES), "x")
    assert yaml.safe_load(inline["spec"]["serveConfigV2"]) == SERVE_CONFIG
    assert errors_of(inline, "1.5.1") == []


@pytest.mark.parametrize(
    ("scheduler", "labels"),
    [
        ({"name": "volcano"}, {"ray.io/scheduler-name": "volcano"}),
        (
            {"name": "yunikorn", "queue": "root.ml", "gangScheduling": True},
            {
                "ray.io/scheduler-name": "yunikorn",
                "ray.io/gang-scheduling-enabled": "true",
                "yunikorn.apache.org/app-id": "demo",
                "yunikorn.apache.org/queue": "root.ml",
            },
        ),
        ({"name": "kueue", "queue": "user-queue"}, {"kueue.x-k8s.io/queue-name": "user-queue"}),
    ],
)
def test_scheduler_labels(scheduler: dict[str, Any], labels: dict[str, str]) -> None:
    spec = spec_of("RayJob")
    spec["spec"]["scheduler"] = scheduler
    job, _ = expand(spec, read_from(FILES), "x")
    generated = {
        key: value
        for key, value in job["metadata"]["labels"].items()
        if not key.startswith("app.kubernetes.io/") and key != "tier"
    }
    assert generated == labels
    assert errors_of(job, "1.7.0") == []


def test_minimal_cluster_and_managed_labels_win() -> None:
    spec = {
        "apiVersion": SPEC_API_VERSION,
        "kind": "RayCluster",
        "metadata": {"name": "tiny", "labels": {"app.kubernetes.io/managed-by": "me"}},
        "spec": {"rayVersion": "2.46.0"},
    }
    (cluster,) = expand(spec, read_from({}), "x")
    assert cluster["metadata"]["labels"]["app.kubernetes.io/managed-by"] == "rayops"
    assert cluster["spec"] == {
        "rayVersion": "2.46.0",
        "headGroupSpec": {
            "rayStartParams": {},
            "template": {
                "spec": {
                    "containers": [
                        {
                            "name": "ray-head",
                            "image": "rayproject/ray:2.46.0",
                            "ports": [
                                {"containerPort": 6379, "name": "gcs-server"},
                                {"containerPort": 8265, "name": "dashboard"},
                                {"containerPort": 10001, "name": "client"},
                            ],
                        }
                    ]
                }
            },
        },
    }
    assert errors_of(cluster, "1.5.1") == []


# --- Errors --------------------------------------------------------------------------


def _set(path: tuple[str | int, ...], value: Any) -> Callable[[dict[str, Any]], None]:
    def mutate(document: dict[str, Any]) -> None:
        node: Any = document
        for element in path[:-1]:
            node = node[element]
        node[path[-1]] = value

    return mutate


def _delete(path: tuple[str | int, ...]) -> Callable[[dict[str, Any]], None]:
    def mutate(document: dict[str, Any]) -> None:
        node: Any = document
        for element in path[:-1]:
            node = node[element]
        del node[path[-1]]

    return mutate


ERROR_CASES: list[tuple[str, Callable[[dict[str, Any]], None], tuple[str | int, ...]]] = [
    ("unknown field", _set(("spec", "workers", 0, "replicaz"), 2), ("spec", "workers", 0, "replicaz")),
    ("unknown top field", _set(("spec", "rayClusterSpec"), {}), ("spec", "rayClusterSpec")),
    ("unknown root field", _set(("status",), {}), ("status",)),
    ("wrong type", _set(("spec", "workers", 0, "replicas"), "1"), ("spec", "workers", 0, "replicas")),
    ("bool is no integer", _set(("spec", "backoffLimit"), True), ("spec", "backoffLimit")),
    ("wrong type of map value", _set(("spec", "labels"), {"a": 1}), ("spec", "labels", "a")),
    (
        "bad quantity",
        _set(("spec", "head", "resources", "memory"), "2GB"),
        ("spec", "head", "resources", "memory"),
    ),
    (
        "bad request",
        _set(("spec", "head", "resources", "cpu"), {"request": []}),
        ("spec", "head", "resources", "cpu", "request"),
    ),
    ("missing rayVersion", _delete(("spec", "rayVersion")), ("spec",)),
    ("missing worker name", _delete(("spec", "workers", 1, "name")), ("spec", "workers", 1)),
    ("missing metadata name", _delete(("metadata", "name")), ("metadata",)),
    ("wrong kind", _set(("kind",), "RayThing"), ("kind",)),
    ("absolute code path", _set(("spec", "code", "files", 1), "/etc/passwd"), ("spec", "code", "files", 1)),
    ("dotdot code path", _set(("spec", "code", "files", 0), "../secret.py"), ("spec", "code", "files", 0)),
    ("inner dotdot", _set(("spec", "code", "files", 1), "lib/../../x.py"), ("spec", "code", "files", 1)),
    ("duplicate file", _set(("spec", "code", "files", 1), "train.py"), ("spec", "code", "files", 1)),
    ("image mismatch", _set(("spec", "image"), "rayproject/ray:2.41.0-py311"), ("spec", "image")),
    (
        "group image mismatch",
        _set(("spec", "workers", 1, "image"), "rayproject/ray:2.9.3-gpu"),
        ("spec", "workers", 1, "image"),
    ),
    ("duplicate worker", _set(("spec", "workers", 1, "name"), "cpu"), ("spec", "workers", 1, "name")),
    ("min above max", _set(("spec", "workers", 0, "minReplicas"), 9), ("spec", "workers", 0, "minReplicas")),
    ("replicas above max", _set(("spec", "workers", 0, "replicas"), 9), ("spec", "workers", 0, "replicas")),
    ("unknown scheduler", _set(("spec", "scheduler", "name"), "slurm"), ("spec", "scheduler", "name")),
    ("kueue without queue", _set(("spec", "scheduler"), {"name": "kueue"}), ("spec", "scheduler")),
    (
        "ttl without shutdown",
        _set(("spec", "shutdownAfterJobFinishes"), False),
        ("spec", "ttlSecondsAfterFinished"),
    ),
    ("duplicate volume", _set(("spec", "volumes", 0, "name"), "data"), ("spec", "volumes", 0, "name")),
    (
        "mount of nothing",
        _set(("spec", "volumeMounts", 0, "name"), "nope"),
        ("spec", "volumeMounts", 0, "mountPath"),
    ),
    (
        "bad patch",
        _set(("spec", "podTemplatePatch", "head"), {"spec": {"containers": [{"name": "new-one"}]}}),
        ("spec", "podTemplatePatch", "head", "spec", "containers", 0),
    ),
]


@pytest.mark.parametrize(
    ("mutate", "path"), [case[1:] for case in ERROR_CASES], ids=[c[0] for c in ERROR_CASES]
)
def test_spec_errors_point_at_the_problem(
    mutate: Callable[[dict[str, Any]], None], path: tuple[str | int, ...]
) -> None:
    spec = spec_of("RayJob")
    mutate(spec)
    with pytest.raises(SpecError) as raised:
        expand(spec, read_from(FILES), "x")
    assert raised.value.path == path, raised.value.message


def test_cron_job_errors_point_into_the_job() -> None:
    spec = spec_of("RayCronJob")
    spec["spec"]["job"]["workers"][0]["minReplicas"] = 7
    with pytest.raises(SpecError) as raised:
        expand(spec, read_from(FILES), "x")
    assert raised.value.path == ("spec", "job", "workers", 0, "minReplicas")
    del spec["spec"]["schedule"]
    with pytest.raises(SpecError, match="schedule") as raised:
        expand(spec, read_from(FILES), "x")
    assert raised.value.path == ("spec",)


def test_service_serve_config_errors() -> None:
    both = spec_of("RayService")
    both["spec"]["serveConfig"] = SERVE_CONFIG
    with pytest.raises(SpecError) as raised:
        expand(both, read_from(FILES), "x")
    assert raised.value.path == ("spec", "serveConfigFile")
    neither = spec_of("RayService")
    del neither["spec"]["serveConfigFile"]
    with pytest.raises(SpecError) as raised:
        expand(neither, read_from(FILES), "x")
    assert raised.value.path == ("spec",)
    not_a_mapping = spec_of("RayService")
    with pytest.raises(SpecError) as raised:
        expand(not_a_mapping, read_from({**FILES, "serve.yaml": b"- a\n- b\n"}), "x")
    assert raised.value.path == ("spec", "serveConfigFile")


def test_read_file_errors_are_the_callers() -> None:
    def refuse(relative_path: str) -> bytes:
        raise PermissionError(relative_path)

    with pytest.raises(PermissionError, match=r"train\.py"):
        expand(spec_of("RayCluster"), refuse, "x")


def test_is_spec_and_str() -> None:
    assert is_spec(guide_spec())
    assert not is_spec({"apiVersion": "ray.io/v1", "kind": "RayJob"})
    assert not is_spec([])
    with pytest.raises(SpecError) as raised:
        expand({"apiVersion": "ray.io/v1", "kind": "RayJob"}, read_from({}), "x.yaml")
    assert raised.value.path == ("apiVersion",)
    assert str(SpecError(("spec", "workers", 0), "bad")) == "spec.workers[0]: bad"


# --- The JSON schemas ----------------------------------------------------------------


def _walk(node: Any, path: tuple[str | int, ...] = ()) -> list[tuple[tuple[str | int, ...], dict[str, Any]]]:
    found: list[tuple[tuple[str | int, ...], dict[str, Any]]] = []
    if isinstance(node, dict):
        found.append((path, node))
        for key, value in node.items():
            found.extend(_walk(value, (*path, key)))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found.extend(_walk(value, (*path, index)))
    return found


@pytest.mark.parametrize("kind", SPEC_KINDS)
def test_schema_files_are_current_and_draft_07(kind: str) -> None:
    path = SCHEMA_DIR / f"{kind.lower()}.json"
    assert path.read_text(encoding="utf-8") == schema_text(kind), "regenerate with rayops.spec.schema_text"
    schema = json.loads(path.read_text(encoding="utf-8"))
    assert schema["$schema"] == "http://json-schema.org/draft-07/schema#"
    assert schema["properties"]["kind"] == {"const": kind, "description": "The kind of spec."}
    json_types = {"object", "array", "string", "integer", "number", "boolean", "null"}
    for where, node in _walk(schema):
        if "definitions" in where or where[-1:] in (("properties",), ("definitions",)):
            continue
        if "$ref" in node:
            assert node["$ref"].removeprefix("#/definitions/") in schema["definitions"], where
        types = node.get("type")
        if types is not None:
            assert set([types] if isinstance(types, str) else types) <= json_types, where
        if types == "object":
            assert "additionalProperties" in node, where
            if "properties" in node:
                assert node["additionalProperties"] is False, where
                assert set(node.get("required", [])) <= set(node["properties"]), where


def _schema_examples() -> list[tuple[str, dict[str, Any], bool]]:
    good = [(kind, spec_of(kind), True) for kind in SPEC_KINDS]
    bad_field = spec_of("RayJob")
    bad_field["spec"]["head"]["cpu"] = 1
    bad_type = spec_of("RayCluster")
    bad_type["spec"]["prometheus"] = "yes"
    missing = spec_of("RayCronJob")
    del missing["spec"]["job"]["rayVersion"]
    bad_enum = spec_of("RayService")
    bad_enum["spec"]["upgradeStrategy"]["type"] = "Rolling"
    bad_quantity = spec_of("RayCluster")
    bad_quantity["spec"]["workers"][0]["resources"]["memory"] = {"limit": "lots"}
    wrong_api = spec_of("RayJob")
    wrong_api["apiVersion"] = "rayops.dev/v1"
    return [
        *good,
        ("RayJob", bad_field, False),
        ("RayCluster", bad_type, False),
        ("RayCronJob", missing, False),
        ("RayService", bad_enum, False),
        ("RayCluster", bad_quantity, False),
        ("RayJob", wrong_api, False),
    ]


@pytest.mark.parametrize(("kind", "document", "valid"), _schema_examples())
def test_checker_and_expander_agree_with_the_schema(kind: str, document: dict[str, Any], valid: bool) -> None:
    schema = json.loads((SCHEMA_DIR / f"{kind.lower()}.json").read_text(encoding="utf-8"))
    if valid:
        check(document, schema)
        assert expand(document, read_from(FILES), "x")
    else:
        with pytest.raises(SpecError):
            check(document, schema)
        with pytest.raises(SpecError):
            expand(document, read_from(FILES), "x")
    if importlib.util.find_spec("jsonschema") is not None:
        import jsonschema

        jsonschema.Draft7Validator.check_schema(schema)
        assert jsonschema.Draft7Validator(schema).is_valid(document) is valid


def test_spec_schema_rejects_unknown_kinds() -> None:
    with pytest.raises(ValueError, match="unknown spec kind"):
        spec_schema("RayThing")


def test_code_hash_follows_the_documented_formula() -> None:
    import hashlib

    from rayops.spec import code_hash

    files = {"b.py": b"2", "a.py": b"1"}
    expected = hashlib.sha256(b"4:a.py1:1" + b"4:b.py1:2").hexdigest()[:10]
    assert code_hash(files) == expected
    (_, config_map) = expand(guide_spec(), read_from(FILES), "x")
    assert config_map["metadata"]["name"] == "rayjob-sample-code-" + code_hash(
        {"sample_code.py": FILES["sample_code.py"]}
    )
