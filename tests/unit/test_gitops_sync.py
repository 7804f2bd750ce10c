"""Argo CD and Flux sync objects from rayops.yaml's gitops section, and the drift warnings."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jq
import pytest
import yaml

from rayops.errors import UsageError
from rayops.gitops.sync import AUTOSCALED_PATHS, feature_gate_values
from rayops.render import differences, render_workspace, write_outputs
from rayops.validate.engine import ValidationOptions, validate_paths
from rayops.workspace import load_workspace

REPO = Path(__file__).resolve().parents[2]

RAYCLUSTER = """\
apiVersion: ray.io/v1
kind: RayCluster
metadata:
  name: autoscaled
spec:
  rayVersion: "2.46.0"
  enableInTreeAutoscaling: true
  headGroupSpec:
    rayStartParams: {}
    template:
      spec:
        containers:
        - name: ray-head
          image: rayproject/ray:2.46.0
          resources: {limits: {cpu: "1", memory: 2Gi}}
  workerGroupSpecs:
  - groupName: small
    replicas: 2
    minReplicas: 1
    maxReplicas: 5
    rayStartParams: {}
    template:
      spec:
        containers:
        - name: ray-worker
          image: rayproject/ray:2.46.0
          resources: {limits: {cpu: "1", memory: 2Gi}}
"""
RAYJOB = """\
apiVersion: ray.io/v1
kind: RayJob
metadata:
  name: once
spec:
  entrypoint: python -c 'print(1)'
  deletionStrategy:
    deletionRules:
    - policy: DeleteSelf
      condition: {jobStatus: SUCCEEDED, ttlSeconds: 60}
  rayClusterSpec:
    rayVersion: "2.46.0"
    headGroupSpec:
      rayStartParams: {}
      template:
        spec:
          containers:
          - name: ray-head
            image: rayproject/ray:2.46.0
            resources: {limits: {cpu: "1", memory: 2Gi}}
