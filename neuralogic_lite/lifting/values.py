"""Value-based lifting, as the reference engine does it (``IsoValueNetworkCompressor``).

Re-draw every randomly initialised learnable weight (fixed weights and weights written with
a value keep it), evaluate every neuron, round every element half-up (on its exact binary
value, as Java's ``BigDecimal.setScale(d, ROUND_HALF_UP)``) to ``decimals`` digits, repeat
``inits`` times, and give neurons with the same example, shape and rounded values one class,
kept by its first neuron in topological order.  Neuron kinds and functions are not part of
the key: a rule neuron can merge into a fact of the same value.  Outputs are never merged away.

It is a heuristic: ReLU and MAX make different neurons agree on random inputs, weights written
with a value are not re-drawn, and rounding merges near-equal values.  ``confirm=True`` accepts
a merge only when the structural key agrees (and counts the refusals).

The evaluator is the caller's (lifting does not import the engine)::

    evaluate(graph, params, neurons) -> values

``params`` is a flat parameter vector laid out as ``graph.weights``; ``neurons`` the ids to
compute (topological order), or None for all; it returns the value buffer indexed by
``graph.value_start``.
"""
from __future__ import annotations

import warnings
from decimal import ROUND_HALF_UP, Context, Decimal
from typing import Callable

import numpy as np
from numba import njit

from ..errors import NeuraLogicLiteWarning
from ..network.graph import Kind, NeuralGraph
from ..ops import Op
from .draws import JavaRandom, draw, hashset_order
from .hashcons import intern_rows
from .structural import representatives, structural_classes

Evaluate = Callable[[NeuralGraph, np.ndarray, "np.ndarray | None"], np.ndarray]
DRAWS = ("reference", "shared")
#: functions under which different neurons take equal values on random inputs
_FLATTENING = {Op.RELU: "ReLU", Op.SIGNUM: "signum", Op.LUKASIEWICZ: "lukasiewicz", Op.MAX: "max",
               Op.MIN: "min"}


# ----------------------------------------------------------------------------- rounding
@njit(cache=True)
def _round_bits(x, scale, out, unsure):
    """out[i] = the bits of x[i] rounded half-up (away from zero) to 1/scale; unsure[i] where
    float arithmetic cannot decide (close to a tie, or too large): decided exactly elsewhere."""
    for i in range(x.shape[0]):
        v = x[i]
        unsure[i] = False
        if not np.isfinite(v):
            out[i] = np.float64(v).view(np.int64)
            continue
        a = abs(v)
        y = a * scale
        if not y < 4.0e15:
            unsure[i] = True
            continue
        f = np.floor(y)
        frac = y - f
        if abs(frac - 0.5) <= y * 4.5e-16 + 1e-300:
            unsure[i] = True
            continue
        q = f + 1.0 if frac > 0.5 else f
        r = q / scale
        if v < 0.0 and q != 0.0:
            r = -r
        out[i] = np.float64(r).view(np.int64)


def round_half_up(x: np.ndarray, decimals: int) -> np.ndarray:
    """The bits (int64) of every element rounded half-up to ``decimals`` digits, exactly as
    ``new BigDecimal(x).setScale(decimals, ROUND_HALF_UP).doubleValue()`` (-0.0 becomes 0.0)."""
    x = np.ascontiguousarray(x, np.float64)
    out = np.empty(x.shape[0], np.int64)
    unsure = np.empty(x.shape[0], np.bool_)
    scale = 10.0 ** decimals
    if 0 <= decimals <= 22:
        _round_bits(x, scale, out, unsure)
    else:
        out[:] = x.view(np.int64)
        unsure[:] = np.isfinite(x)
    if unsure.any():
        context = Context(prec=1200)
        quantum = Decimal(1).scaleb(-decimals)
        for i in np.flatnonzero(unsure):
            exact = Decimal(float(x[i])).quantize(quantum, rounding=ROUND_HALF_UP, context=context)
            out[i] = np.float64(float(exact) + 0.0).view(np.int64)
    return out


# ----------------------------------------------------------------------------- keys
@njit(cache=True)
def _value_keys(group, rows, cols, value_start, bits):
    # key row of a neuron: group, rows, cols, then its rounded elements for every draw
    n = group.shape[0]
    draws = bits.shape[0]
    start = np.empty(n + 1, np.int64)
    start[0] = 0
    for v in range(n):
        start[v + 1] = start[v] + 3 + draws * (value_start[v + 1] - value_start[v])
    keys = np.empty(start[n], np.int64)
    for v in range(n):
        p = start[v]
        keys[p] = group[v]
        keys[p + 1] = rows[v]
        keys[p + 2] = cols[v]
        p += 3
        for d in range(draws):
            for j in range(value_start[v], value_start[v + 1]):
                keys[p] = bits[d, j]
                p += 1
    return start, keys


