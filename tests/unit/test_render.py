"""Rendering a workspace: overlays, determinism, atomicity, --check and containment."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml

from rayops.errors import UsageError
from rayops.render import differences, dump_resource, render_workspace, write_outputs
from rayops.workspace import load_workspace

BASE = """\
apiVersion: ray.io/v1
kind: RayCluster
metadata:
  name: demo
spec:
  rayVersion: "2.46.0"
  headGroupSpec:
    rayStartParams: {}
    template:
      spec:
        containers:
        - name: ray-head
          image: rayproject/ray:2.46.0
          resources: {limits: {cpu: "1", memory: 2Gi}}
          volumeMounts: [{name: code, mountPath: /code}]
        volumes: [{name: code, configMap: {name: code}}]
  workerGroupSpecs:
  - groupName: small
    replicas: 1
    minReplicas: 1
    maxReplicas: 5
    rayStartParams: {}
    template:
      spec:
        containers:
        - name: ray-worker
          image: rayproject/ray:2.46.0
          resources: {limits: {cpu: "1", memory: 2Gi}}
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: code
data:
  main.py: print("hello")
"""
WORKSPACE = """\
kuberayVersion: "1.5.1"
environments:
  - name: dev
    namespace: ray-dev
  - name: prod
"""
PROD = """\
bases: [../base]
namePrefix: prod-
labels: {environment: prod}
images: [{name: rayproject/ray, newTag: 2.47.1}]
patches:
  - target: {kind: RayCluster, name: demo}
    patch:
      spec:
        rayVersion: "2.47.1"
        workerGroupSpecs:
          - groupName: small
            maxReplicas: 20
