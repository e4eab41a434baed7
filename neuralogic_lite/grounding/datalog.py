"""Bottom-up Datalog over integer tables: the least model and every rule's groundings.

All examples are grounded at once: every tuple carries its example in column 0, and every
join keys on it, so the cost is per rule, not per example.  Recursive strata run semi-naive:
each round joins the tuples new in the last round (``delta``) at one recursive body position
with everything known (``full``), once per recursive position.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from ..language.ir import Negation
from ..memory import over_limit
from .builtins import READS_ATOMS, Context, evaluate_builtin
from .joins import UNLIMITED, TooManyRows, group_rows, join_rows, lookup_rows
from .rules import CompiledRule, Pattern
from .stratify import Stratum
from .terms import NumericReadings

_UNBOUND = -1


class Database:
    """Known tuples per predicate: int64 rows ``(example, arg1, ..., argk)``, deduplicated.

    Rows are only ever appended, so a row index names one ground atom for good.
    ``max_memory``: bytes the substitutions of one join step may take (see ``ground_rule``).
    """

    def __init__(self, types: np.ndarray | None = None, max_memory: int = UNLIMITED) -> None:
        self.tables: dict[int, np.ndarray] = {}
        self.types = types if types is not None else np.empty(0, np.int64)   # constant -> type (-1 none)
        self.max_memory = max_memory
        self.numbers = NumericReadings()   # what the built-ins read of the constants, kept for this grounding

    def rows(self, predicate: int, arity: int) -> np.ndarray:
        table = self.tables.get(predicate)
        return table if table is not None else np.empty((0, 1 + arity), np.int64)

    def add(self, predicate: int, rows: np.ndarray) -> np.ndarray:
        """Add ``rows``; return the ones that were not known before."""
        return self.add_indexed(predicate, rows)[0]

    def add_indexed(self, predicate: int, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Add ``rows``; return the ones that were not known before and the table row of each
        of ``rows``.  Groups are numbered by first appearance and the known rows are distinct
        and come first, so a row's group is its table row."""
        rows = np.ascontiguousarray(rows, dtype=np.int64)
        old = self.tables.get(predicate)
        if old is None or old.shape[0] == 0:
            group, first = group_rows(rows)
            new = rows if first.shape[0] == rows.shape[0] else rows[first]
            self.tables[predicate] = new
            return new, group
        both = np.concatenate([old, rows])
        group, first = group_rows(both)
        new = both[first[old.shape[0]:]]
        if new.shape[0]:
            self.tables[predicate] = np.concatenate([old, new])
        return new, group[old.shape[0]:]


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


def _matching(pattern: Pattern, table: np.ndarray, types: np.ndarray) -> np.ndarray:
    """Indices of the table rows that fit the pattern's constants, repeated and typed variables."""
    mask = np.ones(table.shape[0], bool)
    first_position: dict[int, int] = {}
    for a, (v, c) in enumerate(zip(pattern.vars, pattern.consts)):
        if v >= 0 and pattern.types and pattern.types[a] >= 0:
            column = table[:, 1 + a]
            known = column < types.shape[0]
            mask &= known & (types[np.where(known, column, 0)] == pattern.types[a])
        if v < 0:
            mask &= table[:, 1 + a] == c
        elif v in first_position:
            mask &= table[:, 1 + a] == table[:, 1 + first_position[v]]
        else:
            first_position[v] = a
    return np.flatnonzero(mask) if not mask.all() else np.arange(table.shape[0])


def _substitution_bytes(variables: int, literals: int) -> int:
    """Bytes of one substitution of a join step: its example and variables, the atom of each
    body literal, and the pair of indices that made it."""
    return 8 * (1 + variables + literals + 2)


def _max_rows(bindings: np.ndarray, atoms: np.ndarray, max_memory: int) -> int:
    """The most substitutions a join step may make in ``max_memory`` bytes."""
    return max_memory // _substitution_bytes(bindings.shape[1] - 1, atoms.shape[1])


def _join(bindings, atoms, position: int, pattern: Pattern, table: np.ndarray, bound: set[int],
          types: np.ndarray, max_memory: int):
    """Extend every substitution with the matching rows of ``table`` for body literal ``position``."""
    candidates = _matching(pattern, table, types)
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
    li, ri = join_rows(left, right, _max_rows(bindings, atoms, max_memory))
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


