"""Kubernetes resource quantities (``500m``, ``1Gi``, ``1e3``), parsed exactly.

Values are integers in nano-units (``1`` CPU is ``10**9``, ``1Gi`` of memory is
``2**30 * 10**9``): nano is the finest precision Kubernetes keeps, and what is finer is
rounded up, as the API server does. Integer sums are exact and fast, so totals over
thousands of Pods cost nothing. The grammar is Kubernetes' own
(``k8s.io/apimachinery/pkg/api/resource``): a signed decimal number, then a binary
suffix (``Ki`` ... ``Ei``), a decimal suffix (``n u m k M G T P E``) or a decimal
exponent (``e3``, ``E-2``).
"""

from __future__ import annotations

import re
from typing import Any

NANO = 10**9
"""Nano-units in one unit."""
_BINARY = {"Ki": 10, "Mi": 20, "Gi": 30, "Ti": 40, "Pi": 50, "Ei": 60}
_DECIMAL = {"n": -9, "u": -6, "m": -3, "": 0, "k": 3, "M": 6, "G": 9, "T": 12, "P": 15, "E": 18}
_QUANTITY = re.compile(r"([+-]?)(\d*)(?:\.(\d*))?(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]|[eE][+-]?\d+)?")


def _ceil_divide(numerator: int, denominator: int) -> int:
    return -(-numerator // denominator)


def parse_quantity(value: Any) -> int | None:
    """The value of a quantity (a YAML number or a string) in nano-units; None if not one."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value * NANO
    if isinstance(value, float):
        value = repr(value)
    if not isinstance(value, str):
        return None
    match = _QUANTITY.fullmatch(value.strip())
    if match is None or not (match.group(2) or match.group(3)):
        return None
    sign, whole, fraction, suffix = match.group(1), match.group(2), match.group(3) or "", match.group(4) or ""
    mantissa = int((whole or "0") + fraction) * (-1 if sign == "-" else 1)
    if suffix in _BINARY:
        return _ceil_divide(mantissa * (2 ** _BINARY[suffix]) * NANO, 10 ** len(fraction))
    exponent = _DECIMAL[suffix] if suffix in _DECIMAL else int(suffix[1:])
    shift = exponent + 9 - len(fraction)
    return mantissa * 10**shift if shift >= 0 else _ceil_divide(mantissa, 10**-shift)


def _decimal(nano: int, places: int) -> str:
    if nano % NANO == 0:
        return str(nano // NANO)
    return f"{nano / NANO:.{places}f}".rstrip("0").rstrip(".")


def format_cpu(nano: int) -> str:
    """CPU cores for people: ``4``, ``0.5``, ``0.25``, ``1.333``."""
    return _decimal(nano, 3)


def format_memory(nano: int) -> str:
    """Bytes for people, in the largest binary unit that keeps a readable number."""
    for unit, power in (("Ti", 40), ("Gi", 30), ("Mi", 20), ("Ki", 10)):
        factor = (2**power) * NANO
        if nano >= factor:
            if nano % factor == 0:
                return f"{nano // factor}{unit}"
            return f"{nano / factor:.2f}".rstrip("0").rstrip(".") + unit
    return _decimal(nano, 2)


def format_count(nano: int) -> str:
    """A count such as GPUs: integral when it is, else up to three decimals."""
    return _decimal(nano, 3)


def whole_units(nano: int) -> int:
    """Rounded up to whole units (bytes, GPUs)."""
    return _ceil_divide(nano, NANO)


def milli_units(nano: int) -> int:
    """Rounded up to thousandths (millicores)."""
    return _ceil_divide(nano, NANO // 1000)