"""


def _workspace(tmp_path: Path, gitops: str, *, gates: str = "{}") -> Path:
    (tmp_path / "overlays" / "base").mkdir(parents=True)
    (tmp_path / "overlays" / "base" / "cluster.yaml").write_text(RAYCLUSTER)
    for env in ("dev", "prod"):
        (tmp_path / "overlays" / env).mkdir()
        (tmp_path / "overlays" / env / "overlay.yaml").write_text("bases: [../base]\n")
    (tmp_path / "rayops.yaml").write_text(
        f'kuberayVersion: "1.7.0"\nkubernetesVersion: "1.32"\nfeatureGates: {gates}\n'
        "environments:\n  - {name: dev, namespace: ray-dev}\n  - {name: prod, namespace: ray-prod}\n"
        f"gitops:\n{gitops}"
    )
    return tmp_path


BOTH = "  repoURL: https://git.example.com/platform/ray.git\n  argocd: {}\n  flux: {}\n"


def _objects(output: dict[str, str]) -> dict[str, dict[str, Any]]:
    return {name: yaml.safe_load(text) for name, text in output.items()}


def test_the_bundled_examples_sync_objects_validate_and_are_committed() -> None:
    workspace = load_workspace(str(REPO / "rayops.yaml"))
    assert workspace.gitops.argocd is not None and workspace.gitops.flux is not None
    result = render_workspace(workspace)
    assert result.findings == []
    assert differences(result, workspace) == []
    gitops = [str(REPO / "rendered" / "gitops")]
    report = validate_paths(gitops, ValidationOptions(kuberay_version="1.5.1", kubernetes_version="1.32"))
    assert report.resources == 21 and report.findings == []  # 12 sync objects, 9 of the watcher
    kinds = sorted(
        yaml.safe_load(path.read_text())["kind"]
        for path in (REPO / "rendered" / "gitops").rglob("*.yaml")
        if path.parent.name != "watcher"
    )
    assert kinds == [
        *["Application"] * 4,
        "ConfigMap",
        "GitRepository",
        "HelmRelease",
        "HelmRepository",
        *["Kustomization"] * 4,
    ]


def test_argocd_applications_sync_each_environment_server_side(tmp_path: Path) -> None:
    workspace = load_workspace(str(_workspace(tmp_path, BOTH) / "rayops.yaml"))
    result = render_workspace(workspace)
    argocd = _objects(result.outputs[str(tmp_path / "rendered" / "gitops" / "argocd")])
    dev = argocd["application-ray-dev.yaml"]["spec"]
    assert dev["source"] == {
        "repoURL": "https://git.example.com/platform/ray.git",
        "targetRevision": "main",
        "path": "rendered/dev",
    }
    assert dev["destination"]["namespace"] == "ray-dev"
    assert "ServerSideApply=true" in dev["syncPolicy"]["syncOptions"]
    assert dev["syncPolicy"]["automated"] == {"prune": True, "selfHeal": True}
    operator = argocd["application-ray-kuberay-operator.yaml"]
    assert operator["metadata"]["annotations"]["argocd.argoproj.io/sync-wave"] == "-1"
    assert operator["spec"]["source"]["chart"] == "kuberay-operator"
    assert operator["spec"]["source"]["targetRevision"] == "1.7.0"
    assert "ServerSideApply=true" in operator["spec"]["syncPolicy"]["syncOptions"]  # CRDs over 256 KiB
    cm = argocd["configmap-argocd-cm.yaml"]
    assert "resource.customizations.health.ray.io_RayJob" in cm["data"]


def test_argocd_ignores_replicas_of_autoscaled_clusters_only(tmp_path: Path) -> None:
    # Argo CD removes each jqPathExpressions path with gojq's del(); libjq has the same semantics.
    remove = [jq.compile(f"del({path})") for path in AUTOSCALED_PATHS]
    autoscaled = yaml.safe_load(RAYCLUSTER)
    autoscaled["spec"]["workerGroupSpecs"][0]["scaleStrategy"] = {"workersToDelete": ["pod-a"]}
    fixed = json.loads(json.dumps(autoscaled))
    fixed["spec"]["enableInTreeAutoscaling"] = False
    for program in remove:
        autoscaled = program.input_value(autoscaled).first()
        fixed = program.input_value(fixed).first()
    assert autoscaled["spec"]["workerGroupSpecs"][0] == {
        k: v for k, v in yaml.safe_load(RAYCLUSTER)["spec"]["workerGroupSpecs"][0].items() if k != "replicas"
    }
    assert fixed["spec"]["workerGroupSpecs"][0]["replicas"] == 2
    assert fixed["spec"]["workerGroupSpecs"][0]["scaleStrategy"] == {"workersToDelete": ["pod-a"]}
    result = render_workspace(load_workspace(str(_workspace(tmp_path, BOTH) / "rayops.yaml")))
    argocd = _objects(result.outputs[str(tmp_path / "rendered" / "gitops" / "argocd")])
    policy = argocd["application-ray-dev.yaml"]["spec"]["syncPolicy"]
    # Not RespectIgnoreDifferences: on an atomic list it would keep git's worker changes out.
    assert "ApplyOutOfSyncOnly=true" in policy["syncOptions"]
    assert not any(o.startswith("RespectIgnoreDifferences") for o in policy["syncOptions"])


def test_flux_leaves_the_autoscalers_fields_of_each_autoscaled_cluster_alone(tmp_path: Path) -> None:
    result = render_workspace(load_workspace(str(_workspace(tmp_path, BOTH) / "rayops.yaml")))
    flux = _objects(result.outputs[str(tmp_path / "rendered" / "gitops" / "flux")])
    assert flux["kustomization-ray-prod.yaml"]["spec"]["ignore"] == [
        {
            "target": {
                "group": "ray.io",
                "kind": "RayCluster",
                "name": "autoscaled",
                "namespace": "ray-prod",
            },
            "paths": ["/spec/workerGroupSpecs/0/replicas", "/spec/workerGroupSpecs/0/scaleStrategy"],
        }
    ]


def test_an_application_set_replaces_the_applications(tmp_path: Path) -> None:
    gitops = "  repoURL: https://git.example.com/ray.git\n  argocd: {applicationSet: true}\n"
    result = render_workspace(load_workspace(str(_workspace(tmp_path, gitops) / "rayops.yaml")))
    argocd = _objects(result.outputs[str(tmp_path / "rendered" / "gitops" / "argocd")])
    assert sorted(argocd) == [
        "application-ray-kuberay-operator.yaml",
        "applicationset-ray.yaml",
        "configmap-argocd-cm.yaml",
    ]
    elements = argocd["applicationset-ray.yaml"]["spec"]["generators"][0]["list"]["elements"]
    assert elements == [
        {"env": "dev", "namespace": "ray-dev", "path": "rendered/dev"},
        {"env": "prod", "namespace": "ray-prod", "path": "rendered/prod"},
    ]
    assert [f.rule for f in result.findings] == ["KR601", "KR601"]  # the raw cluster's replicas


def test_flux_kustomizations_wait_on_ray_health_after_the_operator(tmp_path: Path) -> None:
    result = render_workspace(load_workspace(str(_workspace(tmp_path, BOTH) / "rayops.yaml")))
    flux = _objects(result.outputs[str(tmp_path / "rendered" / "gitops" / "flux")])
    dev = flux["kustomization-ray-dev.yaml"]["spec"]
    assert dev["path"] == "./rendered/dev" and dev["wait"] is True and dev["prune"] is True
    assert dev["dependsOn"] == [{"name": "ray-kuberay-operator"}]
    assert {e["kind"] for e in dev["healthCheckExprs"]} == {
        "RayCluster",
        "RayJob",
        "RayService",
        "RayCronJob",
    }
    assert (
        flux["kustomization-ray-kuberay-operator.yaml"]["spec"]["path"] == "./rendered/gitops/flux-operator"
    )
    operator = _objects(result.outputs[str(tmp_path / "rendered" / "gitops" / "flux-operator")])
    release = operator["helmrelease-kuberay-operator.yaml"]["spec"]
    assert release["install"]["crds"] == "CreateReplace" and release["upgrade"]["crds"] == "CreateReplace"
    assert release["chart"]["spec"]["version"] == "1.7.0"


def test_the_operator_gets_the_feature_gates_rayops_validates_with(tmp_path: Path) -> None:
    path = _workspace(tmp_path, BOTH, gates="{RayCronJob: true, RayJobDeletionPolicy: false}")
    result = render_workspace(load_workspace(str(path / "rayops.yaml")))
    operator = _objects(result.outputs[str(tmp_path / "rendered" / "gitops" / "flux-operator")])
    gates = {
        g["name"]: g["enabled"]
        for g in operator["helmrelease-kuberay-operator.yaml"]["spec"]["values"]["featureGates"]
    }
    assert gates["RayCronJob"] is True and gates["RayJobDeletionPolicy"] is False
    assert gates["RayMultiHostIndexing"] is True  # the 1.7.0 default, stated explicitly
    assert gates == {g["name"]: g["enabled"] for g in feature_gate_values("1.7.0", gates)}


def test_replicas_on_an_autoscaled_raw_cluster_are_reported_at_their_line(tmp_path: Path) -> None:
    result = render_workspace(load_workspace(str(_workspace(tmp_path, BOTH) / "rayops.yaml")))
    assert [(f.rule, f.location.file, f.location.line) for f in result.findings] == [
        ("KR601", "overlays/base/cluster.yaml", 18),
        ("KR601", "overlays/base/cluster.yaml", 18),
    ]


def test_render_warns_about_a_rayjob_that_deletes_itself(tmp_path: Path) -> None:
    _workspace(tmp_path, BOTH)
    (tmp_path / "overlays" / "base" / "cluster.yaml").write_text(RAYJOB)
    result = render_workspace(load_workspace(str(tmp_path / "rayops.yaml")))
    assert [(f.rule, f.location.line, f.location.column) for f in result.findings] == [
        ("R305", 9, 15),
        ("R305", 9, 15),
    ]


def test_sync_objects_are_written_and_checked_with_the_environments(tmp_path: Path) -> None:
    workspace = load_workspace(str(_workspace(tmp_path, BOTH) / "rayops.yaml"))
    write_outputs(render_workspace(workspace))
    assert (tmp_path / "rendered" / "gitops" / "flux" / "gitrepository-ray.yaml").is_file()
    assert differences(render_workspace(workspace), workspace) == []
    (tmp_path / "rendered" / "gitops" / "argocd" / "application-ray-dev.yaml").write_text("changed\n")
    assert differences(render_workspace(workspace), workspace) == [
        "rendered/gitops/argocd/application-ray-dev.yaml: differs"
    ]


@pytest.mark.parametrize(
    ("gitops", "line", "message"),
    [
        ("  argocd: {}\n", 7, "gitops needs repoURL"),
        ("  repoURL: x\n  flux: {interval: soon}\n", 9, "interval must be a duration"),
        ("  repoURL: x\n  argocd: {applicationSet: yes please}\n", 9, "applicationSet must be true or false"),
        ("  repoURL: x\n  argo: {}\n", 9, "unknown setting 'argo'"),
        ("  repoURL: x\n  argocd: {}\n  output: rendered\n", 5, "overlaps the gitops output"),
        ("  repoURL: x\n  argocd: {}\n  output: ../elsewhere\n", 10, "leaves the workspace"),
        ("  repoURL: x\n  repoPath: ../up\n", 9, "repoPath is a relative folder"),
        ("  repoURL: x\n  operator: {version: latest}\n", 9, "invalid KubeRay release"),
    ],
)
def test_gitops_mistakes_name_their_line(tmp_path: Path, gitops: str, line: int, message: str) -> None:
    workspace = load_workspace(str(_workspace(tmp_path, gitops) / "rayops.yaml"))
    with pytest.raises(UsageError) as error:
        _ = workspace.gitops  # checked on first use: rendering, not validation, needs it
    assert f"rayops.yaml:{line}:" in str(error.value) and message in str(error.value)


WATCH = """\
watch:
  namespaces: [ray-dev, ray-prod]
  deployment: {enabled: true, image: "ghcr.io/example/rayops:0.1.0", namespace: rayops-system}
  rules:
    - events: [JobFinished]
      actions: [{log: {}}]
