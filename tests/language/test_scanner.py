"""The fast path for examples files against Lark: equal statements, places and errors.

Generated files mix what the scanner reads (ground facts, with values of every form the
scanner accepts) with what it leaves to Lark (rules with variables, metadata, typed
constants, offsets), then some are broken by a mutation.  Both readings must give the same
statements at the same lines and columns, or the same error message.
"""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from neuralogic_lite import parse_samples
from neuralogic_lite.errors import NeuraLogicLiteError
from neuralogic_lite.grounding.ground import ground
from neuralogic_lite.language import facts as fast
from neuralogic_lite.language import load_template, parse_template
from neuralogic_lite.language.facts import Facts, FactStatement, scan_statements
from neuralogic_lite.language.parser import Clause, Conjunction, parse_statements
from neuralogic_lite.language.sources import read_source

SPACE = st.sampled_from([" ", "", "  ", "\n", "\t", " % a comment\n", "\r\n", " /* a block */ "])
NAMES = st.sampled_from(["a", "bond", "c_22", "x-1", "h3", "import", "importx", "e"])
CONSTANTS = st.sampled_from(["a", "d1_2", "7", "-3", "+4", "0.5", "1e3", "2.5E-2", '"a b"', '"%."', "x-y", "007",
                             "1e999"])
NUMBERS = st.sampled_from(["1", "0", "-1", "0.5", "+2.25", "1e2", "3.0e-1", "0.1"])


@st.composite
def value(draw) -> str:
    kind = draw(st.sampled_from(["number", "vector", "dimensions", "fixed", "matrix", "sparse", "named", "bad",
                                 "out of range"]))
    if kind == "number":
        return draw(NUMBERS)
    if kind == "vector":
        return "[" + draw(SPACE).join(", ".join(draw(st.lists(NUMBERS, min_size=1, max_size=3))).split(" ")) + "]"
    if kind == "dimensions":
        sizes = draw(st.lists(st.sampled_from(["1", "3", "+2", "0", "-1"]), min_size=1, max_size=2))
        return "{" + ",".join(sizes) + "}"
    if kind == "fixed":
        return "<" + draw(st.sampled_from(["1", "[1, 2]", "{2}", " 0.5 "])) + ">"
    if kind == "matrix":
        return "[[1, 2], [3, 4]]"
    if kind == "sparse":
        return "[3|0:1]"
    if kind == "named":
        return "$w=1"
    if kind == "out of range":
        return draw(st.sampled_from(["1e400", "-1e39", "[1, 1e400]", "<2e39>", "1" + "0" * 40]))
    return draw(st.sampled_from(["[1 2]", "<1", "{}", "[a]", "1.", "[1,%c\n2]"]))


@st.composite
def literal(draw, ground: bool = True) -> str:
    weight = draw(value()) + draw(SPACE) if draw(st.booleans()) else ""
    name = draw(NAMES)
    if draw(st.integers(0, 4)) == 0:
        return weight + name
    terms = draw(st.lists(CONSTANTS if ground else st.sampled_from(["X", "a", "_", "woman:b", "Y"]),
                          min_size=0, max_size=3))
    return weight + name + draw(SPACE) + "(" + ("," + draw(SPACE)).join(terms) + ")"


@st.composite
def statement(draw) -> str:
    kind = draw(st.sampled_from(["facts", "facts", "facts", "labelled", "rule", "metadata", "offset", "query"]))
    space = draw(SPACE)
    if kind == "facts":
        return ("," + space).join(draw(st.lists(literal(), min_size=1, max_size=4))) + "."
    if kind == "labelled":
        heads = ", ".join(draw(st.lists(literal(), min_size=1, max_size=2)))
        arrow = draw(st.sampled_from([":-", "<="]))
        body = ("," + space).join(draw(st.lists(literal(), min_size=1, max_size=3)))
        tail = draw(st.sampled_from(["", "", " [activation=sigmoid]", "\n[1, 2] f(1)."]))
        return f"{heads} {arrow}{space}{body}.{tail}"
    if kind == "rule":
        return f"{draw(literal(False))} :- {draw(literal(False))}, {draw(literal(False))}."
    if kind == "metadata":
        return draw(st.sampled_from(["[activation=sigmoid]", "p/1 [activation=relu]", "a/2 0.5", "import ./x.txt"]))
    if kind == "offset":
        return f"h(a) :- {draw(literal())}, {draw(value())}."
    return f"{draw(NUMBERS)} {draw(literal())}."


def mutate(text: str, data) -> str:
    if not text or not data.draw(st.booleans()):
        return text
    i = data.draw(st.integers(0, len(text) - 1))
    kind = data.draw(st.sampled_from(["delete", "insert", "swap"]))
    if kind == "delete":
        return text[:i] + text[i + 1:]
    if kind == "insert":
        return text[:i] + data.draw(st.sampled_from(list(".,:-()[]{}<>$@*~!%/|=_ aZ09\n\"'é"))) + text[i:]
    return text[:i] + text[i + 1:i + 2] + text[i:i + 1] + text[i + 2:]


@pytest.fixture(autouse=True, scope="module")
def always_scan():
    """Every file through the scanner, however small (by default small ones go to Lark while the
    scanner is not compiled)."""
    original, fast.SCAN_FROM_BYTES = fast.SCAN_FROM_BYTES, 0
    yield
    fast.SCAN_FROM_BYTES = original


def lark_reading(text: str):
    """Lark's statements with every place written out (locations take no part in equality)."""
    try:
        return [_placed(s) for s in parse_statements(text, "f.txt")], None
    except NeuraLogicLiteError as e:
        return None, str(e)


