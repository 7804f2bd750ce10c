"""The few git operations a diff needs: resolve a ref, list a tree, read blobs, worktrees.

Every call runs ``git`` with a fixed environment-independent output format; a failing
call becomes a :class:`~rayops.errors.UsageError` quoting git's own message, since the
usual cause is a ref or folder the user named.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterator

from rayops.errors import UsageError


def _git(cwd: str, *args: str, input_bytes: bytes | None = None) -> bytes:
    """Run ``git args`` in ``cwd``; its standard output, or a usage error with its message.

    The input and the error output go through temporary files, so the output is the one
    pipe and is read in large blocks (no polling loop over three pipes for megabytes of
    blobs).
    """
    with tempfile.TemporaryFile() as errors, tempfile.TemporaryFile() as given:
        if input_bytes:
            given.write(input_bytes)
            given.seek(0)
        try:
            completed = subprocess.run(
                ["git", "-c", "core.quotepath=off", *args],
                cwd=cwd,
                stdin=given if input_bytes else subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=errors,
                check=False,
            )
        except FileNotFoundError as error:
            raise UsageError("git is not installed or not on PATH: rayops diff needs it") from error
        if completed.returncode != 0:
            errors.seek(0)
            message = errors.read().decode("utf-8", "replace").strip().splitlines()
            raise UsageError(f"git {args[0]} failed: {message[-1] if message else 'no message'}")
    return completed.stdout


def top_level(folder: str) -> str:
    """The root of the git work tree holding ``folder``."""
    return _git(folder, "rev-parse", "--show-toplevel").decode().strip()


def resolve(root: str, ref: str) -> str:
    """The commit ``ref`` names (a usage error when it names none)."""
    if not ref or ref.startswith("-"):
        raise UsageError(f"invalid git revision {ref!r}")
    try:
        return _git(root, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}").decode().strip()
    except UsageError:
        raise UsageError(f"no commit {ref!r} in {root}") from None


def list_tree(root: str, commit: str, folder: str) -> dict[str, str]:
    """Blob id of every file under ``folder`` (relative to the root) at ``commit``."""
    prefix = folder.strip("/")
    output = _git(root, "ls-tree", "-r", "-z", "--full-tree", commit, "--", prefix or ".")
    start = len(prefix) + 1 if prefix else 0
    return {
        path[start:]: blob for blob, path in _BLOB_ENTRY.findall(output.decode("utf-8", "surrogateescape"))
    }


_BLOB_ENTRY = re.compile(r"[0-7]+ blob ([0-9a-f]+)\t([^\0]*)\0")
"""A blob in ``git ls-tree -z`` output: its id and path (trees and submodules are not blobs)."""


def read_blobs(root: str, blob_ids: list[str], known: dict[str, bytes] | None = None) -> dict[str, bytes]:
    """The contents of ``blob_ids``, read by one ``git cat-file --batch`` process.

    Blobs already in ``known`` are not read again, and those read are added to it: the
    two revisions of a diff share most of their files.
    """
    known = {} if known is None else known
    unique = sorted(set(blob_ids) - known.keys())
    if not unique:
        return {blob: known[blob] for blob in blob_ids}
    output = _git(root, "cat-file", "--batch", input_bytes="".join(f"{b}\n" for b in unique).encode())
    contents: dict[str, bytes] = {}
    position = 0
    for blob in unique:
        end = output.index(b"\n", position)
        header = output[position:end].decode().split(" ")
        if len(header) != 3:
            raise UsageError(f"git cat-file: cannot read object {blob}")
        size = int(header[2])
        contents[blob] = output[end + 1 : end + 1 + size]
        position = end + 1 + size + 1
    known.update(contents)
    return {blob: known[blob] for blob in blob_ids}


@contextlib.contextmanager
def worktree(root: str, commit: str) -> Iterator[str]:
    """A temporary detached worktree of ``commit``; removed (and pruned) on exit."""
    parent = tempfile.mkdtemp(prefix="rayops-diff-")
    path = os.path.join(parent, "tree")
    try:
        _git(root, "worktree", "add", "--detach", "--quiet", path, commit)
        yield path
    finally:
        with contextlib.suppress(UsageError):
            _git(root, "worktree", "remove", "--force", path)
        shutil.rmtree(parent, ignore_errors=True)
        with contextlib.suppress(UsageError):
            _git(root, "worktree", "prune")
