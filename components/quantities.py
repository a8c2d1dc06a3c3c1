"""Kubernetes resource quantities ("250m", "0.5", "512Mi", "1G"), parsed for validation and arithmetic.

Only the forms the API server accepts are accepted here, so a typo such as ``cpu: lots`` or
``memory: 512MB`` is refused while reading the settings, long before the API server would say so.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

_BINARY = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "Pi": 2**50, "Ei": 2**60}
_DECIMAL = {
    "n": Decimal("1e-9"),
    "u": Decimal("1e-6"),
    "m": Decimal("1e-3"),
    "": Decimal(1),
    "k": Decimal("1e3"),
    "M": Decimal("1e6"),
    "G": Decimal("1e9"),
    "T": Decimal("1e12"),
    "P": Decimal("1e15"),
    "E": Decimal("1e18"),
}
_QUANTITY = re.compile(
    r"^(?P<number>[+]?(?:\d+(?:\.\d*)?|\.\d+))(?P<suffix>Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]|[eE][+-]?\d+)?$"
)


def parse_quantity(text: str) -> Decimal:
    """The value of a Kubernetes quantity in base units (cores for CPU, bytes for memory).

    Raises ValueError with a message fit for a settings error.
    """
    match = _QUANTITY.match(text.strip()) if isinstance(text, str) else None
    if match is None:
        raise ValueError(
            f"{text!r} is not a Kubernetes quantity (examples: '250m' or '0.5' for CPU, '512Mi' or '1Gi' for memory)"
        )
    try:
        number = Decimal(match["number"])
    except InvalidOperation as err:  # pragma: no cover - the pattern only admits valid decimals
        raise ValueError(f"{text!r} is not a number") from err
    suffix = match["suffix"] or ""
    if suffix in _BINARY:
        return number * _BINARY[suffix]
    if suffix in _DECIMAL:
        return number * _DECIMAL[suffix]
    return number * (Decimal(10) ** int(suffix[1:]))


def cpu_millicores(text: str) -> int:
    """CPU quantity in whole millicores (the API server's own precision)."""
    return int((parse_quantity(text) * 1000).to_integral_value(rounding="ROUND_CEILING"))


def memory_bytes(text: str) -> int:
    """Memory quantity in whole bytes."""
    return int(parse_quantity(text).to_integral_value(rounding="ROUND_CEILING"))
