"""The error of a rayops spec that cannot expand."""

from __future__ import annotations

from rayops.findings import Path, format_path


class SpecError(Exception):
    """A spec that cannot expand; ``path`` is inside the spec document."""

    def __init__(self, path: Path, message: str) -> None:
        super().__init__(path, message)
        self.path: Path = tuple(path)
        self.message = message

    def __str__(self) -> str:
        where = format_path(self.path)
        return f"{where}: {self.message}" if where else self.message
