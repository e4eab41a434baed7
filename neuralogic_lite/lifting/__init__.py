"""Stage 4, lift: compress a NeuralGraph by merging neurons that compute the same function.

    graph, report = lift(graph, settings, evaluate)

Every step is a detector that maps each neuron to the neuron kept in its place (itself or an
earlier one), and one ``rewire`` applies the mappings.  In order: chain pruning
(``settings.prune``), lifting (``settings.lift``: ``structural`` hash-consing, exact; ``value``,
the reference's heuristic), and optionally batch lifting (structural, across the examples of
the graph, so a batch computes what its samples share once).
"""
from __future__ import annotations

from .pipeline import lift
from .prune import chain_mapping
from .rewire import kept_size, resolve, rewire
from .structural import representatives, structural_classes
from .values import round_half_up, unsafe_reasons, value_classes, value_mapping

__all__ = ["lift", "chain_mapping", "rewire", "resolve", "kept_size", "structural_classes", "representatives",
           "value_classes", "value_mapping", "round_half_up", "unsafe_reasons"]
