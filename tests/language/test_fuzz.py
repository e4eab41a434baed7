"""Mutated real templates: the parser raises nothing but ParseError, always with a location."""
from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from neuralogic_lite import load_template, parse_template
from neuralogic_lite.errors import ParseError

from support import SHARED

SEEDS = [
    "neural/xor/naive/template.txt",
    "neural/xor/solution/template.txt",
    "neural/xor/relational_debug/template.txt",
    "simple/parsing/template.txt",
    "simple/parsing/mixed_weights/template.txt",
    "debug/self_loops/template.txt",
    "debug/transpose/template.txt",
    "relational/molecules/mutagenesis/templates/template_gnn_attention.txt",
    "relational/molecules/mutagenesis/templates/template.txt",
]
TOKEN = re.compile(r"[A-Za-z0-9_$.+-]+|\S")


def seed_texts() -> list[str]:
    texts = [
        "{3,3} l1(X) :- {3,3} emb(Y), bond(X,Y,B). [activation=sigmoid]\nl1/1 {3,1}\n",
        "$w=<[1, 2]> a(x) :- [2,2|(0,1:1)] b, ~*@c(woman:Y, 7), !d. % tail\n/* a /* b */ */ e.\n",
    ]
    if SHARED.is_dir():
        texts += [str(load_template(SHARED / name)) for name in SEEDS]
    return texts


def mutate(text: str, data) -> str:
    tokens = [m for m in TOKEN.finditer(text)]
    kind = data.draw(st.sampled_from(["delete_char", "duplicate_char", "swap_chars", "delete_token",
                                      "duplicate_token", "swap_tokens", "insert_char"]))
    if kind.endswith("char") or kind == "swap_chars":
        i = data.draw(st.integers(0, len(text) - 2))
        if kind == "delete_char":
            return text[:i] + text[i + 1:]
        if kind == "duplicate_char":
            return text[:i] + text[i] + text[i:]
        if kind == "insert_char":
            return text[:i] + data.draw(st.sampled_from(list(".,:-()[]{}<>$@*~!%/|=_ aZ09\n\"'"))) + text[i:]
        return text[:i] + text[i + 1] + text[i] + text[i + 2:]
    i = data.draw(st.integers(0, len(tokens) - 2))
    a, b = tokens[i], tokens[i + 1]
    if kind == "delete_token":
        return text[:a.start()] + text[a.end():]
    if kind == "duplicate_token":
        return text[:a.end()] + " " + a.group() + text[a.end():]
    return text[:a.start()] + b.group() + text[a.end():b.start()] + a.group() + text[b.end():]


TEXTS = seed_texts()


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_mutations_raise_only_located_parse_errors(data):
    text = data.draw(st.sampled_from(TEXTS))
    for _ in range(data.draw(st.integers(1, 3))):
        text = mutate(text, data)
    try:
        parse_template(text, file="mutant.txt")
    except ParseError as error:
        assert error.location is not None and error.location.file == "mutant.txt"
        assert error.location.line >= 1 and error.location.column >= 1
        assert str(error).startswith("mutant.txt:")


def test_the_fuzzer_sees_real_templates(shared):
    assert len(TEXTS) == 2 + len(SEEDS)


@pytest.mark.parametrize("text", ["", "   \n% only a comment\n", "/* closed */"])
def test_empty_inputs_are_empty_templates(text):
    assert parse_template(text).statements == ()
