"""Secret values never leave this module: they are replaced by opaque digests.

A Secret's ``data`` and ``stringData`` values (and the ``last-applied-configuration``
annotation kubectl may store them in) become :class:`Hidden` markers that compare
equal exactly when the SHA-256 of the key and value are equal, so a changed key is
still reported as changed, while the value, its encoding and even the digest are
never printed. The original strings (and their base64 decodings) are collected so
that every output can be scrubbed of them as a last line of defence
(:func:`scrub`), in case some other text, such as a validation message, quotes one.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from typing import Any

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
    if len(item) >= MIN_SCRUBBED_LENGTH:
        collected.add(item)
    if encoded:
        try:
            decoded = base64.b64decode(item, validate=True).decode("utf-8")
        except (binascii.Error, ValueError):
            return
        for part in {decoded, decoded.strip()}:
            if len(part) >= MIN_SCRUBBED_LENGTH:
                collected.add(part)


def scrub(text: str, secrets: set[str]) -> str:
    """``text`` with every collected secret value replaced, as written or JSON-escaped."""
    forms = {form for secret in secrets for form in (secret, json.dumps(secret)[1:-1])}
    for secret in sorted(forms, key=len, reverse=True):
        if secret in text:
            text = text.replace(secret, HIDDEN_TEXT)
    return text
