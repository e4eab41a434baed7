"""The TU graph-kernel format (``DS_A.txt``, ``DS_graph_indicator.txt``, ...) to ``Graphs`` and back.

Node label i becomes the type fact ``n_i(A)``, edge label j the bond type fact ``e_j(B)``.
Graph labels: two classes become targets 0.0/1.0 in sorted order (MUTAG's -1/1 -> 0/1), more
become one-hot vector targets ``[0.0, 1.0, 0.0] predict`` (classes in sorted order; train with
a softmax output).  TU lists each undirected edge in both directions; it is read once and
written back both ways, ``A`` sorted as TU files are.
"""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from ..errors import InputError
from .graphs import Graphs, class_targets, type_names, undirected
from .text import atomic_write, load, save

NODE, EDGE = "n_", "e_"


def _name(directory: Path, name: str | None) -> str:
    if not directory.is_dir():
        raise InputError(f"{directory}: no such directory")
    if name is not None:
        return name
    found = sorted(p.name[:-len("_A.txt")] for p in directory.glob("*_A.txt"))
    if len(found) != 1:
        raise InputError(f"{directory}: expected one TU dataset (a DS_A.txt file), found {found or 'none'}; "
                         "name the one to read (name=, or --name on the command line)")
    return found[0]


def _column(path: Path, columns: int = 1) -> np.ndarray:
    """The integers of a TU file (``u, v`` per line for ``A``, one per line otherwise)."""
    if not path.is_file():
        raise InputError(f"{path}: no such file")
    try:
        data = np.loadtxt(path, delimiter=",", dtype=np.int64, ndmin=2)
    except ValueError as e:
        raise InputError(f"{path}: expected {columns} integer column(s) per line ({e})") from None
    if data.size == 0:
        return np.empty((0, columns) if columns > 1 else 0, np.int64)
    if data.shape[1] != columns:
        raise InputError(f"{path}: expected {columns} integer column(s) per line, found {data.shape[1]}")
    return data if columns > 1 else data[:, 0]


PARTS = ("A", "graph_indicator", "graph_labels", "node_labels", "edge_labels")


def read_tu(directory: str | os.PathLike, name: str | None = None) -> Graphs:
    """Read TU dataset ``name`` (found alone in ``directory`` when not given) into ``Graphs``."""
    directory = Path(directory)
    name = _name(directory, name)
    path = {part: directory / f"{name}_{part}.txt" for part in PARTS}
    edges = _column(path["A"], 2) - 1
    graph = _column(path["graph_indicator"]) - 1
    labels = _column(path["graph_labels"])
    nodes = _column(path["node_labels"])
    if nodes.shape != graph.shape:
        raise InputError(f"{path['node_labels']}: {nodes.shape[0]} labels for {graph.shape[0]} nodes")
    if graph.size and (graph.min() < 0 or graph.max() >= labels.shape[0] or np.any(np.diff(graph) < 0)):
        raise InputError(f"{path['graph_indicator']}: graph ids must be 1 to {labels.shape[0]}, non-decreasing "
                         "(the nodes of a graph numbered consecutively)")
    if edges.size and (edges.min() < 0 or edges.max() >= graph.shape[0]):
        raise InputError(f"{path['A']}: node ids must run from 1 to {graph.shape[0]}")
    keep = undirected(edges[:, 0], edges[:, 1])
    node_values, node_type = np.unique(nodes, return_inverse=True)
    edge_types, edge_type = (), np.full(int(keep.sum()), -1, np.int64)
    if path["edge_labels"].is_file():
        edge_labels = _column(path["edge_labels"])
        if edge_labels.shape[0] != edges.shape[0]:
            raise InputError(f"{path['edge_labels']}: {edge_labels.shape[0]} labels for {edges.shape[0]} edges")
        edge_values, edge_type = np.unique(edge_labels[keep], return_inverse=True)
        edge_types = type_names(EDGE, edge_values.tolist())
    target, classes = class_targets(labels.tolist())
    return Graphs(graph, node_type.astype(np.int64), edges[keep, 0], edges[keep, 1], edge_type.astype(np.int64),
                  target, type_names(NODE, node_values.tolist()), edge_types, classes, "g")


def _labels(names: tuple[str, ...], prefix: str) -> np.ndarray:
    """The integer labels back from type names ``n_3`` (InputError for names not of that form)."""
    values = [n[len(prefix):] for n in names if n.startswith(prefix)]
    if len(values) != len(names) or not all(v.lstrip("-").isdigit() for v in values):
        raise InputError(f"TU labels are integers: types must be named {prefix}<integer>, not {', '.join(names)}")
    return np.array([int(v) for v in values], np.int64)


def _lines(values: list) -> str:
    return "".join(f"{v}\n" for v in values)


def write_tu(graphs: Graphs, directory: str | os.PathLike, name: str) -> list[Path]:
    """Write ``graphs`` as TU dataset ``name`` in ``directory`` (both directions of each edge); the files."""
    loop = graphs.edge_src == graphs.edge_dst
    src = np.concatenate([graphs.edge_src, graphs.edge_dst[~loop]])
    dst = np.concatenate([graphs.edge_dst, graphs.edge_src[~loop]])
    kind = np.concatenate([graphs.edge_type, graphs.edge_type[~loop]])
    order = np.lexsort((dst, src))
    files = {
        "A": "".join(f"{u}, {v}\n" for u, v in zip((src[order] + 1).tolist(), (dst[order] + 1).tolist())),
        "graph_indicator": _lines((graphs.node_graph + 1).tolist()),
        "graph_labels": _lines(graphs.labels),
        "node_labels": _lines(_labels(graphs.node_types, NODE)[graphs.node_type].tolist()),
    }
    if graphs.edge_types:
        files["edge_labels"] = _lines(_labels(graphs.edge_types, EDGE)[kind[order]].tolist())
    return [atomic_write(Path(directory) / f"{name}_{part}.txt", text) for part, text in files.items()]


def tu_to_neuralogic(tu_directory: str | os.PathLike, out: str | os.PathLike, name: str | None = None) -> list[Path]:
    """Convert a TU dataset to ``examples.txt`` + ``queries.txt`` in ``out``."""
    return save(read_tu(tu_directory, name), out, queries=True)


def neuralogic_to_tu(examples: str | os.PathLike, queries: str | os.PathLike | None, out: str | os.PathLike,
                     name: str, classes: tuple | None = None) -> list[Path]:
    """Convert examples (and queries) in the graph schema back to TU dataset ``name`` in ``out``.

    ``classes`` are the original graph labels of targets 0, 1, ... (default 0, 1, ...).
    """
    return write_tu(load(examples, queries, classes), out, name)
