"""Each built-in predicate on its own, row by row: a table of argument rows written out by hand,
each with whether the built-in holds.  Numbers compare as doubles, other constants by identity
(``@eq``) or text (``@lt`` ...); a non-number in arithmetic never holds."""
from __future__ import annotations

import numpy as np
import pytest

from neuralogic_lite.errors import TemplateError
from neuralogic_lite.grounding.builtins import BUILTINS, Context, check_builtin, evaluate_builtin
from neuralogic_lite.language.symbols import CONSTANTS

#: built-in -> rows (arguments as written, holds?); the rows of one built-in share their arity
CASES: dict[str, list[tuple[tuple[str, ...], bool]]] = {
    "eq": [(("a", "a"), True), (("a", "b"), False), (("1", "1.0"), True), (("1", "a"), False),
           (("2", "1"), False)],
    "neq": [(("a", "a"), False), (("a", "b"), True), (("1", "1.0"), False), (("1", "a"), True)],
    "lt": [(("9", "10"), True), (("10", "9"), False), (("abc", "abd"), True), (("b", "a"), False),
           (("2", "2.0"), False)],
    "leq": [(("9", "10"), True), (("2", "2.0"), True), (("b", "b"), True), (("b", "a"), False)],
    "gt": [(("10", "9"), True), (("9", "10"), False), (("b", "a"), True), (("a", "a"), False)],
    "geq": [(("10", "9"), True), (("2.0", "2"), True), (("a", "b"), False), (("a", "a"), True)],
    "next": [(("1", "2"), True), (("2", "1"), False), (("1", "3"), False), (("a", "b"), False)],
    "add": [(("1", "2", "3"), True), (("1", "2", "4"), False), (("0.5", "1", "1.5"), True),
            (("a", "1", "1"), False)],
    "sub": [(("5", "2", "3"), True), (("2", "5", "-3"), True), (("5", "2", "7"), False)],
    "mod": [(("7", "3", "1"), True), (("-7", "3", "-1"), True), (("-7", "3", "2"), False),   # Java's %
            (("7", "0", "0"), False)],
    "alldiff": [(("a", "b", "c"), True), (("a", "b", "a"), False), (("1", "2", "3"), True)],
    "in": [(("a", "b", "a"), True), (("a", "b", "c"), False), (("c", "c", "c"), True)],
    "maxcard": [(("2", "a", "b", "a"), True), (("1", "a", "b", "a"), False), (("3", "a", "b", "c"), True),
                (("x", "a", "a", "a"), False)],
    "anypred": [(("a", "b"), True), (("b", "a"), False), (("a", "c"), True)],   # atoms p(a, b), q(a, c)
    "true": [(("a",), True), (("b",), True)],
    "false": [(("a",), False), (("b",), False)],
}


def _context(rows: int) -> Context:
    """Every row in example 0, whose atoms of arity 2 are p(a, b) and q(a, c) (the names drop out:
    ``@anypred`` asks whether any predicate holds of the arguments)."""
    atoms = np.array([[0, CONSTANTS("a"), CONSTANTS("b")], [0, CONSTANTS("a"), CONSTANTS("c")]], np.int64)
    return Context(np.zeros(rows, np.int64),
                   lambda arity: atoms if arity == 2 else np.empty((0, arity + 1), np.int64))


def _columns(rows: list[tuple[str, ...]]) -> list[np.ndarray]:
    return [np.array([CONSTANTS(name) for name in column], np.int64) for column in zip(*rows)]


def test_every_builtin_has_cases():
    assert set(CASES) == set(BUILTINS)


@pytest.mark.parametrize("name", sorted(CASES))
def test_builtin(name):
    rows = [arguments for arguments, _ in CASES[name]]
    holds = [expected for _, expected in CASES[name]]
    check_builtin(name, len(rows[0]), ())
    assert evaluate_builtin(name, _columns(rows), _context(len(rows)), negated=False).tolist() == holds
    negated = evaluate_builtin(name, _columns(rows), _context(len(rows)), negated=True)
    assert negated.tolist() == [not h for h in holds]


def test_anypred_looks_in_the_rows_example():
    context = Context(np.array([0, 1]), _context(2).atoms_of_arity)
    rows = _columns([("a", "b"), ("a", "b")])
    assert evaluate_builtin("anypred", rows, context, negated=False).tolist() == [True, False]


def test_unknown_builtins_and_wrong_arities_are_errors():
    with pytest.raises(TemplateError, match="unknown built-in predicate @equal; known: @add"):
        check_builtin("equal", 2, ())
    with pytest.raises(TemplateError, match="@add takes 3 arguments, not 2"):
        check_builtin("add", 2, ())
    check_builtin("alldiff", 5, ())         # any number of arguments
    check_builtin("embed_node", 1, ())      # embeddings are checked where they are read