"""


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    (tmp_path / "overlays" / "base").mkdir(parents=True)
    (tmp_path / "overlays" / "dev").mkdir()
    (tmp_path / "overlays" / "prod").mkdir()
    (tmp_path / "overlays" / "base" / "cluster.yaml").write_text(BASE)
    (tmp_path / "overlays" / "dev" / "overlay.yaml").write_text("bases: [../base]\n")
    (tmp_path / "overlays" / "prod" / "overlay.yaml").write_text(PROD)
    (tmp_path / "rayops.yaml").write_text(WORKSPACE)
    return tmp_path


def _render(root: Path) -> dict[str, dict[str, str]]:
    result = render_workspace(load_workspace(str(root / "rayops.yaml")))
    assert [f for f in result.findings if f.severity.label == "error"] == []
    return {os.path.relpath(k, root): v for k, v in result.outputs.items()}


def test_each_environment_gets_one_file_per_resource(workspace: Path) -> None:
    outputs = _render(workspace)
    assert sorted(outputs) == ["rendered/dev", "rendered/prod"]
    assert sorted(outputs["rendered/dev"]) == ["configmap-code.yaml", "raycluster-demo.yaml"]
    assert sorted(outputs["rendered/prod"]) == ["configmap-prod-code.yaml", "raycluster-prod-demo.yaml"]


def test_overlay_patches_worker_groups_by_name_and_follows_renames(workspace: Path) -> None:
    prod = yaml.safe_load(_render(workspace)["rendered/prod"]["raycluster-prod-demo.yaml"])
    [group] = prod["spec"]["workerGroupSpecs"]
    assert (group["groupName"], group["replicas"], group["minReplicas"], group["maxReplicas"]) == (
        "small",
        1,
        1,
        20,
    )
    head = prod["spec"]["headGroupSpec"]["template"]
    assert head["spec"]["volumes"][0]["configMap"]["name"] == "prod-code"
    assert head["spec"]["containers"][0]["image"] == "rayproject/ray:2.47.1"
    assert head["metadata"]["labels"] == {"environment": "prod"}
    assert prod["metadata"]["labels"] == {"environment": "prod"}


def test_namespace_from_the_workspace(workspace: Path) -> None:
    dev = yaml.safe_load(_render(workspace)["rendered/dev"]["raycluster-demo.yaml"])
    assert dev["metadata"]["namespace"] == "ray-dev"


def test_render_is_deterministic_and_check_sees_changes(workspace: Path) -> None:
    ws = load_workspace(str(workspace / "rayops.yaml"))
    first = render_workspace(ws)
    write_outputs(first)
    before = {p: p.read_bytes() for p in sorted((workspace / "rendered").rglob("*.yaml"))}
    second = render_workspace(ws)
    assert differences(second, ws) == []
    write_outputs(second)
    assert {p: p.read_bytes() for p in sorted((workspace / "rendered").rglob("*.yaml"))} == before
    (workspace / "rendered" / "dev" / "stale.yaml").write_text("x: 1\n")
    (workspace / "overlays" / "base" / "cluster.yaml").write_text(
        BASE.replace("maxReplicas: 5", "maxReplicas: 6")
    )
    changed = differences(render_workspace(ws), ws)
    assert "rendered/dev/stale.yaml: stale (render would remove it)" in changed
    assert "rendered/dev/raycluster-demo.yaml: differs" in changed


def test_a_failed_render_writes_nothing(workspace: Path) -> None:
    ws = load_workspace(str(workspace / "rayops.yaml"))
    write_outputs(render_workspace(ws))
    before = {p: p.read_bytes() for p in (workspace / "rendered").rglob("*.yaml")}
    (workspace / "overlays" / "prod" / "overlay.yaml").write_text(PROD.replace("name: demo", "name: nothing"))
    result = render_workspace(ws)
    [error] = [f for f in result.findings if f.severity.label == "error"]
    assert error.rule == "R302"
    assert error.location.file.endswith("overlay.yaml")
    assert (error.location.line, error.location.column) == (6, 38)
    assert {p: p.read_bytes() for p in (workspace / "rendered").rglob("*.yaml")} == before


def test_findings_point_at_the_patch_that_wrote_the_value(workspace: Path) -> None:
    overlay = workspace / "overlays" / "prod" / "overlay.yaml"
    overlay.write_text(PROD.replace("maxReplicas: 20", "maxReplicas: many"))
    result = render_workspace(load_workspace(str(workspace / "rayops.yaml")), ["prod"])
    errors = [(f.rule, f.location.file, f.location.line, f.location.column) for f in result.findings]
    assert errors == [("S203", "overlays/prod/overlay.yaml", 12, 26)]


def test_output_reads_the_same_under_yaml_1_1_and_1_2() -> None:
    text = dump_resource(
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": "x"},
            "data": {
                "a": "yes",
                "b": "08",
                "c": "1e3",
                "d": "y",
                "e": "0o17",
                "f": "plain",
                "g": "two\nlines",
            },
        },
        ["src.yaml"],
    )
    assert text.startswith("# Rendered by rayops from src.yaml.")
    for quoted in ('"yes"', '"08"', '"1e3"', '"y"', '"0o17"'):
        assert quoted in text
    assert "f: plain" in text
    assert yaml.safe_load(text)["data"]["g"] == "two\nlines"


@pytest.mark.parametrize("bases", ["[/etc]", "[../../..]", "[../../outside]", "[link]"])
def test_paths_that_leave_the_workspace_are_refused(workspace: Path, bases: str) -> None:
    outside = workspace.parent / "outside"
    outside.mkdir(exist_ok=True)
    (outside / "x.yaml").write_text(BASE)
    os.symlink(outside, workspace / "overlays" / "dev" / "link")
    (workspace / "overlays" / "dev" / "overlay.yaml").write_text(f"bases: {bases}\n")
    result = render_workspace(load_workspace(str(workspace / "rayops.yaml")), ["dev"])
    assert [f.rule for f in result.findings] == ["R301"]


def test_workspace_mistakes_name_their_line(tmp_path: Path) -> None:
    (tmp_path / "rayops.yaml").write_text("environments:\n  - name: Dev_1\n")
    with pytest.raises(UsageError, match=r"rayops.yaml:2:11: an environment name is a DNS label"):
        load_workspace(str(tmp_path / "rayops.yaml"))
    (tmp_path / "rayops.yaml").write_text("environments:\n  - name: dev\n    output: ../elsewhere\n")
    with pytest.raises(UsageError, match="leaves the workspace"):
        load_workspace(str(tmp_path / "rayops.yaml"))


def test_the_committed_rendered_tree_is_up_to_date() -> None:
    """`rayops render --check` on this repository: rendered/ is what render writes."""
    from ..conftest import REPO_ROOT

    workspace = load_workspace(str(REPO_ROOT / "rayops.yaml"))
    result = render_workspace(workspace)
    assert [f for f in result.findings if f.severity.label == "error"] == []
    assert differences(result, workspace) == []


def test_a_broken_base_file_is_reported_relative_to_the_workspace(workspace: Path) -> None:
    (workspace / "overlays" / "base" / "broken.yaml").write_text("a: [1, 2\n")
    result = render_workspace(load_workspace(str(workspace / "rayops.yaml")), ["dev"])
    [finding] = [f for f in result.findings if f.rule == "Y101"]
    assert finding.location.file == "overlays/base/broken.yaml"


def test_overlay_parameters_fill_templates_in_bases_and_patches(workspace: Path) -> None:
    base = workspace / "overlays" / "base" / "cluster.yaml"
    base.write_text(BASE.replace("maxReplicas: 5", 'maxReplicas: "{{ max_workers }}"'))
    overlay = workspace / "overlays" / "dev" / "overlay.yaml"
    overlay.write_text("bases: [../base]\nparameters: {max_workers: 7}\n")
    result = render_workspace(load_workspace(str(workspace / "rayops.yaml")), ["dev"])
    assert [f for f in result.findings if f.severity.label == "error"] == []
    dev = yaml.safe_load(result.outputs[str(workspace / "rendered" / "dev")]["raycluster-demo.yaml"])
    assert dev["spec"]["workerGroupSpecs"][0]["maxReplicas"] == 7


def test_an_unknown_parameter_points_at_the_template(workspace: Path) -> None:
    base = workspace / "overlays" / "base" / "cluster.yaml"
    base.write_text(BASE.replace("maxReplicas: 5", 'maxReplicas: "{{ missing }}"'))
    (workspace / "overlays" / "dev" / "overlay.yaml").write_text("bases: [../base]\nparameters: {other: 1}\n")
    result = render_workspace(load_workspace(str(workspace / "rayops.yaml")), ["dev"])
    [error] = [f for f in result.findings if f.rule == "R303"]
    assert (error.location.file, error.location.line, error.location.column) == (
        "overlays/base/cluster.yaml",
        21,
        18,
    )


SPEC = """\
apiVersion: rayops.dev/v1alpha1
kind: RayJob
metadata:
  name: job
