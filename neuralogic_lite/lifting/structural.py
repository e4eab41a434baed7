"""Structural (exact) lifting: neurons that provably compute the same function share one class.

In topological order a neuron's class is its hash-consed key (kind, activation, reducer,
offset weight, shape, example, inputs as (edge weight, input class)).  The inputs are a
multiset unless the reducer depends on their order (concat, product, crosssum, cossim, and
softmax/sparsemax, which permute with their inputs).  A fact's key is its value parameter.
Equal keys mean equal values and equal gradients for any weights and any activation, ReLU
and MAX included, so merging them is lossless.
"""
from __future__ import annotations

import numpy as np

from ..network.graph import Kind, NeuralGraph
from ..ops import ORDERED, Op
from .hashcons import structural

#: reducers whose result depends on the order of the inputs
ORDER_SENSITIVE = frozenset(ORDERED | {Op.SOFTMAX, Op.SPARSEMAX})

_WEIGHTED = np.zeros(len(Kind), np.bool_)
_WEIGHTED[[Kind.WEIGHTED_ATOM, Kind.WEIGHTED_RULE]] = True
_ORDERED = np.zeros(len(Op), np.bool_)
_ORDERED[sorted(ORDER_SENSITIVE)] = True


def structural_classes(graph: NeuralGraph, across_examples: bool = False, extra: np.ndarray | None = None,
                       through: np.ndarray | None = None) -> np.ndarray:
    """The class of every neuron: the first neuron (topological order) with an equal key.

    ``across_examples`` leaves the example out of the key, so equal neurons of different
    samples share a class.  ``extra`` (one int per neuron) is added to every key, e.g. a value
    class to confirm value-based merges.  ``through`` is a mapping not yet rewired (neuron ->
    an earlier kept neuron, chains resolved): the classes are those of the rewired graph, a
    neuron mapped elsewhere taking the class of its image.
    """
    n = graph.neuron_count
    if n == 0:
        return np.zeros(0, np.int64)
    group = np.zeros(n, np.int8) if across_examples else graph.example
    extra = np.zeros(n, np.int8) if extra is None else extra
    through = np.arange(n, dtype=np.int64) if through is None else through
    c = np.ascontiguousarray
    return structural(c(graph.kind), c(graph.activation), c(graph.reducer), c(graph.offset), c(graph.rows),
                      c(graph.cols), c(group), c(extra), c(graph.input_start), c(graph.edge_src), c(graph.edge_weight),
                      _WEIGHTED, _ORDERED, c(through, np.int64))


def representatives(classes: np.ndarray, graph: NeuralGraph) -> np.ndarray:
    """The mapping neuron -> kept neuron: its class, except that outputs stay themselves (a
    sample's output keeps its own neuron, so its query is still the one it shows)."""
    rep = classes.copy()
    outputs = graph.output[graph.output >= 0]
    rep[outputs] = outputs
    return rep
