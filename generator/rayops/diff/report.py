"""Choose the writer for ``--output`` and make its text safe to print.

Every text leaves through :func:`produce`, which scrubs it of secret values; the CLI
prints nothing else about resources.
"""

from __future__ import annotations

from dataclasses import dataclass

from rayops.diff.model import DiffResult
from rayops.diff.output.json_output import write_json
from rayops.diff.output.markdown import write_markdown
from rayops.diff.output.text import write_text
from rayops.diff.secrets import scrub
from rayops.errors import UsageError

FORMATS = ("text", "markdown", "json")


@dataclass
class Produced:
    """What to print, and the complete markdown when the printed comment was cut."""

    text: str
    full_markdown: str | None = None
    omitted: int = 0


def produce(
    result: DiffResult,
    secrets: set[str],
    output_format: str,
    *,
    diagram: bool = False,
    colour: bool = False,
    full_diff_name: str = "",
) -> Produced:
    """The scrubbed text of ``result`` in ``output_format``."""
    if output_format == "json":
        return Produced(scrub(write_json(result), secrets))
    if output_format == "text":
        return Produced(scrub(write_text(result, colour=colour), secrets))
    if output_format != "markdown":
        raise UsageError(f"unknown output format {output_format!r} (known: {', '.join(FORMATS)})")
    comment = write_markdown(result, diagram=diagram, full_diff_name=full_diff_name)
    if not comment.truncated:
        return Produced(scrub(comment.text, secrets))
    full = write_markdown(result, diagram=diagram, limit=2**62)
    return Produced(scrub(comment.text, secrets), scrub(full.text, secrets), comment.omitted)
