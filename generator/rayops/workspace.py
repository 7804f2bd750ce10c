"""The workspace file ``rayops.yaml``: versions, feature gates and environments.

```yaml
kuberayVersion: "1.5.1"          # the release validation targets
kubernetesVersion: "1.32"
featureGates: {RayJobDeletionPolicy: true}
environments:                     # what `rayops render` writes
  - name: dev
    overlay: overlays/dev         # default: overlays/<name>
    namespace: ray-dev            # optional: set on every namespaced resource
    output: rendered/dev          # default: rendered/<name>
gitops: {}                        # Argo CD and Flux objects: see rayops.gitops.sync
watch: {}                         # the lifecycle watcher: see rayops.watch.config
```

A mistake in the file is a usage error naming its file, line and column. Every path
the workspace names must stay inside the workspace once symlinks are resolved.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

from rayops.errors import UsageError
from rayops.findings import Location, Path
from rayops.validate.objectmeta import DNS1123_LABEL

if TYPE_CHECKING:
    from rayops.gitops.sync import GitOpsSettings
    from rayops.loader import Document
    from rayops.watch.config import WatchConfig

WORKSPACE_FILE = "rayops.yaml"
_ENVIRONMENT_NAME = re.compile(DNS1123_LABEL + r"\Z")
_TOP_LEVEL = frozenset(
    ("kuberayVersion", "kubernetesVersion", "featureGates", "environments", "gitops", "watch")
)
_ENVIRONMENT_KEYS = frozenset(("name", "overlay", "namespace", "output"))


@dataclass(frozen=True)
class Environment:
    """One environment: where its overlay is and where its rendered manifests go."""

    name: str
    overlay: str
    output: str
    namespace: str | None = None


@dataclass(frozen=True)
class Workspace:
    """Settings read from a ``rayops.yaml``."""

    root: str
    kuberay_version: str | None = None
    kubernetes_version: str | None = None
    feature_gates: dict[str, bool] = field(default_factory=dict)
    environments: tuple[Environment, ...] = ()
    sections: dict[str, Any] = field(default_factory=dict, repr=False)
    """The raw ``gitops`` and ``watch`` sections, read on first use (see :attr:`gitops`)."""
    document: Document | None = field(default=None, repr=False, compare=False)
    """The ``rayops.yaml`` document, for the place of a setting."""

    def location(self, path: Path) -> Location:
        """Where the setting at ``path`` is written in ``rayops.yaml``."""
        if self.document is None:
            return Location(os.path.join(self.root, WORKSPACE_FILE))
        return self.document.locate(path)

    def locate(self, path: Path) -> str:
        """``file:line:col`` of the setting at ``path``."""
        return str(self.location(path))

    @cached_property
    def gitops(self) -> GitOpsSettings:
        """The ``gitops`` section, checked on first use: only rendering needs it, and
        ``rayops validate`` (a pre-commit hook) should not pay for reading it."""
        from rayops.gitops.sync import parse_gitops

        settings = parse_gitops(self.sections.get("gitops"), self.locate)
        watch = self.watch
        if settings.enabled or (watch is not None and watch.deployment.enabled):
            self._check_gitops_output(settings, watch)
        return settings

    @cached_property
    def watch(self) -> WatchConfig | None:
        """The ``watch`` section, checked on first use; None when absent."""
        if self.sections.get("watch") is None:
            return None
        from rayops.watch.config import parse_watch_config

        return parse_watch_config(self.sections["watch"], lambda path: self.locate(("watch", *path)))

    def _check_gitops_output(self, settings: GitOpsSettings, watch: WatchConfig | None) -> None:
        def fail(element_path: Path, message: str) -> UsageError:
            return UsageError(f"{self.locate(element_path)}: {message}")

        output_setting = ("gitops", "output") if "output" in (self.sections.get("gitops") or {}) else ()
        contained_path(self.root, settings.output, self.locate(output_setting))
        gitops_output = os.path.realpath(os.path.join(self.root, settings.output))
        for index, environment in enumerate(self.environments):
            output = os.path.realpath(environment.output)
            if os.path.commonpath([output, gitops_output]) in (output, gitops_output):
                raise fail(
                    ("environments", index),
                    f"environment {environment.name!r} writes to {os.path.relpath(output, self.root)}, "
                    f"which overlaps the gitops output {settings.output}: one would replace the other",
                )
            if environment.name == "watcher" and watch is not None and watch.deployment.enabled:
                raise fail(
                    ("environments", index, "name"),
                    "the name watcher is taken by the watcher's Argo CD Application and Flux Kustomization",
                )

    def environment(self, name: str) -> Environment:
        """The environment called ``name``; a usage error naming the known ones if absent."""
        for environment in self.environments:
            if environment.name == name:
                return environment
        known = ", ".join(e.name for e in self.environments) or "none"
        raise UsageError(f"no environment {name!r} in {WORKSPACE_FILE} (environments: {known})")


def find_workspace(start: str = ".") -> str | None:
    """Path of the nearest ``rayops.yaml`` in ``start`` or a parent folder, or None."""
    folder = os.path.abspath(start)
    while True:
        candidate = os.path.join(folder, WORKSPACE_FILE)
        if os.path.isfile(candidate):
            return candidate
        parent = os.path.dirname(folder)
        if parent == folder:
            return None
        folder = parent


MAX_LINK_HOPS = 40  # as the kernel's ELOOP limit


def contained_path(root: str, relative: str, where: str) -> str:
    """``relative`` resolved inside ``root``; a usage error if it leaves it.

    The path is followed one component and one symbolic link at a time, and every step
    must stay inside the root: absolute paths, ``..`` escapes and links that lead outside
    are refused even when they come back in later (``../ws/x``, or a link to a link
    outside that points back), as kustomize's load restrictor and Argo CD (after
    CVE-2022-24348) refuse them. A link whose absolute target lies inside the root is
    followed. The result is the real path.
    """
    if not isinstance(relative, str) or not relative:
        raise UsageError(f"{where}: expected a relative path")
    if os.path.isabs(relative):
        raise UsageError(f"{where}: absolute path {relative!r}: paths must be relative to the workspace")
    real_root = os.path.realpath(root)
    roots = {real_root, os.path.abspath(root)}

    def inside(path: str) -> bool:
        return any(path == r or path.startswith(r + os.sep) for r in roots)

    def leaves(detail: str = "") -> UsageError:
        return UsageError(f"{where}: {relative!r} leaves the workspace{detail}")

    current = real_root
    pending = list(reversed(relative.replace("\\", "/").split("/")))
    hops = 0
    while pending:
        part = pending.pop()
        if part in ("", "."):
            continue
        if part == "..":
            current = os.path.dirname(current)
            if not inside(current):
                raise leaves()
            continue
        candidate = os.path.join(current, part)
        if not os.path.islink(candidate):
            current = candidate
            continue
        hops += 1
        if hops > MAX_LINK_HOPS:
            raise UsageError(f"{where}: {relative!r}: too many levels of symbolic links")
        target = os.readlink(candidate)
        if os.path.isabs(target):
            target = os.path.normpath(target)
            if not inside(target):
                raise leaves(f" (the link {os.path.relpath(candidate, real_root)} points to {target})")
            base = next(r for r in roots if target == r or target.startswith(r + os.sep))
            current = real_root
            target = os.path.relpath(target, base)
        pending.extend(reversed(target.replace("\\", "/").split("/")))
    return current


def load_workspace(path: str) -> Workspace:
    """Read ``path``; a malformed file is a usage error at its file, line and column."""
    from rayops.loader import read_file

    loaded = read_file(path)
    if loaded.findings:
        first = loaded.findings[0]
        raise UsageError(f"{first.location}: {first.message}")
    if not loaded.documents:
        return Workspace(root=os.path.dirname(os.path.abspath(path)))
    document = loaded.documents[0]
    data = document.value

    def at(element_path: Path) -> str:
        return str(document.locate(element_path))

    def fail(element_path: Path, message: str) -> UsageError:
        return UsageError(f"{at(element_path)}: {message}")

    if not isinstance(data, dict):
        raise fail((), "the workspace file must be a mapping")
    for key in data:
        if key not in _TOP_LEVEL:
            raise fail((key,), f"unknown setting {key!r} (known: {', '.join(sorted(_TOP_LEVEL))})")
    gates = data.get("featureGates") or {}
    if not isinstance(gates, dict) or not all(isinstance(v, bool) for v in gates.values()):
        raise fail(("featureGates",), "featureGates must map gate names to true or false")
    root = os.path.dirname(os.path.abspath(path))
    environments = _environments(data.get("environments"), root, at)
    for key in ("gitops", "watch"):
        if data.get(key) is not None and not isinstance(data[key], dict):
            raise fail((key,), f"{key} must be a mapping")
    return Workspace(
        root=root,
        kuberay_version=_version(data, "kuberayVersion", fail),
        kubernetes_version=_version(data, "kubernetesVersion", fail),
        feature_gates={str(k): v for k, v in gates.items()},
        environments=environments,
        sections={key: data[key] for key in ("gitops", "watch") if data.get(key) is not None},
        document=document,
    )


def _version(data: dict[str, Any], key: str, fail: Callable[[Path, str], UsageError]) -> str | None:
    value = data.get(key)
    if value is None:
        return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    if not isinstance(value, str):
        raise fail((key,), f"{key} must be a version string such as 1.5.1")
    return value


def _environments(value: Any, root: str, at: Callable[[Path], str]) -> tuple[Environment, ...]:
    def fail(element_path: Path, message: str) -> UsageError:
        return UsageError(f"{at(element_path)}: {message}")

    if value is None:
        return ()
    if not isinstance(value, list):
        raise fail(("environments",), "environments must be a list")
    found: list[Environment] = []
    for index, item in enumerate(value):
        where = ("environments", index)
        if not isinstance(item, dict):
            raise fail(where, "each environment must be a mapping with at least a name")
        for key in item:
            if key not in _ENVIRONMENT_KEYS:
                raise fail((*where, key), f"unknown environment setting {key!r}")
        name = item.get("name")
        if not isinstance(name, str) or not _ENVIRONMENT_NAME.match(name):
            raise fail((*where, "name"), "an environment name is a DNS label such as dev or prod")
        if any(e.name == name for e in found):
            raise fail((*where, "name"), f"environment {name!r} is defined twice")
        paths = {}
        for key, default in (("overlay", f"overlays/{name}"), ("output", f"rendered/{name}")):
            relative = item.get(key, default)
            paths[key] = contained_path(root, relative, at((*where, key) if key in item else where))
        namespace = item.get("namespace")
        if namespace is not None and not (isinstance(namespace, str) and _ENVIRONMENT_NAME.match(namespace)):
            raise fail((*where, "namespace"), "namespace must be a DNS label")
        found.append(Environment(name, paths["overlay"], paths["output"], namespace))
    return tuple(found)


def parse_feature_gates(text: str) -> dict[str, bool]:
    """Parse the KubeRay operator's flag syntax ``A=true,B=false``."""
    gates: dict[str, bool] = {}
    for item in filter(None, (part.strip() for part in text.split(","))):
        name, sep, value = item.partition("=")
        if not sep or not name.strip() or value.strip().lower() not in ("true", "false"):
            raise UsageError(f"invalid feature gate {item!r}: expected Name=true or Name=false")
        gates[name.strip()] = value.strip().lower() == "true"
    return gates
