"""Writers of a :class:`~rayops.diff.model.DiffResult`: text, markdown, json, mermaid.

Each writer returns a string; the caller scrubs it of secret values
(:func:`rayops.diff.secrets.scrub`) before anything is printed or written.
"""
