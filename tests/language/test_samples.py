"""The four sample layouts, example-local rules, and pairing errors."""
from __future__ import annotations

import pytest

from neuralogic_lite import parse_samples
from neuralogic_lite.errors import InputError


def queries(samples):
    return [(str(s.query.literal), None if s.query.target is None else s.query.target.data[0]) for s in samples]


def test_labelled_examples():
    samples = parse_samples("1.0 predict :- a(1), b(1,2).\n0.0 predict :- <0.25> a(1).\n0.5 q(1), 1 q(2) :- a(3).")
    assert queries(samples) == [("predict", 1.0), ("predict", 0.0), ("q(1)", 0.5), ("q(2)", 1.0)]
    assert samples[2].example is samples[3].example
    assert [str(f.literal) for f in samples[1].example.facts] == ["<0.25> a(1)"]


def test_unlabelled_examples_with_positional_queries():
    samples = parse_samples("a(1), b(1,2).\na(2).", "1.0 predict.\n0.0 predict, 1 q.")
    assert queries(samples) == [("predict", 1.0), ("predict", 0.0), ("q", 1.0)]
    assert samples[1].example is samples[2].example is not samples[0].example


def test_id_linked_queries_follow_the_queries_file():
    samples = parse_samples("e7 :- a(7).\ne2 :- a(2).", "e2 :- 0.0 predict.\ne7 :- 1.0 predict, 0 q(1).")
    assert queries(samples) == [("predict", 0.0), ("predict", 1.0), ("q(1)", 0.0)]
    assert [s.example.id for s in samples] == ["e2", "e7", "e7"]


def test_one_example_many_queries_is_knowledge_base_mode():
    samples = parse_samples("a(1), a(2), b(1, 2).", "1 q(1).\n0 q(2).\n0.5 q(X).")
    assert len({id(s.example) for s in samples}) == 1 and len(samples) == 3
    assert str(samples[2].query.literal) == "q(X)"


def test_queries_without_value_have_no_target():
    (sample,) = parse_samples("a.", "predict.")
    assert sample.query.target is None


def test_example_local_rules():
    unlabelled = parse_samples("s(X) :- a(X). a(1), b(1,2).\nb(2,2).", "1 p.\n0 p.")
    assert [str(r) for r in unlabelled[0].example.rules] == ["s(X) :- a(X)."]
    assert unlabelled[1].example.rules == ()
    labelled = parse_samples("1.0 p :- s(X) :- a(X). t(X) :- s(X). a(1).")
    assert [str(r) for r in labelled[0].example.rules] == ["s(X) :- a(X).", "t(X) :- s(X)."]
    assert queries(labelled) == [("p", 1.0)]


@pytest.mark.parametrize("examples, queries_text, message", [
    ("a(1).\na(2).\na(3).", "1 p.\n0 p.", "3 examples"),
    ("a(1).", None, "needs a queries file"),
    ("e1 :- a(1).", "e9 :- 1 p.", "names no example"),
    ("a(1).\na(2).", "e1 :- 1 p.\n0 p.", "either id-linked"),
    ("a(X).", "1 p.", "has variables"),
    ("s(X) :- a(X).", "1 p.", "no facts"),
    ("p/1 [a=b]", "1 p.", "not allowed"),
])
def test_pairing_errors(examples, queries_text, message):
    with pytest.raises(InputError, match=message):
        parse_samples(examples, queries_text)
