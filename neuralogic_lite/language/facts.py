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
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from ..errors import Location
from ..jit import compiled
from .ir import Constant, Fact, Literal, Metadata, Value, ValueKind, Weight, predicate
from .numbers import parse_number
from .parser import Clause, Conjunction, blank_block_comments, parse_statements
from .scanner import (
    ACCEPTED,
    ARITY,
    BODY,
    END,
    FIRST_LITERAL,
    HEAD,
    NAME_TOKEN,
    PART,
    START,
    STATEMENT,
    WEIGHT_TOKEN,
    first_uses,
    resume_at,
    scan,
    token_table,
)
from .symbols import CONSTANTS

_NUMBER = re.compile(r"[+-]?[0-9]+(?:\.[0-9]+(?:[eE][+-]?[0-9]+)?|[eE][+-]?[0-9]+)?")


@dataclass(frozen=True, eq=False)
class PredicateFacts:
    """The facts of one predicate in a table, in file order (so sorted by statement)."""

    statement: np.ndarray        # int32 (n,)
    terms: np.ndarray            # int32 (n, arity): constant ids
    value: np.ndarray | None     # int32 (n,): index into FactTable.weights, -1 none; None: no values at all
    position: np.ndarray         # int32 (int64 past 2 GiB) (n,): byte offset of the fact's name in the file

    def rows(self, statement: int) -> slice:
        """The rows of one statement's facts.  (The key takes the column's type: a Python int
        would make numpy convert the whole column for each search.)"""
        key = self.statement.dtype.type
        return slice(int(self.statement.searchsorted(key(statement))),
                     int(self.statement.searchsorted(key(statement + 1))))


@dataclass(frozen=True, eq=False)
class FactTable:
    """Every fact the scanner read in one file, by predicate id."""

    file: str | None
    line_starts: np.ndarray      # byte offset of each line
    predicates: dict[int, PredicateFacts]
    weights: tuple[Weight, ...]
    statement_count: int         # statements scanned (the facts' ``statement`` ids are below it)

    def location(self, position: int) -> Location:
        return self.locations(np.array([position]))[0]

    def locations(self, positions: np.ndarray) -> list[Location]:
        """The places of many byte positions at once."""
        lines = np.searchsorted(self.line_starts, positions, side="right")
        columns = positions - self.line_starts[lines - 1] + 1
        return [Location(self.file, line, column) for line, column in zip(lines.tolist(), columns.tolist())]

    def facts_by_statement(self) -> dict[int, list[Fact]]:
        """Every fact as a ``Fact``, by statement, in file order (for files of few facts per
        statement, such as queries, where making them one statement at a time would cost more)."""
        found = [(f.statement, f.position, np.full(f.statement.shape[0], p), np.arange(f.statement.shape[0]))
                 for p, f in self.predicates.items()]
        statement, position, predicate, row = (np.concatenate([f[k] for f in found]) for k in range(4))
        order = np.argsort(position, kind="stable")
        out: dict[int, list[Fact]] = {}
        locations = self.locations(position[order])
        terms = {p: f.terms.tolist() for p, f in self.predicates.items()}
        values = {p: f.value.tolist() if f.value is not None else None for p, f in self.predicates.items()}
        for p, r, s, location in zip(predicate[order].tolist(), row[order].tolist(), statement[order].tolist(),
                                     locations):
            weight = self.weight(values[p][r]) if values[p] is not None else None
            literal = Literal(p, tuple(Constant(c) for c in terms[p][r]), weight)
            out.setdefault(s, []).append(Fact(literal, location))
        return out

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
        return sum(len(range(f.statement.shape[0])[f.rows(self.statement)]) for f in self.table.predicates.values())

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
    location: Location

    def as_statement(self, facts: Sequence[Fact] | None = None) -> Clause | Conjunction:
        """The statement Lark makes of the same text (``facts``: its facts, if already made)."""
        facts = tuple(self.facts) if facts is None else facts
        if self.heads is None:
            return Conjunction(tuple(f.literal for f in facts), tuple(f.location for f in facts))
        return Clause(self.heads, tuple(f.literal for f in facts), None, Metadata(), self.location)


def as_statements(statements: list) -> list:
    """``statements`` with each ``FactStatement`` as the statement Lark makes of it, all made
    at once (a queries file: many statements of one or two facts each)."""
    scanned = [s for s in statements if isinstance(s, FactStatement)]
    if not scanned:
        return statements
    made = scanned[0].facts.table.facts_by_statement()
    return [s.as_statement(made.get(s.facts.statement, [])) if isinstance(s, FactStatement) else s
            for s in statements]


