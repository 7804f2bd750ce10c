"""Secret values never appear in any output, while changes to their keys are reported."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.diff.conftest import GitWorkspace

CANARY_DATA_OLD = "CANARY-data-7f3a9c51-before"
CANARY_DATA_NEW = "CANARY-data-7f3a9c51-after"
CANARY_STRING_OLD = "CANARY-string-2b8e04d6-before"
CANARY_STRING_NEW = "CANARY-string-2b8e04d6-after"
CANARY_ADDED = "CANARY-added-93c1e2aa"
CANARIES = (CANARY_DATA_OLD, CANARY_DATA_NEW, CANARY_STRING_OLD, CANARY_STRING_NEW, CANARY_ADDED)


def _encoded(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def _secret(name: str, data_value: str, string_value: str) -> str:
    return (
        "apiVersion: v1\nkind: Secret\nmetadata:\n"
        f"  name: {name}\ntype: Opaque\n"
        f"data:\n  token: {_encoded(data_value)}\n  unchanged: {_encoded('CANARY-unchanged-value')}\n"
        f"stringData:\n  password: {string_value}\n"
    )


def _forbidden() -> list[str]:
    forms = []
    for canary in (*CANARIES, "CANARY-unchanged-value"):
        forms += [canary, _encoded(canary)]
    return forms


@pytest.fixture
def secret_repo(workspace_repo: Callable[..., GitWorkspace]) -> GitWorkspace:
    """Base: a Secret holding canaries; head: both values changed and a second Secret added."""

    def prepare(repo: GitWorkspace) -> None:
        repo.write("overlays/base/secret.yaml", _secret("redis-password", CANARY_DATA_OLD, CANARY_STRING_OLD))

    repo = workspace_repo(prepare)
    repo.write("overlays/base/secret.yaml", _secret("redis-password", CANARY_DATA_NEW, CANARY_STRING_NEW))
    repo.write("overlays/base/extra-secret.yaml", _secret("extra", CANARY_ADDED, CANARY_ADDED))
    repo.render()
    repo.commit("head")
    return repo


@pytest.mark.parametrize("rendered", [False, True], ids=["render", "rendered"])
@pytest.mark.parametrize("output", ["text", "markdown", "json"])
def test_canary_never_printed_but_change_reported(
    secret_repo: GitWorkspace, output: str, rendered: bool, tmp_path: Path
) -> None:
    """No canary (nor its base64) in stdout, stderr or written files; the keys show as changed."""
    full = tmp_path / "full.md"
    args = ["--base", "base", "--head", "head", "--output", output, "--diagram", "--full-diff", str(full)]
    result = secret_repo.diff(*args, *(["--rendered"] if rendered else []))
    assert result.exit_code == 0, result.output
    texts = [result.stdout, result.stderr]
    if full.exists():
        texts.append(full.read_text(encoding="utf-8"))
    for text in texts:
        for forbidden in _forbidden():
            assert forbidden not in text
    if output == "json":
        document = json.loads(result.stdout)
        for environment in document["environments"]:
            secret = next(r for r in environment["resources"] if r["name"] == "redis-password")
            assert secret["status"] == "modified"
            assert {c["path"]: c["op"] for c in secret["changes"]} == {
                "data.token": "changed",
                "stringData.password": "changed",
            }
            assert all(c["old"] == c["new"] == "(secret value hidden)" for c in secret["changes"])
            added = next(r for r in environment["resources"] if r["name"] == "extra")
            assert added["status"] == "added"
    else:
        assert "data.token: secret value changed" in result.stdout
        assert "stringData.password: secret value changed" in result.stdout


def test_canary_not_in_truncated_comment_or_full_file(
    workspace_repo: Callable[..., GitWorkspace], tmp_path: Path
) -> None:
    """With a comment cut at the size limit, neither the comment nor the artifact holds a secret."""

    def prepare(repo: GitWorkspace) -> None:
        repo.write("overlays/base/secret.yaml", _secret("redis-password", CANARY_DATA_OLD, CANARY_STRING_OLD))

    repo = workspace_repo(prepare)
    repo.write("overlays/base/secret.yaml", _secret("redis-password", CANARY_DATA_NEW, CANARY_STRING_NEW))
    for index in range(300):
        repo.write(
            f"rendered/dev/configmap-filler-{index:03d}.yaml",
            f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: filler-{index:03d}\n  namespace: ray-dev\n"
            f"data:\n  note: {'x' * 300}\n",
        )
    (repo.path("rendered/dev") / "secret-redis-password.yaml").write_text(
        _secret("redis-password", CANARY_DATA_NEW, CANARY_STRING_NEW).replace(
            "metadata:\n", "metadata:\n  namespace: ray-dev\n"
        ),
        encoding="utf-8",
    )
    repo.commit("head")
    full = tmp_path / "full.md"
    result = repo.diff(
        "--base", "base", "--head", "head", "--rendered", "-o", "markdown", "--full-diff", str(full)
    )
    assert result.exit_code == 0, result.output
    assert full.exists()
    for text in (result.stdout, result.stderr, full.read_text(encoding="utf-8")):
        for forbidden in _forbidden():
            assert forbidden not in text


def test_redaction_alone_hides_values(secret_repo: GitWorkspace, monkeypatch: pytest.MonkeyPatch) -> None:
    """Even without the final scrub, the writers never see a secret value."""
    from rayops.diff.engine import DiffOptions, run_diff
    from rayops.diff.report import produce

    monkeypatch.chdir(secret_repo.root)
    result, secrets = run_diff(DiffOptions(base="base", head="head"))
    assert CANARY_DATA_NEW in secrets and CANARY_STRING_OLD in secrets
    for output in ("text", "markdown", "json"):
        text = produce(result, set(), output, diagram=True).text
        for forbidden in _forbidden():
            assert forbidden not in text
