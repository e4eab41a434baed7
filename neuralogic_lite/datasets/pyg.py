"""PyTorch Geometric ``Data`` objects to ``Graphs``.

``from_pyg`` reads any objects with ``.x`` (one-hot node types, N x F), ``.edge_index``
(2 x E, both directions as PyG lists them), optional ``.edge_attr`` (one-hot edge types,
E x K) and ``.y`` (the graph's class), as torch tensors or numpy arrays, so it needs neither
torch nor PyG.  Column f of ``x`` is the type ``n_f``, column k of ``edge_attr`` is ``e_k``;
classes map to targets as in TU (two: 0.0/1.0, more: one-hot).  ``pyg_dataset`` loads a named
PyG dataset and needs ``torch_geometric``.
"""
from __future__ import annotations

import os
from typing import Iterable

import numpy as np

from ..errors import InputError
from .graphs import Graphs, class_targets, type_names, undirected

NODE, EDGE = "n_", "e_"


def _array(value) -> np.ndarray:
    """A torch tensor or array-like as a numpy array (without importing torch)."""
    if hasattr(value, "detach"):
        value = value.detach().cpu().numpy()
    return np.asarray(value)


def _one_hot(matrix: np.ndarray, what: str, graph: int) -> np.ndarray:
    """The column of the single 1 in each row of a one-hot matrix."""
    if matrix.ndim != 2 or not np.all((matrix == 0) | (matrix == 1)) or np.any(matrix.sum(axis=1) != 1):
        raise InputError(f"graph {graph}: {what} must be one-hot rows (one 1, the rest 0), one per "
                         f"{'node' if what == 'x' else 'edge'}; real-valued features have no type to become")
    return matrix.argmax(axis=1).astype(np.int64)


def _label(y, graph: int):
    y = _array(y).reshape(-1)
    if y.shape[0] != 1 or y[0] != int(y[0]):
        raise InputError(f"graph {graph}: y must be one integer class (graph classification), not {y.tolist()}")
    return int(y[0])


def from_pyg(data_list: Iterable) -> Graphs:
    """Graphs from PyG ``Data``-like objects (see the module docstring for what they need)."""
    data_list = list(data_list)
    if not data_list:
        raise InputError("no graphs to convert")
    node_type, node_graph, src, dst, edge_type, labels = [], [], [], [], [], []
    features = edge_features = None
    offset = 0
    for g, data in enumerate(data_list):
        x = _array(data.x)
        edge_index = _array(data.edge_index).astype(np.int64).reshape(2, -1)
        attr = getattr(data, "edge_attr", None)
        if features is not None and x.shape[1] != features:
            raise InputError(f"graph {g}: x has {x.shape[1]} columns, earlier graphs {features}")
        features = x.shape[1]
        if edge_index.size and (edge_index.min() < 0 or edge_index.max() >= x.shape[0]):
            raise InputError(f"graph {g}: edge_index refers to nodes outside 0..{x.shape[0] - 1}")
        keep = undirected(edge_index[0], edge_index[1])
        if attr is not None:
            attr = _array(attr).reshape(edge_index.shape[1], -1)
            if edge_features is not None and attr.shape[1] != edge_features:
                raise InputError(f"graph {g}: edge_attr has {attr.shape[1]} columns, earlier graphs {edge_features}")
            edge_features = attr.shape[1]
            edge_type.append(_one_hot(attr, "edge_attr", g)[keep])
        elif edge_features is not None:
            raise InputError(f"graph {g} has no edge_attr but earlier graphs do")
        node_type.append(_one_hot(x, "x", g))
        node_graph.append(np.full(x.shape[0], g, np.int64))
        src.append(edge_index[0][keep] + offset)
        dst.append(edge_index[1][keep] + offset)
        labels.append(_label(data.y, g))
        offset += x.shape[0]
    target, classes = class_targets(labels)
    edges = np.concatenate(edge_type) if edge_features is not None else np.full(sum(map(len, src)), -1, np.int64)
    return Graphs(np.concatenate(node_graph), np.concatenate(node_type), np.concatenate(src), np.concatenate(dst),
                  edges, target, type_names(NODE, range(features)),
                  type_names(EDGE, range(edge_features)) if edge_features is not None else (), classes, "g")


def pyg_dataset(name: str, root: str | os.PathLike) -> Graphs:
    """PyG's ``TUDataset(root, name)`` (downloaded there if missing) as ``Graphs``; needs torch_geometric."""
    try:
        from torch_geometric.datasets import TUDataset
    except ImportError:
        raise InputError("pyg_dataset needs PyTorch Geometric (pip install torch_geometric); from_pyg converts "
                         "Data objects you already have without it") from None
    return from_pyg(TUDataset(str(root), name))
