"""Shared helpers of the RayJob, RayService and RayCronJob rules (KR301-KR599).

The operator validates a RayJob's spec in ``ValidateRayJobSpec`` and, since 1.6.2, a
RayCronJob's ``spec.jobTemplate`` with the same function (the RayCronJob controller
only runs with the ``RayCronJob`` feature gate on). The helpers here give the rules
one view of both, plus small re-implementations of the Go parsers the operator relies
on: ``time.ParseDuration``, ``strconv.Atoi``, robfig/cron's ``ParseStandard`` and the
YAML-to-map decoding of ``k8s.io/apimachinery/pkg/util/yaml``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from rayops.findings import Path
from rayops.loader import (
    RULE_ALIAS,
    RULE_DEPTH,
    RULE_ENCODING,
    RULE_KEY,
    RULE_NUMBER,
    RULE_SIZE,
    RULE_SYNTAX,
    RULE_TAG,
    load_bytes,
)
from rayops.rules import Resource, as_dict, as_list

JOB_KINDS = ("RayJob", "RayCronJob")
"""Kinds whose spec (or job template) goes through the operator's RayJob validation."""

CRON_GATE = "RayCronJob"
DELETION_GATE = "RayJobDeletionPolicy"
INCREMENTAL_GATE = "RayServiceIncrementalUpgrade"

MAX_RAYJOB_NAME_LENGTH = 47
"""``MaxRayJobNameLength`` (``MaxRayClusterNameLength`` 53 minus 6)."""
MAX_RAYSERVICE_NAME_LENGTH = 47
"""``MaxRayServiceNameLength`` (``MaxRayClusterNameLength`` 53 minus 6)."""
MAX_RAYCRONJOB_NAME_LENGTH = 36
"""``MaxRayCronJobNameLength`` (``MaxRayJobNameLength`` minus 11), since 1.7.0."""

CLUSTER_SELECTOR_KEY = "ray.io/cluster"

K8S_JOB_MODE = "K8sJobMode"
INTERACTIVE_MODE = "InteractiveMode"
SIDECAR_MODE = "SidecarMode"

DELETE_CLUSTER = "DeleteCluster"
DELETE_WORKERS = "DeleteWorkers"
DELETE_SELF = "DeleteSelf"
DELETE_NONE = "DeleteNone"


def job_specs(resource: Resource) -> Iterator[tuple[Path, dict[str, Any]]]:
    """Each RayJobSpec the operator validates: a RayJob's ``spec``, a RayCronJob's template.

    A RayCronJob's template is only validated when its controller runs: release 1.6.2
    or newer with the ``RayCronJob`` feature gate on.
    """
    if resource.kind == "RayJob":
        yield ("spec",), resource.spec
    elif resource.kind == "RayCronJob" and resource.at_least("1.6.2") and resource.gate(CRON_GATE):
        template = resource.spec.get("jobTemplate")
        if isinstance(template, dict):
            yield ("spec", "jobTemplate"), template


def cron_enabled(resource: Resource) -> bool:
    """Whether the RayCronJob controller runs for the target (1.6.2+ and the gate on)."""
    return resource.at_least("1.6.2") and resource.gate(CRON_GATE)


def cluster_selector_mode(spec: dict[str, Any]) -> bool:
    """A non-empty ``clusterSelector``: the job runs on an existing RayCluster."""
    return bool(as_dict(spec.get("clusterSelector")))


def ray_cluster_spec(spec: dict[str, Any]) -> dict[str, Any] | None:
    """``rayClusterSpec`` when it is set."""
    cluster = spec.get("rayClusterSpec")
    return cluster if isinstance(cluster, dict) else None


def autoscaling_enabled(cluster: dict[str, Any] | None) -> bool:
    """``enableInTreeAutoscaling: true`` (the operator's ``IsAutoscalingEnabled``)."""
    return cluster is not None and cluster.get("enableInTreeAutoscaling") is True


def submission_mode(spec: dict[str, Any]) -> str:
    """``submissionMode`` (the CRD defaults it to K8sJobMode)."""
    mode = spec.get("submissionMode")
    return mode if isinstance(mode, str) else ""


