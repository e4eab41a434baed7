"""The built-in datasets: shipped files parse and pair with their templates; molecules-<n> generates."""
from __future__ import annotations

import pytest

from neuralogic_lite import load_samples, load_template, parse_samples
from neuralogic_lite.datasets import DATASETS, dataset_files, write_dataset
from neuralogic_lite.errors import InputError

from support import ROOT


def test_the_table_names_each_dataset_and_an_existing_template():
    assert set(DATASETS) == {"xor", "family", "molecules-<n>", "kb"}
    for builtin in DATASETS.values():
        assert builtin.template_path.is_file() and builtin.description


def test_shipped_datasets_parse():
    xor = dataset_files("xor")
    assert len(parse_samples(xor["examples.txt"])) == 4
    family = dataset_files("family")
    aunts = parse_samples(family["examples.txt"], family["queries.txt"])
    links = parse_samples(family["examples.txt"], family["link_queries.txt"])
    assert len({id(s.example) for s in aunts + links}) == 2        # knowledge-base mode: one example each
    assert {s.query.literal.name for s in aunts} == {"aunt"} and {s.query.literal.arity for s in links} == {3}
    assert {s.query.target.data for s in aunts} == {(0.0,), (1.0,)}


def test_family_template_uses_the_dataset_predicates():
    template = load_template(ROOT / "templates" / "family.txt")
    samples = load_samples(ROOT / "datasets" / "family" / "examples.txt", ROOT / "datasets" / "family" / "queries.txt")
    facts = {f.literal.name for f in samples[0].example.facts}
    used = {lit.name for rule in template.rules for lit in rule.body}
    assert used <= facts and {r.head.name for r in template.rules} == {"aunt"}


def test_molecules_are_generated_on_request(tmp_path):
    files = dataset_files("molecules-7", seed=1)
    assert len(parse_samples(files["examples.txt"])) == 7
    assert [p.name for p in write_dataset("molecules-7", tmp_path, seed=1)] == ["examples.txt"]
    assert (tmp_path / "examples.txt").read_text() == files["examples.txt"]


def test_the_shipped_molecule_sample_is_small_and_parses():
    path = ROOT / "datasets" / "molecules" / "examples.txt"
    assert path.stat().st_size < 300_000
    assert len(load_samples(path)) == 100


@pytest.mark.parametrize("name", ["molecules", "mnist", "xor-3"])
def test_unknown_names(name):
    with pytest.raises(InputError, match="no built-in dataset"):
        dataset_files(name)
