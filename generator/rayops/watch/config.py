"""The watcher's configuration: the ``watch`` section of ``rayops.yaml``, or a file of its own.

```yaml
watch:
  namespaces: [ray-dev, ray-prod]    # or clusterWide: true
  labelSelector: {team: ml}          # optional: only objects with these labels
  kinds: [RayJob, RayCluster, RayService, RayCronJob]   # default: all four
  metricsPort: 8080                  # /metrics and /healthz
  leaderElection: {enabled: true, leaseName: rayops-watch, leaseDurationSeconds: 15}
  claimTimeoutSeconds: 120           # a claim older than this, never marked done, is taken over;
                                     # longer than the slowest event's actions (checked)
  deployment: {enabled: true, image: ghcr.io/example/rayops:0.1.0, namespace: rayops-system}
  rules:
    - events: [JobFinished]          # lifecycle events (see rayops.watch.lifecycle)
      states: [FAILED, STOPPED]      # optional: only these states
      actions:
        - event: {}                  # a Kubernetes Event on the object
        - webhook: {url: "https://hooks.example/ray", timeoutSeconds: 5, retries: 3,
                    headersFromEnv: {Authorization: WEBHOOK_TOKEN}}
        - deleteCodeConfigMap: {}    # the code ConfigMap rayops rendered for the RayJob
        - annotate: {}               # watch.rayops.dev/last-event on the object
        - log: {}                    # one JSON line on standard output
```

:func:`parse_watch_config` checks a plain mapping and raises :class:`~rayops.errors.UsageError`
naming ``file:line:col`` through the ``locate`` callback it is given.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from rayops.errors import UsageError
from rayops.validate.objectmeta import DNS1123_LABEL
from rayops.watch.lifecycle import ALL_REASONS, JOB_TERMINAL_STATES, KINDS, REASONS_BY_KIND

Locate = Callable[[tuple[str | int, ...]], str]
"""Turns a path inside the ``watch`` section into ``file:line:col``."""

ACTION_TYPES: Final = ("event", "webhook", "deleteCodeConfigMap", "annotate", "log")
_DNS_LABEL: Final = re.compile(rf"(?=.{{1,63}}\Z){DNS1123_LABEL}\Z")  # and at most 63 characters
_ENV_NAME: Final = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_HEADER_NAME: Final = re.compile(r"[A-Za-z0-9-]+\Z")
_LABEL_KEY: Final = re.compile(
    r"([a-z0-9]([-a-z0-9.]*[a-z0-9])?/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?\Z"
)
_LABEL_VALUE: Final = re.compile(r"(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?\Z")
API_REQUEST_SECONDS: Final = 30.0
"""The longest one of the watcher's own API requests takes (its client's total timeout)."""
SHUTDOWN_MARGIN_SECONDS: Final = 10
"""What a stopping watcher needs beyond draining its actions: releasing the Lease, closing."""
_API_REQUESTS: Final = {"event": 1, "deleteCodeConfigMap": 2}
"""API requests per action (deleteCodeConfigMap: a GET and a DELETE of the one code ConfigMap)."""

_TOP_LEVEL: Final = frozenset(
    (
        "namespaces",
        "clusterWide",
        "labelSelector",
        "kinds",
        "metricsPort",
        "leaderElection",
        "claimTimeoutSeconds",
        "deployment",
        "rules",
    )
)


@dataclass(frozen=True)
class WebhookAction:
    """POST a JSON document describing the event; retried with exponential backoff."""

    url: str | None = None
    url_from_env: str | None = None
    timeout_seconds: float = 5.0
    retries: int = 3
    backoff_seconds: float = 1.0
    headers_from_env: Mapping[str, str] = field(default_factory=dict)

    def worst_case_seconds(self) -> float:
        """The longest a delivery takes: every attempt timing out, and the backoffs between them."""
        backoffs = self.backoff_seconds * float(2**self.retries - 1)
        return self.timeout_seconds * (self.retries + 1) + backoffs


@dataclass(frozen=True)
class Action:
    """One configured action: its type and, for webhooks, their settings."""

    type: str
    webhook: WebhookAction | None = None

    def worst_case_seconds(self) -> float:
        """The longest this action takes (API requests at their timeout, webhooks retried out)."""
        if self.webhook is not None:
            return self.webhook.worst_case_seconds()
        return _API_REQUESTS.get(self.type, 0) * API_REQUEST_SECONDS


@dataclass(frozen=True)
class Rule:
    """Which lifecycle events (reasons, kinds, states) trigger which actions."""

    reasons: frozenset[str]
    kinds: frozenset[str]
    states: frozenset[str]
    actions: tuple[Action, ...]

    def matches(self, kind: str, reason: str, state: str) -> bool:
        """Whether an event of this kind, reason and state triggers the rule."""
        return (
            reason in self.reasons
            and (not self.kinds or kind in self.kinds)
            and (not self.states or state in self.states)
        )


@dataclass(frozen=True)
class LeaderElection:
    """The Lease two replicas compete for."""

    enabled: bool = True
    lease_name: str = "rayops-watch"
    lease_duration_seconds: float = 15.0
    renew_period_seconds: float = 5.0


@dataclass(frozen=True)
class Deployment:
    """Whether and how ``rayops render`` writes the watcher's Deployment and RBAC."""

    enabled: bool = False
    image: str = ""
    namespace: str = "rayops-system"


