"""The KubeRay operator's reconcile-time rules, one module per rule.

KubeRay checks most of what makes a Ray resource wrong in its controller
(``ray-operator/controllers/ray/utils/validation.go``), not in the CRD schema: the
API server accepts such a resource and the operator only emits a Warning event.
Each module under :mod:`rayops.rules.kuberay` ports one such check. A rule module
defines:

``ID``
    stable identifier, such as ``KR101``;
``TITLE``
    one line;
``SEVERITY``
    ``"error"`` (the operator rejects the resource) or ``"warning"``;
``KINDS``
    the resource kinds it applies to;
``SINCE`` / ``UNTIL``
    the first KubeRay release that enforces it, and the first that no longer does
    (``None``: since the oldest bundled release / still enforced);
``GATES``
    the operator feature gates it depends on (documentation; ``check`` asks
    :meth:`Resource.gate` for their values);
``check(resource)``
    a generator of :class:`Violation` values: a path inside the resource and a
    message. The framework turns the path into file:line:col.

The module docstring explains the rule and holds ``yaml fail`` and ``yaml pass``
examples; the test suite runs every example, so the documentation cannot drift.
Rules run on the object as the operator sees it: after the API server's pruning
and defaulting, and only when the schema accepted it.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import cache, cached_property
from types import ModuleType
from typing import Any, NamedTuple

from rayops.findings import Path, Severity
from rayops.rules.releases import Release, Target, format_release, parse_release

IGNORE_ANNOTATION = "rayops.dev/ignore"
RULE_CRASHED = "KR000"


class Violation(NamedTuple):
    """A rule's finding: where in the resource, and what is wrong."""

    path: Path
    message: str


@dataclass(frozen=True)
class Rule:
    """A loaded rule module."""

    id: str
    title: str
    severity: Severity
    kinds: frozenset[str]
    since: Release | None
    until: Release | None
    gates: tuple[str, ...]
    check: Callable[[Resource], Iterable[Violation]]
    doc: str

    def applies_to(self, release: Release) -> bool:
        """Whether the operator of ``release`` enforces this rule."""
        if self.since is not None and release < self.since:
            return False
        return not (self.until is not None and release >= self.until)

    @property
    def releases(self) -> str:
        """Human-readable release range, such as ``>= 1.5.1``."""
        if self.since and self.until:
            return f">= {format_release(self.since)}, < {format_release(self.until)}"
        if self.since:
            return f">= {format_release(self.since)}"
        if self.until:
            return f"< {format_release(self.until)}"
        return "all"


def _as_dict(value: Any) -> dict[str, Any]:
    # Loaded documents hold plain dicts and lists: a class check is the fastest test.
    return value if value.__class__ is dict else {}


def _as_list(value: Any) -> list[Any]:
    return value if value.__class__ is list else []


class Resource:
    """A defaulted ray.io object, with helpers for the shapes rules look at."""

    def __init__(
        self, kind: str, obj: dict[str, Any], target: Target, defaulted: frozenset[Path] = frozenset()
    ) -> None:
        self.kind = kind
        self.obj = obj
        self.target = target
        self.defaulted = defaulted
        self._cluster_specs: tuple[tuple[Path, dict[str, Any]], ...] | None = None
        self.memo: dict[str, Any] = {}
        """Per-resource cache for derived views that several rules share."""

    def written(self, path: Path) -> bool:
        """Whether the value at ``path`` was written by the user, not filled in by a CRD default."""
        return path not in self.defaulted

    @cached_property
    def metadata(self) -> dict[str, Any]:
        """``metadata`` (an empty dict when absent)."""
        return _as_dict(self.obj.get("metadata"))

    @cached_property
    def name(self) -> str:
        """``metadata.name`` ("" when absent)."""
        name = self.metadata.get("name")
        return name if isinstance(name, str) else ""

    @cached_property
    def annotations(self) -> dict[str, Any]:
        """``metadata.annotations``."""
        return _as_dict(self.metadata.get("annotations"))

    @cached_property
    def labels(self) -> dict[str, Any]:
        """``metadata.labels``."""
        return _as_dict(self.metadata.get("labels"))

    @cached_property
    def spec(self) -> dict[str, Any]:
        """``spec`` (an empty dict when absent)."""
        return _as_dict(self.obj.get("spec"))

    def gate(self, name: str) -> bool:
        """Whether operator feature gate ``name`` is on for the target."""
        return self.target.gate(name)

    def at_least(self, release: str) -> bool:
        """Whether the target KubeRay release is ``release`` or newer."""
        return self.target.at_least(release)

    def cluster_specs(self) -> tuple[tuple[Path, dict[str, Any]], ...]:
        """Every RayClusterSpec in this resource, with its path (computed once).

        A RayCluster's own spec; a RayJob's ``spec.rayClusterSpec``; a RayService's
        ``spec.rayClusterConfig``; a RayCronJob's ``spec.jobTemplate.rayClusterSpec``.
        """
        if self._cluster_specs is None:
            self._cluster_specs = tuple(self._find_cluster_specs())
        return self._cluster_specs

    def _find_cluster_specs(self) -> Iterator[tuple[Path, dict[str, Any]]]:
        spec = self.spec
        if self.kind == "RayCluster":
            yield ("spec",), spec
        elif self.kind == "RayJob" and isinstance(spec.get("rayClusterSpec"), dict):
            yield ("spec", "rayClusterSpec"), spec["rayClusterSpec"]
        elif self.kind == "RayService" and isinstance(spec.get("rayClusterConfig"), dict):
            yield ("spec", "rayClusterConfig"), spec["rayClusterConfig"]
        elif self.kind == "RayCronJob":
            template = _as_dict(spec.get("jobTemplate"))
            if isinstance(template.get("rayClusterSpec"), dict):
                yield ("spec", "jobTemplate", "rayClusterSpec"), template["rayClusterSpec"]


