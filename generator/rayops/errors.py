"""The one exception root of rayops and the process exit codes.

Problems in the user's *input* are findings, not exceptions. Exceptions are for
a run that cannot go on: a bad option (usage) or rayops itself failing.
"""

from __future__ import annotations

import enum


class ExitCode(enum.IntEnum):
    """Documented exit codes of every rayops command."""

    CLEAN = 0
    FINDINGS = 1
    USAGE = 2
    INTERNAL = 3


class RayopsError(Exception):
    """Root of every error rayops raises on purpose; caught once, in the CLI."""

    exit_code: ExitCode = ExitCode.INTERNAL


class UsageError(RayopsError):
    """The command line or a workspace setting asks for something impossible."""

    exit_code = ExitCode.USAGE


class SchemaError(RayopsError):
    """A bundled or user-supplied schema cannot be read or compiled."""

    exit_code = ExitCode.INTERNAL