def fast_reading(text: str):
    try:
        statements = scan_statements(text, "f.txt")
    except NeuraLogicLiteError as e:
        return None, str(e)
    return [_placed(s.as_statement() if isinstance(s, FactStatement) else s) for s in statements], None


def _placed(s):
    if isinstance(s, Conjunction):
        return s, s.locations
    if isinstance(s, Clause):
        return s, s.location
    return s, getattr(s, "location", None)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_fast_path_equals_lark(data):
    statements = data.draw(st.lists(statement(), min_size=1, max_size=6))
    text = mutate("".join(s + data.draw(SPACE) for s in statements), data)
    piece = data.draw(st.sampled_from([fast.PIECE_BYTES, 1, 7, 40]))   # small pieces: a statement per call
    original, fast.PIECE_BYTES = fast.PIECE_BYTES, piece
    try:
        assert fast_reading(text) == lark_reading(text)
    finally:
        fast.PIECE_BYTES = original


@pytest.mark.parametrize("text", [
    "a(1), b(2).\nc(X) :- a(X).\nd(3).",                        # a rule in the middle goes to Lark
    "a(1). b(2) :- c(1). [activation=sigmoid] d(1).",            # metadata after a rule belongs to it
    "a(1).\nq/1 [x=1]\n b(2).",                                   # metadata with no '.'
    "a(1), b(X). c(2).",                                          # a variable in a fact: Lark's error
    "a(1),\n  b(2 3).",                                           # a syntax error: file, line, column
    "<0.5> a(1), [1, 2] b, {3} c(x). 1.0 q :- a(1).",
    "a(1). /* b(2). */ c(3). % d(4).",
    "import ./x.txt\na(1).",
    "a(\"x. y\"). b.",
    "a(1,). b(2).",                                               # a ',' with no constant after it
    "a(, 1).",
    "a(1).\n1e400 b(2).",                                         # out of range: Lark's error, at its place
    "1 q :- [1, 1e400] a(1).\nb(X) :- a(X).",
    "a(1e999). 3e38 b(3).",                                       # a constant, and a number in range
    "a(1). /* b(2).\n c(3).",                                      # an unclosed comment
])
def test_chosen_cases(text):
    assert fast_reading(text) == lark_reading(text)


def test_every_fact_statement_is_scanned():
    """The shapes the shared examples files are made of never reach Lark."""
    text = "bond(d1, d1_1, d1_2, 7), <[0.1, 0.3]> atom(a1), c_22(d1_1).\n1.0 predict :- a(1), 0.5 b(2, \"s\")."
    assert all(isinstance(s, FactStatement) for s in scan_statements(text))


def test_shared_examples_read_alike(shared):
    files = sorted(p for p in shared.rglob("*xamples*") if p.is_file())
    assert files
    for path in files:
        text = read_source(path)
        assert fast_reading(text) == lark_reading(text), path


def _lark_samples(monkeypatch, *texts):
    with monkeypatch.context() as m:
        m.setattr("neuralogic_lite.language.samples.scan_statements", parse_statements)
        return parse_samples(*texts)


@pytest.mark.parametrize("piece", [None, 4096])
@pytest.mark.parametrize("folder", ["relational/molecules/mutagenesis", "debug/facts", "debug/duplicits",
                                    "neural/xor/naive"])
def test_grounding_reads_the_columns_as_it_read_the_objects(folder, piece, shared, monkeypatch):
    """The grounder's columnar path builds the very program the per-fact path builds, written
    values (and the order they are numbered in) included; read whole or in small pieces."""
    if piece is not None:
        monkeypatch.setattr(fast, "PIECE_BYTES", piece)
    directory = shared / folder
    template = load_template(next(p for p in (directory / "template.txt", directory / "templates" / "template.txt")
                                  if p.is_file()))
    examples = read_source(next(p for p in (directory / "examples.txt", directory / "trainExamples.txt")
                                if p.is_file()))
    queries = read_source(directory / "queries.txt") if (directory / "queries.txt").is_file() else None
    scanned, objects = parse_samples(examples, queries), _lark_samples(monkeypatch, examples, queries)
    assert scanned == objects
    assert any(isinstance(s.example.facts, Facts) for s in scanned)
    a, b = ground(template, scanned), ground(template, objects)
    assert a.tables.keys() == b.tables.keys()
    for p in a.tables:
        np.testing.assert_array_equal(a.tables[p], b.tables[p])
        np.testing.assert_array_equal(a.facts[p], b.facts[p])
    assert a.values == b.values


def test_values_keep_their_order_across_predicates(monkeypatch):
    """Written values are numbered in file order across predicates, as the objects were."""
    text = "<1> b(1), <2> a(1), <3> b(2), c(1), {2} a(2).\n<4> a(3), <5> c(2), b(3)."
    template = parse_template("q :- a(X), b(Y), c(Z).")
    queries = "1 q.\n0 q."
    a, b = ground(template, parse_samples(text, queries)), ground(template, _lark_samples(monkeypatch, text, queries))
    assert [str(v) for v in a.values] == [str(v) for v in b.values]
    for p in a.tables:
        np.testing.assert_array_equal(a.facts[p], b.facts[p])


def test_non_ascii_files_go_to_lark():
    text = "a(1). % café\nb(2)."
    assert not any(isinstance(s, FactStatement) for s in scan_statements(text))
    assert fast_reading(text) == lark_reading(text)


def test_constants_are_interned_in_first_use_order():
    scan_statements("zz_first_q(zz_c2, zz_c1). zz_c1(zz_c3).")
    from neuralogic_lite.language.symbols import CONSTANTS
    ids = [CONSTANTS.get(n) for n in ("zz_c2", "zz_c1", "zz_c3")]
    assert ids == sorted(ids)
    assert fast.FactTable    # the module is the package's, not a copy