def worker_groups(cluster_spec: dict[str, Any]) -> Iterator[tuple[int, dict[str, Any]]]:
    """(index, group) of each worker group of a RayClusterSpec."""
    for index, group in enumerate(_as_list(cluster_spec.get("workerGroupSpecs"))):
        if group.__class__ is dict:
            yield index, group


def pod_spec(group: dict[str, Any]) -> dict[str, Any]:
    """``template.spec`` of a head or worker group."""
    template = group.get("template")
    if template.__class__ is dict:
        spec = template.get("spec")
        if spec.__class__ is dict:
            return spec
    return {}


def containers(group: dict[str, Any]) -> list[dict[str, Any]]:
    """The containers of a group's pod template."""
    listed = pod_spec(group).get("containers")
    if listed.__class__ is not list:
        return []
    return [c for c in listed if c.__class__ is dict]


def ray_container(group: dict[str, Any]) -> dict[str, Any]:
    """The Ray container: the first container (KubeRay's ``RayContainerIndex``)."""
    found = containers(group)
    return found[0] if found else {}


def as_dict(value: Any) -> dict[str, Any]:
    """``value`` if it is a mapping, else an empty dict (rules never trust shapes)."""
    return value if value.__class__ is dict else {}


def as_list(value: Any) -> list[Any]:
    """``value`` if it is a list, else an empty list."""
    return value if value.__class__ is list else []


_EXAMPLE = re.compile(r"```yaml (fail|pass)\n(.*?)```", re.DOTALL)


def examples(rule: Rule) -> list[tuple[str, str]]:
    """The ``(fail|pass, yaml)`` examples in a rule's documentation."""
    return [(match.group(1), match.group(2)) for match in _EXAMPLE.finditer(rule.doc)]


def _rule_from_module(module: ModuleType) -> Rule:
    since = getattr(module, "SINCE", None)
    until = getattr(module, "UNTIL", None)
    return Rule(
        id=module.ID,
        title=module.TITLE,
        severity=Severity.parse(getattr(module, "SEVERITY", "error")),
        kinds=frozenset(module.KINDS),
        since=parse_release(since) if since else None,
        until=parse_release(until) if until else None,
        gates=tuple(getattr(module, "GATES", ())),
        check=module.check,
        doc=(module.__doc__ or "").strip(),
    )


@cache
def all_rules() -> tuple[Rule, ...]:
    """Every rule, ordered by ID."""
    import pkgutil

    from rayops.rules import kuberay

    rules = []
    for info in pkgutil.iter_modules(kuberay.__path__):
        module = importlib.import_module(f"{kuberay.__name__}.{info.name}")
        if hasattr(module, "ID"):
            rules.append(_rule_from_module(module))
    rules.sort(key=lambda rule: rule.id)
    seen = set()
    for rule in rules:
        if rule.id in seen:
            raise RuntimeError(f"two rules share the ID {rule.id}")
        seen.add(rule.id)
    return tuple(rules)


