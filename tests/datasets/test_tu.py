"""TU format -> NeuraLogic examples and queries -> TU format gives back the same files."""
from __future__ import annotations

import numpy as np
import pytest

from neuralogic_lite import load_samples
from neuralogic_lite.datasets import tu
from neuralogic_lite.errors import InputError

# Graph 1: a triangle (nodes 1-3) with one edge labelled 1; graph 2: one edge (nodes 4-5);
# graph 3: a path 6-7-8.  A lists both directions, sorted, as TU files do.
TOY = {
    "A": "1, 2\n1, 3\n2, 1\n2, 3\n3, 1\n3, 2\n4, 5\n5, 4\n6, 7\n7, 6\n7, 8\n8, 7\n",
    "graph_indicator": "1\n1\n1\n2\n2\n3\n3\n3\n",
    "graph_labels": "-1\n1\n1\n",
    "node_labels": "0\n1\n0\n2\n2\n0\n3\n1\n",
    "edge_labels": "0\n1\n0\n0\n1\n0\n2\n2\n0\n0\n1\n1\n",
}
MULTICLASS = {
    "A": "1, 2\n2, 1\n3, 4\n4, 3\n5, 6\n6, 5\n",
    "graph_indicator": "1\n1\n2\n2\n3\n3\n",
    "graph_labels": "0\n1\n2\n",
    "node_labels": "5\n7\n5\n5\n7\n7\n",
}


def _write(directory, name, files):
    directory.mkdir(parents=True, exist_ok=True)
    for part, text in files.items():
        (directory / f"{name}_{part}.txt").write_text(text)
    return directory


def test_read_tu_types_edges_once_and_binary_targets(tmp_path):
    graphs = tu.read_tu(_write(tmp_path / "toy", "TOY", TOY))
    assert graphs.graph_count == 3 and graphs.classes == (-1, 1)
    assert graphs.target.tolist() == [0.0, 1.0, 1.0]
    assert graphs.node_types == ("n_0", "n_1", "n_2", "n_3") and graphs.edge_types == ("e_0", "e_1", "e_2")
    assert graphs.edge_src.shape[0] == 6                  # 3 + 1 + 2 undirected edges
    assert np.all(graphs.edge_src <= graphs.edge_dst)


def test_round_trip_through_neuralogic_text(tmp_path):
    _write(tmp_path / "toy", "TOY", TOY)
    paths = tu.tu_to_neuralogic(tmp_path / "toy", tmp_path / "nl")
    samples = load_samples(*paths)
    assert [s.query.target.data for s in samples] == [(0.0,), (1.0,), (1.0,)]
    first = {str(f.literal) for f in samples[0].example.facts}
    assert {"n_0(g1_1)", "n_1(g1_2)", "bond(g1_1, g1_2, 1)", "bond(g1_2, g1_1, 1)", "e_0(1)", "e_1(2)"} <= first
    written = tu.neuralogic_to_tu(*paths, tmp_path / "back", "TOY", classes=(-1, 1))
    assert {p.name for p in written} == {f"TOY_{part}.txt" for part in TOY}
    for part, text in TOY.items():
        assert (tmp_path / "back" / f"TOY_{part}.txt").read_text() == text, part


def test_round_trip_of_a_multiclass_dataset_without_edge_labels(tmp_path):
    _write(tmp_path / "multi", "M", MULTICLASS)
    paths = tu.tu_to_neuralogic(tmp_path / "multi", tmp_path / "nl", name="M")
    examples, queries = (p.read_text() for p in paths)
    assert queries.splitlines() == ["[1.0, 0.0, 0.0] predict.", "[0.0, 1.0, 0.0] predict.", "[0.0, 0.0, 1.0] predict."]
    assert "e_" not in examples
    tu.neuralogic_to_tu(*paths, tmp_path / "back", "M")
    assert sorted(p.name for p in (tmp_path / "back").iterdir()) == sorted(f"M_{part}.txt" for part in MULTICLASS)
    for part, text in MULTICLASS.items():
        assert (tmp_path / "back" / f"M_{part}.txt").read_text() == text, part


@pytest.mark.parametrize("part, text, error", [
    ("node_labels", "0\n1\n", "labels for 8 nodes"),
    ("edge_labels", "0\n", "labels for 12 edges"),
    ("A", "1, 2\n2, 9\n", "node ids"),
    ("graph_indicator", "1\n1\n1\n2\n2\n3\n3\n4\n", "graph ids"),
    ("A", "1; 2\n", "integer column"),
])
def test_malformed_files_are_input_errors(tmp_path, part, text, error):
    _write(tmp_path, "TOY", {**TOY, part: text})
    with pytest.raises(InputError, match=error):
        tu.read_tu(tmp_path)


def test_a_directory_needs_exactly_one_dataset_or_a_name(tmp_path):
    with pytest.raises(InputError, match="one TU dataset"):
        tu.read_tu(tmp_path)
    _write(tmp_path, "TOY", TOY)
    _write(tmp_path, "OTHER", TOY)
    with pytest.raises(InputError, match="name the one to read"):
        tu.read_tu(tmp_path)
    assert tu.read_tu(tmp_path, "OTHER").graph_count == 3


def test_writing_tu_needs_integer_type_names(tmp_path):
    from neuralogic_lite.datasets import generate
    with pytest.raises(InputError, match="n_<integer>"):
        tu.write_tu(generate(2, seed=0), tmp_path, "MOL")
