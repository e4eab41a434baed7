"""Graphs from three CSV files with header rows: edges, node types and graph labels.

    edges.csv   graph_id, source, target[, edge_type]
    nodes.csv   graph_id, node, type
    labels.csv  graph_id, label

Ids are any strings, scoped by graph.  Graphs keep the order of the labels file and nodes the
order of the nodes file.  Node type t becomes ``n_t(A)``, edge type t ``e_t(B)`` (so types are
letters, digits, '_' or '-'); labels map to targets as in TU (sorted; two classes 0.0/1.0, more
one-hot; labels 0 and 1 keep their values).  An edge listed in both directions is one edge.
"""
from __future__ import annotations

import csv
import io
import os
from pathlib import Path

import numpy as np

from ..errors import InputError
from ..language.sources import read_source
from .graphs import Graphs, class_targets, type_names, undirected

NODE, EDGE = "n_", "e_"


def _rows(path: str | os.PathLike, required: tuple[str, ...], optional: tuple[str, ...] = ()) -> list[dict]:
    """The rows of a CSV file as dicts (columns matched by header, case-insensitively)."""
    path = Path(path)
    reader = csv.DictReader(io.StringIO(read_source(path), newline=""), skipinitialspace=True)
    header = {name.strip().lower(): name for name in reader.fieldnames or ()}
    missing = [c for c in required if c not in header]
    if missing:
        raise InputError(f"{path}: the header needs columns {', '.join(required)}"
                         f"{' [' + ', '.join(optional) + ']' if optional else ''}; missing {', '.join(missing)}")
    wanted = [c for c in (*required, *optional) if c in header]
    return [{c: (row[header[c]] or "").strip() for c in wanted} | {"line": i + 2} for i, row in enumerate(reader)]


def read_csv(edges: str | os.PathLike, nodes: str | os.PathLike, labels: str | os.PathLike) -> Graphs:
    """Read the three CSV files (see the module docstring) into ``Graphs``."""
    label_rows = _rows(labels, ("graph_id", "label"))
    graph_of = {row["graph_id"]: g for g, row in enumerate(label_rows)}
    if len(graph_of) != len(label_rows):
        raise InputError(f"{labels}: a graph_id is listed twice")
    node_rows = _rows(nodes, ("graph_id", "node", "type"))
    for row in node_rows:
        if row["graph_id"] not in graph_of:
            raise InputError(f"{nodes}:{row['line']}: graph {row['graph_id']!r} has no label in {labels}")
    node_rows.sort(key=lambda row: graph_of[row["graph_id"]])          # stable: file order within a graph
    node_of = {(row["graph_id"], row["node"]): i for i, row in enumerate(node_rows)}
    if len(node_of) != len(node_rows):
        raise InputError(f"{nodes}: a node is listed twice in one graph")
    edge_rows = _rows(edges, ("graph_id", "source", "target"), ("edge_type",))
    ends = []
    for row in edge_rows:
        pair = [node_of.get((row["graph_id"], row[end])) for end in ("source", "target")]
        if None in pair:
            raise InputError(f"{edges}:{row['line']}: node {row['source'] if pair[0] is None else row['target']!r} "
                             f"of graph {row['graph_id']!r} is not in {nodes}")
        ends.append(pair)
    ends = np.array(ends, np.int64).reshape(-1, 2)
    keep = undirected(ends[:, 0], ends[:, 1])
    node_types, node_type = np.unique([row["type"] for row in node_rows], return_inverse=True)
    edge_types, edge_type = (), np.full(int(keep.sum()), -1, np.int64)
    if edge_rows and "edge_type" in edge_rows[0]:
        values, edge_type = np.unique([row["edge_type"] for row, k in zip(edge_rows, keep) if k], return_inverse=True)
        edge_types = type_names(EDGE, values.tolist())
    target, classes = class_targets(_labels([row["label"] for row in label_rows]))
    return Graphs(np.array([graph_of[row["graph_id"]] for row in node_rows], np.int64), node_type.astype(np.int64),
                  ends[keep, 0], ends[keep, 1], edge_type.astype(np.int64), target,
                  type_names(NODE, node_types.tolist()), edge_types, classes, "g")


def _labels(raw: list[str]) -> list:
    """Labels as ints when all of them are (so 2 sorts before 10), else as the strings."""
    try:
        return [int(label) for label in raw]
    except ValueError:
        return raw
