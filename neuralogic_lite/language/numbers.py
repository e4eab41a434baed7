"""Number literals: the exact float64 value and the reference engine's float32 reading.

The reference engine parses every literal as a 32-bit float and computes in 64 bits, so
``0.1`` means 0.10000000149011612 there.  We keep both readings; the reference profiles
use the float32 one (correctly rounded from the decimal text, not via float64).
"""
from __future__ import annotations

from fractions import Fraction

import numpy as np

from ..errors import clip


def to_float32(text: str, value: float) -> float:
    """The float32 nearest to the decimal ``text`` (whose float64 reading is ``value``)."""
    with np.errstate(over="ignore"):
        single = np.float32(value)
    if not np.isfinite(single) or float(single) == value:
        return float(single)
    # Rounding twice (decimal -> float64 -> float32) is wrong only when the float64 value
    # sits exactly halfway between two float32 values; decide those ties exactly.
    other = np.nextafter(single, np.float32(np.inf if value > float(single) else -np.inf))
    midpoint = (float(single) + float(other)) / 2
    if value != midpoint:
        return float(single)
    exact = Fraction(text)
    closer_to_other = abs(exact - Fraction(float(other))) < abs(exact - Fraction(float(single)))
    return float(other) if closer_to_other else float(single)


#: The largest magnitude a number may be written with: both readings must be finite.
LARGEST = float(np.finfo(np.float32).max)


def parse_number(text: str) -> tuple[float, float]:
    """``(float64 value, float32 reading)`` of a number literal such as ``-1.5e3``.

    An ``OverflowError`` if a reading is infinite (``1e400``, or ``1e39`` in float32): the
    profile decides which reading is computed with, and infinity is never what was meant."""
    value = float(text)
    single = to_float32(text, value)
    if abs(single) == np.inf:
        raise OverflowError(f"the number {clip(text)[0]} is out of range: at most {LARGEST:.7g} in magnitude "
                            "(the largest 32-bit float)")
    return value, single
