"""The real ``rayops validate`` command on hostile files, run in a subprocess.

Hostile input must give findings (exit code 1) in the ``path:line:col: error [Yxxx]``
form, quickly, and never a traceback.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

TIME_LIMIT = 5.0
FINDING_LINE = re.compile(
    r"^(?P<file>.+?):(?P<line>[1-9]\d*):(?P<column>[1-9]\d*): "
    r"(?P<severity>error|warning|info) \[(?P<rule>[A-Z]+\d+)\] \S.*$"
)

BILLION_LAUGHS = (
    'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
    + "".join(
        f"{name}: &{name} [{','.join(['*' + previous] * 9)}]\n"
        for previous, name in zip("abcdefgh", "bcdefghi", strict=True)
    )
).encode()

HOSTILE_FILES = [
    pytest.param("bomb.yaml", BILLION_LAUGHS, "Y104", 1, 1, id="alias-bomb"),
    pytest.param("nul.yaml", b"apiVersion: v1\nkind: \x00ConfigMap\n", "Y107", 2, 7, id="nul-byte"),
    pytest.param(
        "utf8.yaml", b"apiVersion: v1\nkind: ConfigMap\ndata: x\xffy\n", "Y107", 3, 8, id="invalid-utf8"
    ),
    pytest.param("deep.yaml", b"[" * 10_000 + b"]" * 10_000 + b"\n", None, 1, None, id="deep-flow-nesting"),
    pytest.param("deep-block.yaml", b"- " * 200 + b"x\n", "Y105", 1, 259, id="deep-block-nesting"),
    pytest.param(
        "python.yaml", b'x: !!python/object/apply:os.system ["echo pwned"]\n', "Y103", 1, 4, id="python-tag"
    ),
]


def _env() -> dict[str, str]:
    env = dict(os.environ)
    for name in ("GITHUB_ACTIONS", "RAYOPS_DEBUG", "NO_COLOR"):
        env.pop(name, None)
    return env


def run_rayops(*args: str, cwd: Path, stdin: bytes | None = None) -> subprocess.CompletedProcess[str]:
    """Run ``python -m rayops validate ARGS`` in ``cwd``; fail if it takes over TIME_LIMIT."""
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "rayops", "validate", *args],
        cwd=cwd,
        env=_env(),
        input=stdin,
        capture_output=True,
        timeout=60,
        check=False,
    )
    elapsed = time.perf_counter() - started
    completed = subprocess.CompletedProcess(
        result.args,
        result.returncode,
        result.stdout.decode("utf-8", "replace"),
        result.stderr.decode("utf-8", "replace"),
    )
    assert elapsed < TIME_LIMIT, f"rayops took {elapsed:.1f}s"
    assert "Traceback" not in completed.stdout, completed.stdout
    assert "Traceback" not in completed.stderr, completed.stderr
    return completed


def parse_findings(stdout: str) -> list[dict[str, str]]:
    """Every stdout line as a finding; fails on any line not in the ``path:line:col:`` form."""
    findings = []
    for line in stdout.splitlines():
        match = FINDING_LINE.match(line)
        assert match is not None, f"not a finding line: {line!r}"
        findings.append(match.groupdict())
    return findings


@pytest.mark.parametrize(("name", "content", "rule", "line", "column"), HOSTILE_FILES)
def test_hostile_file(
    tmp_path: Path, name: str, content: bytes, rule: str | None, line: int, column: int | None
) -> None:
    (tmp_path / name).write_bytes(content)
    result = run_rayops(name, cwd=tmp_path)
    assert result.returncode == 1, (result.stdout, result.stderr)
    findings = parse_findings(result.stdout)
    loader_findings = [f for f in findings if f["rule"].startswith("Y")]
    assert len(loader_findings) == 1, findings
    found = loader_findings[0]
    assert found["file"] == name
    assert found["severity"] == "error"
    assert int(found["line"]) == line
    if rule is not None:
        assert found["rule"] == rule
    else:  # too deep for libyaml: reported as a syntax error or as nesting, either is fine here
        assert found["rule"] in {"Y101", "Y105"}
    if column is not None:
        assert int(found["column"]) == column


def test_folder_with_binary_yaml(tmp_path: Path) -> None:
    folder = tmp_path / "manifests"
    (folder / "nested").mkdir(parents=True)
    (folder / "nested" / "blob.yaml").write_bytes(bytes(range(256)) * 16)
    (folder / "image.png").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")  # not *.yaml: never read
    (folder / "bad.yml").write_bytes(b"kind: Pod\nmetadata:\n  name: \xc3\x28\n")
    result = run_rayops("manifests", cwd=tmp_path)
    assert result.returncode == 1, (result.stdout, result.stderr)
    findings = parse_findings(result.stdout)
    located = {(f["file"], f["line"], f["column"], f["rule"]) for f in findings if f["rule"].startswith("Y")}
    assert located == {
        (os.path.join("manifests", "bad.yml"), "3", "9", "Y107"),
        (os.path.join("manifests", "nested", "blob.yaml"), "1", "1", "Y107"),
    }
    assert "image.png" not in result.stdout


def test_missing_path_is_usage_error(tmp_path: Path) -> None:
    result = run_rayops("does-not-exist.yaml", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "does-not-exist.yaml" in lines[0]


def test_json_output_on_hostile_file(tmp_path: Path) -> None:
    (tmp_path / "bomb.yaml").write_bytes(BILLION_LAUGHS)
    result = run_rayops("--output", "json", "bomb.yaml", cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    report = json.loads(result.stdout)
    findings = report["findings"]
    assert findings
    for finding in findings:
        assert {"file", "line", "column", "rule"} <= finding.keys()
        assert isinstance(finding["line"], int) and finding["line"] >= 1
        assert isinstance(finding["column"], int) and finding["column"] >= 1
    assert {(f["file"], f["line"], f["column"], f["rule"]) for f in findings} == {("bomb.yaml", 1, 1, "Y104")}


def test_stdin_dash(tmp_path: Path) -> None:
    result = run_rayops("-", cwd=tmp_path, stdin=b"apiVersion: v1\nkind: ConfigMap\ndata:\n  a: \x00\n")
    assert result.returncode == 1, (result.stdout, result.stderr)
    findings = parse_findings(result.stdout)
    located = [(f["file"], f["line"], f["column"], f["rule"]) for f in findings]
    assert located == [("<stdin>", "4", "6", "Y107")]


def test_stdin_dash_alias_bomb(tmp_path: Path) -> None:
    result = run_rayops("-", cwd=tmp_path, stdin=BILLION_LAUGHS)
    assert result.returncode == 1, (result.stdout, result.stderr)
    findings = parse_findings(result.stdout)
    assert ("<stdin>", "1", "1", "Y104") in {(f["file"], f["line"], f["column"], f["rule"]) for f in findings}
