"""From a NeuralGraph and a parameter vector to the kernels' argument bundles."""
from __future__ import annotations

import numpy as np

from ..network.graph import NeuralGraph
from ..network.weights import WeightTable
from .neuron import Net, Params


def net_of(graph: NeuralGraph) -> Net:
    """The graph arrays as the kernels take them (contiguous, kernel dtypes)."""
    c = np.ascontiguousarray
    return Net(c(graph.kind), c(graph.activation), c(graph.reducer), c(graph.offset, np.int64),
               c(graph.rows, np.int64), c(graph.cols, np.int64), c(graph.value_start), c(graph.input_start),
               c(graph.edge_src, np.int64), c(graph.edge_weight, np.int64))


def params_of(weights: WeightTable, values: np.ndarray) -> Params:
    """A flat parameter vector with the table's layout."""
    return Params(values, weights.start, np.asarray(weights.rows, np.int64), np.asarray(weights.cols, np.int64))
