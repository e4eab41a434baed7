"""The Python builder makes exactly the IR the parser makes, and its templates train."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from neuralogic_lite.builder import C, R, V, template, weight
from neuralogic_lite.errors import TemplateError
from neuralogic_lite.language import load_samples, load_template, parse_samples, parse_template
from neuralogic_lite.model import Model
from neuralogic_lite.settings import profile

ROOT = Path(__file__).resolve().parent.parent

# (builder statement, the same statement as text)
CASES = [
    (R.h(V.X) <= R.b(V.X), "h(X) :- b(X)."),
    (R.h(V.X) <= (R.b(V.X, V.Y), R.c(V.Y)), "h(X) :- b(X, Y), c(Y)."),
    (R.h(V.X) <= [R.b(V.X, V.Y), R.c(V.Y)], "h(X) :- b(X, Y), c(Y)."),
    (R.xor <= (R.a, R.b), "xor :- a, b."),
    (R.h(V.X)[3, 3] <= R.b(V.X)[3, 1], "{3,3} h(X) :- {3,1} b(X)."),
    (R.h(V.X)[3,] <= R.b(V.X), "{3} h(X) :- b(X)."),
    (R.h(V.X)[0.5] <= R.b(V.X)[-2], "0.5 h(X) :- -2 b(X)."),
    (R.h <= R.b[[1, 2], [3, 4]], "h :- [[1, 2], [3, 4]] b."),
    (R.h <= R.b[[1.5, -2.0, 3]], "h :- [1.5, -2.0, 3] b."),
    (R.h <= R.b[np.array([[1.0, 2.0]])], "h :- [[1.0, 2.0]] b."),
    (R.h <= R.b[1e-05], "h :- 1e-05 b."),
    (R.h <= R.b[np.float64(0.25)], "h :- 0.25 b."),
    (R.h <= R.b[np.array(2)], "h :- 2 b."),
    (R.h <= R.b[0.5].fixed(), "h :- <0.5> b."),
    (R.h <= R.b.fixed(0.25), "h :- <0.25> b."),
    (R.h <= R.b[3, 3].named("w"), "h :- $w={3,3} b."),
    (R.h <= R.b["w": 3, 3], "h :- $w={3,3} b."),
    (R.h <= R.b["w": 0.5].fixed(), "h :- $w=<0.5> b."),
    (R.h <= R.b[weight(0.5, fixed=True, name="v")], "h :- $v=<0.5> b."),
    (R.h(V.X) <= ~R.p(V.X), "h(X) :- ~p(X)."),
    (R.h(V.X) <= ~R.p(V.X)[2], "h(X) :- 2 ~p(X)."),
    (R.h(V.X) <= (R.q(V.X), R.p(V.X).negate(hard=True)), "h(X) :- q(X), !p(X)."),
    (R.h(V.X) <= (R.hidden.e(V.X, V.Y), R.q(V.Y)), "h(X) :- *e(X, Y), q(Y)."),
    (R.h(V.X) <= (R.q(V.X), R.q(V.Y), R.special.alldiff(V.X, V.Y)), "h(X) :- q(X), q(Y), @alldiff(X, Y)."),
    (R.h(V.X) <= (R.q(V.X), R.special.hidden.neq(V.X, 3)), "h(X) :- q(X), *@neq(X, 3)."),
    (R.h(V.X) <= (R.q(V.X), R.special.get("in")(V.X, V.Y)), "h(X) :- q(X), @in(X, Y)."),
    (R.get("on-table")(V.X) <= R.get("hidden")(V.X), "on-table(X) :- hidden(X)."),
    (R.bond(V.X, V.Y, 7) <= R.b(V.X, V.Y, "B", "ann", 2.5), "bond(X, Y, 7) :- b(X, Y, B, ann, 2.5)."),
    (R.w(V.get("Y", "woman")) <= R.p(C.get("ann", "person"), V.Y), "w(woman:Y) :- p(person:ann, Y)."),
    ((R.h(V.X) <= R.b(V.X)).offset((3, 1)), "h(X) :- b(X), {3,1}."),
    ((R.h(V.X) <= R.b(V.X)).offset(0.5, fixed=True), "h(X) :- b(X), <0.5>."),
    ((R.h(V.X) <= R.b(V.X)) | {"activation": "sigmoid", "aggregation": "avg"},
     "h(X) :- b(X). [activation=sigmoid, aggregation=avg]"),
    ((R.h(V.X) <= (R.a(V.X), R.b(V.X))).meta(combination="crosssum-sigmoid"),
     "h(X) :- a(X), b(X). [combination=crosssum-sigmoid]"),
    ((R.h <= R.b) | {"offset": "$o", "learnable": False, "value": 0.5},
     "h :- b. [offset=$o, learnable=false, value=0.5]"),
    ((R.h / 1) | {"activation": "sigmoid"}, "h/1 [activation=sigmoid]"),
    ((R.h / 0).meta(activation="identity"), "h/0 [activation=identity]"),
    ((R.atom_embed / 1)[3, 1], "atom_embed/1 {3,1}"),
    ((R.predict / 0)[0.5], "predict/0 0.5"),
    (R.emb(C.brazil)[3,], "{3} emb(brazil)."),
    (R.emb(C.brazil)[[1, 2]].fixed(), "<[1, 2]> emb(brazil)."),
    (R.edge(C.a, C.b), "edge(a, b)."),
    (R.edge(C.get("New York"), 1), 'edge("New York", 1).'),
]


@pytest.mark.parametrize("built, text", CASES, ids=[t for _, t in CASES])
def test_builder_equals_parsed_text(built, text):
    parsed = parse_template(text)
    ours = template(built)
    assert ours == parsed
    assert str(ours) == str(parsed)
    assert parse_template(str(ours)) == ours   # what the builder prints reads back


def test_whole_template_equals_its_file():
    family = template(
        (R.aunt(V.X, V.Z)[1,] <= (R.female(V.X), R.hidden.sibling(V.X, V.Y), R.hidden.parent(V.Y, V.Z))),
        (R.aunt(V.X, V.Z)[1,] <= (R.male(V.X), R.hidden.sibling(V.X, V.Y), R.hidden.parent(V.Y, V.Z))),
        (R.aunt(V.X, V.Z)[1,] <= (R.female(V.X), R.hidden.parent(V.X, V.Z))),
        (R.aunt(V.X, V.Z)[1,] <= (R.male(V.X), R.hidden.parent(V.X, V.Z))),
    )
    assert family == load_template(ROOT / "templates/family.txt")


def test_template_mixes_builder_text_ir_and_lists():
    rules = [R.h(V.X) <= R.b(V.X), "h/1 [activation=sigmoid]"]
    t = template(rules, parse_template("q :- h(a)."), (R.q / 0)[0.5])
    assert t == parse_template("h(X) :- b(X).\nh/1 [activation=sigmoid]\nq :- h(a).\nq/0 0.5")


def test_str_is_template_text():
    assert str(R.h(V.X)[3, 3]) == "{3,3} h(X)"
    assert str(R.h(V.X) <= ~R.b(V.X)) == "h(X) :- ~b(X)."
    assert str(R.h / 2) == "h/2"


@pytest.mark.parametrize("make, message", [
    (lambda: R.h(V.X)(V.Y), "already given"),
    (lambda: R.h[1][2], "already has a weight"),
    (lambda: R.h[1](V.X), "terms before the weight"),
    (lambda: R.h.fixed(), "no weight to fix"),
    (lambda: R.h.named("w"), "no weight to name"),
    (lambda: ~~R.h, "already negated"),
    (lambda: R.h <= (), "empty body"),
    (lambda: R.h <= 3, "rule body holds literals"),
    (lambda: R.h[0.5, 1.5], "tuple gives a weight's shape"),
    (lambda: R.h[[1, 2], [3]], "rows differ"),
    (lambda: R.h[float("nan")], "finite numbers"),
    (lambda: R.h[True], "expected a number"),
    (lambda: V.x, "upper-case"),
    (lambda: R.get("Bad"), "lower-case"),
    (lambda: R.h(object()), "a term is"),
    (lambda: (R.h <= R.b) | {"activation": "Sigmoid"}, "lower-case name"),
    (lambda: (R.h <= R.b) | ["activation"], "metadata is a dict"),
    (lambda: R.h(V.X) / 1, "bare predicate"),
    (lambda: (R.special.alldiff / 2)[1], "built-in"),
    (lambda: template(R.h / 1), "alone says nothing"),
    (lambda: template(42), "not a template statement"),
    (lambda: R.hidden[4, 4], r"R.get\('hidden'\)"),
    (lambda: R.special(1), r"R.get\('special'\)"),
])
def test_mistakes_are_clear_template_errors(make, message):
    with pytest.raises(TemplateError, match=message):
        make()


def test_builder_template_builds_and_trains():
    # XOR: a hidden layer of 4 units, the bits as fact values
    xor = template(
        (R.hid[4, 4] <= (R.a[4, 1], R.b[4, 1])).offset((4, 1)),
        R.xor[1, 4] <= R.hid,
        (R.hid / 0) | {"activation": "sigmoid"},
    )
    samples = load_samples(ROOT / "datasets/xor/examples.txt")
    model = Model(xor, profile("neuralogic", epochs=300, learning_rate=0.05, seed=1))
    built = model.build(samples)
    before = model.evaluate(built).metrics["loss"]
    model.fit(built)
    after = model.evaluate(built).metrics["loss"]
    assert after < before
    assert [o.shape for o in model.predict(built)] == [(1,)] * 4


def test_builder_and_text_give_the_same_outputs():
    text = "{2,1} h(X) :- b(X).\n{1,2} q :- h(X). [aggregation=sum]\n"
    built = template(R.h(V.X)[2, 1] <= R.b(V.X), (R.q[1, 2] <= R.h(V.X)) | {"aggregation": "sum"})
    samples = parse_samples("0.5 q :- <0.2> b(a), <0.7> b(c).")
    outputs = [Model(t, profile(seed=3)).predict(samples)[0] for t in (built, parse_template(text))]
    assert np.array_equal(outputs[0], outputs[1])
