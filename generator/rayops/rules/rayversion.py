"""Ray versions read the way the KubeRay operator reads ``rayVersion``.

The operator parses ``rayVersion`` with Kubernetes' ``version.ParseGeneric``: an
optional leading ``v``, at least two dot-separated numbers, anything after them
(``rc1``, ``-dev``) ignored, and a first component without leading zeros.
"""

from __future__ import annotations

import re

_GENERIC_VERSION = re.compile(r"[\t\n\f\r ]*v?([0-9]+(?:\.[0-9]+)*)(.*)")
_MAX_UINT = 2**64 - 1


def parse_generic_version(text: str) -> tuple[int, ...] | str:
    """``text`` as numeric components, or the reason the operator cannot parse it."""
    match = _GENERIC_VERSION.fullmatch(text)
    if not match:
        return f'could not parse "{text}" as version'
    components = match.group(1).split(".")
    if len(components) < 2:
        return f'illegal version string "{text}"'
    if components[0].startswith("0") and components[0] != "0":
        return f'illegal zero-prefixed version component "{components[0]}" in "{text}"'
    numbers = tuple(int(component) for component in components)
    if any(number > _MAX_UINT for number in numbers):
        return f'illegal non-numeric version component in "{text}": value out of range'
    return numbers


def version_less_than(version: tuple[int, ...], minimum: tuple[int, ...]) -> bool:
    """Component-wise comparison, missing components counting as zero."""
    width = max(len(version), len(minimum))
    return version + (0,) * (width - len(version)) < minimum + (0,) * (width - len(minimum))