@dataclass(frozen=True)
class WatchConfig:
    """The whole watcher configuration."""

    namespaces: tuple[str, ...] = ()
    cluster_wide: bool = False
    label_selector: Mapping[str, str] = field(default_factory=dict)
    kinds: tuple[str, ...] = KINDS
    metrics_port: int = 8080
    leader_election: LeaderElection = LeaderElection()
    claim_timeout_seconds: float = 120.0
    deployment: Deployment = Deployment()
    rules: tuple[Rule, ...] = ()

    def actions_for(self, kind: str, reason: str, state: str) -> list[Action]:
        """Every action of every rule the event matches, in configuration order."""
        return [action for rule in self.rules if rule.matches(kind, reason, state) for action in rule.actions]

    def worst_case_event_seconds(self) -> float:
        """The longest the actions of one lifecycle event take, over every event the rules match."""
        return _slowest_event(self.rules, self.kinds)[0]

    def drain_seconds(self) -> float:
        """How long a stopping watcher waits for an event in flight: its claim renewed, its
        actions, its done mark."""
        return self.worst_case_event_seconds() + 2 * API_REQUEST_SECONDS

    def action_types(self) -> frozenset[str]:
        """The action types some rule uses (they decide the RBAC verbs needed)."""
        return frozenset(action.type for rule in self.rules for action in rule.actions)

    def to_dict(self) -> dict[str, Any]:
        """The configuration as a ``watch`` mapping that :func:`parse_watch_config` reads back."""
        data: dict[str, Any] = (
            {"clusterWide": True} if self.cluster_wide else {"namespaces": list(self.namespaces)}
        )
        if self.label_selector:
            data["labelSelector"] = dict(self.label_selector)
        data["kinds"] = list(self.kinds)
        data["metricsPort"] = self.metrics_port
        election = self.leader_election
        data["leaderElection"] = {
            "enabled": election.enabled,
            "leaseName": election.lease_name,
            "leaseDurationSeconds": election.lease_duration_seconds,
            "renewPeriodSeconds": election.renew_period_seconds,
        }
        data["claimTimeoutSeconds"] = self.claim_timeout_seconds
        data["rules"] = [_rule_dict(rule) for rule in self.rules]
        return data


def _rule_dict(rule: Rule) -> dict[str, Any]:
    data: dict[str, Any] = {"events": sorted(rule.reasons)}
    if rule.kinds:
        data["kinds"] = sorted(rule.kinds)
    if rule.states:
        data["states"] = sorted(rule.states)
    actions: list[dict[str, Any]] = []
    for action in rule.actions:
        hook = action.webhook
        if hook is None:
            actions.append({action.type: {}})
            continue
        settings: dict[str, Any] = {"url": hook.url} if hook.url else {"urlFromEnv": hook.url_from_env}
        settings.update(
            timeoutSeconds=hook.timeout_seconds, retries=hook.retries, backoffSeconds=hook.backoff_seconds
        )
        if hook.headers_from_env:
            settings["headersFromEnv"] = dict(hook.headers_from_env)
        actions.append({"webhook": settings})
    data["actions"] = actions
    return data


def _slowest_event(rules: tuple[Rule, ...], kinds: tuple[str, ...]) -> tuple[float, str, list[int]]:
    """The worst-case time of one event's actions, which event that is, and its rules' indexes."""
    states = [*sorted({state for rule in rules for state in rule.states}), ""]  # "": one no rule names
    worst: tuple[float, str, list[int]] = (0.0, "", [])
    for kind in kinds:
        for reason in REASONS_BY_KIND[kind]:
            for state in states:
                matched = [index for index, rule in enumerate(rules) if rule.matches(kind, reason, state)]
                seconds = sum(action.worst_case_seconds() for i in matched for action in rules[i].actions)
                if seconds > worst[0]:
                    worst = (seconds, f"{kind} {reason}" + (f" {state}" if state else ""), matched)
    return worst


