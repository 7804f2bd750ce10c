"""`rayops validate`, `versions` and `schemas build` through the command line."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from xml.etree import ElementTree

import pytest
from click.testing import CliRunner

from rayops.cli import main

GOOD = """\
apiVersion: v1
kind: ConfigMap
metadata:
  name: good
data:
  key: value
"""
BAD = """\
apiVersion: v1
kind: ConfigMap
metadata:
  name: bad
data:
  enabled: yes
"""
DEPRECATED = """\
apiVersion: ray.io/v1alpha1
kind: RayCluster
metadata:
  name: old
spec:
  headGroupSpec:
    rayStartParams: {}
    template:
      spec:
        containers: [{name: ray-head, image: rayproject/ray:2.46.0}]
"""


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    paths = {}
    for name, text in (("good", GOOD), ("bad", BAD), ("deprecated", DEPRECATED)):
        path = tmp_path / f"{name}.yaml"
        path.write_text(text)
        paths[name] = path
    return paths


def _run(*args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args), env=env or {"GITHUB_ACTIONS": ""})
    return result.exit_code, result.stdout, result.stderr


def test_clean_input_exits_0_and_prints_only_the_summary(files: dict[str, Path]) -> None:
    code, out, err = _run("validate", str(files["good"]))
    assert (code, out) == (0, "")
    assert "1 resources in 1 files" in err


def test_findings_exit_1_as_path_line_column(files: dict[str, Path]) -> None:
    code, out, _ = _run("validate", "--no-summary", str(files["bad"]))
    assert code == 1
    assert out == f"{files['bad']}:6:12: error [S203] must be string, not boolean true (ConfigMap/bad)\n"


def test_warnings_fail_only_with_fail_on_warning(files: dict[str, Path]) -> None:
    path = str(files["deprecated"])
    assert _run("validate", "--kuberay-version", "1.7.0", path)[0] == 0
    code, out, _ = _run("validate", "--kuberay-version", "1.7.0", "--fail-on", "warning", path)
    assert code == 1
    assert "warning [S213]" in out


def test_json_output_is_the_documented_shape(files: dict[str, Path]) -> None:
    code, out, _ = _run("validate", "-o", "json", str(files["bad"]), str(files["good"]))
    assert code == 1
    document = json.loads(out)
    assert document["version"] == 1
    [finding] = document["findings"]
    assert finding == {
        "file": str(files["bad"]),
        "line": 6,
        "column": 12,
        "severity": "error",
        "rule": "S203",
        "message": "must be string, not boolean true",
        "path": "data.enabled",
        "kind": "ConfigMap",
        "name": "bad",
    }
    assert document["summary"]["files"] == 2
    assert document["summary"]["errors"] == 1


def test_junit_output_parses_and_fails_the_bad_file(files: dict[str, Path]) -> None:
    _, out, _ = _run("validate", "-o", "junit", str(files["bad"]), str(files["good"]))
    root = ElementTree.fromstring(out.split("\n", 1)[1])
    [suite] = root.findall("testsuite")
    assert suite.get("failures") == "1"
    [case] = suite.findall("testcase")
    assert case.get("name") == str(files["bad"])
    assert case.find("failure") is not None


def test_sarif_output_has_rules_and_regions(files: dict[str, Path]) -> None:
    _, out, _ = _run("validate", "-o", "sarif", str(files["bad"]))
    run = json.loads(out)["runs"][0]
    assert run["tool"]["driver"]["rules"][0]["id"] == "S203"
    region = run["results"][0]["locations"][0]["physicalLocation"]["region"]
    assert region == {"startLine": 6, "startColumn": 12}


def test_github_output_is_the_default_under_actions(files: dict[str, Path]) -> None:
    _, out, _ = _run("validate", str(files["bad"]), env={"GITHUB_ACTIONS": "true"})
    assert out.startswith(f"::error file={files['bad']},line=6,col=12,title=rayops S203::must be string")


def test_skip_and_ignore_missing_schemas(tmp_path: Path) -> None:
    path = tmp_path / "queue.yaml"
    path.write_text("apiVersion: scheduling.volcano.sh/v1beta1\nkind: Queue\nmetadata:\n  name: q\n")
    code, out, _ = _run("validate", "--no-summary", str(path))
    assert code == 1
    assert "[S210]" in out and "--skip Queue" in out
    assert _run("validate", "--skip", "Queue", str(path))[0] == 0
    assert _run("validate", "--ignore-missing-schemas", str(path))[0] == 0


@pytest.mark.parametrize(
    "args",
    [
        ["validate"],
        ["validate", "/no/such/file.yaml"],
        ["validate", "--kuberay-version", "9.9.9", "-"],
        ["validate", "--kuberay-version", "latest", "-"],
        ["validate", "--kubernetes-version", "1.2", "-"],
        ["validate", "--feature-gates", "RayJobDeletionPolicy=maybe", "-"],
        ["validate", "--kuberay-version", "1.5.1", "--feature-gates", "RayCronJob=true", "-"],
        ["validate", "--disable", "KR999", "-"],
        ["validate", "--output", "yaml", "-"],
    ],
)
def test_usage_errors_exit_2_with_one_line(args: list[str]) -> None:
    code, out, err = _run(*args)
    assert code == 2
    assert out == ""
    assert "Traceback" not in err


def test_folders_are_searched_recursively(tmp_path: Path) -> None:
    (tmp_path / "a" / "b").mkdir(parents=True)
    (tmp_path / "a" / "b" / "one.yml").write_text(GOOD)
    (tmp_path / "a" / "two.yaml").write_text(BAD.replace("name: bad", "name: bad2"))
    (tmp_path / "a" / "notes.txt").write_text("not yaml: [")
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "x.yaml").write_text("{")
    code, out, err = _run("validate", str(tmp_path))
    assert code == 1
    assert out.count("\n") == 1 and "two.yaml:6:12" in out
    assert "2 resources in 2 files" in err


def test_stdin_is_read_with_a_dash() -> None:
    result = CliRunner().invoke(main, ["validate", "--no-summary", "-"], input=BAD)
    assert result.exit_code == 1
    assert result.stdout.startswith("<stdin>:6:12: error [S203]")


def test_versions_lists_every_bundled_family() -> None:
    code, out, _ = _run("versions", "-o", "json")
    listing = json.loads(out)
    assert code == 0
    assert listing["kuberay"][-1] == "v1.7.0"
    assert "v3.5.1" in listing["argocd"]
    assert "1.32" in listing["kubernetes"]


def test_schemas_build_writes_kubeconform_layout(tmp_path: Path) -> None:
    crd = tmp_path / "crd.yaml"
    crd.write_text(
        "apiVersion: v1\nkind: List\nitems:\n"
        "- apiVersion: apiextensions.k8s.io/v1\n  kind: CustomResourceDefinition\n"
        "  metadata: {name: widgets.example.com}\n"
        "  spec:\n    group: example.com\n    scope: Namespaced\n"
        "    names: {kind: Widget, plural: widgets}\n"
        "    versions:\n    - name: v1\n      served: true\n      storage: true\n"
        "      schema: {openAPIV3Schema: {type: object}}\n"
    )
    out_dir = tmp_path / "out"
    code, _, _ = _run("schemas", "build", str(crd), "-o", str(out_dir))
    assert code == 0
    assert sorted(p.name for p in out_dir.iterdir()) == ["index.json", "widget_v1.json"]


def test_the_module_runs_as_a_process_without_traceback(files: dict[str, Path]) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "rayops", "validate", "--no-summary", str(files["bad"])],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1
    assert result.stdout.endswith("(ConfigMap/bad)\n")
    assert "Traceback" not in result.stderr


def test_rules_and_explain() -> None:
    code, out, _ = _run("rules")
    assert code == 0
    assert out.startswith("KR101  error")
    code, out, _ = _run("explain", "kr101")
    assert code == 0
    assert out.startswith("KR101: RayCluster name")
    assert "```yaml fail" in out
    assert _run("explain", "KR999")[0] == 2


def test_rule_findings_can_be_disabled_per_run_and_per_resource(tmp_path: Path) -> None:
    path = tmp_path / "cluster.yaml"
    path.write_text(
        DEPRECATED.replace("ray.io/v1alpha1", "ray.io/v1").replace("name: old", "name: old.cluster")
    )
    code, out, _ = _run("validate", "--no-summary", "--kuberay-version", "1.7.0", str(path))
    assert code == 1
    assert "error [KR101]" in out
    assert _run("validate", "--kuberay-version", "1.7.0", "--disable", "KR101", str(path))[0] == 0
    annotated = path.read_text().replace(
        "  name: old.cluster\n", "  name: old.cluster\n  annotations:\n    rayops.dev/ignore: KR101\n"
    )
    path.write_text(annotated)
    assert _run("validate", "--kuberay-version", "1.7.0", str(path))[0] == 0


def test_schema_only_skips_the_operator_rules(tmp_path: Path) -> None:
    path = tmp_path / "cluster.yaml"
    text = DEPRECATED.replace("ray.io/v1alpha1", "ray.io/v1").replace("name: old", "name: old.cluster")
    path.write_text(text)
    assert _run("validate", "--kuberay-version", "1.7.0", str(path))[0] == 1
    code, out, _ = _run("validate", "--no-summary", "--kuberay-version", "1.7.0", "--schema-only", str(path))
    assert (code, out) == (0, "")


def test_render_writes_then_check_passes_and_catches_drift(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "overlays" / "base").mkdir(parents=True)
    (tmp_path / "overlays" / "dev").mkdir()
    (tmp_path / "overlays" / "base" / "cm.yaml").write_text(GOOD)
    (tmp_path / "overlays" / "dev" / "overlay.yaml").write_text("bases: [../base]\nnamespace: ray-dev\n")
    (tmp_path / "rayops.yaml").write_text("environments:\n  - name: dev\n")
    monkeypatch.chdir(tmp_path)
    code, _, err = _run("render")
    assert code == 0
    assert "rendered/dev: 1 resources" in err
    assert (tmp_path / "rendered" / "dev" / "configmap-good.yaml").is_file()
    assert _run("render", "--check")[0] == 0
    (tmp_path / "overlays" / "base" / "cm.yaml").write_text(GOOD.replace("value", "other"))
    code, out, _ = _run("render", "--check")
    assert (code, out) == (1, "rendered/dev/configmap-good.yaml: differs\n")
    assert _run("render", "--env", "nope")[0] == 2


def test_argo_cd_and_flux_kinds_use_their_bundled_schemas(tmp_path: Path) -> None:
    path = tmp_path / "gitops.yaml"
    path.write_text(
        "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata: {name: x}\n"
        "spec: {interval: 1m, prune: true, sourceRef: {kind: GitRepository, name: repo}, bogus: 1}\n"
        "---\napiVersion: argoproj.io/v1alpha1\nkind: AppProject\nmetadata: {name: p}\nspec: {}\n"
    )
    code, out, _ = _run("validate", "--no-summary", str(path))
    assert code == 1
    assert out.count("\n") == 1 and '[S201] unknown field "bogus"' in out
