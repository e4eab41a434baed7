"""Parameter vectors: initialisation from a seed, and PyNeuraLogic ``state_dict`` import/export.

Weights written with a value in the template (``0.5``, ``[1, 2]``, ``<1.0>``) start at that
value at every (re)initialisation; ``{...}`` weights are drawn from the initialiser.
"""
from __future__ import annotations

import math
from typing import Mapping

import numpy as np

from ..errors import NeuraLogicLiteError
from ..network.weights import WeightTable, fan
from ..settings import INITIALIZERS


def _draw(kind: str, rng: np.random.Generator, rows: int, cols: int, value: float) -> np.ndarray:
    shape = (rows, cols)
    if kind == "uniform":
        return rng.uniform(-1.0, 1.0, shape)
    if kind == "constant":
        return np.full(shape, value)
    if kind == "normal":
        return rng.normal(0.0, 1.0, shape)
    limit = math.sqrt(6.0 / fan(kind, rows, cols))
    return rng.uniform(-limit, limit, shape)


def initial_parameters(weights: WeightTable, init: str = "uniform", seed: int = 0,
                       value: float = 0.1) -> np.ndarray:
    """A fresh parameter vector: written values as written, the rest drawn (reproducibly)."""
    if init not in INITIALIZERS:
        raise NeuraLogicLiteError(f"unknown initializer '{init}'; choose from {', '.join(INITIALIZERS)}")
    rng = np.random.default_rng(seed)
    start = weights.start
    out = np.empty(int(start[-1]))
    for w in range(len(weights)):
        block = weights.initial[w]
        if block is None:
            block = _draw(init, rng, weights.rows[w], weights.cols[w], value)
        out[start[w]:start[w + 1]] = np.asarray(block, np.float64).ravel()
    return out


def state_dict(weights: WeightTable, values: np.ndarray) -> dict[int, float | list]:
    """The learnable weights as PyNeuraLogic shows them: {index: scalar, flat list for a column
    vector, [[...]] for a row vector, nested rows for a matrix}."""
    out: dict[int, float | list] = {}
    start = weights.start
    for w in range(len(weights)):
        if not weights.in_state_dict[w]:
            continue
        block = values[start[w]:start[w + 1]].reshape(weights.rows[w], weights.cols[w])
        if block.size == 1:
            out[w] = float(block[0, 0])
        elif weights.cols[w] == 1:
            out[w] = block[:, 0].tolist()
        else:
            out[w] = block.tolist()
    return out


def load_state_dict(weights: WeightTable, values: np.ndarray, loaded: Mapping) -> None:
    """Overwrite ``values`` (in place) with a PyNeuraLogic-style ``{index: value}`` mapping."""
    start = weights.start
    for key, value in loaded.items():
        w = int(key) if str(key).isdigit() else -1
        if not 0 <= w < len(weights) or not weights.in_state_dict[w]:
            raise NeuraLogicLiteError(f"weight {key} is not a learnable weight of this template "
                                      f"(it has {sum(weights.in_state_dict)} learnable weights)")
        try:
            array = np.asarray(value, np.float64)
        except (TypeError, ValueError):
            raise NeuraLogicLiteError(f"weight {key}: {value!r} is not a number or a (nested) list of "
                                      "numbers") from None
        size = weights.rows[w] * weights.cols[w]
        if array.size != size:
            raise NeuraLogicLiteError(f"weight {key} has {size} element(s) ({weights.rows[w]}x{weights.cols[w]}), "
                                      f"the loaded value has {array.size}")
        values[start[w]:start[w + 1]] = array.ravel()
