"""The parser on hand-written snippets: every construct of LANGUAGE.md, and the error messages."""
from __future__ import annotations

import pytest

from neuralogic_lite import parse_template
from neuralogic_lite.errors import NeuraLogicLiteWarning, ParseError
from neuralogic_lite.language import Negation, ValueKind, Variable
from neuralogic_lite.language.parser import Clause, Conjunction, Import, blank_block_comments, parse_statements


def one_rule(text):
    (rule,) = parse_template(text).rules
    return rule


def test_rule_with_weights_offset_and_metadata():
    rule = one_rule("{3,3} l1(X) :- {3,3} emb(Y), bond(X,Y,B), {3,1}. [activation=sigmoid, aggregation=avg]")
    assert rule.head.weight.value.shape == (3, 3) and rule.head.weight.value.is_random
    assert [l.name for l in rule.body] == ["emb", "bond"]
    assert rule.body[1].weight is None
    assert rule.offset.value.shape == (3, 1)
    assert rule.metadata.get("activation") == "sigmoid" and rule.metadata.get("aggregation") == "avg"


def test_both_implication_arrows_and_multiline_statements():
    a = one_rule("foal(X) <= parent(X,Y), horse(Y).")
    b = one_rule("foal(X)\n  :- parent(X,\n Y),\n horse(Y)\n.")
    assert a == b


def test_weight_without_comma_is_ignored_with_a_warning_as_in_the_reference():
    with pytest.warns(NeuraLogicLiteWarning, match="without a comma"):
        rule = one_rule("0.2 hidden1 :- 1 a, 1 b 0.5.")
    assert rule.offset is None and len(rule.body) == 2


def test_value_forms():
    t = parse_template("""
        0.5 a. [1, 2, 3] b. [[1, 2], [3, 4]] c. [[1,2][3,4]] c2. {3} d. {1,3} e.
        [3|0:1, 2:0.5] f. [2,3|(0,1:0.3), 1,2:0.1] g. <0.1> h. $w=<[1,2]> i. [2|] j.
    """)
    v = {f.literal.name: f.literal.weight for f in t.facts}
    assert v["a"].value.kind is ValueKind.SCALAR and v["a"].value.data == (0.5,)
    assert v["b"].value.shape == (3,)
    assert v["c"].value.shape == (2, 2) and v["c"].value.data == (1, 2, 3, 4)
    assert v["c2"].value == v["c"].value
    assert v["d"].value.is_random and v["d"].value.shape == (3,)
    assert v["e"].value.shape == (1, 3)
    assert v["f"].value.data == (1, 0, 0.5)
    assert v["g"].value.data == (0, 0.3, 0, 0, 0, 0.1)
    assert v["h"].fixed and v["h"].value.data32 == (0.10000000149011612,)
    assert v["i"].fixed and v["i"].name == "w"
    assert v["j"].value.data == (0, 0)


def test_literal_prefixes_negations_and_terms():
    rule = one_rule("h(X) :- ~a(X), !b(X), *c(X, _), @alldiff(X, Y), ~*d(woman:Y, person:ann, 7, -2.5).")
    a, b, c, alldiff, d = rule.body
    assert a.negation is Negation.SOFT and b.negation is Negation.HARD
    assert c.hidden and not c.special and c.terms[1] == Variable("_")
    assert alldiff.special and alldiff.name == "alldiff"
    assert d.hidden and d.negation is Negation.SOFT
    assert str(d.terms[0]) == "woman:Y" and str(d.terms[1]) == "person:ann"
    assert [str(t) for t in d.terms[2:]] == ["7", "-2.5"]


def test_nullary_head_glued_to_arrow():
    assert one_rule("xor:-a.").head.name == "xor"


def test_predicate_offsets_and_metadata_need_no_final_dot():
    t = parse_template("a/2 +1.1\na/2 [offset=1.2]\nxor/0 1.5.\nb [activation=sigmoid]\n$w [x=1]\n[y=2]")
    assert [type(s).__name__ for s in t.statements] == [
        "PredicateOffset", "PredicateMetadata", "PredicateOffset", "PredicateMetadata", "WeightMetadata",
        "TemplateMetadata"]
    assert t.statements[3].arity is None


def test_rule_metadata_binds_to_the_rule_before_it():
    t = parse_template("a :- b. [activation=relu]\n[3|1:1] c :- d.")
    assert t.rules[0].metadata.get("activation") == "relu"
    assert t.rules[1].head.weight.value.data == (0, 1, 0)


def test_legacy_activation_names_parse():
    assert one_rule("h :- a. [activation=crossproduct-sigmoid]").metadata.get("activation") == "crossproduct-sigmoid"


def test_comments_line_and_nested_block():
    text = "a. % comment :- with junk\n/* outer /* inner */ still comment */ b.\n/* % */ c."
    t = parse_template(text)
    assert [f.literal.name for f in t.facts] == ["a", "b", "c"]


def test_block_comment_blanking_keeps_positions():
    text = "/* x\n y */ a"
    assert blank_block_comments(text) == "    \n      a"


def test_statement_kinds_in_examples_and_queries():
    statements = parse_statements("1.0 q1, 0 q2 :- a(1), <0.5> b. e7 :- c. x, y.\nimport ./other.txt")
    assert [type(s) for s in statements] == [Clause, Clause, Conjunction, Import]
    assert [h.weight.value.data for h in statements[0].heads] == [(1.0,), (0.0,)]


@pytest.mark.parametrize("text, line, column, words", [
    ("a :- b", 1, 7, "end of file"),
    ("a(X :- b.", 1, 5, "expected"),
    ("a :- b,.", 1, 8, "expected"),
    ("a.\nb :- c(.\n", 2, 8, "expected"),
    ("a :- b. c", 1, 10, "'.'"),
    ("a :- #b.", 1, 6, "unexpected character"),
    ("[1,2|0:1] a.", 1, 2, "sparse"),
    ("[[1,2],[3]] a.", 1, 3, "rows differ"),
    ("p/2(X) :- a.", 1, 1, "argument"),
])
def test_errors_carry_line_column_and_plain_words(text, line, column, words):
    with pytest.raises(ParseError) as info:
        parse_statements(text, "t.txt")
    error = info.value
    assert (error.location.line, error.location.column) == (line, column)
    assert words in str(error)
    assert str(error).startswith(f"t.txt:{line}:{column}: ")
    assert "^" in str(error)


def test_template_rule_needs_one_head():
    with pytest.raises(ParseError, match="one head"):
        parse_template("a, b :- c.")
