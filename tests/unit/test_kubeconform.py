"""``rayops validate --engine kubeconform``: the command, its JSON output, the findings.

No kubeconform binary can be installed on the machines these tests run on. Each test
therefore puts an executable stand-in first on PATH (tests/kubeconform_stand_in.py)
that records how it was called and answers in kubeconform's documented ``-output
json`` format with kubeconform's exit codes; the sample outputs follow kubeconform's
``pkg/output/json.go``, ``pkg/output/json_test.go`` and its acceptance tests. The last
test runs the real binary, and is skipped where ``kubeconform`` is not on PATH.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from rayops.errors import ExitCode
from rayops.findings import Finding
from rayops.schemas import registry
from rayops.validate.engine import ValidationOptions
from rayops.validate.kubeconform import (
    BINARY_ENV,
    RULE_ERROR,
    RULE_SCHEMA,
    TIMEOUT_ENV,
    KubeconformFailed,
    KubeconformNotFound,
    find_binary,
    kubernetes_version,
    parse_output,
    pointer_to_path,
    resolve_target,
    validate_with_kubeconform,
)
from tests.kubeconform_stand_in import StandIn, install, kubeconform_json, path_with, resource

REPO_ROOT = Path(__file__).resolve().parents[2]

CONFIGMAP = """\
apiVersion: v1
kind: ConfigMap
metadata:
  name: code
data:
  main.py: print(1)
"""

RAYJOB = """\
apiVersion: ray.io/v1
kind: RayJob
metadata:
  name: {name}
  labels:
    app.kubernetes.io/name: {name}
spec:
  entrypoint: python main.py
  rayClusterSpec:
    headGroupSpec:
      rayStartParams: {{}}
      template:
        spec:
          containers:
            - name: ray-head
              image: rayproject/ray:2.46.0
    workerGroupSpecs:
      - groupName: small
        replicas: {replicas}
        rayStartParams: {{}}
        template:
          spec:
            containers:
              - name: ray-worker
                image: rayproject/ray:2.46.0
                colour: blue
