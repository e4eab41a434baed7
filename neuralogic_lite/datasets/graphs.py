"""Labelled graphs as flat arrays: the one shape every generator and converter meets in.

Like PyTorch Geometric, a batch of graphs is index arrays, not objects.  Written as NeuraLogic
examples (``text``), graph g is one example in the mutagenesis schema: node i is the constant
``{prefix}{g}_{i}`` with its type fact (``c_22(m3_1)``), edge k is ``bond(a, b, k), bond(b, a,
k)`` plus its type fact (``b_7(k)``), and the target is the value of the query ``predict``.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from ..errors import InputError


@dataclass(frozen=True)
class Graphs:
    """G graphs with N nodes and E undirected edges in total.

    node_graph: int64 (N,), the graph of each node, non-decreasing (a graph's nodes are contiguous).
    node_type: int64 (N,), index into ``node_types``.
    edge_src, edge_dst: int64 (E,), global node indices of each undirected edge (listed once).
    edge_type: int64 (E,), index into ``edge_types``; -1 for every edge when ``edge_types`` is empty.
    target: float64 (G,) for binary labels (0/1), (G, C) one-hot for C > 2 classes.
    node_types, edge_types: the type predicates (``c_22``, ``b_7``); ``edge_types`` may be ().
    classes: the original label of each target index (``(-1, 1)`` for labels -1/1 read as 0/1).
    prefix: constants are ``{prefix}{graph}_{node}``, graphs and nodes numbered from 1.
    """

    node_graph: np.ndarray
    node_type: np.ndarray
    edge_src: np.ndarray
    edge_dst: np.ndarray
    edge_type: np.ndarray
    target: np.ndarray
    node_types: tuple[str, ...]
    edge_types: tuple[str, ...] = ()
    classes: tuple = (0, 1)
    prefix: str = "g"

    def __post_init__(self) -> None:
        validate(self)

    @property
    def graph_count(self) -> int:
        return int(self.target.shape[0])

    @property
    def node_start(self) -> np.ndarray:
        """int64 (G+1,): the nodes of graph g are ``node_start[g]:node_start[g+1]``."""
        return np.searchsorted(self.node_graph, np.arange(self.graph_count + 1)).astype(np.int64)

    @property
    def labels(self) -> list:
        """The original label of each graph (``classes`` indexed by its target)."""
        index = self.target.argmax(axis=1) if self.target.ndim == 2 else self.target.astype(np.int64)
        return [self.classes[i] for i in index]


def validate(graphs: Graphs) -> None:
    """Check the array contract (the docstring of ``Graphs``); raise InputError naming what is wrong."""
    g = graphs
    n, e, count = g.node_graph.shape[0], g.edge_src.shape[0], g.graph_count
    if g.node_type.shape != (n,) or g.edge_dst.shape != (e,) or g.edge_type.shape != (e,):
        raise InputError("node and edge arrays of a Graphs batch must have matching lengths")
    if n and (np.any(np.diff(g.node_graph) < 0) or g.node_graph[0] < 0 or g.node_graph[-1] >= count):
        raise InputError("node_graph must be sorted graph indices below the number of targets")
    if np.any(np.bincount(g.node_graph, minlength=count) == 0):
        empty = int(np.flatnonzero(np.bincount(g.node_graph, minlength=count) == 0)[0])
        raise InputError(f"graph {empty + 1} has no nodes; an example needs at least one fact")
    if n and (g.node_type.min() < 0 or g.node_type.max() >= len(g.node_types)):
        raise InputError("node_type must index node_types")
    if e and (min(g.edge_src.min(), g.edge_dst.min()) < 0 or max(g.edge_src.max(), g.edge_dst.max()) >= n):
        raise InputError("edge_src and edge_dst must index nodes")
    if e and np.any(g.node_graph[g.edge_src] != g.node_graph[g.edge_dst]):
        raise InputError("an edge joins nodes of two different graphs")
    if g.edge_types and e and (g.edge_type.min() < 0 or g.edge_type.max() >= len(g.edge_types)):
        raise InputError("edge_type must index edge_types")
    if not g.edge_types and np.any(g.edge_type != -1):
        raise InputError("edges have types but edge_types is empty")


def class_targets(labels: Sequence) -> tuple[np.ndarray, tuple]:
    """Graph labels to targets: two classes become 0.0/1.0 (in sorted order), more become one-hot rows.

    Returns the targets and the sorted classes (so ``classes[target]`` gives the label back).
    Labels that are all 0 or 1 keep their values (the classes are 0 and 1, even when one is
    missing); a single other class is the first of two, so its graphs get target 0.0.
    """
    classes = tuple(sorted(set(labels)))
    if set(classes) <= {0, 1}:
        classes = (0, 1)
    index = {c: i for i, c in enumerate(classes)}
    position = np.array([index[label] for label in labels], dtype=np.int64)
    if len(classes) <= 2:
        return position.astype(np.float64), classes
    return np.eye(len(classes))[position], classes


def undirected(src: np.ndarray, dst: np.ndarray) -> np.ndarray:
    """A mask keeping each undirected edge once, from formats that list both directions (TU, PyG).

    Of (u, v) and (v, u) the one with u <= v is kept; a one-way edge is kept as it is (and so
    becomes undirected); repeats of a pair keep their first listing.
    """
    src, dst = np.asarray(src, np.int64), np.asarray(dst, np.int64)
    span = int(max(src.max(initial=0), dst.max(initial=0))) + 1
    pair = np.minimum(src, dst) * span + np.maximum(src, dst)
    order = np.lexsort((np.arange(src.shape[0]), src > dst, pair))   # by pair, then u <= v first, then position
    first = order[np.r_[True, pair[order][1:] != pair[order][:-1]]] if src.shape[0] else order
    keep = np.zeros(src.shape[0], bool)
    keep[first] = True
    return keep


def type_names(prefix: str, labels: Sequence) -> tuple[str, ...]:
    """Type predicates ``{prefix}{label}`` (``n_3``, ``e_single``), checked to be valid names."""
    out = tuple(f"{prefix}{label}" for label in labels)
    for label in labels:
        if not str(label) or not str(label).replace("_", "a").replace("-", "a").isalnum():
            raise InputError(f"type {label!r} cannot be part of a predicate name (use letters, digits, '_', '-')")
    return out
