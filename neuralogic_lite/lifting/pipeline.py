"""``lift``: pruning, then lifting, then batch lifting, each step timed and counted."""
from __future__ import annotations

import time

import numpy as np

from ..errors import NeuraLogicLiteError
from ..network.graph import NeuralGraph
from .prune import MODES, chain_mapping
from .rewire import rewire
from .structural import representatives, structural_classes
from .values import Evaluate, value_mapping, warn_if_unsafe

LIFTS = ("none", "structural", "value")


def lift(graph: NeuralGraph, settings, evaluate: Evaluate | None = None,
         across_examples: bool | None = None, confirm: bool = False) -> tuple[NeuralGraph, dict]:
    """Compress ``graph`` as ``settings`` say (``prune``, ``lift``, ``iso_decimals``,
    ``iso_inits``, ``init``, ``seed``; ``batch_lift`` if present).

    ``evaluate`` (see ``values``) is needed for value lifting only.  ``across_examples``
    (default: ``settings.batch_lift``) merges structurally equal neurons of different examples
    too, so a batch computes them once.  ``confirm`` makes value lifting accept only the merges
    the structural key agrees with.  Returns the new graph (``graph`` itself when nothing
    merges) and a JSON-friendly report: per step the neurons and edges before and after, the
    seconds taken and (value lifting) the merges refused.
    """
    if settings.prune not in MODES:
        raise NeuraLogicLiteError(f"unknown pruning mode '{settings.prune}'; choose from {', '.join(MODES)}")
    if settings.lift not in LIFTS:
        raise NeuraLogicLiteError(f"unknown lifting '{settings.lift}'; choose from {', '.join(LIFTS)}")
    if across_examples is None:
        across_examples = bool(getattr(settings, "batch_lift", False))
    start = time.perf_counter()
    steps = []
    before = _size(graph)

    def step(name: str, mode: str, detect) -> None:
        nonlocal graph
        t0 = time.perf_counter()
        size = _size(graph)
        mapping, extra = detect(graph)
        graph = rewire(graph, mapping)
        steps.append({"step": name, "mode": mode, "neurons": [size[0], graph.neuron_count],
                      "edges": [size[1], graph.edge_count], "seconds": time.perf_counter() - t0, **extra})

    if settings.prune != "off":
        step("prune", settings.prune, lambda g: (chain_mapping(g, settings.prune), {}))
    if settings.lift == "structural":
        step("lift", "structural", lambda g: (representatives(structural_classes(g), g), {}))
    elif settings.lift == "value":
        if evaluate is None:
            raise NeuraLogicLiteError("value-based lifting evaluates the network: pass an evaluator")
        warn_if_unsafe(graph)

        def by_value(g):
            mapping, refused = value_mapping(g, evaluate, settings.iso_decimals, settings.iso_inits,
                                             settings.init, settings.seed, "reference", confirm)
            return mapping, ({"refused": refused} if confirm else {})
        step("lift", "value", by_value)
    if across_examples:
        step("batch", "structural", lambda g: (representatives(structural_classes(g, across_examples=True), g), {}))
    after = _size(graph)
    return graph, {"steps": steps, "neurons": [before[0], after[0]], "edges": [before[1], after[1]],
                   "sample_neurons": [int(before[2]), int(graph.sample_neurons.shape[0])],
                   "seconds": time.perf_counter() - start}


def _size(graph: NeuralGraph) -> tuple[int, int, int]:
    return graph.neuron_count, graph.edge_count, int(graph.sample_neurons.shape[0])
