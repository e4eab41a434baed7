"""Number literals: the exact float64 value and the reference engine's float32 reading.

The reference engine parses every literal as a 32-bit float and computes in 64 bits, so
``0.1`` means 0.10000000149011612 there.  We keep both readings; the reference profiles
use the float32 one (correctly rounded from the decimal text, not via float64).
"""
from __future__ import annotations

from fractions import Fraction

import numpy as np


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


def parse_number(text: str) -> tuple[float, float]:
    """``(float64 value, float32 reading)`` of a number literal such as ``-1.5e3``."""
    value = float(text)
    return value, to_float32(text, value)
