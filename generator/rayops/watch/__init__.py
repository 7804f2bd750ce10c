"""The in-cluster lifecycle watcher behind ``rayops watch`` (optional extra ``rayops[watch]``).

KubeRay reports lifecycle changes only in status fields. The watcher turns them into
lifecycle events (:mod:`rayops.watch.lifecycle`), and the events into actions configured
in YAML (:mod:`rayops.watch.config`): Kubernetes Events, webhooks, clean-up of the code
ConfigMap of a finished RayJob, annotations and JSON log lines, each done exactly once
thanks to a checkpoint annotation on the object (:mod:`rayops.watch.checkpoint`).

Layers: ``config``, ``lifecycle``, ``checkpoint`` and ``manifests`` are pure and import
nothing beyond the standard library, so the core (``rayops render``) can use them. The
modules that talk to the API server (``kube``, ``actions``, ``leader``, ``server``,
``runner``, ``preflight``, ``entry``) import the optional dependencies (kopf, aiohttp,
prometheus-client) and are only imported by the ``rayops watch`` and ``rayops cluster
check`` commands, lazily.
"""

from __future__ import annotations

WATCH_EXTRA_HINT = "install the watcher's dependencies: pip install 'rayops[watch]'"
"""What to tell a user whose installation lacks the ``watch`` extra."""
