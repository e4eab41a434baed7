"""Bottom-up Datalog over integer tables: the least model and every rule's groundings.

All examples are grounded at once: every tuple carries its example in column 0, and every
join keys on it, so the cost is per rule, not per example.  Recursive strata run semi-naive:
each round joins the tuples new in the last round (``delta``) at one recursive body position
with everything known (``full``), once per recursive position.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .builtins import apply_builtin, binds
from .joins import group_rows, join_rows, lookup_rows
from .rules import CompiledRule, Pattern
from .stratify import Stratum

_UNBOUND = -1


class Database:
    """Known tuples per predicate: int64 rows ``(example, arg1, ..., argk)``, deduplicated.

    Rows are only ever appended, so a row index names one ground atom for good.
    """

    def __init__(self) -> None:
        self.tables: dict[int, np.ndarray] = {}

    def rows(self, predicate: int, arity: int) -> np.ndarray:
        table = self.tables.get(predicate)
        return table if table is not None else np.empty((0, 1 + arity), np.int64)

    def add(self, predicate: int, rows: np.ndarray) -> np.ndarray:
        """Add ``rows``; return the ones that were not known before."""
        rows = np.ascontiguousarray(rows, dtype=np.int64)
        old = self.tables.get(predicate)
        if old is None or old.shape[0] == 0:
            _, first = group_rows(rows)
            new = rows[np.sort(first)]
            self.tables[predicate] = new
            return new
        both = np.concatenate([old, rows])
        _, first = group_rows(both)
        fresh = np.sort(first[first >= old.shape[0]])
        new = both[fresh]
        if new.shape[0]:
            self.tables[predicate] = np.concatenate([old, new])
        return new


@dataclass
class Groundings:
    """All substitutions that satisfy one rule's body.

    ``bindings``: (n, 1 + variables) int64, column 0 the example, then one column per rule
    variable.  ``atoms``: (n, len(body)) int64, the row of each body literal's ground atom in
    its predicate's table (-1 for built-ins and negated literals).
    """

    rule: CompiledRule
    bindings: np.ndarray
    atoms: np.ndarray

    def head_rows(self) -> np.ndarray:
        """The ground head of every substitution, as table rows (example, args...)."""
        return _instantiate(self.rule.head, self.bindings)


def _instantiate(pattern: Pattern, bindings: np.ndarray) -> np.ndarray:
    out = np.empty((bindings.shape[0], 1 + pattern.arity), np.int64)
    out[:, 0] = bindings[:, 0]
    for a, (v, c) in enumerate(zip(pattern.vars, pattern.consts)):
        out[:, 1 + a] = bindings[:, 1 + v] if v >= 0 else c
    return out


def _matching(pattern: Pattern, table: np.ndarray) -> np.ndarray:
    """Indices of the table rows that fit the pattern's constants and repeated variables."""
    mask = np.ones(table.shape[0], bool)
    first_position: dict[int, int] = {}
    for a, (v, c) in enumerate(zip(pattern.vars, pattern.consts)):
        if v < 0:
            mask &= table[:, 1 + a] == c
        elif v in first_position:
            mask &= table[:, 1 + a] == table[:, 1 + first_position[v]]
        else:
            first_position[v] = a
    return np.flatnonzero(mask) if not mask.all() else np.arange(table.shape[0])


def _join(bindings, atoms, position: int, pattern: Pattern, table: np.ndarray, bound: set[int]):
    """Extend every substitution with the matching rows of ``table`` for body literal ``position``."""
    candidates = _matching(pattern, table)
    rows = table[candidates]
    shared, fresh = [], []
    seen: set[int] = set()
    for a, v in enumerate(pattern.vars):
        if v < 0 or v in seen:
            continue
        seen.add(v)
        (shared if v in bound else fresh).append((a, v))
    left = bindings[:, [0] + [1 + v for _, v in shared]]
    right = rows[:, [0] + [1 + a for a, _ in shared]]
    li, ri = join_rows(left, right)
    bindings, atoms = bindings[li], atoms[li]
    for a, v in fresh:
        bindings[:, 1 + v] = rows[ri, 1 + a]
        bound.add(v)
    atoms[:, position] = candidates[ri]
    return bindings, atoms


def _seed(rule: CompiledRule, examples: np.ndarray) -> np.ndarray:
    """One empty substitution per example the rule applies to."""
    if rule.examples is not None:
        examples = np.intersect1d(examples, rule.examples)
    seed = np.full((examples.shape[0], 1 + len(rule.variables)), _UNBOUND, np.int64)
    seed[:, 0] = examples
    return seed