def universe(db: Database) -> np.ndarray:
    """Rows ``(example, constant)``: every constant occurring in some atom of each example."""
    parts = [t[:, [0, a]] for t in db.tables.values() for a in range(1, t.shape[1])]
    if not parts:
        return np.empty((0, 2), np.int64)
    pairs = np.concatenate(parts)
    _, first = group_rows(pairs)
    return pairs[np.sort(first)]


def _range_over(bindings, atoms, variables: list[int], domain: np.ndarray, bound: set[int], max_memory: int):
    """Extend every substitution with every value of ``domain`` ((example, constant) rows)."""
    for v in variables:
        li, ri = join_rows(bindings[:, [0]], domain[:, [0]], _max_rows(bindings, atoms, max_memory))
        bindings, atoms = bindings[li], atoms[li]
        bindings[:, 1 + v] = domain[ri, 1]
        bound.add(v)
    return bindings, atoms


def ground_rule(rule: CompiledRule, db: Database, examples: np.ndarray,
                delta: tuple[int, np.ndarray] | None = None, domain: np.ndarray | None = None) -> Groundings:
    """All substitutions satisfying ``rule``'s body in ``db``.

    ``delta=(position, rows)`` replaces the table of body literal ``position`` by ``rows``
    (semi-naive rounds); the atoms recorded for that literal are then not table rows.
    Variables bound by no positive literal range over ``domain`` (default: the universe).

    Each join step counts its substitutions before it makes them: more than fit in
    ``db.max_memory`` bytes stop the grounding with an error naming the rule and the literal.
    """
    step = ""      # what is being joined: the literal, or the variables ranging over the constants
    try:
        bindings = _seed(rule, examples)
        atoms = np.full((bindings.shape[0], len(rule.body)), _UNBOUND, np.int64)
        bound: set[int] = set()
        todo = [i for i, p in enumerate(rule.body) if rule.kind(p.literal) in ("input", "hidden")]
        waiting = [i for i, p in enumerate(rule.body) if rule.kind(p.literal) in ("builtin", "negated")]
        while todo and bindings.shape[0]:
            # next: the first literal sharing a variable with what is bound (else the first one)
            pick = next((i for i in todo if any(v in bound for v in rule.body[i].vars if v >= 0)), todo[0])
            todo.remove(pick)
            pattern = rule.body[pick]
            table = delta[1] if delta is not None and delta[0] == pick else db.rows(pattern.predicate, pattern.arity)
            step = f"its literal {pattern.literal}"
            bindings, atoms = _join(bindings, atoms, pick, pattern, table, bound, db.types, db.max_memory)
            bindings, atoms, waiting = _filter_ready(rule, db, bindings, atoms, waiting, bound)
        if bindings.shape[0] and (waiting or any(v >= 0 and v not in bound for v in rule.head.vars)):
            domain = universe(db) if domain is None else domain
            for i in list(waiting):
                pattern = rule.body[i]
                free = [v for v in dict.fromkeys(pattern.vars) if v >= 0 and v not in bound]
                step = f"{pattern.literal}, whose unbound variables range over every constant"
                bindings, atoms = _range_over(bindings, atoms, free, _domain_of(pattern, free, domain), bound,
                                              db.max_memory)
                bindings, atoms, waiting = _filter_ready(rule, db, bindings, atoms, waiting, bound)
            free = [v for v in dict.fromkeys(rule.head.vars) if v >= 0 and v not in bound]
            step = "its head, whose variables unbound by the body range over every constant"
            bindings, atoms = _range_over(bindings, atoms, free, domain, bound, db.max_memory)
        return Groundings(rule, bindings, atoms)
    except TooManyRows as error:
        size = error.rows * _substitution_bytes(len(rule.variables), len(rule.body))
        raise over_limit(f"grounding this rule makes {error.rows:,} substitutions at {step}, which need", size,
                         db.max_memory, rule.rule.location, str(rule.rule)) from None


def _domain_of(pattern: Pattern, free: list[int], universe_rows: np.ndarray) -> np.ndarray:
    """``@in(X, c1, ..., ck)`` with X free ranges over the listed constants; all else over the universe."""
    literal = pattern.literal
    if literal.special and literal.name == "in" and free == [pattern.vars[0]] \
            and all(c >= 0 for c in pattern.consts[1:]):
        listed = np.array(pattern.consts[1:], np.int64)
        examples = np.unique(universe_rows[:, 0])
        return np.stack([np.repeat(examples, listed.shape[0]), np.tile(listed, examples.shape[0])], axis=1)
    return universe_rows


