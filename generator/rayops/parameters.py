"""Per-environment parameters substituted into manifest values with Jinja2.

An overlay's ``parameters`` fill ``{{ name }}`` expressions inside string *values* of
the manifests it renders. Substitution happens after the YAML is parsed, so a
parameter holding a newline or ``: `` stays inside its string: it can never change a
document's structure. A value that is exactly one ``{{ name }}`` takes the parameter's
own type (``replicas: "{{ workers }}"`` becomes the number 3).

Templates run in Jinja2's ``SandboxedEnvironment`` with ``StrictUndefined`` (an unknown
parameter is an error), and are bounded: no attribute access to internals, no huge
string, list or power operations, a cap on each result's size, and one second of time
per template.
"""

from __future__ import annotations

import contextlib
import re
import signal
import threading
from collections.abc import Iterator
from typing import Any

from rayops.findings import DocumentError, Path, PathElement

MAX_RESULT_CHARS = 64 * 1024
"""Largest string a template may produce."""
_MAX_OPERAND = 10_000

_EXPRESSION = re.compile(r"\{\{|\{%")
_SINGLE_NAME = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}\Z")


MAX_SECONDS = 1.0
"""Longest a single template may run."""


class _TemplateTimeoutError(Exception):
    """A template ran past MAX_SECONDS."""


@contextlib.contextmanager
def _deadline(seconds: float) -> Iterator[None]:
    """Interrupt the block after ``seconds`` (a real-time alarm; main thread only)."""
    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "setitimer"):
        yield
        return

    def expire(signum: int, frame: Any) -> None:
        raise _TemplateTimeoutError(f"template ran over {seconds:g} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


class ParameterError(DocumentError):
    """A template that cannot be rendered; ``path`` is the value's path in its document."""


def _environment() -> Any:
    from jinja2 import StrictUndefined
    from jinja2.sandbox import SandboxedEnvironment

    class BoundedSandbox(SandboxedEnvironment):
        """The sandbox, with ``*`` and ``**`` unable to build huge values."""

        intercepted_binops = frozenset(("*", "**", "+"))

        def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
            sequences = isinstance(left, str | list) and isinstance(right, str | list)
            if operator == "+" and sequences and len(left) + len(right) > MAX_RESULT_CHARS:
                raise ValueError(f"a parameter template built a value over {MAX_RESULT_CHARS:,} long")
            numbers = [v for v in (left, right) if isinstance(v, int | float)]
            if operator == "**" and any(abs(v) > 64 for v in numbers):
                raise ValueError("exponent too large in a parameter template")
            if operator == "*" and (
                any(abs(v) > _MAX_OPERAND for v in numbers)
                or any(isinstance(v, str | list) for v in (left, right))
            ):
                raise ValueError("repetition is not allowed in parameter templates")
            return super().call_binop(context, operator, left, right)

    return BoundedSandbox(undefined=StrictUndefined, autoescape=False)


def substitute(value: Any, parameters: dict[str, Any], path: Path = ()) -> Any:
    """A copy of ``value`` with every templated string rendered; raises ParameterError."""
    environment = None

    def render(text: str, where: Path) -> Any:
        nonlocal environment
        single = _SINGLE_NAME.match(text)
        if single and single.group(1) in parameters:
            return parameters[single.group(1)]
        if environment is None:
            environment = _environment()
        try:
            with _deadline(MAX_SECONDS):
                result = environment.from_string(text).render(**parameters)
        except Exception as error:  # jinja2's errors, sandbox refusals, our bounds
            raise ParameterError(
                where, f"parameter template failed: {type(error).__name__}: {error}"
            ) from None
        if len(result) > MAX_RESULT_CHARS:
            raise ParameterError(where, f"parameter template produced over {MAX_RESULT_CHARS:,} characters")
        return result

    def walk(node: Any, where: list[PathElement]) -> Any:
        if isinstance(node, str):
            return render(node, tuple(where)) if _EXPRESSION.search(node) else node
        if isinstance(node, dict):
            out = {}
            for key, child in node.items():
                where.append(key)
                out[key] = walk(child, where)
                where.pop()
            return out
        if isinstance(node, list):
            items = []
            for index, child in enumerate(node):
                where.append(index)
                items.append(walk(child, where))
                where.pop()
            return items
        return node

    return walk(value, list(path))
