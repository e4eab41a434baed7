"""Graphs built apart, joined into one: how a large sample set is built in bounded memory.

``Model.build`` grounds, neuralizes and lifts the examples a chunk at a time; each chunk's
program is dropped once its graph is lifted.  ``concatenate`` joins the chunks' graphs as if
they had been built at once: neurons, edges, values and samples follow each other; the
template's weights are shared and the graphs' own entries (fact values, ``@embed`` vectors)
are merged by value or atom; neuron origins are renumbered into one atom table per predicate
and one grounding list per rule, kept (as int32) so that every neuron can still be named.
"""
from __future__ import annotations

import numpy as np

from ..grounding.ground import GroundProgram, GroundRules
from .graph import NeuralGraph, Kind
from .neuralize import labels
from .weights import WeightTable


class Chunk:
    """A chunk's lifted graph, the input samples and examples it was built from, and what
    naming its neurons needs from its program: the atom tables and each rule's groundings, as
    int32 (the ground rules' other arrays and the facts are dropped)."""

    def __init__(self, graph: NeuralGraph, program: GroundProgram, samples: int):
        self.graph, self.samples, self.examples = graph, samples, len(program.examples)
        self.tables = {p: t.astype(np.int32) for p, t in program.tables.items()}
        self.rules = [(gr.rule, gr.visible, gr.head.astype(np.int32), gr.body.astype(np.int32)) for gr in program.rules]


def concatenate(chunks: list[Chunk]) -> tuple[NeuralGraph, GroundProgram]:
    """The chunks' graphs as one, in order (``source`` and ``example`` continue from chunk to
    chunk), and the program that names its neurons (atom tables and groundings only)."""
    graphs = [c.graph for c in chunks]
    weights = graphs[0].weights
    remaps = [np.arange(len(weights))] + [_merge_weights(weights, g.weights) for g in graphs[1:]]
    row_offsets, grounding_offsets, program = _joined_origins(chunks)
    parts = {k: [] for k in ("kind", "activation", "reducer", "offset", "rows", "cols", "example", "origin",
                             "edge_src", "edge_weight", "sample_neurons", "output", "source")}
    value_start, input_start, sample_start = [np.zeros(1, np.int64)], [np.zeros(1, np.int64)], [np.zeros(1, np.int64)]
    neurons = values = edges = examples = samples = members = 0
    for k, g in enumerate(graphs):
        for name in ("kind", "activation", "reducer", "rows", "cols"):
            parts[name].append(getattr(g, name))
        parts["offset"].append(_remapped(g.offset, remaps[k]))
        parts["edge_weight"].append(_remapped(g.edge_weight, remaps[k]))
        parts["example"].append(g.example + examples)
        parts["origin"].append(_origin(g, row_offsets[k], grounding_offsets[k]))
        parts["edge_src"].append(g.edge_src + np.int32(neurons))
        parts["sample_neurons"].append(g.sample_neurons + np.int32(neurons))
        parts["output"].append(np.where(g.output >= 0, g.output + neurons, -1).astype(np.int32))
        parts["source"].append(g.source + samples)
        value_start.append(g.value_start[1:] + values)
        input_start.append(g.input_start[1:] + edges)
        sample_start.append(g.sample_start[1:] + members)
        neurons, values, edges = neurons + g.neuron_count, values + int(g.value_start[-1]), edges + g.edge_count
        examples, samples = examples + chunks[k].examples, samples + chunks[k].samples
        members += int(g.sample_neurons.shape[0])
    joined = {name: np.concatenate(arrays) for name, arrays in parts.items()}
    graph = NeuralGraph(joined["kind"], joined["activation"], joined["reducer"], joined["offset"], joined["rows"],
                       joined["cols"], np.concatenate(value_start), np.concatenate(input_start), joined["example"],
                       joined["origin"], joined["edge_src"], joined["edge_weight"], np.concatenate(sample_start),
                       joined["sample_neurons"], joined["output"], joined["source"], weights, labels(program))
    return graph, program


def _remapped(ids: np.ndarray, remap: np.ndarray) -> np.ndarray:
    return np.where(ids >= 0, remap[np.maximum(ids, 0)], ids).astype(ids.dtype)


def _merge_weights(into: WeightTable, other: WeightTable) -> np.ndarray:
    """``other``'s weight ids in ``into``: the template's are the same; constants and embeddings
    are added to ``into`` (or found there, by value or atom)."""
    count = other.template_count
    if into.template_count != count or into.names[:count] != other.names[:count] \
            or into.rows[:count] != other.rows[:count] or into.cols[:count] != other.cols[:count]:
        raise AssertionError("chunks of one build numbered the template's weights differently")
    remap = np.arange(len(other), dtype=np.int64)
    for w in range(count, len(other)):
        atom = other.embeddings.get(w)
        remap[w] = into.embedding(atom, (other.rows[w], other.cols[w])) if atom is not None \
            else into.constant(other.initial[w])
    return remap


def _joined_origins(origins: list[Chunk]):
    """Per chunk, the row offset of each predicate's table and the grounding offset of each
    rule in the joined tables; and a program holding just those tables and groundings."""
    row_offsets, grounding_offsets = [], []
    tables: dict[int, list[np.ndarray]] = {}
    heads: list[list[np.ndarray]] = [[] for _ in origins[0].rules]
    bodies: list[list[np.ndarray]] = [[] for _ in origins[0].rules]
    for o in origins:
        row_offsets.append({p: sum(t.shape[0] for t in tables.get(p, [])) for p in o.tables})
        grounding_offsets.append(np.array([sum(h.shape[0] for h in heads[i]) for i in range(len(o.rules))], np.int64))
        for p, t in o.tables.items():
            tables.setdefault(p, []).append(t)
        for i, (rule, visible, head, body) in enumerate(o.rules):
            heads[i].append(head + row_offsets[-1].get(rule.head.predicate, 0))
            shift = np.array([row_offsets[-1].get(rule.body[p].predicate, 0) for p in visible], np.int32)
            bodies[i].append(body + shift)
    joined = {p: np.concatenate(t) for p, t in tables.items()}
    rules = [GroundRules(rule, visible, np.concatenate(heads[i]), np.concatenate(bodies[i]), np.zeros(0, np.int32))
             for i, (rule, visible, _, _) in enumerate(origins[0].rules)]
    return row_offsets, grounding_offsets, GroundProgram([], joined, {}, [], rules, {})


def _origin(graph: NeuralGraph, rows: dict[int, int], groundings: np.ndarray) -> np.ndarray:
    """``graph.origin`` in the joined tables (see ``Labels`` for what each column holds)."""
    origin, kind = graph.origin.copy(), graph.kind
    shift = np.zeros(max(rows, default=0) + 1, np.int64)
    shift[list(rows)] = list(rows.values())
    shift = np.concatenate([shift, np.zeros(max(0, int(origin.max(initial=0)) + 1 - shift.shape[0]), np.int64)])
    atoms = (kind == Kind.FACT) | (kind == Kind.ATOM) | (kind == Kind.WEIGHTED_ATOM)
    origin[atoms, 1] += shift[origin[atoms, 0]]
    aggregations = kind == Kind.AGGREGATION        # (rule, head row, head predicate)
    origin[aggregations, 1] += shift[origin[aggregations, 2]]
    grounded = (kind == Kind.RULE) | (kind == Kind.WEIGHTED_RULE) | (kind == Kind.NEGATION)
    origin[grounded, 1] += groundings[origin[grounded, 0]]
    return origin
