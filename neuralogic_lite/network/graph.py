"""The NeuralGraph: a batch of neural networks as flat arrays.

Neurons are numbered in topological order (every neuron after its inputs).  A neuron's inputs
are a CSR range of the edge arrays; its value is a (rows, cols) block of one flat float64
buffer.  Samples are lists of neurons (each sample's support, in topological order) and an
output neuron.  Weights are ids into a ``WeightTable``; ``-1`` means the fixed unit weight
(on an edge) or no offset (on a neuron).
"""
from __future__ import annotations

import enum
from dataclasses import dataclass

import numpy as np

from .weights import WeightTable


class Kind(enum.IntEnum):
    """What a neuron is; it decides how the kernels compute it."""

    FACT = 0             # value = the parameter ``offset`` (a learnable embedding or a constant)
    ATOM = 1             # f(C(inputs)): the aggregations of the rules deriving one ground atom
    WEIGHTED_ATOM = 2    # f(C(W_i * inputs) + offset)
    AGGREGATION = 3      # AGG over the rule neurons of one (rule, ground head); no activation
    RULE = 4             # f(C(inputs)): one ground rule
    WEIGHTED_RULE = 5    # f(C(W_i * inputs) + offset)
    NEGATION = 6         # 1 - input (soft negation ``~p``)


@dataclass(frozen=True)
class NeuralGraph:
    """Neurons, edges and samples as arrays (N neurons, E edges, S samples).

    Per neuron (shape ``(N,)`` unless noted):
      kind: int8, a ``Kind``.
      activation: int8, an ``ops.Op`` transformation applied last.
      reducer: int8, an ``ops.Op``: the aggregation (aggregation neurons) or the combination.
      offset: int32, weight id of the bias (the value itself for a fact neuron); -1 none.
      rows, cols: int32, the shape of the neuron's value.
      value_start: int64 (N+1,), the value of neuron n is ``values[value_start[n]:value_start[n+1]]``.
      input_start: int64 (N+1,), the inputs of neuron n are edges ``input_start[n]:input_start[n+1]``.
      example: int32, the example (sample group) the neuron belongs to.
      origin: int32 (N, 3), where it came from: (kind-specific id, row or grounding, extra).
    Per edge, grouped by target, in input order:
      edge_src: int32, the input neuron.  edge_weight: int32, weight id or -1 (unit).
    Per sample:
      sample_start: int64 (S+1,) and sample_neurons: int32, each sample's support, topological.
      output: int32, the neuron whose value is the sample's output (-1 when the query has none).
      source: int64, the input sample each one came from (a query with variables yields several).
    """

    kind: np.ndarray
    activation: np.ndarray
    reducer: np.ndarray
    offset: np.ndarray
    rows: np.ndarray
    cols: np.ndarray
    value_start: np.ndarray
    input_start: np.ndarray
    example: np.ndarray
    origin: np.ndarray
    edge_src: np.ndarray
    edge_weight: np.ndarray
    sample_start: np.ndarray
    sample_neurons: np.ndarray
    output: np.ndarray
    source: np.ndarray
    weights: WeightTable
    labels: "Labels"

    @property
    def neuron_count(self) -> int:
        return int(self.kind.shape[0])

    @property
    def edge_count(self) -> int:
        return int(self.edge_src.shape[0])

    @property
    def sample_count(self) -> int:
        return int(self.output.shape[0])

    def sample_sizes(self) -> np.ndarray:
        """Neurons in each sample's network."""
        return np.diff(self.sample_start)

    def sample_edge_counts(self) -> np.ndarray:
        """Edges in each sample's network."""
        fan_in = np.diff(self.input_start)
        return np.add.reduceat(np.concatenate([fan_in[self.sample_neurons], [0]]),
                               self.sample_start[:-1]) if self.sample_count else np.zeros(0, np.int64)

    def inputs(self, neuron: int) -> np.ndarray:
        return self.edge_src[self.input_start[neuron]:self.input_start[neuron + 1]]

    def describe(self, neuron: int) -> str:
        """A human-readable name of a neuron: its atom, rule or fact."""
        return self.labels.describe(Kind(int(self.kind[neuron])), self.origin[neuron])


class Labels:
    """Turns a neuron's ``origin`` back into text (atoms, rules); kept out of the hot arrays.

    ``origin`` rows are (predicate, row, -1) for atoms and facts, (rule, grounding, -1) for
    rule neurons, (rule, head row, head predicate) for aggregations and (rule, grounding, body
    position) for negations.
    """

    def __init__(self, atom_text, rule_text):
        self._atom_text = atom_text   # (predicate, row) -> "p(a, b)"
        self._rule_text = rule_text   # (rule, grounding) -> "h(a) :- b(a)."

    def atom(self, predicate: int, row: int) -> str:
        """The text of a ground atom, e.g. ``bond(d1_2, d1_3, 7)``."""
        return self._atom_text(predicate, row)

    def describe(self, kind: Kind, origin) -> str:
        """A neuron's kind and what it stands for, from its ``origin`` row: ``weighted rule
        h(a) :- b(a).``, ``aggregation of rule 2 for h(a)``, ``fact b(a)``; the one wording of
        drawings, cycle errors and shape errors."""
        a, b, c = (int(x) for x in origin)
        if kind in (Kind.FACT, Kind.ATOM, Kind.WEIGHTED_ATOM):
            return f"{kind.name.lower().replace('_', ' ')} {self._atom_text(a, b)}"
        if kind is Kind.AGGREGATION:
            return f"aggregation of rule {a} for {self._atom_text(c, b)}"
        if kind is Kind.NEGATION:
            return f"negation of body literal {c + 1} in {self._rule_text(a, b)}"
        return f"{kind.name.lower().replace('_', ' ')} {self._rule_text(a, b)}"
