"""``rayops init``: a new workspace that renders and validates out of the box.

:func:`scaffold` writes a ``rayops.yaml`` with two environments (dev, prod), a base holding
one rayops spec (a RayJob that ships a small ``main.py``), one overlay per environment and a
``.pre-commit-config.yaml`` whose hooks run ``rayops render --check`` and ``rayops validate``.
The example is written so that ``rayops render`` and ``rayops validate rendered/`` report
nothing at all, best-practice warnings (KR6xx) included.

Safety: a non-empty directory is refused unless ``force``; even then no existing file (or
directory, or symbolic link standing where a folder is needed) is ever replaced: if any
target exists, nothing is written and the error lists every conflict. The files are built
in a temporary directory next to the target, then moved in (a missing target directory is
moved into place whole); a failure part way removes what was already moved in.

Editor completion: the spec's first line is a YAML language server modeline,
``# yaml-language-server: $schema=file:///.../rayops/bundled/rayops/v1alpha1/rayjob.json``,
naming the JSON schema shipped inside the installed rayops package. A ``file://`` URL is
used rather than a plain path because the language server reads the modeline up to the
first space (a plain path with a space would be cut short) and a URL percent-encodes it;
a URL to a public copy of the schema would need the network and could drift from the
installed release, and a path relative to the workspace would not reach the installed
package. The URL is specific to the machine that ran ``rayops init``: elsewhere the editor
only loses completion; rendering and validation never read the modeline.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from pathlib import Path

import rayops
from rayops.errors import SchemaError, UsageError

SPEC_FILE = "overlays/base/rayjob.yaml"
"""The spec :func:`scaffold` writes, relative to the workspace."""

WORKSPACE_TEXT = """\
# rayops workspace: the versions this repository's manifests target, and its environments.
kuberayVersion: "1.5.1"
kubernetesVersion: "1.32"
featureGates: {}
environments:                 # `rayops render` writes rendered/<name> from overlays/<name>
  - name: dev
    namespace: ray-dev
  - name: prod
    namespace: ray-prod
# Argo CD and/or Flux objects syncing rendered/<env>, written to rendered/gitops/ by
# `rayops render`: set repoURL to this repository and name the engines you use, e.g.
#   gitops: {repoURL: https://github.com/you/ray-platform.git, argocd: {}, flux: {}}
gitops: {}
"""

SPEC_TEXT = """\
# A Ray job with its own cluster, as a rayops spec: `rayops render` expands it into a
# ray.io/v1 RayJob and a ConfigMap holding main.py (named after a hash of its content).
apiVersion: rayops.dev/v1alpha1
kind: RayJob
metadata:
  name: hello-ray
spec:
  rayVersion: "2.46.0"                 # the image follows: rayproject/ray:2.46.0
  entrypoint: python /home/ray/app/main.py
  code:
    files: [main.py]
    mountPath: /home/ray/app
  shutdownAfterJobFinishes: true       # delete the cluster when the job is done
  ttlSecondsAfterFinished: 300
  head:
    resources: {cpu: "1", memory: 2Gi} # request and limit alike, as KubeRay recommends
  workers:
    - name: workers
      replicas: 1
      minReplicas: 1
      maxReplicas: 2
      resources: {cpu: "1", memory: 2Gi}
"""

MAIN_TEXT = '''\
"""A tiny Ray program: square numbers in parallel on the cluster."""

import ray

ray.init()


@ray.remote
def square(x: int) -> int:
    return x * x


print("sum of squares:", sum(ray.get([square.remote(i) for i in range(10)])))
'''

DEV_OVERLAY_TEXT = """\
# The dev environment: the base as it is (rayops.yaml sets its namespace).
bases: [../base]
labels:
  environment: dev
"""

PROD_OVERLAY_TEXT = """\
# The prod environment: the base with more workers (rayops.yaml sets its namespace).
bases: [../base]
labels:
  environment: prod
patches:
  - target: {kind: RayJob, name: hello-ray}
    patch:
      spec:
        rayClusterSpec:
          workerGroupSpecs:
            - groupName: workers
              replicas: 3
              maxReplicas: 5
"""

PRE_COMMIT_TEXT = """\
# pre-commit hooks (https://pre-commit.com): rayops's hooks rayops-render-check and
# rayops-validate, as its .pre-commit-hooks.yaml defines them. `language: system` runs the
# rayops on PATH (pre-commit 4.4 and later also call it `unsupported`).
repos:
  - repo: local
    hooks:
      - id: rayops-render-check
        name: rayops render --check
        entry: rayops render --check
        language: system
        pass_filenames: false
        files: ^(rayops\\.yaml|overlays/|rendered/)
      - id: rayops-validate
        name: rayops validate
        entry: rayops validate --no-summary
        language: system
        files: ^rendered/.*\\.ya?ml$
        require_serial: true