#: Bytes scanned per call of the scanner: its arrays for a few pieces are all that is held
#: besides the table being built.
PIECE_BYTES = 1 << 24
#: Pieces scanned at once (each without the GIL, with its own table of tokens).
SCANNERS = 2
#: Smaller files go to Lark while the scanner is not compiled: compiling it once takes longer
#: (seconds) than Lark takes for a megabyte.
SCAN_FROM_BYTES = 1 << 20


def scan_statements(text: str, file: str | None = None, progress: Callable[[int, int], None] | None = None) -> list:
    """The statements of an examples or queries file: ``FactStatement`` where the scanner
    read them, Lark's statements elsewhere, in file order.  ``progress(bytes read, bytes)``
    is told after each piece."""
    if not text.isascii():     # the scanner counts bytes; Lark counts characters
        return parse_statements(text, file)
    if len(text) < SCAN_FROM_BYTES and not compiled(scan):
        return parse_statements(text, file)
    clean = blank_block_comments(text, file)
    buf = np.frombuffer(clean.encode("ascii"), np.uint8)
    line_starts = np.concatenate([[0], np.flatnonzero(buf == 10) + 1])
    builder, left = _TableBuilder(clean, file, line_starts), []
    try:
        for statements, literals, positions, terms, tokens, count, at in _pieces(buf):
            builder.add(statements, literals, positions, terms, tokens, count)
            left.append(statements[statements[:, ACCEPTED] == 0])
            if progress is not None:
                progress(min(at, buf.shape[0]), buf.shape[0])
    except OverflowError:      # a number out of range: Lark says so, at its place
        return parse_statements(text, file)
    scanned = builder.finish()
    left = np.concatenate(left) if left else np.empty((0, 4), np.int64)
    if not scanned:
        return parse_statements(text, file)
    if not left.size:
        return scanned
    try:
        others = parse_statements(_regions(clean, left, line_starts), file, comments_blanked=True)
    except Exception:      # noqa: BLE001 - the whole file through Lark gives the error at its place
        return parse_statements(text, file)
    if not all(isinstance(s, (Clause, Conjunction)) for s in others):
        return parse_statements(text, file)   # examples and queries reject those: Lark's order decides which
    keyed = [(int(line_starts[s.location.line - 1]) + s.location.column - 1, s) for s in others]
    keyed += [(s.position, s) for s in scanned]
    keyed.sort(key=lambda pair: pair[0])
    return [s for _, s in keyed]


def _pieces(buf: np.ndarray):
    """The scanner's results piece by piece, in file order: ``(statements, literals, positions,
    terms, tokens, token count, end)``.  Pieces are guessed to start after a ``.`` that ends a
    line, every ``PIECE_BYTES``, and scanned ``SCANNERS`` at a time; a guess is used only where
    the piece before it really ended, else that piece is scanned again from there."""
    n = buf.shape[0]
    starts = [0]
    while starts[-1] + PIECE_BYTES < n:
        guess = resume_at(buf, starts[-1] + PIECE_BYTES)
        if guess >= n:
            break
        starts.append(guess)
    limits = starts[1:] + [n]
    if len(starts) == 1:
        yield _scan(buf, 0, n)
        return
    with ThreadPoolExecutor(SCANNERS) as pool:
        futures = [pool.submit(_scan, buf, a, b) for a, b in zip(starts, limits)]
        at = 0
        for k, future in enumerate(futures):
            if at >= n:
                future.cancel()
                continue
            result = future.result() if starts[k] == at else _scan(buf, at, limits[k])
            at = result[-1]
            yield result


def _scan(buf: np.ndarray, start: int, limit: int) -> tuple:
    statements, literals, positions, terms, tokens, _, _, count, end = scan(buf, start, limit, *token_table())
    return statements, literals, positions, terms, tokens, count, end


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


