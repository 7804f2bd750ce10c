"""The error of a rayops spec that cannot expand."""

from __future__ import annotations

from rayops.findings import DocumentError


class SpecError(DocumentError):
    """A spec that cannot expand; ``path`` is inside the spec document."""