def rule_by_id(rule_id: str) -> Rule | None:
    """The rule called ``rule_id`` (case-insensitive), or None."""
    wanted = rule_id.strip().upper()
    return next((rule for rule in all_rules() if rule.id == wanted), None)


@cache
def _rules_for(kind: str, release: Release) -> tuple[Rule, ...]:
    """The rules for ``kind`` at ``release``, importing only their modules (see CATALOG)."""
    from rayops.rules import kuberay

    rules = []
    for name, (_, kinds, since, until) in kuberay.CATALOG.items():
        if kind not in kinds:
            continue
        if (since and release < parse_release(since)) or (until and release >= parse_release(until)):
            continue
        rules.append(_rule_from_module(importlib.import_module(f"{kuberay.__name__}.{name}")))
    rules.sort(key=lambda rule: rule.id)
    return tuple(rules)


def write_catalog(path: str) -> None:
    """Rewrite the ``CATALOG`` of the module file at ``path`` from the rule modules."""
    with open(path, encoding="utf-8") as handle:
        text = handle.read()
    head = text[: text.index("CATALOG:")]
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(head + render_catalog())


def render_catalog() -> str:
    """The source of ``rayops.rules.kuberay.CATALOG``, read from the rule modules themselves."""
    import pkgutil

    from rayops.rules import kuberay

    lines = ["CATALOG: dict[str, tuple[str, tuple[str, ...], str | None, str | None]] = {"]
    for info in sorted(pkgutil.iter_modules(kuberay.__path__), key=lambda i: i.name):
        module = importlib.import_module(f"{kuberay.__name__}.{info.name}")
        if hasattr(module, "ID"):
            kinds = tuple(module.KINDS)
            since = getattr(module, "SINCE", None)
            until = getattr(module, "UNTIL", None)
            lines.append(f"    {info.name!r}: ({module.ID!r}, {kinds!r}, {since!r}, {until!r}),")
    lines.append("}")
    return "\n".join(lines) + "\n"


def ignored_rules(obj: dict[str, Any]) -> frozenset[str]:
    """Rule IDs listed in the resource's ``rayops.dev/ignore`` annotation."""
    annotations = _as_dict(_as_dict(obj.get("metadata")).get("annotations"))
    text = annotations.get(IGNORE_ANNOTATION)
    if not isinstance(text, str):
        return frozenset()
    return frozenset(part.strip().upper() for part in text.split(",") if part.strip())


KUBERAY_CONTROLLER = "ray.io/kuberay-operator"


def managed_elsewhere(kind: str, obj: dict[str, Any]) -> bool:
    """Whether ``spec.managedBy`` hands the resource to another controller.

    The KubeRay operator skips such a RayCluster or RayJob entirely (Kueue's
    MultiKueue manages it and the operator of the worker cluster validates it).
    """
    if kind not in ("RayCluster", "RayJob"):
        return False
    manager = _as_dict(obj.get("spec")).get("managedBy")
    return isinstance(manager, str) and manager not in ("", KUBERAY_CONTROLLER)


def run_rules(
    kind: str,
    obj: dict[str, Any],
    target: Target,
    disabled: frozenset[str] = frozenset(),
    defaulted: frozenset[Path] = frozenset(),
) -> Iterator[tuple[Rule, Violation]]:
    """Run every rule for ``kind`` at the target release on a defaulted object.

    ``defaulted`` lists the paths the API server's defaulting filled in.
    """
    if managed_elsewhere(kind, obj):
        return
    skipped = disabled | ignored_rules(obj)
    resource = Resource(kind, obj, target, defaulted)
    for rule in _rules_for(kind, target.release):
        if rule.id in skipped:
            continue
        try:
            for violation in rule.check(resource):
                yield rule, violation
        except Exception as error:  # a rule bug must not hide the other findings
            crash = Violation((), f"rule {rule.id} failed on this resource: {type(error).__name__}: {error}")
            yield _CRASH_RULE, crash


_CRASH_RULE = Rule(
    id=RULE_CRASHED,
    title="a rule failed on this resource (a rayops bug: please report it)",
    severity=Severity.ERROR,
    kinds=frozenset(),
    since=None,
    until=None,
    gates=(),
    check=lambda resource: iter(()),
    doc="",
)