"""


def test_the_watcher_is_rendered_and_synced_like_an_environment(tmp_path: Path) -> None:
    path = _workspace(tmp_path, BOTH)
    path.joinpath("rayops.yaml").write_text(path.joinpath("rayops.yaml").read_text() + WATCH)
    result = render_workspace(load_workspace(str(path / "rayops.yaml")))
    assert [f.rule for f in result.findings] == ["KR601", "KR601"]  # validated: nothing else to say
    watcher = _objects(result.outputs[str(tmp_path / "rendered" / "gitops" / "watcher")])
    kinds = sorted(value["kind"] for value in watcher.values())
    assert kinds.count("Deployment") == 1 and kinds.count("ServiceAccount") == 1
    roles = [v for v in watcher.values() if v["kind"] == "Role" and v["metadata"]["name"] == "rayops-watch"]
    assert sorted(role["metadata"]["namespace"] for role in roles) == ["ray-dev", "ray-prod"]
    argocd = _objects(result.outputs[str(tmp_path / "rendered" / "gitops" / "argocd")])
    assert argocd["application-ray-watcher.yaml"]["spec"]["source"]["path"] == "rendered/gitops/watcher"
    flux = _objects(result.outputs[str(tmp_path / "rendered" / "gitops" / "flux")])
    assert flux["kustomization-ray-watcher.yaml"]["spec"]["path"] == "./rendered/gitops/watcher"


def test_watch_mistakes_name_their_line_in_the_workspace_file(tmp_path: Path) -> None:
    path = _workspace(tmp_path, BOTH)
    broken = WATCH.replace("namespaces: [ray-dev, ray-prod]", "namespaces: [Ray_Dev]")
    path.joinpath("rayops.yaml").write_text(path.joinpath("rayops.yaml").read_text() + broken)
    with pytest.raises(UsageError, match=r"rayops\.yaml:12:16: namespace 'Ray_Dev' is not a DNS label"):
        render_workspace(load_workspace(str(path / "rayops.yaml")))