"""


def position(text: str, needle: str, occurrence: int = 1) -> tuple[int, int]:
    """1-based (line, column) of the ``occurrence``-th ``needle`` in ``text``."""
    index = -1
    for _ in range(occurrence):
        index = text.index(needle, index + 1)
    before = text[:index]
    return before.count("\n") + 1, index - (before.rfind("\n") + 1) + 1


def at(finding: Finding) -> tuple[int, int]:
    return finding.location.line, finding.location.column


@pytest.fixture
def stand_in(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> StandIn:
    """The kubeconform stand-in, first on PATH (no real kubeconform can be installed here)."""
    installed = install(tmp_path / "bin")
    monkeypatch.setenv("PATH", path_with(installed.folder))
    monkeypatch.delenv(BINARY_ENV, raising=False)
    monkeypatch.delenv(TIMEOUT_ENV, raising=False)
    return installed


@pytest.fixture
def multi_document(tmp_path: Path) -> tuple[Path, str]:
    """A ConfigMap, then two RayJobs (``first`` and ``second``) in one file."""
    text = "---\n".join(
        (
            CONFIGMAP,
            RAYJOB.format(name="first", replicas=1),
            RAYJOB.format(name="second", replicas='"two"'),
        )
    )
    path = tmp_path / "jobs.yaml"
    path.write_text(text)
    return path, text


OPTIONS = ValidationOptions(kuberay_version="1.5.1", kubernetes_version="1.32")


def test_nested_paths_and_list_indexes_point_at_the_field(
    stand_in: StandIn, multi_document: tuple[Path, str]
) -> None:
    path, text = multi_document
    workers = "/spec/rayClusterSpec/workerGroupSpecs/0"
    stand_in.answer(
        kubeconform_json(
            [
                resource(
                    str(path),
                    "RayJob",
                    "second",
                    "ray.io/v1",
                    "statusInvalid",
                    "problem validating schema. Check JSON formatting: jsonschema validation failed",
                    [
                        (f"{workers}/replicas", "got string, want null or integer"),
                        (
                            f"{workers}/template/spec/containers/0",
                            "additional properties 'colour' not allowed",
                        ),
                        (f"{workers}/template/spec", "missing property 'restartPolicy'"),
                    ],
                )
            ],
            {"valid": 2, "invalid": 1},
        ),
        exit_code=1,
    )
    report = validate_with_kubeconform([str(path)], OPTIONS)
    worker_spec = "spec:\n            containers:\n              - name: ray-worker"
    assert [(f.rule, at(f), f.kind, f.name) for f in report.findings] == [
        (RULE_SCHEMA, position(text, '"two"'), "RayJob", "second"),
        # a missing property: the mapping that lacks it, at its key
        (RULE_SCHEMA, position(text, worker_spec, 2), "RayJob", "second"),
        # an unknown field: its own key
        (RULE_SCHEMA, position(text, "colour", 2), "RayJob", "second"),
    ]
    replicas, _, colour = report.findings
    assert replicas.path == ("spec", "rayClusterSpec", "workerGroupSpecs", 0, "replicas")
    assert replicas.message == "got string, want null or integer"
    assert colour.path[-3:] == ("containers", 0, "colour")
    assert colour.message == "additional properties 'colour' not allowed"
    assert (report.files, report.documents, report.resources) == (1, 3, 3)
    assert (report.kuberay_version, report.kubernetes_version) == ("v1.5.1", "1.32.0")


def test_multi_document_files_are_matched_by_kind_and_name(
    stand_in: StandIn, multi_document: tuple[Path, str]
) -> None:
    path, text = multi_document
    stand_in.answer(
        kubeconform_json(
            [
                resource(str(path), "RayJob", "second", "ray.io/v1", "statusInvalid", "x", [("/spec", "a")]),
                resource(str(path), "RayJob", "first", "ray.io/v1", "statusInvalid", "x", [("/spec", "b")]),
                resource(str(path), "ConfigMap", "code", "v1", "statusInvalid", "x", [("/data", "c")]),
            ],
            {"invalid": 3},
        ),
        exit_code=1,
    )
    report = validate_with_kubeconform([str(path)], OPTIONS)
    assert [(f.message, f.name, at(f)) for f in report.findings] == [
        ("c", "code", position(text, "data:", 2)),
        ("b", "first", position(text, "spec:", 1)),
        ("a", "second", position(text, "spec:", 4)),
    ]


def test_documents_with_one_signature_are_each_matched_once_in_any_output_order(
    stand_in: StandIn, tmp_path: Path
) -> None:
    text = CONFIGMAP + "---\n" + CONFIGMAP
    path = tmp_path / "twice.yaml"
    path.write_text(text)
    entries = [
        resource(str(path), "ConfigMap", "code", "v1", "statusInvalid", "x", [("/data", message)])
        for message in ("first error", "second error")
    ]
    placed = []
    for order in (entries, entries[::-1]):
        stand_in.answer(kubeconform_json(order, {"invalid": 2}), exit_code=1)
        report = validate_with_kubeconform([str(path)], OPTIONS)
        placed.append([(f.message, at(f)) for f in report.findings])
    assert (
        placed[0]
        == placed[1]
        == [
            ("first error", position(text, "data:", 2)),
            ("second error", position(text, "data:", 4)),
        ]
    )


def test_valid_and_skipped_resources_give_no_findings(
    stand_in: StandIn, multi_document: tuple[Path, str]
) -> None:
    path, _ = multi_document
    stand_in.answer(
        kubeconform_json(
            [
                resource(str(path), "ConfigMap", "code", "v1", "statusSkipped"),
                resource(str(path), "RayJob", "first", "ray.io/v1", "statusValid"),
                resource(str(path), "RayJob", "second", "ray.io/v1", "statusValid"),
            ],
            {"valid": 2, "skipped": 1},
        )
    )
    report = validate_with_kubeconform([str(path)], OPTIONS)
    assert report.findings == []
    assert (report.documents, report.resources, report.skipped) == (3, 2, 1)


def test_missing_schema_is_kc101_at_the_document(stand_in: StandIn, tmp_path: Path) -> None:
    text = CONFIGMAP + "---\napiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w\n"
    path = tmp_path / "widget.yaml"
    path.write_text(text)
    stand_in.answer(
        kubeconform_json(
            [
                resource(
                    str(path),
                    "Widget",
                    "w",
                    "example.com/v1",
                    "statusError",
                    "could not find schema for Widget",
                )
            ],
            {"valid": 1, "errors": 1},
        ),
        exit_code=1,
    )
    (finding,) = validate_with_kubeconform([str(path)], OPTIONS).findings
    assert (finding.rule, finding.message, finding.kind, finding.name) == (
        RULE_ERROR,
        "could not find schema for Widget",
        "Widget",
        "w",
    )
    assert at(finding) == position(text, "apiVersion: example.com")


def test_an_unparsable_document_is_placed_by_the_rayops_loader(stand_in: StandIn, tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: [unclosed\n")
    stand_in.answer(
        kubeconform_json(
            [resource(str(path), "", "", "", "statusError", "error unmarshalling resource: yaml: line 4")],
            {"errors": 1},
        ),
        exit_code=1,
    )
    (finding,) = validate_with_kubeconform([str(path)], OPTIONS).findings
    assert finding.rule == RULE_ERROR
    assert finding.location.line == 5  # where the YAML parser gives up: the unclosed flow sequence


def test_the_command_line_names_existing_schemas_flags_and_files(stand_in: StandIn, tmp_path: Path) -> None:
    first, second = tmp_path / "a.yaml", tmp_path / "sub" / "b.yml"
    second.parent.mkdir()
    first.write_text(CONFIGMAP)
    second.write_text(CONFIGMAP)
    options = ValidationOptions(
        kuberay_version="1.5",
        kubernetes_version="v1.31",
        ignore_missing_schemas=True,
        skip=frozenset({"Secret", "apps/v1/Deployment"}),
    )
    validate_with_kubeconform([str(tmp_path)], options, jobs=3)
    (call,) = stand_in.calls()
    argv = call["argv"]
    assert argv[:5] == ["-output", "json", "-summary", "-strict", "-kubernetes-version"]
    assert argv[5] == "1.31.0"
    assert argv[-2:] == [str(first), str(second)]
    flags = argv[6:-2]
    assert flags[-5:] == ["-ignore-missing-schemas", "-skip", "Secret,apps/v1/Deployment", "-n", "3"]
    locations = [flags[i + 1] for i, flag in enumerate(flags) if flag == "-schema-location"]
    assert locations[-1] == "default"
    kuberay, argocd, flux = locations[:3]
    assert "/kuberay/v1.5.1/" in kuberay and "/argocd/" in argocd and "/flux/" in flux
    suffix = "{{ .ResourceKind }}_{{ .ResourceAPIVersion }}{{ end }}.json"
    assert kuberay.endswith('/{{ if eq .Group "ray.io" }}' + suffix)
    for location in locations[:3]:
        folder, guard = location.split("/{{ if eq .Group ", 1)
        assert Path(folder).is_dir()
        groups = json.loads("[" + guard.split(" }}", 1)[0].replace('" "', '", "') + "]")
        index = json.loads((Path(folder) / "index.json").read_text())
        assert sorted({entry["group"] for entry in index["schemas"]}) == groups
        for entry in index["schemas"]:  # every kind the location serves has its file on disk
            assert (Path(folder) / f"{entry['kind'].lower()}_{entry['version']}.json").is_file()


def test_files_kubeconform_would_not_read_and_stdin_go_through_its_stdin(
    stand_in: StandIn, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    odd = tmp_path / "manifest.txt"
    odd.write_text(CONFIGMAP)
    piped = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: piped\ndata:\n  enabled: true\n"
    monkeypatch.setattr("rayops.validate.kubeconform._read_stdin", piped.encode)
    error = [("/data/enabled", "got boolean, want string")]
    stand_in.answers(
        {
            "stdout": kubeconform_json(
                [resource("stdin", "ConfigMap", "code", "v1", "statusValid")], {"valid": 1}
            )
        },
        {
            "stdout": kubeconform_json(
                [resource("stdin", "ConfigMap", "piped", "v1", "statusInvalid", "x", error)], {"invalid": 1}
            ),
            "exit": 1,
        },
    )
    report = validate_with_kubeconform([str(odd), "-"], OPTIONS)
    calls = stand_in.calls()
    assert [call["argv"][-1] for call in calls] == ["-", "-"]
    assert [call["stdin"] for call in calls] == [CONFIGMAP, piped]
    (finding,) = report.findings
    assert (finding.location.file, at(finding)) == ("<stdin>", position(piped, "true"))
    assert report.files == 2


def test_absent_binary_is_a_usage_error_naming_what_to_install(tmp_path: Path) -> None:
    environ = {"PATH": str(tmp_path)}
    with pytest.raises(KubeconformNotFound) as raised:
        find_binary(environ)
    assert raised.value.exit_code == ExitCode.USAGE
    assert "`kubeconform` is not on PATH" in str(raised.value)
    assert "--engine rayops" in str(raised.value)
    with pytest.raises(KubeconformNotFound, match=f"{BINARY_ENV}=/nowhere/kubeconform"):
        find_binary({"PATH": str(tmp_path), BINARY_ENV: "/nowhere/kubeconform"})


def test_the_environment_variable_names_the_binary(stand_in: StandIn, tmp_path: Path) -> None:
    renamed = tmp_path / "elsewhere" / "kubeconform-0.7"
    renamed.parent.mkdir()
    shutil.copy(stand_in.path, renamed)
    assert find_binary({"PATH": "", BINARY_ENV: str(renamed)}) == str(renamed)
    assert find_binary({"PATH": str(stand_in.folder)}) == str(stand_in.path)


@pytest.mark.parametrize(
    ("stdout", "exit_code", "stderr", "expected"),
    [
        ("", 1, "failed parsing command line: flag provided but not defined: -x\n", "flag provided"),
        ("this is not JSON", 0, "", "wrote no JSON result (exit code 0)"),
        ('{"resources": [{"status": "statusWeird"}]}', 1, "", "wrote no JSON result"),
        ("panic", 2, "panic: runtime error: index out of range\n\ngoroutine 1", "exit code 2"),
    ],
)
def test_unusable_output_is_a_failure_quoting_stderr(
    stand_in: StandIn,
    multi_document: tuple[Path, str],
    stdout: str,
    exit_code: int,
    stderr: str,
    expected: str,
) -> None:
    stand_in.answer(stdout, exit_code=exit_code, stderr=stderr)
    with pytest.raises(KubeconformFailed) as raised:
        validate_with_kubeconform([str(multi_document[0])], OPTIONS)
    assert raised.value.exit_code == ExitCode.INTERNAL
    assert expected in str(raised.value)
    if stderr:
        assert stderr.splitlines()[0] in str(raised.value)
        assert "goroutine" not in str(raised.value)


def test_a_run_past_the_timeout_is_stopped(
    stand_in: StandIn, multi_document: tuple[Path, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    stand_in.answer(kubeconform_json([]), sleep=5)
    monkeypatch.setenv(TIMEOUT_ENV, "0.5")
    with pytest.raises(KubeconformFailed, match=r"did not finish within 0\.5 seconds"):
        validate_with_kubeconform([str(multi_document[0])], OPTIONS)


def test_parse_output_reads_kubeconform_documented_json() -> None:
    # pkg/output/json_test.go: "a single invalid deployment, verbose, with summary"
    text = """{
  "resources": [
    {
      "filename": "deployment.yml",
      "kind": "Deployment",
      "name": "my-app",
      "version": "apps/v1",
      "status": "statusInvalid",
      "msg": "bar",
      "validationErrors": [
        {
          "path": "foo",
          "msg": "bar"
        }
      ]
    }
  ],
  "summary": {
    "valid": 0,
    "invalid": 1,
    "errors": 0,
    "skipped": 0
  }
}
"""
    output = parse_output(text)
    (result,) = output.resources
    assert (result.filename, result.kind, result.name, result.version, result.status) == (
        "deployment.yml",
        "Deployment",
        "my-app",
        "apps/v1",
        "invalid",
    )
    assert [(e.path, e.message) for e in result.errors] == [("foo", "bar")]
    assert (output.valid, output.invalid, output.errors, output.skipped) == (0, 1, 0, 0)
    # without -summary, and with the upper-case statuses of kubeconform's README example
    bare = parse_output(
        '{"resources": [{"filename": "f.yaml", "kind": "A", "status": "INVALID", "msg": "m"}]}'
    )
    assert (bare.invalid, bare.resources[0].status, bare.resources[0].name) == (1, "invalid", "")
    for garbage in (
        "",
        "[]",
        '{"summary": {}}',
        '{"resources": [1]}',
        '{"resources": [], "summary": {"valid": "1"}}',
    ):
        with pytest.raises(ValueError):
            parse_output(garbage)


def test_pointers_become_rayops_paths() -> None:
    value = {
        "metadata": {"labels": {"app.kubernetes.io/name": "x", "a~b": "y"}},
        "spec": {"workerGroupSpecs": [{"groupName": "g", "template": {"spec": {"containers": [{}]}}}]},
    }
    assert pointer_to_path("", value) == ()
    assert pointer_to_path("/", value) == ()
    assert pointer_to_path("/spec/workerGroupSpecs/0/template/spec/containers/0", value) == (
        "spec",
        "workerGroupSpecs",
        0,
        "template",
        "spec",
        "containers",
        0,
    )
    # recent kubeconform joins raw keys with "/"; older releases escaped them (RFC 6901)
    expected = ("metadata", "labels", "app.kubernetes.io/name")
    assert pointer_to_path("/metadata/labels/app.kubernetes.io/name", value) == expected
    assert pointer_to_path("/metadata/labels/app.kubernetes.io~1name", value) == expected
    assert pointer_to_path("/metadata/labels/a~0b", value) == ("metadata", "labels", "a~b")
    # past what the document holds, the tokens are kept (the finding goes to the nearest ancestor)
    assert pointer_to_path("/spec/workerGroupSpecs/3/x~1y", value) == ("spec", "workerGroupSpecs", 3, "x/y")
    assert pointer_to_path("/spec/absent/0", value) == ("spec", "absent", "0")
    assert pointer_to_path("/spec/workerGroupSpecs/0", None) == ("spec", "workerGroupSpecs", "0")


def test_kubernetes_versions_take_kubeconform_form() -> None:
    assert kubernetes_version("1.32") == "1.32.0"
    assert kubernetes_version("v1.30.4") == "1.30.4"
    assert kubernetes_version(None) == f"{registry.kubernetes_versions()[-1]}.0"
    with pytest.raises(Exception, match="invalid Kubernetes version"):
        kubernetes_version("latest")


def test_the_target_is_the_chosen_kuberay_release_and_newest_argocd_and_flux() -> None:
    target = resolve_target(ValidationOptions(kuberay_version="1.6"))
    folders = [Path(location.folder) for location in target.locations]
    assert [(folder.parent.name, folder.name) for folder in folders] == [
        ("kuberay", "v1.6.2"),
        ("argocd", registry.bundled_sets()["argocd"][-1].version),
        ("flux", registry.bundled_sets()["flux"][-1].version),
    ]


VALID_RAYJOB = """\
apiVersion: ray.io/v1
kind: RayJob
metadata:
  name: sample
