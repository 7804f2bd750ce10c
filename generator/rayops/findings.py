"""Findings: the values every check in rayops produces, and where they point.

A check never prints and never stops at the first problem: it returns `Finding`
values. A finding carries a path inside a resource (``spec.workerGroupSpecs[0]``);
the loader turns that path into a 1-based line and column of the user's file.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

PathElement = str | int
Path = tuple[PathElement, ...]


class Severity(enum.IntEnum):
    """How bad a finding is; ordered so that ``max()`` gives the worst."""

    INFO = 10
    WARNING = 20
    ERROR = 30

    @property
    def label(self) -> str:
        """Lower-case name used in every output format."""
        return self.name.lower()

    @classmethod
    def parse(cls, text: str) -> Severity:
        """Read ``error``/``warning``/``info`` (any case)."""
        return cls[text.upper()]


@dataclass(frozen=True, order=True)
class Location:
    """A place in a file: 1-based line and column; 0 means unknown."""

    file: str
    line: int = 0
    column: int = 0

    def __str__(self) -> str:
        """``file:line:col``, as every message names a place."""
        return f"{self.file}:{self.line}:{self.column}"


@dataclass(frozen=True)
class Finding:
    """One problem found in the user's input."""

    rule: str
    severity: Severity
    message: str
    location: Location
    path: Path = ()
    kind: str = ""
    name: str = ""
    extra: dict[str, str] = field(default_factory=dict, compare=False, hash=False)


class DocumentError(Exception):
    """A problem at ``path`` inside a user's document (a patch, a spec, a template).

    Raised by the render steps and turned into a finding by their caller, who knows
    which file and node the document came from.
    """

    def __init__(self, path: Path, message: str) -> None:
        super().__init__(path, message)
        self.path: Path = tuple(path)
        self.message = message

    def __str__(self) -> str:
        where = format_path(self.path)
        return f"{where}: {self.message}" if where else self.message


def format_path(path: Path) -> str:
    """Render a path as ``spec.workerGroupSpecs[0].template``."""
    out: list[str] = []
    for element in path:
        if isinstance(element, int):
            out.append(f"[{element}]")
        elif out and _is_plain_key(element):
            out.append("." + element)
        elif _is_plain_key(element):
            out.append(element)
        else:
            escaped = element.replace("\\", "\\\\").replace('"', '\\"')
            out.append(f'["{escaped}"]')
    return "".join(out)


def _is_plain_key(key: str) -> bool:
    return bool(key) and all(ch.isalnum() or ch in "_-" for ch in key)