def value_classes(graph: NeuralGraph, evaluate: Evaluate, decimals: int = 12, inits: int = 1,
                  init: str = "uniform", seed: int = 0, draws: str = "reference") -> np.ndarray:
    """The class of every neuron (the first neuron with the same example, shape and rounded
    values over ``inits`` draws).  ``draws="reference"`` re-draws each example's network from
    ``java.util.Random`` as the reference does (one stream for the whole build, weights in
    ``HashSet`` order); ``"shared"`` draws one parameter vector per repetition from numpy
    (``seed``) for the whole graph."""
    if draws not in DRAWS:
        raise ValueError(f"unknown draws '{draws}'; choose from {', '.join(DRAWS)}")
    if graph.neuron_count == 0:
        return np.zeros(0, np.int64)
    bits = np.zeros((inits, int(graph.value_start[-1])), np.int64)
    base = _base_parameters(graph)
    if draws == "shared":
        rng = np.random.default_rng(seed)
        for r in range(inits):
            params = _shared_draw(graph, base, init, rng)
            bits[r] = round_half_up(evaluate(graph, params, None), decimals)
    else:
        _reference_draws(graph, evaluate, base, init, seed, decimals, bits)
    c = np.ascontiguousarray
    start, keys = _value_keys(c(graph.example, np.int64), c(graph.rows, np.int64), c(graph.cols, np.int64),
                              c(graph.value_start, np.int64), bits)
    return intern_rows(start, keys)


def value_mapping(graph: NeuralGraph, evaluate: Evaluate, decimals: int = 12, inits: int = 1,
                  init: str = "uniform", seed: int = 0, draws: str = "reference",
                  confirm: bool = False) -> tuple[np.ndarray, int]:
    """``(mapping, refused)``: the value-based mapping neuron -> kept neuron; with ``confirm``,
    only the merges the structural key agrees with, and how many it refused."""
    classes = value_classes(graph, evaluate, decimals, inits, init, seed, draws)
    refused = 0
    if confirm:
        confirmed = structural_classes(graph, extra=classes)
        refused = int(((classes != np.arange(classes.shape[0])) & (confirmed != classes)).sum())
        classes = confirmed
    return representatives(classes, graph), refused


def _base_parameters(graph: NeuralGraph) -> np.ndarray:
    """Written values where there are any (constants, fixed and explicitly valued weights)."""
    weights = graph.weights
    start = weights.start
    params = np.zeros(int(start[-1]))
    for w, value in enumerate(weights.initial):
        if value is not None:
            params[start[w]:start[w + 1]] = np.asarray(value, np.float64).ravel()
    return params


def _random(graph: NeuralGraph) -> np.ndarray:
    weights = graph.weights
    return np.array([v is None and l for v, l in zip(weights.initial, weights.learnable)], bool)


def _shared_draw(graph: NeuralGraph, base: np.ndarray, init: str, rng: np.random.Generator) -> np.ndarray:
    weights = graph.weights
    params = base.copy()
    start = weights.start
    for w in np.flatnonzero(_random(graph)):
        rows, cols = weights.rows[w], weights.cols[w]
        limit = 1.0
        if init == "glorot":
            fan = 2 if rows * cols == 1 else rows * cols + 1 if rows == 1 or cols == 1 else rows + cols
            limit = np.sqrt(6.0 / fan)
        params[start[w]:start[w + 1]] = rng.uniform(-limit, limit, rows * cols)
    return params


def _reference_stream(graph: NeuralGraph, seed: int) -> JavaRandom:
    """The reference draws from ``Random(0)`` in builds of several examples, and in a
    single-example build from the global generator (``seed``) after the model's own
    initialisation consumed one draw per element of each random template weight."""
    examples = np.unique(graph.example[graph.output[graph.output >= 0]])
    if examples.shape[0] > 1:
        return JavaRandom(0)
    rng = JavaRandom(seed)
    weights = graph.weights
    random = _random(graph)
    for w in range(weights.template_count):
        if random[w]:
            rng.doubles(weights.rows[w] * weights.cols[w])
    return rng


def _networks(graph: NeuralGraph):
    """Each example's network (the union of its samples' networks) and its outputs, in the
    order of the samples."""
    seen: dict[int, tuple[list, list]] = {}
    for s in range(graph.sample_count):
        neurons = graph.sample_neurons[graph.sample_start[s]:graph.sample_start[s + 1]]
        if neurons.shape[0] == 0:
            continue
        parts, outputs = seen.setdefault(int(graph.example[neurons[-1]]), ([], []))
        parts.append(neurons)
        if graph.output[s] >= 0:
            outputs.append(int(graph.output[s]))
    for parts, outputs in seen.values():
        neurons = parts[0] if len(parts) == 1 else np.unique(np.concatenate(parts))
        yield neurons.astype(np.int64), np.array(outputs, np.int64)


