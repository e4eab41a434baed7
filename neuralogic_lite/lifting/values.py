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

from ..errors import NeuraLogicLiteWarning
from ..jit import njit
from ..network.graph import Kind, NeuralGraph
from ..network.weights import fan
from ..ops import Op
from .draws import JavaRandom, draw, hashset_order
from .hashcons import intern_rows
from .structural import representatives, structural_classes

Evaluate = Callable[[NeuralGraph, np.ndarray, "np.ndarray | None"], np.ndarray]
DRAWS = ("reference", "shared")
_FACT, _WEIGHTED_ATOM, _WEIGHTED_RULE = int(Kind.FACT), int(Kind.WEIGHTED_ATOM), int(Kind.WEIGHTED_RULE)
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
    """The class of every neuron: the first neuron with the same example, shape and rounded
    values over ``inits`` draws.

    ``draws="reference"`` draws as the reference does: each example's network from
    ``java.util.Random`` (one stream for the whole build), its weights in ``HashSet`` order
    (filled in the reference's depth-first topological order).  ``"shared"`` draws one
    parameter vector per repetition from numpy (``seed``) for the whole graph.

    "First" is first in our topological order.  The reference keeps the first in its own
    depth-first order, which depends on its internal order of groundings; choosing by our
    depth-first order instead matches it no better on the shared datasets."""
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
        _reference_draws(graph, evaluate, base, init, seed, decimals, bits, _reference_networks(graph))
    _set_apart_non_finite(bits)
    c = np.ascontiguousarray
    start, keys = _value_keys(c(graph.example, np.int64), c(graph.rows, np.int64), c(graph.cols, np.int64),
                              c(graph.value_start, np.int64), bits)
    return intern_rows(start, keys)


def _set_apart_non_finite(bits: np.ndarray) -> None:
    """Give every non-finite element a key of its own (a NaN payload unique to its position),
    so neurons that are infinite or NaN at random weights merge with nothing.  The reference
    fails on them (``NumberFormatException``)."""
    exponent = np.int64(0x7FF0000000000000)
    bad = (bits & exponent) == exponent
    if bad.any():
        bits[bad] = exponent + 1 + np.flatnonzero(bad.ravel())
        warnings.warn(f"value-based lifting: {int(bad.any(axis=0).sum())} value(s) are infinite or NaN at random "
                      "weights; their neurons are not merged", NeuraLogicLiteWarning, stacklevel=4)


def value_mapping(graph: NeuralGraph, evaluate: Evaluate, decimals: int = 12, inits: int = 1,
                  init: str = "uniform", seed: int = 0, draws: str = "reference",
                  confirm: bool = False) -> tuple[np.ndarray, int]:
    """``(mapping, refused)``: the value-based mapping neuron -> kept neuron; with ``confirm``,
    only the merges the structural key agrees with, and how many it refused."""
    classes = value_classes(graph, evaluate, decimals, inits, init, seed, draws)
    mapping = representatives(classes, graph)
    if not confirm:
        return mapping, 0
    confirmed = representatives(structural_classes(graph, extra=classes), graph)
    refused = int(((mapping != np.arange(mapping.shape[0])) & (confirmed != mapping)).sum())
    return confirmed, refused


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
            limit = np.sqrt(6.0 / fan(init, rows, cols))
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


def _reference_networks(graph: NeuralGraph) -> list[np.ndarray]:
    """Each example's network in the reference's topological order (depth-first from its
    outputs), examples in the order of their first sample."""
    input_start, edge_src = graph.input_start.astype(np.int64), graph.edge_src.astype(np.int64)
    reached = _postorder(input_start, edge_src, graph.output[graph.output >= 0].astype(np.int64))
    examples, first, inverse = np.unique(graph.example[reached], return_index=True, return_inverse=True)
    rank = np.empty(examples.shape[0], np.int64)
    rank[np.argsort(first)] = np.arange(examples.shape[0])
    grouped = reached[np.argsort(rank[inverse], kind="stable")]
    bounds = np.cumsum(np.bincount(rank[inverse], minlength=examples.shape[0]))[:-1]
    return np.split(grouped, bounds) if reached.shape[0] else []


@njit(cache=True)
def _weight_sequence(network, kind, offset, input_start, edge_weight, template):
    # per weighted neuron: its edge weights (-1 the unit weight), then its offset (-2 none);
    # a fact: its value if that is a template weight, else -2
    size = 0
    for v in network:
        if kind[v] == _WEIGHTED_ATOM or kind[v] == _WEIGHTED_RULE:
            size += input_start[v + 1] - input_start[v] + 1
        elif kind[v] == _FACT:
            size += 1
    out = np.empty(size, np.int64)
    k = 0
    for v in network:
        if kind[v] == _WEIGHTED_ATOM or kind[v] == _WEIGHTED_RULE:
            for e in range(input_start[v], input_start[v + 1]):
                out[k] = edge_weight[e] if edge_weight[e] >= 0 else -1
                k += 1
            out[k] = offset[v] if offset[v] >= 0 else -2
            k += 1
        elif kind[v] == _FACT:
            out[k] = offset[v] if offset[v] < template else -2
            k += 1
    return out


@njit(cache=True)
def _positions(network, value_start):
    # the value-buffer positions of the network's neurons
    size = 0
    for v in network:
        size += value_start[v + 1] - value_start[v]
    out = np.empty(size, np.int64)
    k = 0
    for v in network:
        for j in range(value_start[v], value_start[v + 1]):
            out[k] = j
            k += 1
    return out


def _weight_set(graph: NeuralGraph, network: np.ndarray) -> list[int]:
    """The weights of a network (neurons in the reference's order) in the order the reference
    collects them into its set: per weighted neuron its edge weights, then its offset."""
    flat = _weight_sequence(network, graph.kind, graph.offset, graph.input_start, graph.edge_weight,
                            graph.weights.template_count)
    _, first = np.unique(flat, return_index=True)
    return flat[np.sort(first)].tolist()


def _reference_draws(graph, evaluate, base, init, seed, decimals, bits, networks) -> None:
    weights = graph.weights
    start = weights.start
    random = _random(graph)
    rng = _reference_stream(graph, seed)
    params = base.copy()
    for network in networks:
        drawn = [w for w in hashset_order(_weight_set(graph, network)) if w >= 0 and random[w]]
        positions = _positions(network, graph.value_start)
        for r in range(bits.shape[0]):
            for w in drawn:
                params[start[w]:start[w + 1]] = draw(rng, init, weights.rows[w], weights.cols[w]).ravel()
            values = evaluate(graph, params, network)
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
