"""A stand-in for the kubeconform binary, for the tests of ``--engine kubeconform``.

No kubeconform binary can be installed on the machines these tests run on, so the
tests put this executable script first on PATH under the name ``kubeconform``. It
records each call (arguments and standard input) and answers with what the test
scripted: standard output in kubeconform's documented ``-output json`` format (as
written by kubeconform's ``pkg/output/json.go``: two-space indented ``resources``
and ``summary``), standard error, an exit code (kubeconform's: 0 valid, 1 invalid
or failed) and an optional delay.
"""

from __future__ import annotations

import json
import os
import stat
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

_SCRIPT = """#!{python}
import json, sys, time
from pathlib import Path

here = Path(__file__).resolve().parent
stdin = sys.stdin.buffer.read().decode("utf-8", "replace") if "-" in sys.argv[1:] else ""
with open(here / "calls.jsonl", "a", encoding="utf-8") as calls:
    calls.write(json.dumps({{"argv": sys.argv[1:], "stdin": stdin}}) + "\\n")
script = json.loads((here / "script.json").read_text(encoding="utf-8"))
answers = script["answers"]
count = sum(1 for _ in open(here / "calls.jsonl", encoding="utf-8"))
answer = answers[min(count, len(answers)) - 1]
time.sleep(answer.get("sleep", 0))
sys.stdout.write(answer.get("stdout", ""))
sys.stderr.write(answer.get("stderr", ""))
sys.exit(answer.get("exit", 0))
"""


def kubeconform_json(resources: list[dict[str, Any]], summary: dict[str, int] | None = None) -> str:
    """kubeconform's ``-output json`` text for ``resources`` (with ``-summary`` if given)."""
    document: dict[str, Any] = {"resources": resources}
    if summary is not None:
        document["summary"] = {key: summary.get(key, 0) for key in ("valid", "invalid", "errors", "skipped")}
    return json.dumps(document, indent=2) + "\n"


def resource(
    filename: str,
    kind: str,
    name: str,
    version: str,
    status: str,
    msg: str = "",
    errors: list[tuple[str, str]] | None = None,
) -> dict[str, Any]:
    """One entry of the ``resources`` list, with kubeconform's field names and order."""
    entry: dict[str, Any] = {
        "filename": filename,
        "kind": kind,
        "name": name,
        "version": version,
        "status": status,
        "msg": msg,
    }
    if errors:
        entry["validationErrors"] = [{"path": path, "msg": message} for path, message in errors]
    return entry


@dataclass
class StandIn:
    """The stand-in installed in ``folder``: script its answers, read its calls."""

    folder: Path

    @property
    def path(self) -> Path:
        """The executable named ``kubeconform``."""
        return self.folder / "kubeconform"

    def answer(self, stdout: str = "", *, exit_code: int = 0, stderr: str = "", sleep: float = 0) -> None:
        """Give the same answer to every call."""
        self.answers({"stdout": stdout, "exit": exit_code, "stderr": stderr, "sleep": sleep})

    def answers(self, *answers: dict[str, Any]) -> None:
        """Answer the n-th call with the n-th answer (the last one repeats)."""
        (self.folder / "script.json").write_text(json.dumps({"answers": list(answers)}), encoding="utf-8")

    def calls(self) -> list[dict[str, Any]]:
        """Every recorded call: ``{"argv": [...], "stdin": "..."}``."""
        log = self.folder / "calls.jsonl"
        if not log.exists():
            return []
        return [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]


def install(folder: Path) -> StandIn:
    """Write the stand-in into ``folder`` (answering valid, empty output until scripted)."""
    folder.mkdir(parents=True, exist_ok=True)
    script = folder / "kubeconform"
    script.write_text(_SCRIPT.format(python=sys.executable), encoding="utf-8")
    script.chmod(script.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    stand_in = StandIn(folder)
    stand_in.answer(kubeconform_json([], {"valid": 0}))
    return stand_in


def path_with(folder: Path) -> str:
    """PATH with ``folder`` first."""
    return os.pathsep.join([str(folder), os.environ.get("PATH", "")])
