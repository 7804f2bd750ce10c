"""Golden diffs: one real git repository per impact label, base and head commits.

Each case edits the bundled example, renders, commits ``head`` and compares the
markdown comment (with diagrams) and the JSON document with ``golden/<case>.md`` and
``golden/<case>.json``. Both ways of reading revisions (a fresh render in worktrees, and
the committed ``rendered/`` trees) must find the same resources.
Regenerate after an intended change: ``RAYOPS_UPDATE_GOLDEN=1 pytest tests/diff``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass

import pytest

from tests.diff.conftest import GitWorkspace, check_golden

PROD = "overlays/prod/overlay.yaml"
RAYSERVICE = "overlays/base/rayservice-sample.yaml"
RAYCLUSTER = "overlays/base/raycluster-sample.yaml"


def _patch(repo: GitWorkspace, kind: str, name: str, body: str) -> None:
    """Add a strategic-merge patch for ``kind``/``name`` to the prod overlay."""
    indented = "".join(f"      {line}\n" for line in body.strip("\n").splitlines())
    repo.append(PROD, f"  - target: {{kind: {kind}, name: {name}}}\n    patch:\n{indented}")


@dataclass(frozen=True)
class Case:
    """A golden case: edits before the base commit, edits for the head, expected labels."""

    name: str
    head: Callable[[GitWorkspace], None]
    labels: frozenset[str]
    prepare: Callable[[GitWorkspace], None] | None = None


def _new_cluster(repo: GitWorkspace) -> None:
    repo.replace(RAYSERVICE, 'rayVersion: "2.46.0"', 'rayVersion: "2.47.0"')
    repo.replace(RAYSERVICE, "image: rayproject/ray:2.46.0", "image: rayproject/ray:2.47.0")


def _serve_config(repo: GitWorkspace) -> None:
    repo.replace(RAYSERVICE, "route_prefix: /\n", "route_prefix: /hello\n")


def _service_replicas(repo: GitWorkspace) -> None:
    repo.replace(RAYSERVICE, "maxReplicas: 3", "maxReplicas: 6")


def _service_new_group(repo: GitWorkspace) -> None:
    repo.append(
        RAYSERVICE,
        "    - name: batch-workers\n      replicas: 2\n      minReplicas: 2\n      maxReplicas: 4\n"
        '      resources: {cpu: "2", memory: 8Gi, gpu: 1}\n',
    )


def _cluster_template(repo: GitWorkspace) -> None:
    repo.replace(RAYCLUSTER, 'resources: {cpu: "2", memory: 8Gi}', 'resources: {cpu: "4", memory: 16Gi}')


def _recreate_prepare(repo: GitWorkspace) -> None:
    repo.replace("rayops.yaml", 'kuberayVersion: "1.5.1"', 'kuberayVersion: "1.7.0"')
    _patch(repo, "RayCluster", "raycluster-sample", "spec:\n  upgradeStrategy: {type: Recreate}")


def _job_spec(repo: GitWorkspace) -> None:
    repo.replace(PROD, "replicas: 3\n", "replicas: 4\n")


def _managed_by_prepare(repo: GitWorkspace) -> None:
    _patch(repo, "RayCluster", "raycluster-sample", "spec:\n  managedBy: ray.io/kuberay-operator")


def _managed_by(repo: GitWorkspace) -> None:
    repo.replace(PROD, "managedBy: ray.io/kuberay-operator", "managedBy: kueue.x-k8s.io/multikueue")


def _invalid(repo: GitWorkspace) -> None:
    repo.replace(PROD, "minReplicas: 3\n", "minReplicas: 12\n")
    _patch(repo, "RayJob", "rayjob-sample", "spec:\n  shutdownAfterJobFinish: true")


def _delete_add_rename(repo: GitWorkspace) -> None:
    repo.path(RAYCLUSTER).unlink()
    repo.append("overlays/base/serve_app.py", "# a new revision of the Serve application\n")
    repo.write(
        "overlays/base/settings.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: serve-settings\ndata:\n  LOG_LEVEL: info\n",
    )
    text = repo.path("overlays/dev/overlay.yaml").read_text(encoding="utf-8")
    if "resources:" not in text:
        repo.append("overlays/dev/overlay.yaml", "resources: [../base/settings.yaml]\n")


def _too_many(repo: GitWorkspace) -> None:
    repo.replace(PROD, "minReplicas: 3\n", "minReplicas: 12\n")


def _upgrade_none_prepare(repo: GitWorkspace) -> None:
    _patch(repo, "RayService", "rayservice-sample", "spec:\n  upgradeStrategy: {type: None}")


def _rename_job(repo: GitWorkspace) -> None:
    repo.replace("overlays/base/rayjob-sample.yaml", "name: rayjob-sample\n", "name: rayjob-sample-v2\n")
    repo.replace(PROD, "{kind: RayJob, name: rayjob-sample}", "{kind: RayJob, name: rayjob-sample-v2}")
    repo.replace(
        "overlays/base/rayjob-sample.yaml", "counter_name: test_counter", "counter_name: second_counter"
    )


def _suspend_cluster(repo: GitWorkspace) -> None:
    _patch(repo, "RayCluster", "raycluster-sample", "spec:\n  suspend: true")


def _job_lifecycle(repo: GitWorkspace) -> None:
    repo.replace(
        "overlays/base/rayjob-sample.yaml", "ttlSecondsAfterFinished: 300", "ttlSecondsAfterFinished: 600"
    )


def _same_quantity(repo: GitWorkspace) -> None:
    repo.replace(RAYSERVICE, 'resources: {cpu: "1", memory: 4Gi}\n', "resources: {cpu: 1000m, memory: 4Gi}\n")


def _flux_interval(repo: GitWorkspace) -> None:
    repo.replace("rayops.yaml", "  flux: {}\n", "  flux: {interval: 5m}\n")


CASES = [
    Case("rayservice-new-cluster", _new_cluster, frozenset({"new-cluster"})),
    Case("rayservice-serve-config", _serve_config, frozenset({"serve-config-updated-in-place"})),
    Case("rayservice-replicas", _service_replicas, frozenset({"not-applied"})),
    Case("rayservice-new-group", _service_new_group, frozenset({"cluster-updated-in-place"})),
    Case("raycluster-template", _cluster_template, frozenset({"pods-not-updated"})),
    Case("raycluster-recreate", _cluster_template, frozenset({"recreate-all-pods"}), _recreate_prepare),
    Case("rayjob-spec", _job_spec, frozenset({"job-spec-ignored"})),
    Case("immutable-field", _managed_by, frozenset({"immutable-field"}), _managed_by_prepare),
    Case("validation", _invalid, frozenset({"validation-error", "job-spec-ignored"})),
    Case("delete-add-rename", _delete_add_rename, frozenset({"ray-cluster-deleted", "new-cluster"})),
    Case("validation-warning", _too_many, frozenset({"validation-warning", "job-spec-ignored"})),
    Case(
        "rayservice-upgrade-none",
        _new_cluster,
        frozenset({"not-applied", "new-cluster"}),
        _upgrade_none_prepare,
    ),
    Case("rayjob-renamed", _rename_job, frozenset({"new-job"})),
    Case("raycluster-suspended", _suspend_cluster, frozenset({"cluster-suspended"})),
    Case("rayjob-lifecycle", _job_lifecycle, frozenset({"job-lifecycle-updated"})),
    Case("rayservice-same-quantity", _same_quantity, frozenset({"no-effect"})),
    Case("gitops-objects", _flux_interval, frozenset()),
]


def _labels(document: dict[str, object]) -> set[str]:
    return {
        impact["label"]
        for environment in document["environments"]  # type: ignore[attr-defined]
        for resource in environment["resources"]
        for impact in resource["impacts"]
    }


def _without_mode(document: dict[str, object]) -> dict[str, object]:
    return {key: value for key, value in document.items() if key != "mode"}


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_golden(case: Case, workspace_repo: Callable[..., GitWorkspace]) -> None:
    """The markdown and JSON of each case match their golden files and carry the label."""
    repo = workspace_repo(case.prepare)
    case.head(repo)
    repo.render()
    repo.commit("head")

    markdown = repo.diff("--base", "base", "--head", "head", "--output", "markdown", "--diagram")
    assert markdown.exit_code == 0, markdown.output
    document = repo.diff("--base", "base", "--head", "head", "--output", "json", "--exit-code")
    assert document.exit_code == 1, document.output
    check_golden(f"{case.name}.md", markdown.stdout)
    check_golden(f"{case.name}.json", document.stdout)

    parsed = json.loads(document.stdout)
    assert case.labels <= _labels(parsed)
    committed = repo.diff("--base", "base", "--head", "head", "--rendered", "--output", "json")
    assert committed.exit_code == 0, committed.output
    assert _without_mode(json.loads(committed.stdout)) == _without_mode(parsed)
    assert repo.git("worktree", "list").count("\n") == 1
