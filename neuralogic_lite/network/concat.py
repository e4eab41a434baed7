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
from ..memory import trim
from .graph import Kind, NeuralGraph
from .neuralize import labels
from .weights import WeightTable


class Chunk:
    """A chunk's lifted graph (as its arrays, which ``concatenate`` takes over one by one), the
    input samples and examples it was built from, and what naming its neurons needs from its
    program: the atoms and groundings its neurons (and those groundings) refer to, as int32,
    renumbered; the rest of the program is dropped."""

    def __init__(self, graph: NeuralGraph, program: GroundProgram, samples: int):
        self.arrays = {name: value for name, value in vars(graph).items() if isinstance(value, np.ndarray)}
        self.weights, self.kind = graph.weights, graph.kind
        self.neurons, self.values = graph.neuron_count, int(graph.value_start[-1])
        self.edges, self.members = graph.edge_count, int(graph.sample_neurons.shape[0])
        self.samples, self.examples = samples, len(program.examples)
        self.arrays["origin"], self.tables, self.rules = _kept_origins(graph, program)


def concatenate(chunks: list[Chunk]) -> tuple[NeuralGraph, GroundProgram]:
    """The chunks' graphs as one, in order (``source`` and ``example`` continue from chunk to
    chunk), and the program that names its neurons (atom tables and groundings only).  Each
    array is joined and then dropped from the chunks (and its memory returned), so the peak is the
    chunks plus one array."""
    weights = chunks[0].weights
    remaps = [np.arange(len(weights))] + [_merge_weights(weights, c.weights) for c in chunks[1:]]
    row_offsets, grounding_offsets, program = _joined_origins(chunks)
    before = {key: np.cumsum([0] + [getattr(c, key) for c in chunks]).tolist()
              for key in ("neurons", "values", "edges", "members", "samples", "examples")}
    shifts = {   # how each array of chunk k changes in the joined graph
        "offset": lambda a, k: _remapped(a, remaps[k]),
        "edge_weight": lambda a, k: _remapped(a, remaps[k]),
        "example": lambda a, k: a + np.int32(before["examples"][k]),
        "origin": lambda a, k: _origin(a, chunks[k].kind, row_offsets[k], grounding_offsets[k]),
        "edge_src": lambda a, k: a + np.int32(before["neurons"][k]),
        "sample_neurons": lambda a, k: a + np.int32(before["neurons"][k]),
        "output": lambda a, k: np.where(a >= 0, a + before["neurons"][k], -1).astype(np.int32),
        "source": lambda a, k: a + before["samples"][k],
        "value_start": lambda a, k: a[1:] + before["values"][k] if k else a,
        "input_start": lambda a, k: a[1:] + before["edges"][k] if k else a,
        "sample_start": lambda a, k: a[1:] + before["members"][k] if k else a,
    }
    joined = {}
    for name in list(chunks[0].arrays):
        shift = shifts.get(name, lambda a, k: a)
        joined[name] = np.concatenate([shift(c.arrays.pop(name), k) for k, c in enumerate(chunks)])
        trim()     # the chunks' arrays of this name are free: return them before the next is joined
    graph = NeuralGraph(**joined, weights=weights, labels=labels(program))
    return graph, program


def _kept_origins(graph: NeuralGraph, program: GroundProgram):
    """``graph.origin`` renumbered into just the atom rows and groundings it (or a kept
    grounding) names, those rows (int32) and those groundings."""
    origin, kind = graph.origin.astype(np.int64), graph.kind
    grounded = (kind == Kind.RULE) | (kind == Kind.WEIGHTED_RULE) | (kind == Kind.NEGATION)
    rules = []
    for i, gr in enumerate(program.rules):
        mine = np.flatnonzero(grounded & (origin[:, 0] == i))
        used, origin[mine, 1] = _marked(origin[mine, 1], gr.head.shape[0])
        rules.append((gr.rule, gr.visible, gr.head[used], gr.body[used]))
    atoms = np.flatnonzero((kind == Kind.FACT) | (kind == Kind.ATOM) | (kind == Kind.WEIGHTED_ATOM))
    aggregations = np.flatnonzero(kind == Kind.AGGREGATION)     # (rule, head row, head predicate)
    named = [(atoms, origin[atoms, 0]), (aggregations, origin[aggregations, 2])]
    marks = {p: np.zeros(t.shape[0], bool) for p, t in program.tables.items()}
    for rows, predicates in named:
        for p in np.unique(predicates).tolist():
            marks[p][origin[rows[predicates == p], 1]] = True
    for rule, visible, head, body in rules:
        if head.size:       # (a rule grounded nowhere here may name predicates without a table)
            marks[rule.head.predicate][head] = True
            for j, k in enumerate(visible):
                marks[rule.body[k].predicate][body[:, j]] = True
    renumber = {p: np.cumsum(m) - 1 for p, m in marks.items()}
    for rows, predicates in named:
        for p in np.unique(predicates).tolist():
            at = rows[predicates == p]
            origin[at, 1] = renumber[p][origin[at, 1]]
    compact = [(rule, visible, renumber[rule.head.predicate][head].astype(np.int32),
                np.stack([renumber[rule.body[k].predicate][body[:, j]] for j, k in enumerate(visible)],
                         axis=1).astype(np.int32).reshape(body.shape))
               if head.size else (rule, visible, head.astype(np.int32), body.astype(np.int32))
               for rule, visible, head, body in rules]
    tables = {p: program.tables[p][m].astype(np.int32) for p, m in marks.items() if m.any()}
    return origin.astype(np.int32), tables, compact


def _marked(rows: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray]:
    """The distinct ``rows`` (of ``size``), ascending, and each row's index among them."""
    mark = np.zeros(size, bool)
    mark[rows] = True
    return np.flatnonzero(mark), (np.cumsum(mark) - 1)[rows]


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


def _origin(origin: np.ndarray, kind: np.ndarray, rows: dict[int, int], groundings: np.ndarray) -> np.ndarray:
    """A chunk's ``origin`` in the joined tables (see ``Labels`` for what each column holds)."""
    origin = origin.astype(np.int64)
    shift = np.zeros(max(rows, default=0) + 1, np.int64)
    shift[list(rows)] = list(rows.values())
    shift = np.concatenate([shift, np.zeros(max(0, int(origin.max(initial=0)) + 1 - shift.shape[0]), np.int64)])
    atoms = (kind == Kind.FACT) | (kind == Kind.ATOM) | (kind == Kind.WEIGHTED_ATOM)
    origin[atoms, 1] += shift[origin[atoms, 0]]
    aggregations = kind == Kind.AGGREGATION        # (rule, head row, head predicate)
    origin[aggregations, 1] += shift[origin[aggregations, 2]]
    grounded = (kind == Kind.RULE) | (kind == Kind.WEIGHTED_RULE) | (kind == Kind.NEGATION)
    origin[grounded, 1] += groundings[origin[grounded, 0]]
    return origin.astype(np.int32)
