"""The error of a rayops spec that cannot expand."""

from __future__ import annotations

from rayops.findings import DocumentError


class SpecError(DocumentError):
    """A spec that cannot expand; ``path`` is inside the spec document."""


class SpecErrors(SpecError):
    """Every problem the schema check found in one spec (the first gives ``path`` and ``message``)."""

    def __init__(self, problems: list[SpecError]) -> None:
        super().__init__(problems[0].path, problems[0].message)
        self.problems = problems