"""


def schema_path() -> str:
    """Absolute path of the rayops RayJob spec schema shipped inside the installed package."""
    package = os.path.dirname(os.path.abspath(rayops.__file__))
    return os.path.join(package, "bundled", "rayops", "v1alpha1", "rayjob.json")


def files() -> dict[str, str]:
    """The files :func:`scaffold` writes: relative POSIX path to content, in writing order."""
    schema = schema_path()
    if not os.path.isfile(schema):
        raise SchemaError(f"the bundled spec schema {schema} is missing: reinstall rayops")
    modeline = f"# yaml-language-server: $schema={Path(schema).as_uri()}\n"
    return {
        "rayops.yaml": WORKSPACE_TEXT,
        SPEC_FILE: modeline + SPEC_TEXT,
        "overlays/base/main.py": MAIN_TEXT,
        "overlays/dev/overlay.yaml": DEV_OVERLAY_TEXT,
        "overlays/prod/overlay.yaml": PROD_OVERLAY_TEXT,
        ".pre-commit-config.yaml": PRE_COMMIT_TEXT,
    }


def scaffold(directory: str, *, force: bool = False) -> list[str]:
    """Write a new workspace into ``directory`` (created if missing); return the files written.

    The returned paths are ``os.path.join(directory, <relative path>)``, in writing order.
    A ``directory`` that exists and is not empty is a usage error unless ``force``; any
    file that already exists where the workspace puts one is a usage error even with
    ``force`` (nothing is written, and the error lists them all): no file is overwritten.
    """
    contents = files()
    target = os.path.abspath(directory)
    if os.path.lexists(target) and not os.path.isdir(target):
        raise UsageError(f"{directory}: exists and is not a directory")
    exists = os.path.isdir(target)
    if exists and os.listdir(target):
        if not force:
            raise UsageError(f"{directory}: directory is not empty (use --force to add the workspace to it)")
        conflicts = _conflicts(target, list(contents))
        if conflicts:
            listed = ", ".join(conflicts)
            raise UsageError(f"{directory}: would overwrite {listed}: nothing was written")
    parent = os.path.dirname(target)
    os.makedirs(parent, exist_ok=True)
    stage = tempfile.mkdtemp(prefix=".rayops-init-", dir=parent)
    try:
        for relative, text in contents.items():
            path = os.path.join(stage, *relative.split("/"))
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "x", encoding="utf-8", newline="\n") as handle:
                handle.write(text)
        if not exists:
            os.chmod(stage, 0o755)
            os.rename(stage, target)
        else:
            _move_in(stage, target, list(contents))
    finally:
        shutil.rmtree(stage, ignore_errors=True)
    return [os.path.join(directory, *relative.split("/")) for relative in contents]


def _conflicts(target: str, relatives: list[str]) -> list[str]:
    """The target paths (and the folders they need) that already exist as something else."""
    found: list[str] = []
    for relative in relatives:
        parts = relative.split("/")
        for depth in range(1, len(parts)):
            folder = "/".join(parts[:depth])
            path = os.path.join(target, *parts[:depth])
            if os.path.islink(path) or (os.path.lexists(path) and not os.path.isdir(path)):
                found.append(f"{folder} (not a plain folder)")
        if os.path.lexists(os.path.join(target, *parts)):
            found.append(relative)
    return list(dict.fromkeys(found))


def _move_in(stage: str, target: str, relatives: list[str]) -> None:
    """Move the staged files into the existing ``target``, never replacing a file.

    A file that appeared since the check is not replaced either (hard links and ``x`` mode
    fail on an existing destination); on any failure the files and folders already
    created are removed.
    """
    created: list[str] = []
    try:
        for relative in relatives:
            parts = relative.split("/")
            for depth in range(1, len(parts)):
                folder = os.path.join(target, *parts[:depth])
                if not os.path.isdir(folder):
                    os.mkdir(folder)
                    created.append(folder)
            destination = os.path.join(target, *parts)
            try:
                _place(os.path.join(stage, *parts), destination)
            except FileExistsError:
                raise UsageError(f"{relative}: appeared while writing: nothing was written") from None
            created.append(destination)
    except BaseException:
        for path in reversed(created):
            with contextlib.suppress(OSError):
                if os.path.isdir(path):
                    os.rmdir(path)
                else:
                    os.unlink(path)
        raise


def _place(source: str, destination: str) -> None:
    """Put ``source`` at ``destination``; FileExistsError if something is there already."""
    try:
        os.link(source, destination)
    except FileExistsError:
        raise
    except OSError:  # a file system without hard links: copy, still never replacing
        with open(source, "rb") as reader, open(destination, "xb") as writer:
            try:
                shutil.copyfileobj(reader, writer)
            except BaseException:
                os.unlink(destination)
                raise
