"""Random weights for value-based lifting, drawn as the reference engine draws them.

The reference re-draws a network's weights from ``java.util.Random`` (a 48-bit linear
congruential generator), weight by weight in the iteration order of a Java ``HashSet`` keyed
by weight index, element by element in row-major order.  Reproducing the stream reproduces
its float noise, which decides a few borderline merges.
"""
from __future__ import annotations

import math

import numpy as np

from ..network.weights import fan

_MULTIPLIER, _ADDEND, _MASK = 0x5DEECE66D, 0xB, (1 << 48) - 1


class JavaRandom:
    """``java.util.Random``: ``next_double()`` is bit-identical to Java's ``nextDouble()``."""

    def __init__(self, seed: int):
        self.state = (seed ^ _MULTIPLIER) & _MASK

    def _next(self, bits: int) -> int:
        self.state = (self.state * _MULTIPLIER + _ADDEND) & _MASK
        return self.state >> (48 - bits)

    def next_double(self) -> float:
        return ((self._next(26) << 27) + self._next(27)) * (1.0 / (1 << 53))

    def doubles(self, n: int) -> np.ndarray:
        return np.array([self.next_double() for _ in range(n)])


def draw(rng: JavaRandom, init: str, rows: int, cols: int) -> np.ndarray:
    """A (rows, cols) weight as the reference initialises it: ``uniform`` is
    ``(u - 0.5) * 2`` (SIMPLE/UNIFORM, scale 2), ``glorot`` is ``u * 2L - L`` with
    L = sqrt(6) / sqrt(fan) (``network.weights.fan``; activation gains and orthonormal
    recurrent matrices are not modelled)."""
    u = rng.doubles(rows * cols)
    if init == "glorot":
        limit = math.sqrt(6.0) / math.sqrt(fan(init, rows, cols))   # Java's order of operations
        return (u * (limit - (-limit)) + (-limit)).reshape(rows, cols)
    return ((u - 0.5) * 2.0).reshape(rows, cols)


def hashset_order(weights: list[int]) -> list[int]:
    """Iteration order of a Java ``HashSet<Weight>`` (hash = index) filled with ``weights``
    in this order: by bucket ``(h ^ h >>> 16) & (capacity - 1)``, ties in insertion order;
    the capacity starts at 16 and doubles while the size exceeds three quarters of it."""
    capacity = 16
    while len(weights) > 0.75 * capacity:
        capacity *= 2

    def bucket(index: int) -> int:
        h = index & 0xFFFFFFFF
        return (h ^ (h >> 16)) & (capacity - 1)
    return sorted(weights, key=bucket)
