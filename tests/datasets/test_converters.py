"""PyTorch Geometric (duck-typed, no torch needed) and CSV converters, and the shared graph helpers."""
from __future__ import annotations

import sys
from dataclasses import dataclass

import numpy as np
import pytest

from neuralogic_lite import parse_samples
from neuralogic_lite.datasets import examples_text, from_pyg, pyg_dataset, read_csv
from neuralogic_lite.datasets.graphs import Graphs, class_targets, undirected
from neuralogic_lite.errors import InputError


@dataclass
class FakeData:
    """What from_pyg reads from a torch_geometric Data object, as numpy arrays."""

    x: np.ndarray
    edge_index: np.ndarray
    y: np.ndarray
    edge_attr: np.ndarray | None = None


def _pyg_pair(edge_attr: bool = True, y=(1, 0)):
    triangle = FakeData(np.eye(3)[[0, 1, 2]], np.array([[0, 1, 1, 2, 2, 0], [1, 0, 2, 1, 0, 2]]), np.array([y[0]]),
                        np.eye(2)[[0, 0, 1, 1, 0, 0]] if edge_attr else None)
    pair = FakeData(np.eye(3)[[2, 2]], np.array([[0, 1], [1, 0]]), np.array([y[1]]),
                    np.eye(2)[[1, 1]] if edge_attr else None)
    return [triangle, pair]


def test_pyg_objects_become_typed_examples():
    graphs = from_pyg(_pyg_pair())
    assert graphs.node_types == ("n_0", "n_1", "n_2") and graphs.edge_types == ("e_0", "e_1")
    assert graphs.target.tolist() == [1.0, 0.0]
    assert examples_text(graphs).splitlines() == [
        "1.0 predict :- n_0(g1_1), n_1(g1_2), n_2(g1_3), bond(g1_1, g1_2, 1), bond(g1_2, g1_1, 1), e_0(1), "
        "bond(g1_2, g1_3, 2), bond(g1_3, g1_2, 2), e_1(2), bond(g1_1, g1_3, 3), bond(g1_3, g1_1, 3), e_0(3).",
        "0.0 predict :- n_2(g2_1), n_2(g2_2), bond(g2_1, g2_2, 1), bond(g2_2, g2_1, 1), e_1(1).",
    ]
    assert len(parse_samples(examples_text(graphs))) == 2


def test_pyg_without_edge_attr_has_untyped_bonds_and_multiclass_is_one_hot():
    graphs = from_pyg(_pyg_pair(edge_attr=False, y=(2, 0)) + [_pyg_pair(edge_attr=False, y=(1, 1))[1]])
    assert graphs.edge_types == () and np.all(graphs.edge_type == -1)
    assert graphs.target.tolist() == [[0, 0, 1], [1, 0, 0], [0, 1, 0]] and graphs.classes == (0, 1, 2)
    assert "e_" not in examples_text(graphs)


@pytest.mark.parametrize("change, error", [
    ({"x": np.array([[0.5, 0.5, 0.0]] * 3)}, "one-hot"),
    ({"edge_attr": np.ones((6, 2))}, "one-hot"),
    ({"y": np.array([0.5])}, "one integer class"),
    ({"edge_index": np.array([[0, 7], [7, 0]])}, "outside"),
])
def test_pyg_input_errors(change, error):
    first, second = _pyg_pair()
    with pytest.raises(InputError, match=error):
        from_pyg([FakeData(**{**first.__dict__, **change}), second])


def test_pyg_dataset_without_torch_geometric_is_a_clear_error(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "torch_geometric", None)
    monkeypatch.setitem(sys.modules, "torch_geometric.datasets", None)
    with pytest.raises(InputError, match="pip install torch_geometric"):
        pyg_dataset("MUTAG", tmp_path)


def _csv(tmp_path, edges, nodes, labels):
    for name, text in (("edges", edges), ("nodes", nodes), ("labels", labels)):
        (tmp_path / f"{name}.csv").write_text(text)
    return tmp_path / "edges.csv", tmp_path / "nodes.csv", tmp_path / "labels.csv"


