"""The rendered files of one revision, per environment: rendered afresh or as committed.

A revision is a commit or the working tree. Rendering runs inside a detached git
worktree of the commit (rendering reads the output folder, for the previous code
ConfigMap, so each revision must see its own); the working tree is rendered where it
is. With ``rendered=True`` the committed output folders are read as they are: from git
objects for a commit, from disk for the working tree.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass, field

from rayops.diff import git
from rayops.errors import RayopsError, UsageError
from rayops.loader import YAML_EXTENSIONS
from rayops.workspace import WORKSPACE_FILE, Workspace, load_workspace

WORKING_TREE = "working tree"
GITOPS = "gitops"
"""The name under which the Argo CD, Flux and watcher objects (``rendered/gitops/``) are compared."""


@dataclass
class Revision:
    """One side of a diff: its workspace settings and each environment's files."""

    label: str
    workspace: Workspace
    outputs: dict[str, str] = field(default_factory=dict)
    """Environment name to its output folder, relative to the workspace root."""
    files: dict[str, dict[str, bytes]] = field(default_factory=dict)
    """Environment name to {file path inside the output folder: bytes}."""


@dataclass(frozen=True)
class Location:
    """Where the workspace is: the git root, and the workspace folder inside it."""

    repository: str
    relative: str

    def inside(self, root: str) -> str:
        """The workspace folder inside a checkout rooted at ``root``."""
        return os.path.join(root, self.relative) if self.relative else root


def locate(workspace_file: str) -> Location:
    """The git repository holding the workspace file, and the workspace's place in it."""
    folder = os.path.dirname(os.path.abspath(workspace_file))
    repository = git.top_level(folder)
    relative = os.path.relpath(os.path.realpath(folder), os.path.realpath(repository))
    return Location(repository, "" if relative == "." else relative)


def _selected(workspace: Workspace, names: tuple[str, ...]) -> list[str]:
    known = [environment.name for environment in workspace.environments]
    return [name for name in known if not names or name in names]


def _outputs(workspace: Workspace, names: tuple[str, ...]) -> dict[str, str]:
    """Output folders to compare: each selected environment's, and with no selection the
    GitOps objects' folder when the workspace writes one."""
    outputs = {
        environment.name: os.path.relpath(environment.output, workspace.root)
        for environment in workspace.environments
        if environment.name in _selected(workspace, names)
    }
    watch = workspace.watch
    if not names and (workspace.gitops.enabled or (watch is not None and watch.deployment.enabled)):
        outputs[GITOPS] = os.path.normpath(workspace.gitops.output)
    return outputs


def rendered_revision(workspace: Workspace, label: str, names: tuple[str, ...]) -> Revision:
    """Render ``workspace`` (a checkout) in memory."""
    from rayops.render import render_workspace

    revision = Revision(label, workspace, _outputs(workspace, names))
    if not revision.outputs:
        return revision
    environments = [name for name in revision.outputs if name != GITOPS]
    try:
        # The GitOps objects are rendered with every environment, so all are rendered then.
        result = render_workspace(workspace, None if GITOPS in revision.outputs else environments)
    except RayopsError as error:
        raise UsageError(f"cannot render the {label} revision: {error}") from error
    by_folder = {environment.output: environment.name for environment in workspace.environments}
    gitops_folder = os.path.join(workspace.root, revision.outputs.get(GITOPS, "\0"))
    for folder, files in result.outputs.items():
        name = by_folder.get(folder)
        if name in revision.outputs:
            revision.files[name] = {file: text.encode("utf-8") for file, text in files.items()}
        elif os.path.dirname(folder) == gitops_folder:  # rendered/gitops/argocd, .../flux...
            below = os.path.basename(folder)
            gitops_files = revision.files.setdefault(GITOPS, {})
            gitops_files.update((f"{below}/{file}", text.encode("utf-8")) for file, text in files.items())
    if GITOPS in revision.files:
        revision.files[GITOPS] = dict(sorted(revision.files[GITOPS].items()))
    return revision


def render_commit(location: Location, commit: str, label: str, names: tuple[str, ...]) -> Revision:
    """Render the workspace as of ``commit``, in a temporary worktree."""
    with git.worktree(location.repository, commit) as checkout:
        workspace = _load(os.path.join(location.inside(checkout), WORKSPACE_FILE), label)
        return rendered_revision(workspace, label, names)


def _load(path: str, label: str) -> Workspace:
    if not os.path.isfile(path):
        raise UsageError(f"no {WORKSPACE_FILE} in the {label} revision")
    return load_workspace(path)


def committed_revision(
    location: Location, commit: str, label: str, names: tuple[str, ...], blobs: dict[str, bytes] | None = None
) -> Revision:
    """The output folders as committed at ``commit``, read from git objects.

    ``blobs`` caches contents by blob id across revisions (each blob is read once).
    """
    prefix = location.relative
    workspace_path = f"{prefix}/{WORKSPACE_FILE}" if prefix else WORKSPACE_FILE
    listing = git.list_tree(location.repository, commit, prefix)
    blob = listing.get(WORKSPACE_FILE)
    if blob is None:
        raise UsageError(f"no {workspace_path} in the {label} revision")
    text = git.read_blobs(location.repository, [blob], blobs)[blob]
    with tempfile.TemporaryDirectory(prefix="rayops-diff-") as folder:
        with open(os.path.join(folder, WORKSPACE_FILE), "wb") as handle:
            handle.write(text)
        workspace = load_workspace(os.path.join(folder, WORKSPACE_FILE))
    revision = Revision(label, workspace, _outputs(workspace, names))
    wanted: dict[str, dict[str, str]] = {}
    for name, output in revision.outputs.items():
        folder_prefix = output.rstrip("/") + "/"
        wanted[name] = {
            path[len(folder_prefix) :]: blob_id
            for path, blob_id in listing.items()
            if path.startswith(folder_prefix) and path.endswith(YAML_EXTENSIONS)
        }
    contents = git.read_blobs(
        location.repository, [b for files in wanted.values() for b in files.values()], blobs
    )
    for name, files in wanted.items():
        revision.files[name] = {path: contents[blob_id] for path, blob_id in sorted(files.items())}
    return revision


def disk_revision(workspace: Workspace, names: tuple[str, ...]) -> Revision:
    """The output folders of the working tree, as they are on disk."""
    revision = Revision(WORKING_TREE, workspace, _outputs(workspace, names))
    for name, output in revision.outputs.items():
        folder = os.path.join(workspace.root, output)
        files: dict[str, bytes] = {}
        for root, dirs, file_names in os.walk(folder):
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))
            for file_name in sorted(file_names):
                if file_name.endswith(YAML_EXTENSIONS):
                    path = os.path.join(root, file_name)
                    with open(path, "rb") as handle:
                        files[os.path.relpath(path, folder).replace(os.sep, "/")] = handle.read()
        revision.files[name] = dict(sorted(files.items()))
    return revision