def _filter_ready(rule, db, bindings, atoms, waiting, bound):
    """Apply the built-ins and negations whose variables are all bound."""
    for i in list(waiting):
        pattern = rule.body[i]
        if not pattern.bound_by(bound) or bindings.shape[0] == 0:
            continue
        literal = pattern.literal
        negated = literal.negation is Negation.HARD
        if literal.special:
            args = [bindings[:, 1 + v] if v >= 0 else np.full(bindings.shape[0], c, np.int64)
                    for v, c in zip(pattern.vars, pattern.consts)]
            context = Context(bindings[:, 0], lambda arity: _atoms_of_arity(db, arity), db.numbers)
            keep = evaluate_builtin(literal.name, args, context, negated)
        else:
            table = db.rows(pattern.predicate, pattern.arity)
            keep = lookup_rows(_instantiate(pattern, bindings), table) < 0
        bindings, atoms = bindings[keep], atoms[keep]
        waiting.remove(i)
    return bindings, atoms, waiting


def _atoms_of_arity(db: Database, arity: int) -> np.ndarray:
    tables = [t for t in db.tables.values() if t.shape[1] == 1 + arity]
    return np.concatenate(tables) if tables else np.empty((0, 1 + arity), np.int64)


def uses_universe(rule: CompiledRule) -> bool:
    """Whether some variable of ``rule`` is bound by no positive body literal."""
    bound = {v for p in rule.positive for v in p.vars if v >= 0}
    others = [v for p in (rule.head, *rule.body) for v in p.vars if v >= 0]
    return any(v not in bound for v in others)


def least_model(strata: list[Stratum], db: Database, examples: np.ndarray,
                final: Callable[[Groundings, np.ndarray], None] | None = None) -> None:
    """Extend ``db`` to the least model of the stratified rules (in place).

    Rules with variables that range over the universe are re-run, with everything after
    them, until the universe stops growing (it only grows through such rules and ``@in``).
    Otherwise the groundings of a non-recursive rule, found once, are already all of them
    (its body's predicates are complete by then; unless a built-in reads every atom):
    ``final(groundings, heads)`` receives them with the table row of each one's head, so
    they need not be found again.
    """
    universal = any(uses_universe(r) for s in strata for r in s.rules)
    while True:
        size = universe(db).shape[0] if universal else 0
        for stratum in strata:
            _evaluate(stratum, db, examples, None if universal else final)
        if not universal or universe(db).shape[0] == size:
            return


def _evaluate(stratum: Stratum, db: Database, examples: np.ndarray, final=None) -> None:
    if not stratum.recursive:
        for rule in stratum.rules:
            found = ground_rule(rule, db, examples)
            _, heads = _derive(db, rule, found.head_rows())
            if final is not None and not any(p.literal.special and p.literal.name in READS_ATOMS for p in rule.body):
                final(found, heads)
        return
    members = {r.head.predicate for r in stratum.rules}
    delta: dict[int, np.ndarray] = {}
    for rule in stratum.rules:
        new, _ = _derive(db, rule, ground_rule(rule, db, examples).head_rows())
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
                new, _ = _derive(db, rule, found)
                delta[rule.head.predicate] = _stack(delta.get(rule.head.predicate), new)


def _derive(db: Database, rule: CompiledRule, heads: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``db.add_indexed`` of the ground heads a rule found, unless the head's table, grown by
    them, would pass ``db.max_memory`` bytes (a recursion whose rounds each fit can still
    derive too much)."""
    known = db.rows(rule.head.predicate, rule.head.arity).shape[0]
    size = 8 * (known + heads.shape[0]) * heads.shape[1]
    if size > db.max_memory:
        raise over_limit(f"this rule adds {heads.shape[0]:,} ground heads to the {known:,} atoms of "
                         f"{rule.rule.head.name} known, which need", size, db.max_memory,
                         rule.rule.location, str(rule.rule))
    return db.add_indexed(rule.head.predicate, heads)


def _stack(a: np.ndarray | None, b: np.ndarray) -> np.ndarray:
    return b if a is None else np.concatenate([a, b])