spec:
  rayVersion: "2.46.0"
  entrypoint: python /code/main.py
  shutdownAfterJobFinishes: true
  code: {files: [main.py], mountPath: /code}
  head: {resources: {cpu: "1", memory: 2Gi}}
  workers:
    - {name: small, replicas: 1, minReplicas: 1, maxReplicas: 2, resources: {cpu: "1", memory: 2Gi}}
"""


def test_a_spec_expands_and_its_code_configmap_follows_the_code(workspace: Path) -> None:
    base = workspace / "overlays" / "base"
    (base / "cluster.yaml").unlink()
    (base / "job.yaml").write_text(SPEC)
    (base / "main.py").write_text("print('one')\n")
    (workspace / "overlays" / "prod" / "overlay.yaml").write_text("bases: [../base]\n")
    ws = load_workspace(str(workspace / "rayops.yaml"))
    first = render_workspace(ws)
    assert [f for f in first.findings if f.severity.label == "error"] == []
    write_outputs(first)
    names = sorted(p.name for p in (workspace / "rendered" / "dev").iterdir())
    assert names[1] == "rayjob-job.yaml" and names[0].startswith("configmap-job-code-")
    (base / "main.py").write_text("print('two')\n")
    second = render_workspace(ws)
    assert f"rendered/dev/{names[0]}: differs" in differences(second, ws)  # kept, marked previous
    outputs = second.outputs[str(workspace / "rendered" / "dev")]
    [configmap] = [n for n in outputs if n.startswith("configmap-") and n != names[0]]
    new_name = configmap.removeprefix("configmap-").removesuffix(".yaml")
    job = second.outputs[str(workspace / "rendered" / "dev")]["rayjob-job.yaml"]
    assert job.count(f"name: {new_name}") == 2  # the head and the worker volume
    assert new_name not in names[0]


def test_a_spec_that_cannot_expand_points_at_the_spec(workspace: Path) -> None:
    (workspace / "overlays" / "base" / "job.yaml").write_text(SPEC.replace("rayVersion:", "rayVerson:"))
    result = render_workspace(load_workspace(str(workspace / "rayops.yaml")), ["dev"])
    found = {(f.location.line, f.message.split(";")[0]) for f in result.findings if f.rule == "R304"}
    assert found == {(6, "unknown field 'rayVerson'"), (5, "missing required field 'rayVersion'")}


def test_every_mistake_of_a_spec_is_reported_not_only_the_first(workspace: Path) -> None:
    broken = (
        SPEC.replace("shutdownAfterJobFinishes: true", "shutdownAfterJobFinishes: maybe")
        .replace("replicas: 1,", "replicas: -1,")
        .replace("entrypoint:", "entrypiont:")
    )
    (workspace / "overlays" / "base" / "job.yaml").write_text(broken)
    result = render_workspace(load_workspace(str(workspace / "rayops.yaml")), ["dev"])
    lines = sorted(f.location.line for f in result.findings if f.rule == "R304")
    assert lines == [7, 8, 12]


def test_a_spec_cannot_read_files_outside_the_workspace(workspace: Path) -> None:
    (workspace.parent / "secret.txt").write_text("password")
    os.symlink(workspace.parent / "secret.txt", workspace / "overlays" / "base" / "main.py")
    (workspace / "overlays" / "base" / "job.yaml").write_text(SPEC)
    result = render_workspace(load_workspace(str(workspace / "rayops.yaml")), ["dev"])
    assert [f.rule for f in result.findings if f.severity.label == "error"] == ["R304"]
    assert not any("password" in text for files in result.outputs.values() for text in files.values())


def test_the_rendered_dev_rayjob_is_the_guides_sample_in_substance(shared_samples: Path) -> None:
    from ..conftest import REPO_ROOT

    guide = next(
        d
        for d in yaml.safe_load_all(
            (shared_samples / "ray-operator/config/samples/ray-job.sample.yaml").read_text()
        )
        if d and d.get("kind") == "RayJob"
    )
    rendered = yaml.safe_load((REPO_ROOT / "rendered/dev/rayjob-rayjob-sample.yaml").read_text())
    assert rendered["spec"]["entrypoint"] == guide["spec"]["entrypoint"]
    assert yaml.safe_load(rendered["spec"]["runtimeEnvYAML"]) == yaml.safe_load(
        guide["spec"]["runtimeEnvYAML"]
    )
    ours, theirs = rendered["spec"]["rayClusterSpec"], guide["spec"]["rayClusterSpec"]
    head, guide_head = (c["headGroupSpec"]["template"]["spec"]["containers"][0] for c in (ours, theirs))
    assert [(p["containerPort"], p["name"]) for p in head["ports"]] == [
        (p["containerPort"], p["name"]) for p in guide_head["ports"]
    ]
    assert (
        head["volumeMounts"][0]["mountPath"]
        == guide_head["volumeMounts"][0]["mountPath"]
        == "/home/ray/samples"
    )
    assert head["resources"]["limits"]["cpu"] == guide_head["resources"]["limits"]["cpu"]
    assert head["resources"]["requests"]["cpu"] == guide_head["resources"]["requests"]["cpu"]
    [group], [guide_group] = ours["workerGroupSpecs"], theirs["workerGroupSpecs"]
    for key in ("groupName", "replicas", "minReplicas", "maxReplicas"):
        assert group[key] == guide_group[key]
    configmap = ours["headGroupSpec"]["template"]["spec"]["volumes"][0]["configMap"]["name"]
    assert configmap.startswith("rayjob-sample-code-") and len(configmap) == len("rayjob-sample-code-") + 10
    assert (REPO_ROOT / f"rendered/dev/configmap-{configmap}.yaml").is_file()


def test_the_previous_code_configmap_is_kept_until_the_next_change(workspace: Path) -> None:
    base = workspace / "overlays" / "base"
    (base / "cluster.yaml").unlink()
    (base / "job.yaml").write_text(SPEC)
    ws = load_workspace(str(workspace / "rayops.yaml"))
    dev = workspace / "rendered" / "dev"
    history = []
    for version in ("one", "two", "two", "three"):
        (base / "main.py").write_text(f"print('{version}')\n")
        write_outputs(render_workspace(ws, ["dev"]))
        history.append(sorted(p.name for p in dev.iterdir() if p.name.startswith("configmap-")))
    [one] = history[0]
    [two] = set(history[1]) - {one}
    [three] = set(history[3]) - set(history[2])
    assert history[1] == sorted([one, two])
    assert history[2] == history[1]  # no code change: nothing moves
    assert history[3] == sorted([two, three])
    kept = yaml.safe_load((dev / two).read_text())
    assert kept["metadata"]["annotations"]["rayops.dev/previous-code"] == "true"
    assert differences(render_workspace(ws, ["dev"]), ws) == []


def test_without_parameters_a_literal_template_stays_as_written(workspace: Path) -> None:
    base = workspace / "overlays" / "base" / "cluster.yaml"
    base.write_text(BASE.replace('main.py: print("hello")', 'alert.tmpl: "{{ .Labels.job }} is down"'))
    dev = _render(workspace)["rendered/dev"]["configmap-code.yaml"]
    assert yaml.safe_load(dev)["data"]["alert.tmpl"] == "{{ .Labels.job }} is down"


def test_a_bad_label_from_the_overlay_is_reported_at_the_overlay(workspace: Path) -> None:
    overlay = workspace / "overlays" / "dev" / "overlay.yaml"
    overlay.write_text("bases: [../base]\nlabels:\n  team: Bad Value!\n")
    result = render_workspace(load_workspace(str(workspace / "rayops.yaml")), ["dev"])
    places = {
        (f.rule, f.location.file, f.location.line) for f in result.findings if f.severity.label == "error"
    }
    assert ("S209", "overlays/dev/overlay.yaml", 3) in places


def test_a_namespace_from_the_workspace_file_is_reported_there(workspace: Path) -> None:
    long_name = "n" * 64  # a DNS label by its characters, one over the 63 a namespace may have
    text = (workspace / "rayops.yaml").read_text().replace("namespace: ray-dev", f"namespace: {long_name}")
    (workspace / "rayops.yaml").write_text(text)
    result = render_workspace(load_workspace(str(workspace / "rayops.yaml")), ["dev"])
    located = {(f.rule, f.location.file, f.location.line, f.location.column) for f in result.findings}
    assert located == {("S209", "rayops.yaml", 4, 16)}