@njit(cache=True)
def _postorder(input_start, edge_src, roots):
    # the reference's topological order: depth-first from the roots, inputs in input order,
    # each neuron after its inputs
    n = input_start.shape[0] - 1
    seen = np.zeros(n, np.bool_)
    order = np.empty(n, np.int64)
    stack = np.empty(n + 1, np.int64)
    cursor = np.empty(n + 1, np.int64)
    size = 0
    for root in roots:
        if seen[root]:
            continue
        seen[root] = True
        top = 0
        stack[0] = root
        cursor[0] = input_start[root]
        while top >= 0:
            v = stack[top]
            k = cursor[top]
            if k == input_start[v + 1]:
                order[size] = v
                size += 1
                top -= 1
                continue
            cursor[top] = k + 1
            w = edge_src[k]
            if not seen[w]:
                seen[w] = True
                top += 1
                stack[top] = w
                cursor[top] = input_start[w]
    return order[:size].copy()


def _weight_set(graph: NeuralGraph, roots: np.ndarray) -> list[int]:
    """The weights of a network in the order the reference collects them: per weighted neuron
    (in its depth-first topological order) its edge weights (-1 the unit weight), then its
    offset (-2 none); a fact's value counts when it is a template weight."""
    neurons = _postorder(graph.input_start.astype(np.int64), graph.edge_src.astype(np.int64), roots)
    kind = graph.kind[neurons]
    template = graph.weights.template_count
    ids = []
    for v in neurons[(kind == Kind.WEIGHTED_ATOM) | (kind == Kind.WEIGHTED_RULE) | (kind == Kind.FACT)]:
        offset = int(graph.offset[v])
        if graph.kind[v] == Kind.FACT:
            ids.append(np.array([offset if offset < template else -2]))
            continue
        edges = graph.edge_weight[graph.input_start[v]:graph.input_start[v + 1]]
        ids.append(np.where(edges < 0, -1, edges))
        ids.append(np.array([offset if offset >= 0 else -2]))
    if not ids:
        return []
    flat = np.concatenate(ids)
    _, first = np.unique(flat, return_index=True)
    return [int(flat[i]) for i in np.sort(first)]


def _reference_draws(graph, evaluate, base, init, seed, decimals, bits) -> None:
    weights = graph.weights
    start = weights.start
    random = _random(graph)
    rng = _reference_stream(graph, seed)
    params = base.copy()
    for neurons, outputs in _networks(graph):
        drawn = [w for w in hashset_order(_weight_set(graph, outputs)) if w >= 0 and random[w]]
        lo, hi = graph.value_start[neurons], graph.value_start[neurons + 1]
        positions = np.concatenate([np.arange(a, b) for a, b in zip(lo, hi)]) if neurons.shape[0] else lo
        for r in range(bits.shape[0]):
            for w in drawn:
                params[start[w]:start[w + 1]] = draw(rng, init, weights.rows[w], weights.cols[w]).ravel()
            values = evaluate(graph, params, neurons)
            bits[r, positions] = round_half_up(values[positions], decimals)


# ----------------------------------------------------------------------------- warnings
def unsafe_reasons(graph: NeuralGraph) -> list[str]:
    """Why value-based lifting may merge neurons that differ on this graph (empty if safe)."""
    reasons = []
    for op, name in _FLATTENING.items():
        if (graph.activation == op).any() or (graph.reducer == op).any():
            reasons.append(f"{name} makes different neurons agree on random inputs")
    weights = graph.weights
    used = np.zeros(len(weights), bool)
    used[graph.edge_weight[graph.edge_weight >= 0]] = True
    used[graph.offset[graph.offset >= 0]] = True
    written = [weights.names[w] for w in range(weights.template_count)
               if used[w] and weights.learnable[w] and weights.initial[w] is not None]
    if written:
        shown = ", ".join(written[:5]) + (", ..." if len(written) > 5 else "")
        reasons.append(f"learnable weights written with a value ({shown}) are not re-drawn, so neurons "
                       "that differ only in them merge")
    return reasons


def warn_if_unsafe(graph: NeuralGraph) -> None:
    reasons = unsafe_reasons(graph)
    if reasons:
        warnings.warn("value-based lifting may merge neurons that compute different functions: "
                      + "; ".join(reasons) + " (lift='structural' is exact)", NeuraLogicLiteWarning, stacklevel=3)
