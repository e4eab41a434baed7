"""Built-in (special, ``@``) predicates, evaluated on whole tables of substitutions.

Each row of ``BUILTINS`` names a predicate, which argument positions it can compute when
the others are bound, and a vectorised function.  Comparisons read constants as numbers.
"""
from __future__ import annotations

from typing import Callable

import numpy as np

from ..errors import TemplateError
from .rules import Pattern
from .terms import number_constant, numeric_values


def _column(pattern: Pattern, bindings: np.ndarray, position: int) -> np.ndarray:
    v, c = pattern.vars[position], pattern.consts[position]
    return bindings[:, 1 + v] if v >= 0 else np.full(bindings.shape[0], c, np.int64)


def _numbers(ids: np.ndarray) -> np.ndarray:
    return numeric_values()[ids]


def _compare(op: Callable) -> Callable:
    def test(args: list[np.ndarray]) -> np.ndarray:
        a, b = _numbers(args[0]), _numbers(args[1])
        numeric = ~(np.isnan(a) | np.isnan(b))
        return numeric & op(np.where(numeric, a, 0), np.where(numeric, b, 0))
    return test


def _alldiff(args: list[np.ndarray]) -> np.ndarray:
    keep = np.ones(args[0].shape[0], bool)
    for i in range(len(args)):
        for j in range(i + 1, len(args)):
            keep &= args[i] != args[j]
    return keep


def _arithmetic(op: Callable) -> Callable:
    def compute(args: list[np.ndarray]) -> np.ndarray:
        a, b = _numbers(args[0]), _numbers(args[1])
        with np.errstate(all="ignore"):
            out = op(a, b)
        return np.array([number_constant(x) if np.isfinite(x) else -1 for x in out], np.int64)
    return compute


def _shift(by: int) -> Callable:
    def compute(args: list[np.ndarray]) -> np.ndarray:
        a = _numbers(args[0]) + by
        return np.array([number_constant(x) if np.isfinite(x) and float(x).is_integer() else -1 for x in a],
                        np.int64)
    return compute


# name -> (arity or -1 for any, filter(args) -> keep mask, {output position: (input positions, compute)})
BUILTINS: dict[str, tuple[int, Callable | None, dict[int, tuple[tuple[int, ...], Callable]]]] = {
    "eq": (2, lambda a: a[0] == a[1], {1: ((0,), lambda a: a[0]), 0: ((1,), lambda a: a[0])}),
    "neq": (2, lambda a: a[0] != a[1], {}),
    "lt": (2, _compare(np.less), {}),
    "leq": (2, _compare(np.less_equal), {}),
    "gt": (2, _compare(np.greater), {}),
    "geq": (2, _compare(np.greater_equal), {}),
    "alldiff": (-1, _alldiff, {}),
    "true": (-1, lambda a: np.ones(a[0].shape[0] if a else 0, bool) if a else None, {}),
    "false": (-1, lambda a: np.zeros(a[0].shape[0], bool) if a else None, {}),
    "next": (2, lambda a: a[1] == _shift(1)([a[0]]), {1: ((0,), _shift(1)), 0: ((1,), _shift(-1))}),
    "add": (3, None, {2: ((0, 1), _arithmetic(np.add))}),
    "sub": (3, None, {2: ((0, 1), _arithmetic(np.subtract))}),
    "mod": (3, None, {2: ((0, 1), _arithmetic(np.mod))}),
}


def _spec(pattern: Pattern):
    name = pattern.literal.name
    spec = BUILTINS.get(name)
    if spec is None:
        raise TemplateError(f"unknown built-in predicate @{name}; known: "
                            + ", ".join("@" + n for n in sorted(BUILTINS)))
    arity = spec[0]
    if arity >= 0 and arity != pattern.arity:
        raise TemplateError(f"@{name} takes {arity} arguments, not {pattern.arity}")
    return spec


def _free(pattern: Pattern, bound: set[int]) -> set[int]:
    return {a for a, v in enumerate(pattern.vars) if v >= 0 and v not in bound}


def binds(pattern: Pattern, bound: set[int]) -> bool:
    """Whether the built-in can run now: all arguments bound, or all but one it can compute."""
    free = _free(pattern, bound)
    if not free:
        return True
    _, _, outputs = _spec(pattern)
    return len(free) == 1 and next(iter(free)) in outputs


def apply_builtin(pattern: Pattern, bindings: np.ndarray, bound: set[int]) -> tuple[np.ndarray, np.ndarray]:
    """``(kept row indices, new bindings)`` after evaluating the built-in on every row."""
    _, test, outputs = _spec(pattern)
    free = _free(pattern, bound)
    rows = np.arange(bindings.shape[0])
    if free:
        (position,) = free
        inputs, compute = outputs[position]
        values = compute([_column(pattern, bindings, i) for i in inputs])
        keep = values >= 0
        rows, bindings = rows[keep], bindings[keep].copy()
        bindings[:, 1 + pattern.vars[position]] = values[keep]
        bound.add(pattern.vars[position])
        return rows, bindings
    args = [_column(pattern, bindings, i) for i in range(pattern.arity)]
    if test is None:
        position = max(outputs)
        inputs, compute = outputs[position]
        keep = compute([args[i] for i in inputs]) == args[position]
    else:
        keep = test(args)
        if keep is None:
            keep = np.ones(bindings.shape[0], bool)
    return rows[keep], bindings[keep]
