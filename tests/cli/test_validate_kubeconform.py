"""`rayops validate --engine kubeconform` through the command line.

No kubeconform binary can be installed on the machines these tests run on: an
executable stand-in (tests/kubeconform_stand_in.py) is put first on PATH. It answers
in kubeconform's documented ``-output json`` format with kubeconform's exit codes,
and records the command line rayops gave it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from xml.etree import ElementTree

import pytest
from click.testing import CliRunner

from rayops.cli import main
from tests.kubeconform_stand_in import StandIn, install, kubeconform_json, path_with, resource

REPO_ROOT = Path(__file__).resolve().parents[2]

RAYJOB = """\
apiVersion: ray.io/v1
kind: RayJob
metadata:
  name: sample
spec:
  entrypoint: python main.py
  rayClusterSpec:
    headGroupSpec:
      rayStartParams: {}
      template:
        spec:
          containers:
            - name: ray-head
              image: rayproject/ray:2.46.0
              ports:
                - containerPort: "6379"
"""
PORT_POINTER = "/spec/rayClusterSpec/headGroupSpec/template/spec/containers/0/ports/0/containerPort"
PORT_ERROR = "got string, want integer"


@pytest.fixture
def stand_in(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> StandIn:
    """The stand-in kubeconform; the test runs in ``tmp_path``, away from any rayops.yaml."""
    monkeypatch.chdir(tmp_path)
    return install(tmp_path / "bin")


@pytest.fixture
def rayjob(tmp_path: Path) -> Path:
    path = tmp_path / "rayjob.yaml"
    path.write_text(RAYJOB)
    return path


def _invalid(path: str = "rayjob.yaml") -> str:
    return kubeconform_json(
        [
            resource(
                path,
                "RayJob",
                "sample",
                "ray.io/v1",
                "statusInvalid",
                "invalid",
                [(PORT_POINTER, PORT_ERROR)],
            )
        ],
        {"invalid": 1},
    )


def _run(stand_in: StandIn, *args: str, stdin: str | None = None, **env: str) -> tuple[int, str, str]:
    environment = {"GITHUB_ACTIONS": "", "PATH": path_with(stand_in.folder), "RAYOPS_KUBECONFORM": "", **env}
    result = CliRunner().invoke(
        main, ["validate", "--engine", "kubeconform", *args], env=environment, input=stdin
    )
    return result.exit_code, result.stdout, result.stderr


def test_findings_are_printed_at_path_line_column_and_exit_1(stand_in: StandIn, rayjob: Path) -> None:
    stand_in.answer(_invalid(), exit_code=1)
    code, out, err = _run(stand_in, "--kuberay-version", "1.7.0", "rayjob.yaml")
    assert code == 1
    assert out == "rayjob.yaml:16:34: error [KC100] got string, want integer (RayJob/sample)\n"
    assert "1 resources in 1 files validated against KubeRay v1.7.0" in err
    (call,) = stand_in.calls()
    assert call["argv"][-1] == "rayjob.yaml"
    assert "/kuberay/v1.7.0/" in " ".join(call["argv"])


def test_a_clean_run_exits_0(stand_in: StandIn, rayjob: Path) -> None:
    stand_in.answer(kubeconform_json([], {"valid": 1}))
    assert _run(stand_in, "--no-summary", "rayjob.yaml")[:2] == (0, "")


@pytest.mark.parametrize("output", ["json", "sarif", "junit", "github"])
def test_every_output_format_reports_the_finding(stand_in: StandIn, rayjob: Path, output: str) -> None:
    stand_in.answer(_invalid(), exit_code=1)
    code, out, _ = _run(stand_in, "-o", output, "rayjob.yaml")
    assert code == 1
    if output == "json":
        (finding,) = json.loads(out)["findings"]
        assert (finding["rule"], finding["line"], finding["column"], finding["kind"]) == (
            "KC100",
            16,
            34,
            "RayJob",
        )
        assert (
            finding["path"]
            == "spec.rayClusterSpec.headGroupSpec.template.spec.containers[0].ports[0].containerPort"
        )
    elif output == "sarif":
        (result,) = json.loads(out)["runs"][0]["results"]
        assert result["ruleId"] == "KC100"
        assert result["locations"][0]["physicalLocation"]["region"] == {"startLine": 16, "startColumn": 34}
    elif output == "junit":
        failure = ElementTree.fromstring(out).find("./testsuite/testcase/failure")
        assert failure is not None and failure.get("type") == "KC100"
    else:
        assert out.startswith("::error file=rayjob.yaml,line=16,col=34,title=rayops KC100::")


def test_standard_input_is_piped_to_kubeconform(stand_in: StandIn) -> None:
    stand_in.answer(_invalid("stdin"), exit_code=1)
    code, out, _ = _run(stand_in, "--no-summary", "-", stdin=RAYJOB)
    assert (code, out) == (1, "<stdin>:16:34: error [KC100] got string, want integer (RayJob/sample)\n")
    (call,) = stand_in.calls()
    assert (call["argv"][-1], call["stdin"]) == ("-", RAYJOB)


def test_an_absent_binary_is_a_usage_error(
    tmp_path: Path, rayjob: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    empty = tmp_path / "empty"
    empty.mkdir()
    result = CliRunner().invoke(
        main,
        ["validate", "--engine", "kubeconform", "rayjob.yaml"],
        env={"PATH": str(empty), "RAYOPS_KUBECONFORM": ""},
    )
    assert result.exit_code == 2
    assert "`kubeconform` is not on PATH" in result.stderr
    assert "--engine rayops" in result.stderr
    assert "Traceback" not in result.output


@pytest.mark.parametrize("option", [["--disable", "KR101"], ["--feature-gates", "RayJobDeletionPolicy=true"]])
def test_operator_rule_options_are_usage_errors(stand_in: StandIn, rayjob: Path, option: list[str]) -> None:
    code, _, err = _run(stand_in, *option, "rayjob.yaml")
    assert code == 2
    assert f"{option[0]} configures the operator rules, which only --engine rayops runs" in err
    assert stand_in.calls() == []


def test_options_reach_the_kubeconform_command(stand_in: StandIn, rayjob: Path) -> None:
    stand_in.answer(kubeconform_json([], {"valid": 1}))
    args = ["--kubernetes-version", "1.31", "--ignore-missing-schemas", "--skip", "Secret", "-j", "2"]
    assert _run(stand_in, *args, "rayjob.yaml")[0] == 0
    argv = stand_in.calls()[0]["argv"]
    assert argv[argv.index("-kubernetes-version") + 1] == "1.31.0"
    assert argv[argv.index("-skip") + 1] == "Secret"
    assert argv[argv.index("-n") + 1] == "2"
    assert "-ignore-missing-schemas" in argv


def test_garbage_output_exits_3_without_a_traceback(stand_in: StandIn, rayjob: Path) -> None:
    stand_in.answer("<html>rate limited</html>", exit_code=1, stderr="could not download schema\nmore\n")
    environment = {
        **os.environ,
        "PATH": path_with(stand_in.folder),
        "PYTHONPATH": str(REPO_ROOT / "generator"),
        "RAYOPS_KUBECONFORM": "",
        "RAYOPS_DEBUG": "",
    }
    completed = subprocess.run(
        [sys.executable, "-m", "rayops", "validate", "--engine", "kubeconform", "rayjob.yaml"],
        capture_output=True,
        text=True,
        env=environment,
        cwd=rayjob.parent,
    )
    assert completed.returncode == 3
    assert completed.stderr == (
        "rayops: kubeconform wrote no JSON result (exit code 1): could not download schema\n"
    )
    assert completed.stdout == ""


def test_a_crash_exits_3_quoting_the_first_line_of_stderr(stand_in: StandIn, rayjob: Path) -> None:
    stand_in.answer(
        "", exit_code=2, stderr="panic: runtime error: invalid memory address\n\ngoroutine 1 [running]:\n"
    )
    code, out, err = _run(stand_in, "rayjob.yaml")
    assert (code, out) == (3, "")
    assert err == "rayops: kubeconform failed (exit code 2): panic: runtime error: invalid memory address\n"
