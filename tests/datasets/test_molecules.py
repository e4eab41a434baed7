"""The molecule generator: reproducible, chemically sound, labelled by its planted rule, parseable."""
from __future__ import annotations

from collections import defaultdict

import numpy as np
import pytest

from neuralogic_lite import load_samples
from neuralogic_lite.datasets import molecules
from neuralogic_lite.datasets.text import examples_text, load, save
from neuralogic_lite.errors import InputError

# Valence per element (bond orders: single 1, double 2, aromatic 1.5); mutagenesis writes the
# nitro nitrogen N(=O)=O, so n_38 has 5.
VALENCE = {"c": 4, "n": 3, "o": 2, "h": 1, "cl": 1, "br": 1, "f": 1}
ORDER = {"b_1": 1.0, "b_2": 2.0, "b_7": 1.5}


@pytest.fixture(scope="module")
def batch():
    return molecules.generate(400, seed=0)


def _by_molecule(samples):
    """Per sample: atom constant -> type, and the (a, b, bond type) of each bond, from the facts alone."""
    out = []
    for sample in samples:
        types, bonds, bond_type = {}, [], {}
        for fact in sample.example.facts:
            terms = [str(t) for t in fact.literal.terms]
            if fact.literal.name == "bond":
                bonds.append(terms)
            elif fact.literal.name in ORDER:
                bond_type[terms[0]] = fact.literal.name
            else:
                types[terms[0]] = fact.literal.name
        out.append((types, [(a, b, bond_type[k]) for a, b, k in bonds]))
    return out


def _type_names(graphs):
    """Each node's and each edge's type name (batches may number their types differently)."""
    return np.array(graphs.node_types)[graphs.node_type], np.array(graphs.edge_types)[graphs.edge_type]


def test_the_same_seed_gives_the_same_molecules_and_another_seed_others():
    first = examples_text(molecules.generate(50, seed=3))
    assert first == examples_text(molecules.generate(50, seed=3))
    assert first != examples_text(molecules.generate(50, seed=4))


def test_valences_are_respected(batch):
    names = np.array(batch.node_types)[batch.node_type]
    order = np.array([ORDER[t] for t in batch.edge_types])[batch.edge_type]
    bonded = np.zeros(names.shape[0])
    np.add.at(bonded, batch.edge_src, order)
    np.add.at(bonded, batch.edge_dst, order)
    expected = np.array([5 if n == "n_38" else VALENCE[n.split("_")[0]] for n in names])
    assert np.array_equal(bonded, expected)


def test_every_molecule_is_connected_and_has_rings(batch):
    start = batch.node_start
    for g in range(batch.graph_count):
        in_g = batch.node_graph[batch.edge_src] == g
        neighbours = defaultdict(set)
        for a, b in zip(batch.edge_src[in_g].tolist(), batch.edge_dst[in_g].tolist()):
            neighbours[a].add(b)
            neighbours[b].add(a)
        seen, todo = {int(start[g])}, [int(start[g])]
        while todo:
            for b in neighbours[todo.pop()] - seen:
                seen.add(b)
                todo.append(b)
        assert len(seen) == start[g + 1] - start[g]
    aromatic = batch.edge_types.index("b_7")
    assert np.all(np.bincount(batch.node_graph[batch.edge_src[batch.edge_type == aromatic]],
                              minlength=batch.graph_count) >= 6)


def test_labels_follow_the_planted_rule_read_back_from_the_text(batch, tmp_path):
    save(batch, tmp_path)
    samples = load_samples(tmp_path / "examples.txt")
    for sample, (types, bonds) in zip(samples, _by_molecule(samples)):
        mutagenic = any(types[a] == "n_38" and types[b] == "c_22" for a, b, _ in bonds)
        assert sample.query.target.data == (1.0 if mutagenic else 0.0,)


def test_both_classes_and_decoys_are_present(batch):
    assert 0.35 < batch.target.mean() < 0.65
    has_nitro = np.bincount(batch.node_graph[np.array(batch.node_types)[batch.node_type] == "n_38"],
                            minlength=batch.graph_count) > 0
    assert np.any(has_nitro & (batch.target == 0))      # nitro groups on aliphatic carbons: not mutagenic
    assert np.array_equal(molecules.planted_rule(batch), batch.target == 1)


def test_types_are_mutagenesis_types():
    assert set(molecules.ATOM_TYPES) <= set(molecules.MUTAGENESIS_ATOM_TYPES)
    assert set(molecules.BOND_TYPES) <= set(molecules.MUTAGENESIS_BOND_TYPES)


@pytest.mark.parametrize("queries", [False, True])
def test_files_parse_with_load_samples(tmp_path, queries):
    batch = molecules.generate(30, seed=1)
    paths = save(batch, tmp_path, queries=queries)
    assert [p.name for p in paths] == (["examples.txt", "queries.txt"] if queries else ["examples.txt"])
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(p.name for p in paths)   # no temporary files left
    samples = load_samples(*paths)
    assert len(samples) == 30
    assert [s.query.target.data[0] for s in samples] == batch.target.tolist()
    constants = [{str(t) for f in s.example.facts for t in f.literal.terms if not str(t).isdigit()} for s in samples]
    assert all(all(c.startswith(f"m{g + 1}_") for c in cs) for g, cs in enumerate(constants))


def test_text_reads_back_into_the_same_graphs(tmp_path):
    batch = molecules.generate(20, seed=2)
    save(batch, tmp_path)
    back = load(tmp_path / "examples.txt", prefix="m")
    assert np.array_equal(back.node_graph, batch.node_graph)
    assert np.array_equal(back.edge_src, batch.edge_src) and np.array_equal(back.edge_dst, batch.edge_dst)
    assert all(np.array_equal(a, b) for a, b in zip(_type_names(back), _type_names(batch)))
    assert np.array_equal(back.target, batch.target)


def test_the_module_runs_as_a_script(tmp_path, capsys):
    molecules.main(["--n", "12", "--seed", "5", "--out", str(tmp_path)])
    assert "12 molecules" in capsys.readouterr().out
    assert (tmp_path / "examples.txt").read_text() == examples_text(molecules.generate(12, seed=5))


@pytest.mark.parametrize("kwargs", [{"n": -1}, {"n": 2.5}, {"n": 3, "positive_fraction": 1.5}])
def test_bad_arguments(kwargs):
    with pytest.raises(InputError):
        molecules.generate(**kwargs)


def test_zero_molecules():
    assert molecules.generate(0).graph_count == 0
    assert examples_text(molecules.generate(0)) == ""