class _TableBuilder:
    """The scanner's pieces into one ``FactTable``: each distinct token is interned once (as a
    constant, a predicate or a value) in the order the file first uses it, and each piece's
    facts are grouped by predicate as soon as it is read."""

    def __init__(self, text: str, file: str | None, line_starts: np.ndarray):
        self.text, self.file, self.line_starts = text, file, line_starts
        self.predicates: dict[tuple[str, int], int] = {}   # (name, arity) -> predicate id
        self.weights: dict[str, int] = {}                   # value as written -> index into weights
        self.weight_list: list[Weight] = []
        self.columns: dict[int, list[tuple]] = {}           # predicate -> pieces of its columns
        self.heads: dict[int, tuple[Literal, ...]] = {}
        self.accepted: list[tuple[int, int]] = []           # (statement, position of its first literal)
        self.statements = 0
        self.offsets = np.int32 if len(text) < 1 << 31 else np.int64

    def add(self, statements, literals, positions, terms, tokens, count) -> None:
        """One piece, with its own table of distinct tokens (``tokens[:count]``, byte ranges):
        its statements are numbered on from the pieces before."""
        text = self.text
        constants = np.full(count, -1, np.int64)
        used = first_uses(terms, count)
        starts, ends = tokens[used, 0].tolist(), tokens[used, 1].tolist()
        constants[used] = CONSTANTS.many([text[a:b] for a, b in zip(starts, ends)])
        arity = literals[:, ARITY].astype(np.int64)
        key = literals[:, NAME_TOKEN].astype(np.int64) * (int(arity.max(initial=0)) + 1) + arity
        distinct, first = np.unique(key, return_index=True)
        lookup = np.empty(distinct.shape[0], np.int64)
        for k, f in sorted(enumerate(first.tolist()), key=lambda pair: pair[1]):
            start, end = tokens[literals[f, NAME_TOKEN]]
            pair = (text[start:end], int(arity[f]))
            if pair not in self.predicates:
                self.predicates[pair] = predicate(*pair)
            lookup[k] = self.predicates[pair]
        local = np.searchsorted(distinct, key)
        predicates = lookup[local]
        value = np.full(literals.shape[0], -1, np.int32)
        valued = np.flatnonzero(literals[:, WEIGHT_TOKEN] >= 0)
        for k, t in zip(valued.tolist(), literals[valued, WEIGHT_TOKEN].tolist()):
            written = text[tokens[t, 0]:tokens[t, 1]]
            if written not in self.weights:
                self.weights[written] = len(self.weight_list)
                self.weight_list.append(_weight(written))
            value[k] = self.weights[written]
        term_start = np.concatenate([[0], np.cumsum(arity)])
        statement = literals[:, STATEMENT] + np.int32(self.statements)
        body = np.flatnonzero(literals[:, PART] == BODY)
        group = local.astype(np.uint16) if distinct.shape[0] < 1 << 16 else local
        by_predicate = body[np.argsort(group[body], kind="stable")]     # a radix sort when uint16
        for rows in np.split(by_predicate, np.flatnonzero(np.diff(predicates[by_predicate])) + 1) \
                if by_predicate.size else []:
            columns = term_start[rows][:, None] + np.arange(int(arity[rows[0]]))
            self.columns.setdefault(int(predicates[rows[0]]), []).append(
                (statement[rows], constants[terms[columns]].astype(np.int32), value[rows],
                 positions[rows].astype(self.offsets)))
        for k in np.flatnonzero(literals[:, PART] == HEAD).tolist():
            args = constants[terms[term_start[k]:term_start[k + 1]]].tolist()
            weight = self.weight_list[value[k]] if value[k] >= 0 else None
            s = int(statement[k])
            self.heads[s] = self.heads.get(s, ()) + (Literal(int(predicates[k]), tuple(Constant(c) for c in args),
                                                             weight),)
        accepted = np.flatnonzero(statements[:, ACCEPTED] == 1)
        self.accepted += zip((accepted + self.statements).tolist(),
                             positions[statements[accepted, FIRST_LITERAL]].tolist())
        self.statements += statements.shape[0]

    def finish(self) -> list[FactStatement]:
        """The table, and its statements in file order."""
        predicates = {}
        for p, pieces in self.columns.items():
            statement, terms, value, position = (np.concatenate([piece[k] for piece in pieces]) for k in range(4))
            predicates[p] = PredicateFacts(statement, terms, value if (value >= 0).any() else None, position)
        self.columns.clear()
        table = FactTable(self.file, self.line_starts, predicates, tuple(self.weight_list), self.statements)
        positions = np.array([position for _, position in self.accepted], np.int64)
        return [FactStatement(self.heads.get(s), Facts(table, s, s not in self.heads), position, location)
                for (s, position), location in zip(self.accepted, table.locations(positions))]


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