spec:
  entrypoint: python -c "import ray; ray.init()"
  rayClusterSpec:
    headGroupSpec:
      rayStartParams: {}
      template:
        spec:
          containers:
            - name: ray-head
              image: rayproject/ray:2.46.0
"""


@pytest.mark.skipif(
    shutil.which("kubeconform") is None,
    reason="no kubeconform binary on PATH (none can be installed on these test machines); "
    "install kubeconform to run rayops against the real binary",
)
def test_the_real_kubeconform_accepts_a_valid_rayjob_and_places_an_invalid_one(tmp_path: Path) -> None:
    valid = tmp_path / "valid.yaml"
    invalid = tmp_path / "invalid.yaml"
    valid.write_text(VALID_RAYJOB)
    invalid_text = VALID_RAYJOB.replace("  entrypoint:", "  entrypointt: x\n  entrypoint:")
    invalid.write_text(invalid_text)
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT / "generator")}
    command = [sys.executable, "-m", "rayops", "validate", "--engine", "kubeconform", "-o", "json"]
    command += ["--kuberay-version", "1.7.0"]
    ok = subprocess.run([*command, str(valid)], capture_output=True, text=True, env=env, cwd=tmp_path)
    assert (ok.returncode, json.loads(ok.stdout)["findings"]) == (0, []), ok.stderr
    bad = subprocess.run([*command, str(invalid)], capture_output=True, text=True, env=env, cwd=tmp_path)
    assert bad.returncode == 1, bad.stderr
    findings = json.loads(bad.stdout)["findings"]
    assert [(f["rule"], f["line"], f["column"]) for f in findings] == [
        (RULE_SCHEMA, *position(invalid_text, "entrypointt"))
    ]