def load_watch_config(path: str) -> WatchConfig:
    """Read the ``watch`` section of ``path`` (``rayops.yaml``, or a file holding just the section).

    A mistake is a usage error at its ``file:line:col``.
    """
    from rayops.loader import read_file

    loaded = read_file(path)
    if loaded.findings:
        first = loaded.findings[0]
        raise UsageError(f"{first.location}: {first.message}")
    if not loaded.documents or not isinstance(loaded.documents[0].value, dict):
        raise UsageError(f"{path}: expected a mapping with a watch section")
    document = loaded.documents[0]
    data = document.value
    prefix: tuple[str | int, ...] = ("watch",) if "watch" in data else ()
    if not prefix and "rules" not in data and ("environments" in data or "kuberayVersion" in data):
        raise UsageError(f"{path}: no watch section")

    def locate(element_path: tuple[str | int, ...]) -> str:
        return str(document.locate((*prefix, *element_path)))

    return parse_watch_config(data["watch"] if prefix else data, locate)


def parse_watch_config(data: Any, locate: Locate | None = None) -> WatchConfig:
    """Check the ``watch`` mapping ``data`` and build a :class:`WatchConfig`."""
    where: Locate = locate or (lambda path: "watch" + "".join(f"[{p!r}]" for p in path))

    def fail(path: tuple[str | int, ...], message: str) -> UsageError:
        return UsageError(f"{where(path)}: {message}")

    section = _mapping(data, (), fail, "the watch section")
    for key in section:
        if key not in _TOP_LEVEL:
            raise fail((key,), f"unknown watch setting {key!r} (known: {', '.join(sorted(_TOP_LEVEL))})")
    cluster_wide = _boolean(section, "clusterWide", (), fail, False)
    namespaces = tuple(_strings(section, "namespaces", (), fail))
    for index, namespace in enumerate(namespaces):
        if not _DNS_LABEL.match(namespace):
            raise fail(("namespaces", index), f"namespace {namespace!r} is not a DNS label")
    if len(set(namespaces)) != len(namespaces):
        raise fail(("namespaces",), "a namespace is listed twice")
    if cluster_wide and namespaces:
        raise fail(("namespaces",), "give namespaces or clusterWide: true, not both")
    if not cluster_wide and not namespaces:
        raise fail((), "name the namespaces to watch (namespaces: [...]) or set clusterWide: true")
    selector = _mapping(section.get("labelSelector", {}), ("labelSelector",), fail, "labelSelector")
    for key, value in selector.items():
        if not isinstance(key, str) or not _LABEL_KEY.match(key):
            raise fail(("labelSelector", key), f"{key!r} is not a label key")
        if not isinstance(value, str) or len(value) > 63 or not _LABEL_VALUE.match(value):
            raise fail(("labelSelector", key), "a label value is a string of up to 63 characters")
    kinds = tuple(_strings(section, "kinds", (), fail)) or KINDS
    for index, kind in enumerate(kinds):
        if kind not in KINDS:
            raise fail(("kinds", index), f"unknown kind {kind!r} (known: {', '.join(KINDS)})")
    rules = tuple(_rules(section.get("rules"), set(kinds), fail))
    if cluster_wide and any(a.type == "deleteCodeConfigMap" for rule in rules for a in rule.actions):
        raise fail(
            ("rules",),
            "deleteCodeConfigMap needs namespaces: a cluster-wide watcher never gets delete rights",
        )
    port = section.get("metricsPort", 8080)
    if not isinstance(port, int) or isinstance(port, bool) or not 1024 <= port <= 65535:
        raise fail(
            ("metricsPort",),
            "metricsPort must be a port number from 1024 to 65535 (the pod runs as non-root)",
        )
    claim_timeout = _number(section, "claimTimeoutSeconds", (), fail, 120.0, minimum=1.0)
    slowest, event, matched = _slowest_event(rules, kinds)
    if slowest >= claim_timeout:
        # A claim expiring while its holder still acts would let another replica act again.
        raise fail(
            ("claimTimeoutSeconds",) if "claimTimeoutSeconds" in section else ("rules", matched[-1]),
            f"claimTimeoutSeconds ({claim_timeout:g}) must exceed the worst-case time of one event's "
            f"actions ({slowest:g} s for {event}: webhook timeoutSeconds x (retries + 1) plus the "
            f"backoffs, {API_REQUEST_SECONDS:g} s per API request): raise it, or shorten the webhooks",
        )
    return WatchConfig(
        namespaces=namespaces,
        cluster_wide=cluster_wide,
        label_selector={str(k): str(v) for k, v in selector.items()},
        kinds=kinds,
        metrics_port=port,
        leader_election=_leader_election(section.get("leaderElection", {}), fail),
        claim_timeout_seconds=claim_timeout,
        deployment=_deployment(section.get("deployment", {}), fail),
        rules=rules,
    )


