"""The pull-request workflows: an unprivileged diff job, and a separate commenting job."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from rayops.diff.output.markdown import COMMENT_MARKER

WORKFLOWS = Path(__file__).resolve().parents[2] / ".github" / "workflows"


def _load(name: str) -> tuple[dict[str, Any], str]:
    text = (WORKFLOWS / name).read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    # YAML 1.1 reads the key `on` as true.
    data["on"] = data.pop(True, data.get("on"))
    return data, text


def test_diff_job_runs_pull_request_code_without_privileges() -> None:
    """pull_request only, read-only token, no secrets, full history, artifact uploaded."""
    data, text = _load("diff.yml")
    assert set(data["on"]) == {"pull_request"}
    assert data["permissions"] == {"contents": "read"}
    assert "secrets." not in text
    (job,) = data["jobs"].values()
    assert "permissions" not in job
    steps = job["steps"]
    checkout = next(s for s in steps if str(s.get("uses", "")).startswith("actions/checkout@"))
    assert checkout["with"]["fetch-depth"] == 0
    assert checkout["with"]["persist-credentials"] is False
    assert any(str(s.get("uses", "")).startswith("actions/setup-python@") for s in steps)
    runs = "\n".join(str(s.get("run", "")) for s in steps)
    assert "pip install ." in runs
    assert 'rayops diff --base "origin/${BASE_REF}" --output markdown' in runs
    assert "${{" not in runs  # event values reach the shell through env, never inlined
    upload = next(s for s in steps if str(s.get("uses", "")).startswith("actions/upload-artifact@"))
    assert upload["with"]["name"] == "rayops-diff"


def test_comment_job_treats_the_artifact_as_data() -> None:
    """workflow_run of the diff workflow; write permission only here; no checkout; sticky marker."""
    diff, _ = _load("diff.yml")
    data, _ = _load("diff-comment.yml")
    assert data["on"] == {"workflow_run": {"workflows": [diff["name"]], "types": ["completed"]}}
    assert data["permissions"] == {}
    (job,) = data["jobs"].values()
    assert job["permissions"] == {"actions": "read", "pull-requests": "write"}
    assert "workflow_run.conclusion == 'success'" in job["if"]
    uses = [str(s.get("uses", "")) for s in job["steps"]]
    assert not any(u.startswith("actions/checkout@") for u in uses)
    assert any(u.startswith("actions/download-artifact@") for u in uses)
    script = next(s for s in job["steps"] if str(s.get("uses", "")).startswith("actions/github-script@"))
    body = script["with"]["script"]
    assert COMMENT_MARKER in body
    assert "head.sha !== context.payload.workflow_run.head_sha" in body
    assert "updateComment" in body and "createComment" in body
    assert "eval(" not in body and "exec" not in body
    assert all("run" not in step for step in job["steps"])  # no shell step reads the artifact
