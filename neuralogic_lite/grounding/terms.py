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


class NumericReadings:
    """The number each constant names (NaN for names that are not numbers), read once per
    constant a grounding asks about.  One grounding owns one (its ``Database`` does), so
    nothing is kept past it, and groundings in other threads never share it."""

    def __init__(self) -> None:
        self.ids = np.array([np.iinfo(np.int64).max])   # the constants read so far, sorted, and a sentinel
        self.values = np.array([math.nan])               # the number of each

    def __call__(self, ids: np.ndarray) -> np.ndarray:
        """``value[i]`` for each constant id ``i`` of ``ids``."""
        at = np.searchsorted(self.ids, ids)
        new = ids[self.ids[at] != ids]
        if new.shape[0]:
            new = np.unique(new)
            place = np.searchsorted(self.ids, new)
            self.ids = np.insert(self.ids, place, new)
            self.values = np.insert(self.values, place, [_as_number(CONSTANTS[i]) for i in new.tolist()])
            at = np.searchsorted(self.ids, ids)
        return self.values[at]


def _as_number(name: str) -> float:
    try:
        value = float(name)
    except ValueError:
        return math.nan
    return value