NODES = "graph_id,node,type\nwater,o1,O\nwater,h1,H\nwater,h2,H\nco,c,C\nco,o,O\n"
LABELS = "graph_id, label\nco, toxic\nwater, safe\n"


def test_csv_graphs_follow_the_labels_file_and_list_each_edge_once(tmp_path):
    edges = "graph_id,source,target,edge_type\nwater,o1,h1,single\nwater,h1,o1,single\nwater,o1,h2,single\n" \
            "co,c,o,triple\n"
    graphs = read_csv(*_csv(tmp_path, edges, NODES, LABELS))
    assert graphs.classes == ("safe", "toxic") and graphs.target.tolist() == [1.0, 0.0]
    assert examples_text(graphs).splitlines() == [
        "1.0 predict :- n_C(g1_1), n_O(g1_2), bond(g1_1, g1_2, 1), bond(g1_2, g1_1, 1), e_triple(1).",
        "0.0 predict :- n_O(g2_1), n_H(g2_2), n_H(g2_3), bond(g2_1, g2_2, 1), bond(g2_2, g2_1, 1), e_single(1), "
        "bond(g2_1, g2_3, 2), bond(g2_3, g2_1, 2), e_single(2).",
    ]


def test_csv_without_edge_types_and_with_numeric_labels(tmp_path):
    edges = "graph_id,source,target\nwater,o1,h1\nwater,o1,h2\nco,c,o\n"
    graphs = read_csv(*_csv(tmp_path, edges, NODES, "graph_id,label\nco,10\nwater,2\n"))
    assert graphs.edge_types == () and graphs.classes == (2, 10) and graphs.target.tolist() == [1.0, 0.0]


@pytest.mark.parametrize("edges, nodes, labels, error", [
    ("graph_id,source,target\nwater,o1,x9\n", NODES, LABELS, "'x9' of graph 'water' is not in"),
    ("graph_id,source\nwater,o1\n", NODES, LABELS, "missing target"),
    ("graph_id,source,target\n", NODES + "air,n,N\n", LABELS, "'air' has no label"),
    ("graph_id,source,target\n", "graph_id,node,type\nwater,o1,O\nco,c,C=\n", LABELS, "predicate name"),
    ("graph_id,source,target\n", NODES, LABELS + "water,safe\n", "listed twice"),
    ("graph_id,source,target\n", "graph_id,node,type\nwater,o1,O\n", LABELS, "graph 1 has no nodes"),
])
def test_csv_input_errors(tmp_path, edges, nodes, labels, error):
    with pytest.raises(InputError, match=error):
        read_csv(*_csv(tmp_path, edges, nodes, labels))


def test_undirected_keeps_each_pair_once_preferring_the_forward_direction():
    src, dst = np.array([1, 0, 2, 3, 0, 4]), np.array([0, 1, 1, 3, 1, 4])
    assert undirected(src, dst).tolist() == [False, True, True, True, False, True]


def test_class_targets():
    assert class_targets([1, -1, 1])[0].tolist() == [1.0, 0.0, 1.0]
    targets, classes = class_targets(["b", "c", "a"])
    assert classes == ("a", "b", "c") and targets.tolist() == [[0, 1, 0], [0, 0, 1], [1, 0, 0]]


def test_graphs_reject_broken_arrays():
    ok = dict(node_graph=np.array([0, 0, 1]), node_type=np.array([0, 0, 0]), edge_src=np.array([0]),
              edge_dst=np.array([1]), edge_type=np.array([-1]), target=np.zeros(2), node_types=("n_0",))
    assert Graphs(**ok).graph_count == 2
    for change, error in [({"edge_dst": np.array([2])}, "two different graphs"),
                          ({"node_type": np.array([0, 1, 0])}, "node_types"),
                          ({"node_graph": np.array([1, 0, 1])}, "sorted"),
                          ({"edge_type": np.array([0])}, "edge_types is empty")]:
        with pytest.raises(InputError, match=error):
            Graphs(**{**ok, **change})
