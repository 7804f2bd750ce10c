"""Diffs of two in-memory revisions (no git, no render), for focused tests."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml

from rayops.diff.engine import compare_revisions
from rayops.diff.model import DiffResult, Impact
from rayops.diff.report import produce
from rayops.diff.sources import Revision
from rayops.workspace import Workspace

REPO_ROOT = Path(__file__).resolve().parents[2]
OUTPUTS = ("json", "markdown", "text")


def example(name: str) -> dict[str, Any]:
    """A copy of one of the example's rendered dev resources (``rayservice``, ``raycluster``, ``rayjob``)."""
    path = REPO_ROOT / "rendered" / "dev" / f"{name}-{name}-sample.yaml"
    value: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    return copy.deepcopy(value)


def dump(value: Any) -> str:
    """Block YAML, as ``rayops render`` writes it."""
    return yaml.safe_dump(value, sort_keys=False, allow_unicode=True)


def diff(
    base: dict[str, str], head: dict[str, str], kuberay: str = "1.7.0"
) -> tuple[DiffResult, set[str], dict[str, str]]:
    """Compare two revisions of one environment given as {file: YAML}; also every output's text."""
    workspace = Workspace(root=str(REPO_ROOT), kuberay_version=kuberay, kubernetes_version="1.32")
    sides = [
        Revision(label, workspace, {"e": "rendered/e"}, {"e": {k: v.encode() for k, v in files.items()}})
        for label, files in (("base", base), ("head", head))
    ]
    result, secrets = compare_revisions(sides[0], sides[1], "rendered")
    texts = {output: produce(result, secrets, output, diagram=True).text for output in OUTPUTS}
    return result, secrets, texts


def impacts(result: DiffResult) -> dict[str, list[Impact]]:
    """Each changed resource's impacts, by ``Kind namespace/name``."""
    return {d.key.label: d.impacts for env in result.environments for d in env.resources}


def labels(result: DiffResult) -> set[str]:
    """Every impact label of a diff."""
    return {impact.label for found in impacts(result).values() for impact in found}
