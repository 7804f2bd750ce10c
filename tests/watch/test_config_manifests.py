"""The watch configuration (errors at file:line:col) and the watcher's rendered objects."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from rayops.errors import UsageError
from rayops.loader import load_bytes
from rayops.validate.engine import FileResult, ValidationOptions, Validator
from rayops.watch.config import load_watch_config, parse_watch_config
from rayops.watch.manifests import watcher_manifests

REPO_ROOT = Path(__file__).resolve().parents[2]
FULL = {
    "namespaces": ["ray-dev", "ray-prod"],
    "labelSelector": {"team": "ml"},
    "metricsPort": 9090,
    "leaderElection": {"leaseName": "watcher", "leaseDurationSeconds": 20},
    "deployment": {"enabled": True, "image": "ghcr.io/example/rayops:0.1.0"},
    "rules": [
        {
            "events": ["JobFinished"],
            "states": ["FAILED"],
            "actions": [
                {"event": {}},
                {
                    "webhook": {
                        "urlFromEnv": "WEBHOOK_URL",
                        "headersFromEnv": {"Authorization": "WEBHOOK_TOKEN"},
                    }
                },
                {"deleteCodeConfigMap": None},
                {"annotate": {}},
                {"log": {}},
            ],
        },
        {"events": ["HeadLost", "UpgradeRolledBack"], "actions": [{"event": {}}]},
    ],
}


def test_full_configuration_round_trips() -> None:
    config = parse_watch_config(FULL)
    assert config.namespaces == ("ray-dev", "ray-prod")
    assert config.leader_election.lease_name == "watcher"
    assert [a.type for a in config.actions_for("RayJob", "JobFinished", "FAILED")] == [
        "event",
        "webhook",
        "deleteCodeConfigMap",
        "annotate",
        "log",
    ]
    assert config.actions_for("RayJob", "JobFinished", "SUCCEEDED") == []
    assert parse_watch_config(config.to_dict()).rules == config.rules


@pytest.mark.parametrize(
    ("section", "path", "message"),
    [
        ({}, (), "name the namespaces"),
        ({"namespaces": ["Ray_Dev"]}, ("namespaces", 0), "DNS label"),
        ({"clusterWide": True, "namespaces": ["a"]}, ("namespaces",), "not both"),
        ({"namespaces": ["a"], "colour": 1}, ("colour",), "unknown watch setting"),
        ({"namespaces": ["a"], "kinds": ["Pod"]}, ("kinds", 0), "unknown kind"),
        ({"namespaces": ["a"], "metricsPort": 80}, ("metricsPort",), "1024"),
        (
            {"namespaces": ["a"], "rules": [{"events": ["Finished"], "actions": [{"log": {}}]}]},
            ("rules", 0, "events", 0),
            "unknown lifecycle event",
        ),
        (
            {"namespaces": ["a"], "rules": [{"events": ["JobFinished"], "actions": [{"mail": {}}]}]},
            ("rules", 0, "actions", 0, "mail"),
            "unknown action",
        ),
        (
            {
                "namespaces": ["a"],
                "rules": [{"events": ["JobFinished"], "actions": [{"webhook": {"url": "ftp://x"}}]}],
            },
            ("rules", 0, "actions", 0, "webhook", "url"),
            "http",
        ),
        (
            {
                "namespaces": ["a"],
                "rules": [
                    {
                        "events": ["JobFinished"],
                        "actions": [
                            {
                                "webhook": {
                                    "url": "https://x",
                                    "headersFromEnv": {"Authorization": "Bearer abc"},
                                }
                            }
                        ],
                    }
                ],
            },
            ("rules", 0, "actions", 0, "webhook", "headersFromEnv", "Authorization"),
            "never a secret",
        ),
        (
            {
                "namespaces": ["a"],
                "rules": [{"events": ["HeadLost"], "actions": [{"deleteCodeConfigMap": {}}]}],
            },
            ("rules", 0, "actions"),
            "only applies to JobFinished",
        ),
        (
            {
                "clusterWide": True,
                "rules": [{"events": ["JobFinished"], "actions": [{"deleteCodeConfigMap": {}}]}],
            },
            ("rules",),
            "never gets delete",
        ),
        (
            {"namespaces": ["a"], "deployment": {"enabled": True, "image": "rayops:latest"}},
            ("deployment", "image"),
            "latest",
        ),
        (
            {"namespaces": ["a"], "leaderElection": {"leaseDurationSeconds": 5, "renewPeriodSeconds": 6}},
            ("leaderElection", "renewPeriodSeconds"),
            "shorter",
        ),
    ],
)
def test_mistakes_are_usage_errors_at_their_path(
    section: dict[str, Any], path: tuple[Any, ...], message: str
) -> None:
    with pytest.raises(UsageError) as error:
        parse_watch_config(section, lambda p: f"rayops.yaml:{'/'.join(map(str, p))}")
    assert str(error.value).startswith(f"rayops.yaml:{'/'.join(map(str, path))}: ")
    assert message in str(error.value)


def test_load_from_rayops_yaml_reports_file_line_col(tmp_path: Path) -> None:
    path = tmp_path / "rayops.yaml"
    path.write_text(
        'kuberayVersion: "1.7.0"\nwatch:\n  namespaces: [ray-dev]\n  rules:\n'
        "    - events: [JobDone]\n      actions: [{log: {}}]\n"
    )
    with pytest.raises(UsageError, match=re.escape(f"{path}:5:16: unknown lifecycle event 'JobDone'")):
        load_watch_config(str(path))
    own = tmp_path / "watch.yaml"
    own.write_text("namespaces: [ray-dev]\nrules: [{events: [JobFinished], actions: [{log: {}}]}]\n")
    assert load_watch_config(str(own)).namespaces == ("ray-dev",)


def validate(objects: list[dict[str, Any]]) -> list[tuple[str, str, str]]:
    text = yaml.safe_dump_all(objects, sort_keys=False)
    loaded = load_bytes(text.encode(), "watcher.yaml")
    validator = Validator(ValidationOptions(kubernetes_version="1.32"))
    result = FileResult("watcher.yaml")
    for document in loaded.documents:
        validator.validate_document(document, result)
    return [(f.rule, f.message, f.kind) for f in result.findings]


def test_manifests_validate_and_hold_least_privilege() -> None:
    config = parse_watch_config(FULL)
    objects = watcher_manifests(
        config, list(config.namespaces), "ghcr.io/example/rayops:0.1.0", "rayops-system"
    )
    assert validate(objects) == []
    kinds = [(o["kind"], o["metadata"].get("namespace")) for o in objects]
    assert kinds == [
        ("ServiceAccount", "rayops-system"),
        ("ConfigMap", "rayops-system"),
        ("Deployment", "rayops-system"),
        ("Role", "ray-dev"),
        ("RoleBinding", "ray-dev"),
        ("Role", "ray-prod"),
        ("RoleBinding", "ray-prod"),
        ("Role", "rayops-system"),
        ("RoleBinding", "rayops-system"),
    ]
    roles = [o for o in objects if o["kind"] in ("Role", "ClusterRole")]
    for role in roles:
        for rule in role["rules"]:
            assert "*" not in rule["verbs"] + rule["resources"] + rule["apiGroups"]
            assert "secrets" not in rule["resources"]
    ray_role = roles[0]["rules"]
    assert ray_role == [
        {
            "apiGroups": ["ray.io"],
            "resources": ["rayclusters", "raycronjobs", "rayjobs", "rayservices"],
            "verbs": ["get", "list", "patch", "watch"],
        },
        {"apiGroups": [""], "resources": ["events"], "verbs": ["create"]},
        {"apiGroups": [""], "resources": ["configmaps"], "verbs": ["delete", "get"]},
    ]
    deployment = objects[2]
    pod = deployment["spec"]["template"]["spec"]
    (container,) = pod["containers"]
    assert container["securityContext"]["readOnlyRootFilesystem"] is True
    assert container["securityContext"]["runAsNonRoot"] is True
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert container["resources"]["requests"] == {"cpu": "50m", "memory": "96Mi"}
    assert deployment["spec"]["replicas"] == 2
    # The ConfigMap holds a configuration the watcher reads back.
    shipped = yaml.safe_load(objects[1]["data"]["watch.yaml"])["watch"]
    assert parse_watch_config(shipped).rules == config.rules


def test_cluster_wide_manifests_use_a_cluster_role_without_delete() -> None:
    config = parse_watch_config(
        {
            "clusterWide": True,
            "leaderElection": {"enabled": False},
            "rules": [{"events": ["JobFinished"], "actions": [{"event": {}}]}],
        }
    )
    objects = watcher_manifests(config, [], "ghcr.io/example/rayops:0.1.0", "rayops-system")
    assert validate(objects) == []
    (cluster_role,) = [o for o in objects if o["kind"] == "ClusterRole"]
    assert all("delete" not in rule["verbs"] for rule in cluster_role["rules"])
    assert [o["kind"] for o in objects].count("Role") == 0
    assert objects[2]["spec"]["replicas"] == 1


def test_dockerfile_is_small_standard_and_non_root() -> None:
    text = (REPO_ROOT / "Dockerfile").read_text(encoding="utf-8")
    images = re.findall(r"^FROM\s+(\S+)", text, re.MULTILINE)
    assert images and all(":" in image and not image.endswith(":latest") for image in images)
    users = re.findall(r"^USER\s+(\S+)", text, re.MULTILINE)
    assert users and users[-1] not in ("root", "0", "0:0")
    assert re.search(r"pip install[^\n]*\.\[watch\]", text)
    assert (
        re.search(r'^ENTRYPOINT \["rayops", "watch"\]', text, re.MULTILINE) or 'ENTRYPOINT ["rayops"]' in text
    )


def hook_rule(**settings: Any) -> dict[str, Any]:
    return {
        "events": ["JobFinished"],
        "actions": [{"webhook": {"url": "https://hooks.example/ray", **settings}}],
    }


def test_a_claim_must_outlast_the_slowest_event(tmp_path: Path) -> None:
    # A default webhook: 4 attempts of 5 s and backoffs of 1, 2 and 4 s: 27 s at worst.
    with pytest.raises(UsageError) as error:
        parse_watch_config({"namespaces": ["a"], "claimTimeoutSeconds": 20, "rules": [hook_rule()]})
    assert str(error.value).startswith("watch['claimTimeoutSeconds']: claimTimeoutSeconds (20) must exceed")
    assert "(27 s for RayJob JobFinished" in str(error.value)
    assert parse_watch_config({"namespaces": ["a"], "claimTimeoutSeconds": 28, "rules": [hook_rule()]})
    # Unset (120 s), it names the rule that is too slow; the actions of every matching rule add
    # up (4 x 15 s + 7 s of backoffs, and two Events of up to 30 s each).
    slow = {"events": ["JobFinished"], "states": ["FAILED"], "actions": [{"event": {}}, {"event": {}}]}
    with pytest.raises(UsageError) as error:
        parse_watch_config({"namespaces": ["a"], "rules": [hook_rule(timeoutSeconds=15), slow]})
    assert str(error.value).startswith("watch['rules'][1]: claimTimeoutSeconds (120) must exceed")
    assert "(127 s for RayJob JobFinished FAILED" in str(error.value)
    path = tmp_path / "watch.yaml"
    path.write_text(
        "namespaces: [ray-dev]\nclaimTimeoutSeconds: 10\n"
        "rules: [{events: [JobFinished], actions: [{webhook: {url: 'https://x', retries: 1}}]}]\n"
    )
    with pytest.raises(UsageError, match=re.escape(f"{path}:2:22: claimTimeoutSeconds (10) must exceed")):
        load_watch_config(str(path))


@pytest.mark.parametrize(
    ("rules", "slowest"),
    [
        ([hook_rule()], 27),  # 4 x 5 s + 1 + 2 + 4 s
        ([hook_rule(timeoutSeconds=30, retries=5)], 211),  # 6 x 30 s + 31 s
        ([{"events": ["JobFinished"], "actions": [{"log": {}}]}], 0),
    ],
)
def test_sigterm_lets_the_slowest_event_finish_within_the_pod_grace_period(
    rules: list[dict[str, Any]], slowest: float
) -> None:
    from rayops.watch.runner import operator_settings

    config = parse_watch_config({"namespaces": ["a"], "claimTimeoutSeconds": 600, "rules": rules})
    exit_timeout = operator_settings(config).queueing.exit_timeout
    assert exit_timeout > slowest
    objects = watcher_manifests(config, ["a"], "ghcr.io/example/rayops:0.1.0", "rayops-system")
    (deployment,) = [o for o in objects if o["kind"] == "Deployment"]
    assert deployment["spec"]["template"]["spec"]["terminationGracePeriodSeconds"] > exit_timeout
