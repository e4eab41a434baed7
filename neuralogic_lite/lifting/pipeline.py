"""``lift``: pruning, then lifting, then batch lifting, each step timed and counted.

Structural steps read the previous step's mapping through (``structural_classes(through=)``),
so the mappings compose and the graph is rewired once at the end; value lifting evaluates
the network, so the graph is rewired before it.
"""
from __future__ import annotations

import time

import numpy as np

from ..errors import NeuraLogicLiteError
from ..network.graph import NeuralGraph
from .prune import chain_mapping
from .rewire import kept_size, resolve, rewire
from .structural import representatives, structural_classes
from .values import Evaluate, value_mapping, warn_if_unsafe


def lift(graph: NeuralGraph, settings, evaluate: Evaluate | None = None, across_examples: bool | None = None,
         confirm: bool = False) -> tuple[NeuralGraph, dict]:
    """Compress ``graph`` as ``settings`` say (``prune``, ``lift``, ``iso_decimals``,
    ``iso_inits``, ``init``, ``seed``, ``batch_lift``).

    ``evaluate`` (see ``values``) is needed for value lifting only.  ``across_examples``
    (default: ``settings.batch_lift``) merges structurally equal neurons of different examples
    too, so a batch computes them once.  ``confirm`` makes value lifting accept only the merges
    the structural key agrees with.  Returns the new graph (``graph`` itself when nothing
    merges) and a JSON-friendly report: per step the neurons and edges before and after, the
    seconds taken and (value lifting with ``confirm``) the merges refused.
    """
    if settings.lift == "value" and evaluate is None:
        raise NeuraLogicLiteError("value-based lifting evaluates the network: pass an evaluator")
    if across_examples is None:
        across_examples = settings.batch_lift
    start = time.perf_counter()
    before = (graph.neuron_count, graph.edge_count, int(graph.sample_neurons.shape[0]))
    steps: list[dict] = []
    pending: np.ndarray | None = None     # the mapping of the steps so far, not yet rewired
    size = before[:2]

    def step(name: str, mode: str, detect) -> None:
        nonlocal pending
        settle()
        t0 = time.perf_counter()
        mapping, extra = detect()
        pending = resolve(mapping)
        steps.append({"step": name, "mode": mode, "neurons": [size[0], None], "edges": [size[1], None],
                      "seconds": time.perf_counter() - t0, **extra})

    def settle(after: tuple[int, int] | None = None) -> None:
        # the last step's sizes: what rewiring would keep (or kept: ``after``)
        nonlocal size
        if steps and steps[-1]["neurons"][1] is None:
            t0 = time.perf_counter()
            size = after or kept_size(graph, pending)
            steps[-1]["neurons"][1], steps[-1]["edges"][1] = size
            steps[-1]["seconds"] += time.perf_counter() - t0

    def materialize() -> None:
        nonlocal graph, pending
        if pending is not None:
            t0 = time.perf_counter()
            graph = rewire(graph, pending)
            pending = None
            steps[-1]["seconds"] += time.perf_counter() - t0
            settle((graph.neuron_count, graph.edge_count))

    if settings.prune != "off":
        step("prune", settings.prune, lambda: (chain_mapping(graph, settings.prune), {}))
    if settings.lift == "structural":
        step("lift", "structural", lambda: (representatives(structural_classes(graph, through=pending), graph), {}))
    elif settings.lift == "value":
        materialize()
        warn_if_unsafe(graph)

        def by_value():
            mapping, refused = value_mapping(graph, evaluate, settings.iso_decimals, settings.iso_inits,
                                             settings.init, settings.seed, "reference", confirm)
            return mapping, ({"refused": refused} if confirm else {})
        step("lift", "value", by_value)
    if across_examples:
        step("batch", "structural",
             lambda: (representatives(structural_classes(graph, across_examples=True, through=pending), graph), {}))
    materialize()
    return graph, {"steps": steps, "neurons": [before[0], graph.neuron_count], "edges": [before[1], graph.edge_count],
                   "sample_neurons": [before[2], int(graph.sample_neurons.shape[0])],
                   "seconds": time.perf_counter() - start}
