"""Ground terms as the grounder's integers, and their numeric readings for the built-ins."""
from __future__ import annotations

import math

import numpy as np

from ..language.ir import Constant
from ..language.symbols import CONSTANTS


def term_id(term: Constant) -> int:
    """The grounder's id of a constant: its name (``woman:a1`` and ``a1`` are one constant,
    whose type comes from ``constant_types``)."""
    return term.id


def constant_types(constants) -> np.ndarray:
    """``type[id]`` of the constants up to the last typed one (-1: untyped; a constant past the
    end is untyped too): the last type written for its name.  Not one entry per constant ever
    interned, which a build in chunks would allocate and fill once per chunk."""
    typed = [(c.id, c.type) for c in constants if c.type >= 0]
    types = np.full(max((i for i, _ in typed), default=-1) + 1, -1, np.int64)
    for i, t in typed:
        types[i] = t
    return types


_numbers = np.empty(0)


def numeric_values() -> np.ndarray:
    """``value[id]``: the number each constant names (NaN for names that are not numbers)."""
    global _numbers
    count = len(CONSTANTS)
    if _numbers.shape[0] < count:
        extra = np.array([_as_number(CONSTANTS[i]) for i in range(_numbers.shape[0], count)])
        _numbers = np.concatenate([_numbers, extra])
    return _numbers


def _as_number(name: str) -> float:
    try:
        value = float(name)
    except ValueError:
        return math.nan
    return value