def integer(value: Any) -> int | None:
    """``value`` when it is an integer (not a bool), else None."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    return None


# --- deletion strategy -------------------------------------------------------------


def deletion_strategy(spec: dict[str, Any]) -> dict[str, Any] | None:
    """``deletionStrategy`` when it is set (1.5.1 and newer)."""
    strategy = spec.get("deletionStrategy")
    return strategy if isinstance(strategy, dict) else None


def legacy_configured(strategy: dict[str, Any]) -> bool:
    """Whether the deprecated ``onSuccess``/``onFailure`` fields are used."""
    return strategy.get("onSuccess") is not None or strategy.get("onFailure") is not None


def rules_configured(strategy: dict[str, Any]) -> bool:
    """Whether ``deletionRules`` has at least one rule."""
    return bool(as_list(strategy.get("deletionRules")))


def legacy_policies(spec: dict[str, Any]) -> Iterator[tuple[str, str]]:
    """``(onSuccess|onFailure, policy)`` of each legacy policy that has a policy value.

    Only when the legacy fields are the strategy in use (no ``deletionRules``).
    """
    strategy = deletion_strategy(spec)
    if strategy is None or not legacy_configured(strategy) or rules_configured(strategy):
        return
    for key in ("onSuccess", "onFailure"):
        policy = as_dict(strategy.get(key)).get("policy")
        if isinstance(policy, str):
            yield key, policy


@dataclass(frozen=True)
class DeletionRule:
    """One entry of ``deletionRules`` that passed the operator's per-rule checks."""

    index: int
    policy: str
    condition_type: str
    condition_value: str
    ttl: int


def deletion_rules(spec: dict[str, Any]) -> list[tuple[int, dict[str, Any]]]:
    """``(index, rule)`` of each deletion rule, when ``deletionRules`` is the strategy in use."""
    strategy = deletion_strategy(spec)
    if strategy is None or not rules_configured(strategy) or legacy_configured(strategy):
        return []
    return [
        (i, rule) for i, rule in enumerate(as_list(strategy.get("deletionRules"))) if isinstance(rule, dict)
    ]


def accepted_deletion_rules(spec: dict[str, Any]) -> list[DeletionRule]:
    """The deletion rules the operator keeps for its duplicate and TTL checks.

    Like ``validateDeletionRules``: a rule whose condition is malformed, whose policy
    the ClusterSelector mode does not support, or that deletes workers of an autoscaled
    cluster is reported on its own and left out of the later checks.
    """
    selector = cluster_selector_mode(spec)
    autoscaled = autoscaling_enabled(ray_cluster_spec(spec))
    kept: list[DeletionRule] = []
    for index, rule in deletion_rules(spec):
        policy = rule.get("policy")
        condition = as_dict(rule.get("condition"))
        job_status = condition.get("jobStatus")
        deployment_status = condition.get("jobDeploymentStatus")
        ttl = integer(condition.get("ttlSeconds"))
        if ttl is None:
            ttl = 0
        if not isinstance(policy, str) or ttl < 0:
            continue
        if (job_status is None) == (deployment_status is None):
            continue
        if selector and policy in (DELETE_CLUSTER, DELETE_WORKERS):
            continue
        if autoscaled and policy == DELETE_WORKERS:
            continue
        if job_status is not None:
            kept.append(DeletionRule(index, policy, "JobStatus", str(job_status), ttl))
        else:
            kept.append(DeletionRule(index, policy, "JobDeploymentStatus", str(deployment_status), ttl))
    return kept


def rules_path(prefix: Path, index: int, *rest: str) -> Path:
    """Path of deletion rule ``index`` (or of a field inside it)."""
    return (*prefix, "deletionStrategy", "deletionRules", index, *rest)


# --- Go parsers ----------------------------------------------------------------------

_GO_INT = re.compile(r"[+-]?[0-9]+\Z")
_INT64_MAX = (1 << 63) - 1
_INT64_MIN = -(1 << 63)


def go_atoi(text: str) -> int | None:
    """Go's ``strconv.Atoi`` (64-bit): the integer, or None when Go rejects ``text``."""
    if not _GO_INT.match(text):
        return None
    value = int(text)
    if value > _INT64_MAX or value < _INT64_MIN:
        return None
    return value


_DURATION_UNITS = {
    "ns": 1,
    "us": 1_000,
    "\u00b5s": 1_000,  # micro sign
    "\u03bcs": 1_000,  # Greek small letter mu
    "ms": 1_000_000,
    "s": 1_000_000_000,
    "m": 60 * 1_000_000_000,
    "h": 3600 * 1_000_000_000,
}


