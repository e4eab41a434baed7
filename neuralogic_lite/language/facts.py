"""Examples files read fast: ground-fact statements as integer columns, the rest through Lark.

``scan_statements`` is ``parser.parse_statements`` for examples and queries files.  The
scanner (``scanner.scan``) reads the statements made of ground facts; each becomes a
``FactStatement`` whose facts live in a ``FactTable``: per predicate, the interned constants
of its facts as an integer array, their values and byte positions.  The statements the
scanner cannot read are parsed by Lark, at their own lines and columns, and the two are
merged in file order.  A statement read either way means the same: ``FactStatement.as_statement``
gives the ``Clause`` or ``Conjunction`` Lark would have given, and ``Facts`` is a sequence of
the very ``Fact`` objects Lark's statement would hold (made on demand).
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from ..errors import Location
from .ir import Constant, Fact, Literal, Metadata, Value, ValueKind, Weight, predicate
from .numbers import parse_number
from .parser import Clause, Conjunction, blank_block_comments, parse_statements
from .scanner import (ACCEPTED, ARITY, BODY, END, FIRST_LITERAL, HEAD, NAME_TOKEN, PART, POSITION, START, STATEMENT,
                      WEIGHT_TOKEN, first_uses, scan)
from .symbols import CONSTANTS

_NUMBER = re.compile(r"[+-]?[0-9]+(?:\.[0-9]+(?:[eE][+-]?[0-9]+)?|[eE][+-]?[0-9]+)?")


@dataclass(frozen=True, eq=False)
class PredicateFacts:
    """The facts of one predicate in a table, in file order (so sorted by statement)."""

    statement: np.ndarray        # int32 (n,)
    terms: np.ndarray            # int32 (n, arity): constant ids
    value: np.ndarray | None     # int32 (n,): index into FactTable.weights, -1 none; None: no values at all
    position: np.ndarray         # int64 (n,): byte offset of the fact's name in the file

    def rows(self, statement: int) -> slice:
        """The rows of one statement's facts."""
        found = np.searchsorted(self.statement, [statement, statement + 1])
        return slice(int(found[0]), int(found[1]))


@dataclass(frozen=True, eq=False)
class FactTable:
    """Every fact the scanner read in one file, by predicate id."""

    file: str | None
    line_starts: np.ndarray      # byte offset of each line
    predicates: dict[int, PredicateFacts]
    weights: tuple[Weight, ...]
    statement_count: int         # statements scanned (the facts' ``statement`` ids are below it)

    def location(self, position: int) -> Location:
        line = int(np.searchsorted(self.line_starts, position, side="right"))
        return Location(self.file, line, position - int(self.line_starts[line - 1]) + 1)

    def weight(self, index: int) -> Weight | None:
        return self.weights[index] if index >= 0 else None

    def fact(self, predicate: int, row: int) -> Fact:
        """Row ``row`` of a predicate's facts as a ``Fact``."""
        facts = self.predicates[predicate]
        value = -1 if facts.value is None else int(facts.value[row])
        literal = Literal(predicate, tuple(Constant(c) for c in facts.terms[row].tolist()), self.weight(value))
        return Fact(literal, self.location(int(facts.position[row])))

    def first_fact(self, predicate: int) -> Fact:
        return self.fact(predicate, 0)


class Facts(Sequence):
    """The facts of one scanned statement: a sequence of ``Fact``, made when first read.

    The grounder reads the columns instead (``table``, ``statement``).  ``located``: whether
    the facts carry locations (Lark gives none to the body facts of ``label :- facts.``)."""

    def __init__(self, table: FactTable, statement: int, located: bool = True):
        self.table, self.statement, self.located = table, statement, located

    @cached_property
    def _facts(self) -> tuple[Fact, ...]:
        table, found = self.table, []
        for p, facts in table.predicates.items():
            rows = facts.rows(self.statement)
            found += [(int(facts.position[r]), p, r) for r in range(rows.start, rows.stop)]
        found.sort()
        made = (table.fact(p, r) for _, p, r in found)
        return tuple(made if self.located else (Fact(f.literal) for f in made))

    def __len__(self) -> int:
        return sum(f.rows(self.statement).stop - f.rows(self.statement).start for f in self.table.predicates.values())

    def __getitem__(self, index):
        return self._facts[index]

    def __iter__(self):
        return iter(self._facts)

    def __eq__(self, other) -> bool:
        if isinstance(other, (Facts, tuple, list)):
            return tuple(self) == tuple(other)
        return NotImplemented

    def __hash__(self) -> int:
        return hash(tuple(self))

    def __repr__(self) -> str:
        return f"Facts({list(self)!r})"


