"""Chain pruning: bypass single-input neurons (their parents take their input instead).

``lossless``: only neurons whose removal is an identity: one input, the same shape as it,
no weight (or a unit edge and no offset), an identity activation, and a reducer that passes
a single input through (everything but count, softmax and sparsemax, which give 1).  Never
facts, negations or outputs.

``reference``: the reference engine's rule (``LinearChainReducer``): every unweighted neuron
with exactly one input edge and at least one parent, whatever its kind and activation
(``~p`` becomes ``p``, ``tanh(x)`` becomes ``x``: lossy), except shape-changing ones
(transpose).  Outputs have no parent and are never pruned.
"""
from __future__ import annotations

import numpy as np

from ..network.graph import Kind, NeuralGraph
from ..ops import Op
from ..settings import PRUNE_MODES


def chain_mapping(graph: NeuralGraph, mode: str) -> np.ndarray:
    """The mapping neuron -> kept neuron that bypasses the prunable neurons (``mode``:
    ``lossless`` or ``reference``); see the module docstring."""
    if mode not in PRUNE_MODES:
        raise ValueError(f"unknown pruning mode '{mode}'; choose from {', '.join(PRUNE_MODES)}")
    mapping = np.arange(graph.neuron_count, dtype=np.int64)
    if mode == "off" or graph.edge_count == 0:
        return mapping
    fan_in = np.diff(graph.input_start)
    single = fan_in == 1
    edge = np.minimum(graph.input_start[:-1], max(graph.edge_count - 1, 0))   # each neuron's first edge
    first_input = graph.edge_src[edge].astype(np.int64)
    candidate = single & (graph.activation != Op.TRANSPOSE)
    candidate[graph.output[graph.output >= 0]] = False
    kind = graph.kind
    weighted = (kind == Kind.WEIGHTED_ATOM) | (kind == Kind.WEIGHTED_RULE)
    if mode == "reference":
        candidate &= ~weighted & (kind != Kind.FACT)
    else:
        unit = ~weighted | ((graph.offset < 0) & (graph.edge_weight[edge] < 0))
        same_shape = (graph.rows == graph.rows[first_input]) & (graph.cols == graph.cols[first_input])
        passes = (graph.reducer != Op.COUNT) & (graph.reducer != Op.SOFTMAX) & (graph.reducer != Op.SPARSEMAX)
        candidate &= (kind != Kind.FACT) & (kind != Kind.NEGATION) & unit & same_shape & passes
        candidate &= graph.activation == Op.IDENTITY
    mapping[candidate] = first_input[candidate]
    return mapping
