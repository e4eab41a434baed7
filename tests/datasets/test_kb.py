"""The synthetic knowledge base: reproducible, exact sizes, planted structure, files the
zoo's DistMult grounds, and a CLI that writes them or says what is wrong."""
from __future__ import annotations

import numpy as np
import pytest
from click.testing import CliRunner

from neuralogic_lite import parse_samples, parse_template
from neuralogic_lite.cli import main
from neuralogic_lite.datasets import dataset_files
from neuralogic_lite.datasets.kb import COMPOSITION, INVERSE, SYMMETRIC, corrupted, generate
from neuralogic_lite.errors import InputError
from neuralogic_lite.model import Model
from neuralogic_lite.settings import profile


def _facts(kb) -> set[tuple[int, int, int]]:
    return set(map(tuple, kb.facts.tolist()))


def test_the_same_seed_gives_the_same_kb_and_another_seed_another():
    a, b, c = generate(40, 9, 600, seed=1), generate(40, 9, 600, seed=1), generate(40, 9, 600, seed=2)
    assert np.array_equal(a.facts, b.facts) and not np.array_equal(a.facts, c.facts)
    assert dataset_files("kb", 1, entities=40, relations=9, facts=600) == \
        dataset_files("kb", 1, entities=40, relations=9, facts=600)


@pytest.mark.parametrize("sizes", [(135, 46, 6700), (40, 9, 600), (10, 3, 20), (5, 1, 10), (4, 7, 40), (2, 1, 1)])
def test_exactly_the_asked_number_of_distinct_facts_in_range(sizes):
    entities, relations, facts = sizes
    kb = generate(entities, relations, facts)
    assert kb.facts.shape == (facts, 3) and len(_facts(kb)) == facts
    assert kb.facts[:, [0, 2]].min() >= 0 and kb.facts[:, [0, 2]].max() < entities
    assert kb.facts[:, 1].min() >= 0 and kb.facts[:, 1].max() < relations


def test_the_planted_structure_holds():
    kb = generate(60, 12, 1200, seed=4)
    assert set(kb.planted) == {SYMMETRIC, INVERSE, COMPOSITION}
    facts = _facts(kb)

    def pairs(r):
        return {(s, o) for s, rr, o in facts if rr == r}
    (sym,), (r1, r2), (r3, r4, r5) = kb.planted[SYMMETRIC], kb.planted[INVERSE], kb.planted[COMPOSITION]
    assert pairs(sym) and pairs(sym) == {(o, s) for s, o in pairs(sym)}
    assert pairs(r1) and pairs(r2) == {(o, s) for s, o in pairs(r1)}
    composed = {(x, z) for x, y in pairs(r3) for yy, z in pairs(r4) if y == yy}
    assert composed and pairs(r5) == composed
    free = set(range(kb.relations)) - {sym, r1, r2, r3, r4, r5}
    assert free and all(pairs(r) for r in free)


def test_few_relations_plant_less_and_keep_a_free_one():
    assert generate(20, 1, 50).planted == {}
    assert set(generate(20, 3, 50).planted) == {SYMMETRIC}
    assert set(generate(20, 6, 50).planted) == {SYMMETRIC, INVERSE}


def test_corruptions_are_new_triples():
    kb = generate(30, 5, 300, seed=2)
    objects = corrupted(kb, 2)
    assert (objects >= 0).all()
    negatives = {(s, r, int(o)) for (s, r, _), o in zip(kb.facts.tolist(), objects)}
    assert len(negatives) == kb.facts.shape[0] and not negatives & _facts(kb)


def test_the_files_are_one_example_with_triple_queries_and_ground_under_distmult():
    files = dataset_files("kb", 0, entities=12, relations=4, facts=40)
    samples = parse_samples(files["examples.txt"], files["queries.txt"])
    assert len({id(s.example) for s in samples}) == 1 and len(samples[0].example.facts) == 40
    assert len(samples) == 80 and [s.query.target.data for s in samples[:2]] == [(1.0,), (0.0,)]
    assert {s.query.literal.name for s in samples} == {"predict"}
    built = Model(parse_template(files["template.txt"]), profile("pyneuralogic", lift="none")).build(samples)
    assert len(built.targets) == 80 and built.graph.sample_sizes().shape == (80,)


@pytest.mark.parametrize("sizes, message", [((1, 3, 5), "entities must be"), ((10, 0, 5), "relations must be"),
                                            ((10, 2, 0), "facts must be"), ((5, 2, 100), "too many")])
def test_bad_sizes_are_input_errors(sizes, message):
    with pytest.raises(InputError, match=message):
        generate(*sizes)


def test_the_cli_writes_the_files_and_reports_mistakes(tmp_path):
    runner = CliRunner()
    result = runner.invoke(main, ["datasets", "kb", "--entities", "15", "--relations", "4", "--facts", "50",
                                  "--seed", "3", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["examples.txt", "queries.txt", "template.txt"]
    assert (tmp_path / "queries.txt").read_text() == \
        dataset_files("kb", 3, entities=15, relations=4, facts=50)["queries.txt"]
    for arguments, message in ((["kb", "--entities", "0"], "entities must be"),
                               (["kb", "--entities", "4", "--facts", "1000"], "too many"),
                               (["molecules", "--facts", "3"], "apply to kb only")):
        result = runner.invoke(main, ["datasets", *arguments, "--out", str(tmp_path / "bad")])
        assert result.exit_code == 1 and message in result.output and result.exception.__class__ is SystemExit
    assert runner.invoke(main, ["datasets", "kb", "--facts", "many"]).exit_code == 2
    with pytest.raises(InputError, match="does not take"):
        dataset_files("family", entities=3)