def ground_rule(rule: CompiledRule, db: Database, examples: np.ndarray,
                delta: tuple[int, np.ndarray] | None = None) -> Groundings:
    """All substitutions satisfying ``rule``'s body in ``db``.

    ``delta=(position, rows)`` replaces the table of body literal ``position`` by ``rows``
    (semi-naive rounds); the atoms recorded for that literal are then not table rows.
    """
    bindings = _seed(rule, examples)
    atoms = np.full((bindings.shape[0], len(rule.body)), _UNBOUND, np.int64)
    bound: set[int] = set()
    todo = [i for i, p in enumerate(rule.body) if rule.kind(p.literal) in ("input", "hidden")]
    waiting = [i for i, p in enumerate(rule.body) if rule.kind(p.literal) in ("builtin", "negated")]
    while todo or waiting:
        bindings, atoms, waiting = _apply_ready(rule, db, bindings, atoms, waiting, bound)
        if not todo:
            if waiting:  # built-ins that bind nothing we can reach: unsafe
                _unsafe(rule, waiting, bound)
            break
        # next: the first literal sharing a variable with what is bound (else the first one)
        pick = next((i for i in todo if any(v in bound for v in rule.body[i].vars if v >= 0)), todo[0])
        todo.remove(pick)
        pattern = rule.body[pick]
        table = delta[1] if delta is not None and delta[0] == pick else db.rows(pattern.predicate, pattern.arity)
        bindings, atoms = _join(bindings, atoms, pick, pattern, table, bound)
        if bindings.shape[0] == 0:
            break
    return Groundings(rule, bindings, atoms)


def _apply_ready(rule, db, bindings, atoms, waiting, bound):
    """Apply the built-ins and negations whose inputs are bound, until none is ready."""
    progress = True
    while progress and waiting and bindings.shape[0]:
        progress = False
        for i in list(waiting):
            pattern = rule.body[i]
            if rule.kind(pattern.literal) == "negated":
                if not pattern.bound_by(bound):
                    continue
                table = db.rows(pattern.predicate, pattern.arity)
                present = lookup_rows(_instantiate(pattern, bindings), table) >= 0
                bindings, atoms = bindings[~present], atoms[~present]
            else:
                if not binds(pattern, bound):
                    continue
                keep, bindings = apply_builtin(pattern, bindings, bound)
                atoms = atoms[keep]
            waiting.remove(i)
            progress = True
    return bindings, atoms, waiting


def _unsafe(rule: CompiledRule, waiting: list[int], bound: set[int]) -> None:
    from ..errors import TemplateError
    literal = rule.body[waiting[0]].literal
    free = sorted({rule.variables[v] for v in rule.body[waiting[0]].vars if v >= 0 and v not in bound})
    raise TemplateError(f"{literal.atom_text()} needs its variable(s) {', '.join(free)} bound by a positive "
                        "literal", rule.rule.location, str(rule.rule))


def least_model(strata: list[Stratum], db: Database, examples: np.ndarray) -> None:
    """Extend ``db`` to the least model of the stratified rules (in place)."""
    for stratum in strata:
        if not stratum.recursive:
            for rule in stratum.rules:
                db.add(rule.head.predicate, ground_rule(rule, db, examples).head_rows())
            continue
        members = {r.head.predicate for r in stratum.rules}
        delta: dict[int, np.ndarray] = {}
        for rule in stratum.rules:
            new = db.add(rule.head.predicate, ground_rule(rule, db, examples).head_rows())
            delta[rule.head.predicate] = _stack(delta.get(rule.head.predicate), new)
        while any(d.shape[0] for d in delta.values()):
            last, delta = delta, {}
            for rule in stratum.rules:
                for position, pattern in enumerate(rule.body):
                    rows = last.get(pattern.predicate)
                    if pattern.predicate not in members or rows is None or rows.shape[0] == 0:
                        continue
                    if rule.kind(pattern.literal) not in ("input", "hidden"):
                        continue
                    found = ground_rule(rule, db, examples, (position, rows)).head_rows()
                    new = db.add(rule.head.predicate, found)
                    delta[rule.head.predicate] = _stack(delta.get(rule.head.predicate), new)


def _stack(a: np.ndarray | None, b: np.ndarray) -> np.ndarray:
    return b if a is None else np.concatenate([a, b])