def go_parse_duration(text: str) -> int | None:
    """Go's ``time.ParseDuration``: nanoseconds, or None when Go rejects ``text``.

    Accepts a signed sequence of decimal numbers with optional fraction and a unit
    each, such as ``1h30m``, ``-1.5h`` or ``300ms``; ``0`` alone needs no unit.
    """
    rest = text
    negative = False
    if rest and rest[0] in "+-":
        negative = rest[0] == "-"
        rest = rest[1:]
    if rest == "0":
        return 0
    if not rest:
        return None
    total = 0
    while rest:
        if not (rest[0] == "." or (rest[0].isascii() and rest[0].isdigit())):
            return None
        match = re.match(r"([0-9]*)(?:\.([0-9]*))?", rest)
        assert match is not None  # the pattern matches the empty string
        whole, fraction = match.group(1), match.group(2)
        rest = rest[match.end() :]
        if not whole and not fraction:
            return None
        end = 0
        while end < len(rest) and not (rest[end] == "." or (rest[end].isascii() and rest[end].isdigit())):
            end += 1
        if end == 0:
            return None
        unit = _DURATION_UNITS.get(rest[:end])
        rest = rest[end:]
        if unit is None:
            return None
        value = int(whole) if whole else 0
        if value > (1 << 63) // unit:
            return None
        value *= unit
        if fraction:
            value += int(float("0." + fraction) * unit)
            if value > 1 << 63:
                return None
        total += value
        if total > 1 << 63:
            return None
    if negative:
        return -total
    if total > _INT64_MAX:
        return None
    return total


@lru_cache(maxsize=256)
def yaml_mapping_problem(text: str) -> str | None:
    """Why ``text`` does not decode to a map the way the operator decodes it, or None.

    The operator unmarshals these strings (with sigs.k8s.io/yaml, whose reading the
    rayops loader reproduces) into a ``map[string]interface{}``: an empty document is
    fine, a mapping is fine, anything else (a list, a scalar, a YAML error) fails. The
    answer is cached: the same config text recurs across a repository.
    """
    loaded = load_bytes(text.encode("utf-8"), "<embedded YAML>")
    errors = [f for f in loaded.findings if f.rule in _UNREADABLE]
    if errors:
        first = errors[0]
        return f"it is not valid YAML: {first.message} (line {first.location.line})"
    value = loaded.documents[0].value if loaded.documents else None
    if value is None or isinstance(value, dict):
        return None
    return f"it is a YAML {_yaml_type(value)}, not a mapping"


# Loader findings that make go-yaml fail too (a duplicate key does not: it keeps the last).
_UNREADABLE = frozenset(
    (RULE_SYNTAX, RULE_ENCODING, RULE_DEPTH, RULE_SIZE, RULE_ALIAS, RULE_TAG, RULE_KEY, RULE_NUMBER)
)


def _yaml_type(value: Any) -> str:
    if isinstance(value, list):
        return "list"
    if isinstance(value, str):
        return "string"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    return "scalar"


# --- robfig/cron v3 ParseStandard --------------------------------------------------


@dataclass(frozen=True)
class _Bounds:
    low: int
    high: int
    names: dict[str, int]


_MINUTES = _Bounds(0, 59, {})
_HOURS = _Bounds(0, 23, {})
_DOM = _Bounds(1, 31, {})
_MONTHS = _Bounds(
    1,
    12,
    {
        name: number
        for number, name in enumerate(
            ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), start=1
        )
    },
)
_DOW = _Bounds(0, 6, {name: n for n, name in enumerate(("sun", "mon", "tue", "wed", "thu", "fri", "sat"))})
_FIELDS = (
    (_MINUTES, "minute"),
    (_HOURS, "hour"),
    (_DOM, "day of month"),
    (_MONTHS, "month"),
    (_DOW, "day of week"),
)
_DESCRIPTORS = frozenset(("@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly"))


def cron_schedule_problem(spec: str, location_ok: Callable[[str], bool] | None = None) -> str | None:
    """Why robfig/cron's ``ParseStandard`` rejects ``spec``, or None when it accepts it.

    Five fields (minute, hour, day of month, month, day of week) with ``*``, ``?``,
    names, ranges, steps and lists, or a descriptor such as ``@hourly`` or
    ``@every 1h30m``. A ``TZ=``/``CRON_TZ=`` prefix is accepted when ``location_ok``
    (a callable taking the zone name) accepts its zone.
    """
    if not spec:
        return "empty spec string"
    if spec.startswith(("TZ=", "CRON_TZ=")):
        space = spec.find(" ")
        if space < 0:
            return "a TZ= or CRON_TZ= prefix must be followed by a space and the schedule"
        zone = spec[spec.index("=") + 1 : space]
        if location_ok is not None and not location_ok(zone):
            return f"provided bad location {zone}"
        spec = spec[space:].strip()
    if spec.startswith("@"):
        return _descriptor_problem(spec)
    fields = spec.split()
    if len(fields) != len(_FIELDS):
        return f"expected exactly 5 fields, found {len(fields)}: [{' '.join(fields)}]"
    for text, (bounds, label) in zip(fields, _FIELDS, strict=True):
        problem = _field_problem(text, bounds)
        if problem:
            return f"{label} field: {problem}"
    return None


