"""``Graphs`` to NeuraLogic examples text and back (files written with ``io.atomic.atomic_write``).

Text is built with list comprehensions over the flat arrays (no IR objects), so 100k graphs
write in seconds; reading back goes through the language package's sample parser.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..errors import InputError
from ..io.atomic import atomic_write
from ..language import Sample, load_samples
from .graphs import Graphs

QUERY = "predict"


def _facts(graphs: Graphs) -> list[str]:
    """The facts of each graph as one conjunction (without the final '.')."""
    g = graphs
    node_start = g.node_start
    local = np.arange(g.node_graph.shape[0]) - node_start[g.node_graph] + 1
    names = [f"{g.prefix}{a}_{b}" for a, b in zip((g.node_graph + 1).tolist(), local.tolist())]
    nodes = [f"{g.node_types[t]}({name})" for t, name in zip(g.node_type.tolist(), names)]
    order = np.argsort(g.node_graph[g.edge_src], kind="stable")
    edge_graph = g.node_graph[g.edge_src][order]
    edge_start = np.searchsorted(edge_graph, np.arange(g.graph_count + 1))
    bond_id = np.arange(order.shape[0]) - edge_start[edge_graph] + 1
    edges = []
    for s, d, t, k in zip(g.edge_src[order].tolist(), g.edge_dst[order].tolist(), g.edge_type[order].tolist(),
                          bond_id.tolist()):
        a, b = names[s], names[d]
        text = f"bond({a}, {b}, {k})" if s == d else f"bond({a}, {b}, {k}), bond({b}, {a}, {k})"
        edges.append(f"{text}, {g.edge_types[t]}({k})" if t >= 0 else text)
    return [", ".join(nodes[node_start[i]:node_start[i + 1]] + edges[edge_start[i]:edge_start[i + 1]])
            for i in range(g.graph_count)]


def _targets(graphs: Graphs) -> list[str]:
    """Each graph's target as written before the query: ``1.0`` or ``[0.0, 1.0, 0.0]``."""
    if graphs.target.ndim == 1:
        return [repr(float(t)) for t in graphs.target.tolist()]
    return ["[" + ", ".join(repr(float(v)) for v in row) + "]" for row in graphs.target.tolist()]


def examples_text(graphs: Graphs) -> str:
    """Labelled examples, one per line: ``1.0 predict :- c_22(m1_1), bond(m1_1, m1_2, 1), ... .``."""
    return "".join(f"{t} {QUERY} :- {facts}.\n" for t, facts in zip(_targets(graphs), _facts(graphs)))


def examples_and_queries_text(graphs: Graphs) -> tuple[str, str]:
    """Unlabelled examples (``facts.`` lines) and their queries (``1.0 predict.`` lines), matched by position."""
    return ("".join(f"{facts}.\n" for facts in _facts(graphs)),
            "".join(f"{t} {QUERY}.\n" for t in _targets(graphs)))


def save(graphs: Graphs, directory: str | os.PathLike, queries: bool = False) -> list[Path]:
    """Write ``examples.txt`` (labelled), or ``examples.txt`` and ``queries.txt`` when ``queries``."""
    directory = Path(directory)
    if not queries:
        return [atomic_write(directory / "examples.txt", examples_text(graphs))]
    examples, query_lines = examples_and_queries_text(graphs)
    return [atomic_write(directory / "examples.txt", examples), atomic_write(directory / "queries.txt", query_lines)]


def load(examples: str | os.PathLike, queries: str | os.PathLike | None = None, classes: tuple | None = None,
         prefix: str = "g") -> Graphs:
    """Read examples in the graph schema back into ``Graphs`` (see ``from_samples``)."""
    return from_samples(load_samples(examples, queries), classes, prefix)


def from_samples(samples: list[Sample], classes: tuple | None = None, prefix: str = "g") -> Graphs:
    """Samples in the graph schema (one ``predict`` query per example) to ``Graphs``.

    ``bond/3`` facts are edges; a unary fact on a bond id is the edge's type, any other unary
    fact a node's type.  Nodes keep the order of their type facts.  Scalar targets index
    ``classes`` (default (0, 1)); vector targets are one-hot over ``classes`` (default 0..C-1).
    """
    node_index: dict[str, int] = {}
    edge_index: dict[str, int] = {}
    node_graph, node_type, edges, targets = [], [], [], []
    for graph, sample in enumerate(_one_query_each(samples)):
        parsed = _graph(sample)
        local = {name: len(node_graph) + i for i, name in enumerate(parsed.nodes)}
        node_graph += [graph] * len(parsed.nodes)
        node_type += [node_index.setdefault(t, len(node_index)) for t in parsed.nodes.values()]
        for a, b, bond in parsed.bonds:
            if a not in local or b not in local:
                raise InputError(f"example {graph + 1}: bond({a}, {b}, {bond}) joins a constant with no type fact",
                                 sample.example.location)
            kind = parsed.bond_types.get(bond)
            edges.append((local[a], local[b], -1 if kind is None else edge_index.setdefault(kind, len(edge_index))))
        targets.append(sample.query.target)
    target = _target_array(targets)
    if classes is None:
        classes = (0, 1) if target.ndim == 1 else tuple(range(target.shape[1]))
    if edge_index and any(t < 0 for _, _, t in edges):
        raise InputError("some bonds have a type fact and some do not")
    src, dst, kind = (np.array(column, np.int64) for column in zip(*edges)) if edges else (np.empty(0, np.int64),) * 3
    return Graphs(np.array(node_graph, np.int64), np.array(node_type, np.int64), src, dst, kind, target,
                  tuple(node_index), tuple(edge_index), tuple(classes), prefix)


def _target_array(values: list) -> np.ndarray:
    """Scalar targets as (G,), vector targets as (G, C)."""
    if any(v is None for v in values):
        raise InputError("every example needs a target to become a labelled graph")
    shapes = {v.shape for v in values}
    if len(shapes) > 1:
        raise InputError(f"targets mix shapes {sorted(shapes)}; write all scalars or all vectors of one length")
    target = np.array([v.data for v in values], np.float64)
    return target[:, 0] if shapes == {()} else target


@dataclass
class _Parsed:
    """One example's nodes (constant -> type, in order), bonds and bond types."""

    nodes: dict[str, str] = field(default_factory=dict)
    bonds: list[tuple[str, str, str]] = field(default_factory=list)
    bond_types: dict[str, str] = field(default_factory=dict)


def _graph(sample: Sample) -> _Parsed:
    parsed, unary = _Parsed(), []
    seen: set[str] = set()
    for fact in sample.example.facts:
        literal = fact.literal
        args = [str(t) for t in literal.terms]
        if literal.name == "bond" and len(args) == 3:
            if args[2] not in seen:      # each bond is listed in both directions; keep the first
                seen.add(args[2])
                parsed.bonds.append((args[0], args[1], args[2]))
        elif len(args) == 1:
            unary.append((literal.name, args[0]))
        else:
            raise InputError(f"fact {literal} is not in the graph schema (type facts t(X) and bond(A, B, Id))",
                             fact.location)
    for name, arg in unary:
        if arg in seen:
            parsed.bond_types[arg] = name
        elif parsed.nodes.setdefault(arg, name) != name:
            raise InputError(f"{arg} has two types, {parsed.nodes[arg]} and {name}", sample.example.location)
    return parsed


def _one_query_each(samples: list[Sample]) -> list[Sample]:
    out, seen = [], set()
    for sample in samples:
        if id(sample.example) in seen:
            raise InputError("an example with several queries is not one labelled graph", sample.query.location)
        seen.add(id(sample.example))
        out.append(sample)
    return out
