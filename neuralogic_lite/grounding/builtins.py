"""Built-in (special, ``@``) predicates: filters on whole tables of substitutions.

As in the reference, a built-in never computes a value: an argument left unbound ranges over
the example's universe (every constant of its current model), and the built-in tests every
completed row.  ``@in(X, c1, ..., ck)`` is the exception: an unbound ``X`` ranges over the
listed constants.  Numbers compare as doubles; other constants compare by identity (``@eq``)
or by their text (``@lt`` and friends).  ``!@p`` is the complement of ``@p``.

Each row of ``BUILTINS`` is ``name: (arity or -1 for any, test)``; ``test`` takes the argument
columns (constant ids) and the ``Context`` and returns a boolean mask.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from ..errors import TemplateError
from ..language.symbols import CONSTANTS
from .joins import lookup_rows
from .terms import NumericReadings


@dataclass
class Context:
    """What a built-in may look at besides its arguments: the example of each row, the model,
    and the numbers constants name (kept by the grounding, so read once in it)."""

    examples: np.ndarray                     # example of every row
    atoms_of_arity: Callable[[int], np.ndarray]  # arity -> rows (example, args...) of every atom
    numbers: NumericReadings = field(default_factory=NumericReadings)


def _texts(ids: np.ndarray) -> np.ndarray:
    return np.array([CONSTANTS[i] for i in ids], dtype=object)


def _eq(args, ctx) -> np.ndarray:
    a, b = ctx.numbers(args[0]), ctx.numbers(args[1])
    both = ~np.isnan(a) & ~np.isnan(b)
    return np.where(both, a == b, args[0] == args[1])


def _ordering(compare: Callable) -> Callable:
    def test(args, ctx):
        a, b = ctx.numbers(args[0]), ctx.numbers(args[1])
        both = ~np.isnan(a) & ~np.isnan(b)
        out = np.zeros(a.shape[0], bool)
        out[both] = compare(a[both], b[both])
        if (~both).any():
            out[~both] = compare(_texts(args[0][~both]), _texts(args[1][~both])).astype(bool)
        return out
    return test


def _arithmetic(op: Callable) -> Callable:
    def test(args, ctx):
        a, b, c = (ctx.numbers(x) for x in args)
        with np.errstate(all="ignore"):
            result = op(a, b)
        return result == c   # NaN (non-numeric, x % 0) never equals
    return test


def _java_mod(a, b):
    return np.fmod(a, b)   # the sign follows the dividend, as Java's %


def _next(args, ctx) -> np.ndarray:
    return ctx.numbers(args[0]) == ctx.numbers(args[1]) - 1


def _alldiff(args, ctx) -> np.ndarray:
    keep = np.ones(args[0].shape[0] if args else 0, bool)
    for i in range(len(args)):
        for j in range(i + 1, len(args)):
            keep &= args[i] != args[j]
    return keep


def _in(args, ctx) -> np.ndarray:
    keep = np.zeros(args[0].shape[0], bool)
    for other in args[1:]:
        keep |= args[0] == other
    return keep


def _maxcard(args, ctx) -> np.ndarray:
    k = ctx.numbers(args[0])
    rows = np.stack(args[1:], axis=1) if len(args) > 1 else np.empty((k.shape[0], 0), np.int64)
    distinct = np.array([len(set(r)) for r in rows.tolist()], dtype=float)
    return ~np.isnan(k) & (distinct <= k)


def _anypred(args, ctx) -> np.ndarray:
    atoms = ctx.atoms_of_arity(len(args))
    keys = np.stack([ctx.examples, *args], axis=1)
    return lookup_rows(keys, atoms) >= 0


def _constant(value: bool) -> Callable:
    def test(args, ctx):
        return np.full(ctx.examples.shape[0], value)
    return test


BUILTINS: dict[str, tuple[int, Callable]] = {
    "eq": (2, _eq),
    "neq": (2, lambda a, c: ~_eq(a, c)),
    "lt": (2, _ordering(lambda x, y: x < y)),
    "leq": (2, _ordering(lambda x, y: x <= y)),
    "gt": (2, _ordering(lambda x, y: x > y)),
    "geq": (2, _ordering(lambda x, y: x >= y)),
    "next": (2, _next),
    "add": (3, _arithmetic(np.add)),
    "sub": (3, _arithmetic(np.subtract)),
    "mod": (3, _arithmetic(_java_mod)),
    "alldiff": (-1, _alldiff),
    "in": (-1, _in),
    "maxcard": (-1, _maxcard),
    "anypred": (-1, _anypred),
    "true": (-1, _constant(True)),
    "false": (-1, _constant(False)),
}


#: built-ins that read the atoms of the whole database, not only their arguments
READS_ATOMS = frozenset({"anypred"})


def check_builtin(name: str, arity: int, where) -> None:
    """Raise a clear error for an unknown built-in or a wrong number of arguments."""
    if name.startswith("embed"):
        return
    if name not in BUILTINS:
        raise TemplateError(f"unknown built-in predicate @{name}; known: "
                            + ", ".join("@" + n for n in sorted(BUILTINS)), *where)
    expected = BUILTINS[name][0]
    if expected >= 0 and expected != arity:
        raise TemplateError(f"@{name} takes {expected} arguments, not {arity}", *where)


def evaluate_builtin(name: str, args: list[np.ndarray], ctx: Context, negated: bool) -> np.ndarray:
    """The rows (a boolean mask) on which ``@name(args)`` holds (or fails, when ``negated``)."""
    mask = BUILTINS[name][1](args, ctx)
    return ~mask if negated else mask