@dataclass(frozen=True, eq=False)
class FactStatement:
    """``[heads :-] facts.`` as the scanner read it (``heads`` None without ``:-``)."""

    heads: tuple[Literal, ...] | None
    facts: Facts
    position: int

    @property
    def location(self) -> Location:
        return self.facts.table.location(self.position)

    def as_statement(self) -> Clause | Conjunction:
        """The statement Lark makes of the same text."""
        if self.heads is None:
            facts = tuple(self.facts)
            return Conjunction(tuple(f.literal for f in facts), tuple(f.location for f in facts))
        body = tuple(f.literal for f in self.facts)
        return Clause(self.heads, body, None, Metadata(), self.location)


def scan_statements(text: str, file: str | None = None) -> list:
    """The statements of an examples or queries file: ``FactStatement`` where the scanner
    read them, Lark's statements elsewhere, in file order."""
    if not text.isascii():     # the scanner counts bytes; Lark counts characters
        return parse_statements(text, file)
    clean = blank_block_comments(text)
    buf = np.frombuffer(clean.encode("ascii"), np.uint8)
    statements, literals, terms, tokens = scan(buf)
    accepted = statements[:, ACCEPTED] == 1
    if not accepted.any():
        return parse_statements(text, file)
    line_starts = np.concatenate([[0], np.flatnonzero(buf == 10) + 1])
    scanned = _fact_statements(clean, file, line_starts, statements, literals, terms, tokens)
    if accepted.all():
        return scanned
    try:
        others = parse_statements(_regions(clean, statements[~accepted], line_starts), file, comments_blanked=True)
    except Exception:      # noqa: BLE001 - the whole file through Lark gives the error at its place
        return parse_statements(text, file)
    if not all(isinstance(s, (Clause, Conjunction)) for s in others):
        return parse_statements(text, file)   # examples and queries reject those: Lark's order decides which
    keyed = [(int(line_starts[s.location.line - 1]) + s.location.column - 1, s) for s in others]
    keyed += [(s.position, s) for s in scanned]
    keyed.sort(key=lambda pair: pair[0])
    return [s for _, s in keyed]


def _regions(text: str, left: np.ndarray, line_starts: np.ndarray) -> str:
    """The text of the statements left to Lark, each at its own line and column, the rest
    reduced to the newlines and spaces that keep those places."""
    parts, at, at_line = [], 0, 1
    for start, end in left[:, [START, END]].tolist():
        line = int(np.searchsorted(line_starts, start, side="right"))
        if line > at_line:
            parts.append("\n" * (line - at_line) + " " * (start - int(line_starts[line - 1])))
        else:
            parts.append(" " * (start - at))
        parts.append(text[start:end])
        at, at_line = end, int(np.searchsorted(line_starts, end, side="right"))
    return "".join(parts)