_Fail = Callable[[tuple[str | int, ...], str], UsageError]


def _mapping(value: Any, path: tuple[str | int, ...], fail: _Fail, what: str) -> dict[Any, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise fail(path, f"{what} must be a mapping")
    return value


def _boolean(
    section: Mapping[str, Any], key: str, path: tuple[str | int, ...], fail: _Fail, default: bool
) -> bool:
    value = section.get(key, default)
    if not isinstance(value, bool):
        raise fail((*path, key), f"{key} must be true or false")
    return value


def _number(
    section: Mapping[str, Any],
    key: str,
    path: tuple[str | int, ...],
    fail: _Fail,
    default: float,
    minimum: float = 0.0,
    maximum: float = 3600.0,
) -> float:
    value = section.get(key, default)
    if not isinstance(value, int | float) or isinstance(value, bool) or not minimum <= value <= maximum:
        raise fail((*path, key), f"{key} must be a number from {minimum:g} to {maximum:g}")
    return float(value)


def _strings(section: Mapping[str, Any], key: str, path: tuple[str | int, ...], fail: _Fail) -> list[str]:
    value = section.get(key)
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise fail((*path, key), f"{key} must be a list of strings")
    return value


def _leader_election(value: Any, fail: _Fail) -> LeaderElection:
    path: tuple[str | int, ...] = ("leaderElection",)
    section = _mapping(value, path, fail, "leaderElection")
    known = {"enabled", "leaseName", "leaseDurationSeconds", "renewPeriodSeconds"}
    for key in section:
        if key not in known:
            raise fail(
                (*path, key), f"unknown leaderElection setting {key!r} (known: {', '.join(sorted(known))})"
            )
    name = section.get("leaseName", "rayops-watch")
    if not isinstance(name, str) or not _DNS_LABEL.match(name):
        raise fail((*path, "leaseName"), "leaseName must be a DNS label")
    duration = _number(section, "leaseDurationSeconds", path, fail, 15.0, minimum=2.0, maximum=300.0)
    renew = _number(
        section, "renewPeriodSeconds", path, fail, min(5.0, duration / 3), minimum=0.1, maximum=100.0
    )
    if renew >= duration:
        raise fail(
            (*path, "renewPeriodSeconds"), "renewPeriodSeconds must be shorter than leaseDurationSeconds"
        )
    return LeaderElection(_boolean(section, "enabled", path, fail, True), name, duration, renew)


def _deployment(value: Any, fail: _Fail) -> Deployment:
    path: tuple[str | int, ...] = ("deployment",)
    section = _mapping(value, path, fail, "deployment")
    known = {"enabled", "image", "namespace"}
    for key in section:
        if key not in known:
            raise fail(
                (*path, key), f"unknown deployment setting {key!r} (known: {', '.join(sorted(known))})"
            )
    enabled = _boolean(section, "enabled", path, fail, False)
    image = section.get("image", "")
    if not isinstance(image, str) or (enabled and not image):
        raise fail((*path, "image"), "the watcher's Deployment needs an image (a pinned tag or digest)")
    if image and (image.endswith(":latest") or (":" not in image.rsplit("/", 1)[-1] and "@" not in image)):
        raise fail((*path, "image"), f"pin the image {image!r} to a tag other than latest, or to a digest")
    namespace = section.get("namespace", "rayops-system")
    if not isinstance(namespace, str) or not _DNS_LABEL.match(namespace):
        raise fail((*path, "namespace"), "namespace must be a DNS label")
    return Deployment(enabled, image, namespace)


def _rules(value: Any, kinds: set[str], fail: _Fail) -> list[Rule]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise fail(("rules",), "rules must be a list")
    rules: list[Rule] = []
    for index, item in enumerate(value):
        path: tuple[str | int, ...] = ("rules", index)
        section = _mapping(item, path, fail, "a rule")
        # Not `on`: YAML 1.1 (and so Kubernetes and rayops) reads an unquoted `on` as true.
        known = {"events", "kinds", "states", "actions"}
        for key in section:
            if key not in known:
                raise fail((*path, key), f"unknown rule setting {key!r} (known: {', '.join(sorted(known))})")
        reasons = _strings(section, "events", path, fail)
        if not reasons:
            raise fail(
                path, f"a rule needs `events`: a list of lifecycle events ({', '.join(sorted(ALL_REASONS))})"
            )
        for position, reason in enumerate(reasons):
            if reason not in ALL_REASONS:
                raise fail(
                    (*path, "events", position),
                    f"unknown lifecycle event {reason!r} (known: {', '.join(sorted(ALL_REASONS))})",
                )
            if not any(reason in REASONS_BY_KIND[kind] for kind in kinds):
                raise fail(
                    (*path, "events", position), f"{reason} belongs to a kind this watcher does not watch"
                )
        rule_kinds = _strings(section, "kinds", path, fail)
        for position, kind in enumerate(rule_kinds):
            if kind not in KINDS:
                raise fail((*path, "kinds", position), f"unknown kind {kind!r} (known: {', '.join(KINDS)})")
        states = _strings(section, "states", path, fail)
        for position, state in enumerate(states):
            if state not in JOB_TERMINAL_STATES:
                raise fail(
                    (*path, "states", position),
                    f"unknown state {state!r} (known: {', '.join(sorted(JOB_TERMINAL_STATES))})",
                )
        actions = section.get("actions")
        if not isinstance(actions, list) or not actions:
            raise fail((*path, "actions"), f"a rule needs a list of actions ({', '.join(ACTION_TYPES)})")
        parsed = tuple(
            _action(action, (*path, "actions", position), fail) for position, action in enumerate(actions)
        )
        if any(a.type == "deleteCodeConfigMap" for a in parsed) and any(r != "JobFinished" for r in reasons):
            raise fail((*path, "actions"), "deleteCodeConfigMap only applies to JobFinished")
        rules.append(Rule(frozenset(reasons), frozenset(rule_kinds), frozenset(states), parsed))
    return rules


def _action(value: Any, path: tuple[str | int, ...], fail: _Fail) -> Action:
    if not isinstance(value, dict) or len(value) != 1:
        raise fail(path, f"an action is a mapping with one key: {', '.join(ACTION_TYPES)}")
    ((kind, settings),) = value.items()
    if kind not in ACTION_TYPES:
        raise fail((*path, kind), f"unknown action {kind!r} (known: {', '.join(ACTION_TYPES)})")
    settings = _mapping(settings, (*path, kind), fail, f"the {kind} action's settings")
    if kind != "webhook":
        if settings:
            raise fail((*path, kind), f"the {kind} action takes no settings")
        return Action(kind)
    where = (*path, kind)
    known = {"url", "urlFromEnv", "timeoutSeconds", "retries", "backoffSeconds", "headersFromEnv"}
    for key in settings:
        if key not in known:
            raise fail((*where, key), f"unknown webhook setting {key!r} (known: {', '.join(sorted(known))})")
    url = settings.get("url")
    url_from_env = settings.get("urlFromEnv")
    if (url is None) == (url_from_env is None):
        raise fail(where, "a webhook needs exactly one of url and urlFromEnv")
    if url is not None and (not isinstance(url, str) or not re.match(r"https?://[^\s/]+", url)):
        raise fail((*where, "url"), "url must be an http:// or https:// URL")
    if url_from_env is not None and (not isinstance(url_from_env, str) or not _ENV_NAME.match(url_from_env)):
        raise fail((*where, "urlFromEnv"), "urlFromEnv must name an environment variable")
    retries = settings.get("retries", 3)
    if not isinstance(retries, int) or isinstance(retries, bool) or not 0 <= retries <= 10:
        raise fail((*where, "retries"), "retries must be a whole number from 0 to 10")
    headers = _mapping(settings.get("headersFromEnv", {}), (*where, "headersFromEnv"), fail, "headersFromEnv")
    for header, env in headers.items():
        if not isinstance(header, str) or not _HEADER_NAME.match(header):
            raise fail((*where, "headersFromEnv", header), f"{header!r} is not an HTTP header name")
        if not isinstance(env, str) or not _ENV_NAME.match(env):
            raise fail(
                (*where, "headersFromEnv", header),
                "the value names an environment variable (never a secret itself)",
            )
    return Action(
        kind,
        WebhookAction(
            url=url,
            url_from_env=url_from_env,
            timeout_seconds=_number(settings, "timeoutSeconds", where, fail, 5.0, minimum=0.1, maximum=120.0),
            retries=retries,
            backoff_seconds=_number(settings, "backoffSeconds", where, fail, 1.0, minimum=0.0, maximum=60.0),
            headers_from_env=dict(headers),
        ),
    )
