"""Secret values never leave this module: they are replaced by opaque digests.

A Secret's ``data`` and ``stringData`` values (and the ``last-applied-configuration``
annotation kubectl may store them in) become :class:`Hidden` markers that compare
equal exactly when the SHA-256 of the key and value are equal, so a changed key is
still reported as changed, while the value, its encoding and even the digest are
never printed. The original strings (and their base64 decodings, and each line of a
multi-line value) are collected from every Secret of both revisions, changed or not
(:func:`collect_secret_values` reads the unchanged files that hold a Secret).

Two defences use them. Before any writer formats a value, every string that contains
one has it replaced (:class:`Redactor`, applied to the whole diff by
:func:`rayops.diff.report.produce`): a ConfigMap or an environment variable that copies a
Secret's value shows the marker, whatever escaping the writer then applies. Then every
output is scrubbed (:func:`scrub`) of the values as written and as the writers escape
them (JSON with and without ``ensure_ascii``, YAML double quotes, markdown table cells,
HTML and Mermaid labels), as a last line of defence in case some other text, such as a
validation message, quotes one.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
from collections.abc import Iterable
from functools import cached_property
from typing import Any

import yaml

SECRET_FIELDS = ("data", "stringData")
LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"
HIDDEN_TEXT = "(secret value hidden)"
MIN_SCRUBBED_LENGTH = 4
"""Shorter values are not scrubbed from text: they would blank ordinary words."""


class Hidden:
    """A secret value, known only by a digest that is never shown."""

    __slots__ = ("_digest",)

    def __init__(self, key: str, value: Any) -> None:
        self._digest = hashlib.sha256(f"{key}\0{value!r}".encode()).digest()

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Hidden) and other._digest == self._digest

    def __hash__(self) -> int:
        return hash(self._digest)

    def __repr__(self) -> str:
        return HIDDEN_TEXT

    __str__ = __repr__


def is_secret(value: dict[str, Any]) -> bool:
    """Whether the object is a core Secret."""
    return value.get("kind") == "Secret" and value.get("apiVersion") == "v1"


def redact(value: dict[str, Any], collected: set[str]) -> dict[str, Any]:
    """A copy of a Secret with its values hidden; originals are added to ``collected``."""
    copy = dict(value)
    for name in SECRET_FIELDS:
        section = value.get(name)
        if isinstance(section, dict):
            copy[name] = {key: Hidden(f"{name}/{key}", item) for key, item in section.items()}
            for item in section.values():
                _collect(item, collected, encoded=name == "data")
        elif section is not None:
            copy[name] = Hidden(name, section)
            _collect(section, collected, encoded=False)
    metadata = value.get("metadata")
    annotations = metadata.get("annotations") if isinstance(metadata, dict) else None
    if isinstance(metadata, dict) and isinstance(annotations, dict) and LAST_APPLIED in annotations:
        copy["metadata"] = {**metadata, "annotations": dict(annotations)}
        copy["metadata"]["annotations"][LAST_APPLIED] = Hidden(LAST_APPLIED, annotations[LAST_APPLIED])
        _collect(annotations[LAST_APPLIED], collected, encoded=False)
    return copy


def _collect(item: Any, collected: set[str], *, encoded: bool) -> None:
    if not isinstance(item, str):
        item = str(item)
    _add(item, collected)
    if encoded:
        try:
            decoded = base64.b64decode(item, validate=True).decode("utf-8")
        except (binascii.Error, ValueError):
            return
        _add(decoded, collected)


def _add(value: str, collected: set[str]) -> None:
    """``value``, stripped, and each line of it when it has several (writers split lines)."""
    for part in {value, value.strip(), *value.splitlines(), *(line.strip() for line in value.splitlines())}:
        if len(part) >= MIN_SCRUBBED_LENGTH:
            collected.add(part)


_SECRET_KIND = re.compile(rb"""kind["']?[ \t]*:[ \t]*["']?Secret\b""")


def might_hold_secret(data: bytes) -> bool:
    """Whether a YAML file may hold a Secret (cheap: a text search, no parsing)."""
    return b"Secret" in data and _SECRET_KIND.search(data) is not None


def collect_secret_values(data: bytes, file: str, collected: set[str]) -> None:
    """Add the values of every Secret document of a file to ``collected``.

    For files equal in both revisions, which are not compared: their values must still be
    scrubbed from the changed resources that copy them. A file that cannot be read is
    passed over (it was not compared either).
    """
    from rayops.loader import expand_lists, load_bytes

    try:
        loaded = load_bytes(data, file)
    except Exception:
        return
    for document in expand_lists(loaded.documents):
        if isinstance(document.value, dict) and is_secret(document.value):
            redact(document.value, collected)


def _escaped_forms(secret: str) -> set[str]:
    """``secret`` as each writer may print it."""
    forms = {secret, json.dumps(secret)[1:-1], json.dumps(secret, ensure_ascii=False)[1:-1]}
    dumped = yaml.dump(secret, Dumper=yaml.CSafeDumper, default_style='"', width=2**30).strip()
    if dumped.startswith('"') and dumped.endswith('"'):
        forms.add(dumped[1:-1])
    for form in list(forms):
        forms.add(form.replace("|", "\\|"))  # a markdown table cell
        forms.add(form.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;"))  # HTML
        forms.add(form.replace('"', "#quot;").replace("<", "#lt;").replace(">", "#gt;"))  # Mermaid
    return {form for form in forms if len(form) >= MIN_SCRUBBED_LENGTH}


def scrub(text: str, secrets: set[str]) -> str:
    """``text`` with every collected secret value replaced, as written or as a writer escapes it."""
    return Redactor(secrets).scrub(text)


class Redactor:
    """Replaces collected secret values in strings and in whole values."""

    def __init__(self, secrets: Iterable[str]) -> None:
        self.secrets = sorted({s for s in secrets if len(s) >= MIN_SCRUBBED_LENGTH}, key=len, reverse=True)

    @cached_property
    def _forms(self) -> list[str]:
        forms = {form for secret in self.secrets for form in _escaped_forms(secret)}
        return sorted(forms, key=len, reverse=True)

    def scrub(self, text: str) -> str:
        """``text`` without any collected value, raw or escaped (the final pass on an output)."""
        for form in self._forms:
            if form in text:
                text = text.replace(form, HIDDEN_TEXT)
        return text

    def present(self, texts: Iterable[str]) -> Redactor:
        """A redactor of only the values found in ``texts`` (one search per value, not per text)."""
        joined = "\0".join(texts)
        narrowed = Redactor(())
        narrowed.secrets = [secret for secret in self.secrets if secret in joined]
        return narrowed

    def text(self, text: str) -> str:
        """``text`` with each collected value (as written) replaced by the marker."""
        for secret in self.secrets:
            if secret in text:
                text = text.replace(secret, HIDDEN_TEXT)
        return text

    def value(self, value: Any) -> Any:
        """A copy of ``value`` whose strings (keys too) and numbers hold no collected value."""
        if not self.secrets:
            return value
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, dict):
            return {self.value(key): self.value(item) for key, item in value.items()}
        if isinstance(value, list):
            return [self.value(item) for item in value]
        if isinstance(value, int | float) and not isinstance(value, bool):
            return HIDDEN_TEXT if self.text(str(value)) != str(value) else value
        return value


def strings(value: Any) -> Iterable[str]:
    """Every string (keys included) and number of ``value``, as text."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from strings(key)
            yield from strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from strings(item)
    elif isinstance(value, int | float) and not isinstance(value, bool):
        yield str(value)