def _fact_statements(text, file, line_starts, statements, literals, terms, tokens) -> list[FactStatement]:
    """The scanned statements, their facts in one ``FactTable``."""
    constants = _constants(text, terms, tokens)
    arity = literals[:, ARITY]
    key = literals[:, NAME_TOKEN] * (int(arity.max(initial=0)) + 1) + arity
    order = np.unique(key, return_index=True)
    predicate_of = np.empty(int(key.max(initial=0)) + 1, np.int64)
    for k, first in sorted(zip(order[0].tolist(), order[1].tolist()), key=lambda pair: pair[1]):
        start, end = tokens[literals[first, NAME_TOKEN]]
        predicate_of[k] = predicate(text[start:end], int(literals[first, ARITY]))
    predicates = predicate_of[key]
    local = np.unique(predicates, return_inverse=True)[1].astype(np.uint16 if len(order[0]) < 1 << 16 else np.int64)
    weight_tokens = literals[:, WEIGHT_TOKEN]
    valued = np.flatnonzero(weight_tokens >= 0)
    weights, weight_of = _weights(text, tokens, weight_tokens[valued])
    value = np.full(literals.shape[0], -1, np.int32)
    value[valued] = weight_of
    term_start = np.concatenate([[0], np.cumsum(arity)])
    body = np.flatnonzero(literals[:, PART] == BODY)
    by_predicate = body[np.argsort(local[body], kind="stable")]     # a radix sort when uint16
    bounds = np.flatnonzero(np.diff(predicates[by_predicate])) + 1
    table_predicates = {}
    for rows in np.split(by_predicate, bounds) if by_predicate.size else []:
        k = int(arity[rows[0]])
        columns = term_start[rows][:, None] + np.arange(k)
        table_predicates[int(predicates[rows[0]])] = PredicateFacts(
            literals[rows, STATEMENT].astype(np.int32), constants[terms[columns]].astype(np.int32),
            value[rows] if (value[rows] >= 0).any() else None, literals[rows, POSITION].copy())
    table = FactTable(file, line_starts, table_predicates, tuple(weights), statements.shape[0])
    heads = _heads(literals, predicates, constants, terms, term_start, value, table)
    out = []
    for s in np.flatnonzero(statements[:, ACCEPTED] == 1).tolist():
        first = int(statements[s, FIRST_LITERAL])
        out.append(FactStatement(heads.get(s), Facts(table, s, heads.get(s) is None), int(literals[first, POSITION])))
    return out


def _constants(text: str, terms: np.ndarray, tokens: np.ndarray) -> np.ndarray:
    """``ids[token]``: the constant id of each token used as a term, interned in the order the
    file first uses them (as Lark's transformer meets them)."""
    ids = np.full(tokens.shape[0], -1, np.int64)
    used = first_uses(terms, tokens.shape[0])
    starts, ends = tokens[used, 0].tolist(), tokens[used, 1].tolist()
    ids[used] = CONSTANTS.many([text[s:e] for s, e in zip(starts, ends)])
    return ids


def _weights(text: str, tokens: np.ndarray, used: np.ndarray) -> tuple[list[Weight], np.ndarray]:
    """The distinct values written on facts, each made once, and each fact's index into them."""
    if not used.size:
        return [], np.zeros(0, np.int32)
    unique, inverse = np.unique(used, return_inverse=True)
    starts, ends = tokens[unique, 0].tolist(), tokens[unique, 1].tolist()
    return [_weight(text[s:e]) for s, e in zip(starts, ends)], inverse.astype(np.int32)


def _weight(text: str) -> Weight:
    """A value the scanner accepted, as the parser's transformer makes it."""
    fixed = text.startswith("<")
    inner = text[1:-1].strip() if fixed else text
    numbers = _NUMBER.findall(inner)
    if inner.startswith("{"):
        shape = tuple(int(n) for n in numbers)
        value = Value(ValueKind.DIMENSIONS, shape, (), (), "{" + ",".join(map(str, shape)) + "}")
    else:
        readings = [parse_number(n) for n in numbers]
        data, data32 = tuple(r[0] for r in readings), tuple(r[1] for r in readings)
        if inner.startswith("["):
            value = Value(ValueKind.VECTOR, (len(numbers),), data, data32, "[" + ", ".join(numbers) + "]")
        else:
            value = Value(ValueKind.SCALAR, (), data, data32, numbers[0])
    return Weight(value, fixed)


def _heads(literals, predicates, constants, terms, term_start, value, table: FactTable) -> dict[int, tuple[Literal, ...]]:
    """The head literals of the scanned ``heads :- facts.`` statements, by statement."""
    heads: dict[int, list[Literal]] = {}
    for i in np.flatnonzero(literals[:, PART] == HEAD).tolist():
        args = constants[terms[term_start[i]:term_start[i + 1]]].tolist()
        weight = table.weight(int(value[i]))
        heads.setdefault(int(literals[i, STATEMENT]), []).append(
            Literal(int(predicates[i]), tuple(Constant(c) for c in args), weight))
    return {s: tuple(h) for s, h in heads.items()}