def _descriptor_problem(spec: str) -> str | None:
    if spec in _DESCRIPTORS:
        return None
    if spec.startswith("@every "):
        if go_parse_duration(spec[len("@every ") :]) is None:
            return f"failed to parse duration {spec}"
        return None
    return f"unrecognized descriptor: {spec}"


def _field_problem(field: str, bounds: _Bounds) -> str | None:
    for expr in (part for part in field.split(",") if part):
        problem = _range_problem(expr, bounds)
        if problem:
            return problem
    return None


def _range_problem(expr: str, bounds: _Bounds) -> str | None:
    range_and_step = expr.split("/")
    low_and_high = range_and_step[0].split("-")
    single = len(low_and_high) == 1
    if low_and_high[0] in ("*", "?"):
        start, end = bounds.low, bounds.high
    else:
        start_or_error = _int_or_name(low_and_high[0], bounds.names)
        if isinstance(start_or_error, str):
            return start_or_error
        start = end = start_or_error
        if len(low_and_high) == 2:
            end_or_error = _int_or_name(low_and_high[1], bounds.names)
            if isinstance(end_or_error, str):
                return end_or_error
            end = end_or_error
        elif len(low_and_high) > 2:
            return f"too many hyphens: {expr}"
    step = 1
    if len(range_and_step) == 2:
        step_or_error = _non_negative_int(range_and_step[1])
        if isinstance(step_or_error, str):
            return step_or_error
        step = step_or_error
        if single:
            end = bounds.high
    elif len(range_and_step) > 2:
        return f"too many slashes: {expr}"
    if start < bounds.low:
        return f"beginning of range ({start}) below minimum ({bounds.low}): {expr}"
    if end > bounds.high:
        return f"end of range ({end}) above maximum ({bounds.high}): {expr}"
    if start > end:
        return f"beginning of range ({start}) beyond end of range ({end}): {expr}"
    if step == 0:
        return f"step of range should be a positive number: {expr}"
    return None


def _int_or_name(expr: str, names: dict[str, int]) -> int | str:
    if expr.lower() in names:
        return names[expr.lower()]
    return _non_negative_int(expr)


def _non_negative_int(expr: str) -> int | str:
    number = go_atoi(expr)
    if number is None:
        return f"failed to parse int from {expr}"
    if number < 0:
        return f"negative number ({number}) not allowed: {expr}"
    return number


def deletion_policies(
    resource: Resource, prefix: Path, spec: dict[str, Any], *, rules: bool
) -> Iterator[tuple[Path, str]]:
    """Each deletion policy value of a RayJobSpec, with its path.

    Before 1.5.1 the single ``deletionPolicy`` field; since 1.5.1 the legacy
    ``deletionStrategy.onSuccess``/``onFailure`` policies and, with ``rules``, the
    policy of each ``deletionStrategy.deletionRules`` entry.
    """
    if not resource.at_least("1.5.1"):
        policy = spec.get("deletionPolicy")
        if isinstance(policy, str):
            yield (*prefix, "deletionPolicy"), policy
        return
    for key, policy in legacy_policies(spec):
        yield (*prefix, "deletionStrategy", key, "policy"), policy
    if rules:
        for index, rule in deletion_rules(spec):
            policy = rule.get("policy")
            if isinstance(policy, str):
                yield rules_path(prefix, index, "policy"), policy


INCREMENTAL_UPGRADE = "NewClusterWithIncrementalUpgrade"


def upgrade_type(resource: Resource) -> str | None:
    """A RayService's ``upgradeStrategy.type``."""
    value = as_dict(resource.spec.get("upgradeStrategy")).get("type")
    return value if isinstance(value, str) else None


def incremental_upgrade(resource: Resource) -> bool:
    """The operator's ``IsIncrementalUpgradeEnabled``: the gate on and the incremental type."""
    return (
        resource.at_least("1.5.1")
        and resource.gate(INCREMENTAL_GATE)
        and upgrade_type(resource) == INCREMENTAL_UPGRADE
    )


def time_zone_problem(name: str) -> str | None:
    """Why Go's ``time.LoadLocation`` rejects the zone ``name``, or None when it loads.

    ``""`` and ``UTC`` are UTC and ``Local`` is the operator's local zone. Other names
    are IANA zones looked up in this machine's tz database; when it has none, every
    name is accepted rather than guessed at.
    """
    if name in ("", "UTC", "Local"):
        return None
    if ".." in name or name[0] in "/\\":
        return f"invalid location name {name}"
    import zoneinfo

    if not zoneinfo.available_timezones():
        return None
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
        return f"unknown time zone {name}"
    return None
