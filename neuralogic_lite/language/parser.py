"""Text to IR: the Lark LALR parser for ``grammars/neuralogic.lark`` and its Transformer.

``parse_statements`` reads one file's text into a list of statements.  Rules and fact
conjunctions come out as ``Clause`` and ``Conjunction``: whether ``a, b :- c.`` is a template
rule, a labelled example or an id-linked query depends on the file's role, which
``template`` and ``samples`` decide.
"""
from __future__ import annotations

import re
import threading
import warnings
from contextvars import ContextVar
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

from lark import Lark, Token, Transformer, v_args
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken

from ..errors import Location, NeuraLogicLiteError, NeuraLogicLiteWarning, ParseError, clip
from ..memory import memory_limit, size_text
from .ir import (
    Constant,
    Literal,
    Metadata,
    Negation,
    PredicateMetadata,
    PredicateOffset,
    TemplateMetadata,
    Value,
    ValueKind,
    Variable,
    Weight,
    WeightMetadata,
    WeightRef,
    predicate,
)
from .numbers import parse_number
from .symbols import CONSTANTS


# ----------------------------------------------------------------------------- syntax-level statements
@dataclass(frozen=True, slots=True)
class Clause:
    """``h1, ..., hk :- b1, ..., bn [, offset]. [metadata]`` before its role is known.

    ``label`` holds the valued queries of ``label :- h :- b.``, the first statement of a
    labelled example that starts with an example-local rule (None otherwise).
    """

    heads: tuple[Literal, ...]
    body: tuple[Literal, ...]
    offset: Weight | None
    metadata: Metadata
    location: Location = field(compare=False)
    label: tuple[Literal, ...] | None = None


@dataclass(frozen=True, slots=True)
class Conjunction:
    """``l1, ..., ln.`` before its role is known; ``locations`` has one entry per literal."""

    literals: tuple[Literal, ...]
    locations: tuple[Location, ...] = field(compare=False)

    @property
    def location(self) -> Location:
        return self.locations[0]


@dataclass(frozen=True, slots=True)
class Import:
    """``import ./a.txt, ./b.txt``: files to splice in, relative to the importing file."""

    paths: tuple[str, ...]
    location: Location = field(compare=False)


# ----------------------------------------------------------------------------- the grammar
def grammar_path() -> Path:
    """``neuralogic.lark``: inside the installed package, or at the top of a source checkout."""
    package = Path(__file__).resolve().parent.parent
    for candidate in (package / "grammars", package.parent / "grammars"):
        if (candidate / "neuralogic.lark").is_file():
            return candidate / "neuralogic.lark"
    raise NeuraLogicLiteError(f"the grammar file neuralogic.lark is missing from {package} (broken install?)")


_PARSER_MADE = threading.Lock()


def _parser() -> Lark:
    """The one parser of the process (its tables take a while to load), made once even when
    the first parses start together in several threads."""
    with _PARSER_MADE:
        return _made_parser()


@lru_cache(maxsize=None)
def _made_parser() -> Lark:
    # The transformer runs inline, so no parse tree is built.  Every parse shares it, so it
    # holds no state: what belongs to one parse is in ``_READING``.
    return Lark.open(str(grammar_path()), parser="lalr", transformer=_ToIR(), cache=True)


@dataclass(slots=True)
class _Reading:
    """What the transformer needs to know about the parse it serves."""

    file: str | None                 # for the locations it records
    last_line: int = 0               # line of the last number read (a stray weight's line)


#: The parse running in this thread (a context variable: each thread, or task, sees its own).
_READING: ContextVar[_Reading] = ContextVar("neuralogic_lite_reading")


# ----------------------------------------------------------------------------- tokens to IR
class _Number(NamedTuple):
    """A number token before it becomes part of a Value."""

    text: str
    value: float
    value32: float
    line: int
    column: int


def _scalar(number: _Number) -> Value:
    return Value(ValueKind.SCALAR, (), (number.value,), (number.value32,), number.text)


def _as_value(item: _Number | Value) -> Value:
    return item if isinstance(item, Value) else _scalar(item)


def _dense(kind: ValueKind, shape: tuple[int, ...], rows: list[list[_Number]], text: str) -> Value:
    flat = [n for row in rows for n in row]
    return Value(kind, shape, tuple(n.value for n in flat), tuple(n.value32 for n in flat), text)


class _ToIR(Transformer):
    """One method per grammar rule, building IR nodes bottom-up (the file and the line of the
    last number come from ``_READING``: one transformer serves every parse)."""

    def _location(self, line: int, column: int) -> Location:
        return Location(_READING.get().file, line, column)

    def _error(self, message: str, at: Token | _Number) -> ParseError:
        return ParseError(message, self._location(at.line, at.column))

    # -- statements
    def start(self, statements):
        return statements

    def rule(self, children):
        heads, _, (body, offset) = children[0], children[1], children[2]
        metadata = children[3] if len(children) > 3 else Metadata()
        _, line, column = heads[0]
        return Clause(tuple(h[0] for h in heads), body, offset, metadata, self._location(line, column))

    def labelled_rule(self, children):
        label, _, *rule = children
        clause = self.rule(rule)
        _, line, column = label[0]
        return Clause(clause.heads, clause.body, clause.offset, clause.metadata, self._location(line, column),
                      tuple(lit[0] for lit in label))

    def facts(self, children):
        (literals,) = children
        return Conjunction(tuple(l[0] for l in literals), tuple(self._location(l[1], l[2]) for l in literals))

    def conjunction(self, literals):
        return literals

    def body(self, children):
        offset = children.pop() if isinstance(children[-1], Weight) or children[-1] is None else None
        return tuple(l[0] for l in children), offset

    def offset(self, children):
        return children[0]

    @v_args(inline=True)
    def stray_weight(self, weight):
        # reported at the template's own line (the last number read is this weight's)
        reading = _READING.get()
        warnings.warn_explicit(f"a weight '{weight}' follows the last body literal without a comma; it is ignored, "
                               f"as the reference engine ignores it (write ', {weight}' for an offset)",
                               NeuraLogicLiteWarning, reading.file or "<text>", reading.last_line)
        return None

    def pred_offset(self, children):
        name, arity, weight = children
        return PredicateOffset(predicate(name.value, arity), weight, self._location(name.line, name.column))

    def pred_metadata(self, children):
        name, *rest = children
        arity = rest[0] if len(rest) == 2 else None
        return PredicateMetadata(name.value, arity, rest[-1], self._location(name.line, name.column))

    def weight_metadata(self, children):
        name, metadata = children
        return WeightMetadata(name.value[1:], metadata, self._location(name.line, name.column))

    @v_args(inline=True)
    def template_metadata(self, metadata):
        return TemplateMetadata(metadata)

    @v_args(inline=True)
    def import_(self, token):
        paths = tuple(p.strip() for p in token.value[len("import"):].split(","))
        return Import(paths, self._location(token.line, token.column))

    # -- literals and terms
    def literal(self, children):
        weight = negation = arity = None
        terms: tuple = ()
        hidden = special = False
        name = None
        for child in children:
            if isinstance(child, Token):
                if child.type == "NAME":
                    name = child
                elif child.type == "NEGATION":
                    negation = Negation(child.value)
                elif child.value == "*":
                    hidden = True
                else:
                    special = True
            elif isinstance(child, Weight):
                weight = child
            elif isinstance(child, int):
                arity = child
            else:
                terms = child
        if arity is not None and arity != len(terms):
            raise self._error(f"'{name}/{arity}' is written with {len(terms)} argument(s)", name)
        literal = Literal(predicate(name.value, len(terms), special), terms, weight,
                          negation or Negation.NONE, hidden)
        return literal, name.line, name.column

    def arity(self, children):
        return int(children[0].value)

    def arguments(self, terms):
        return tuple(terms)

    @v_args(inline=True)
    def variable(self, token):
        return Variable(token.value)

    @v_args(inline=True)
    def constant(self, token):
        return Constant(CONSTANTS(token.value))

    @v_args(inline=True)
    def typed_variable(self, type_, _, token):
        return Variable(token.value, CONSTANTS(type_.value))

    @v_args(inline=True)
    def typed_constant(self, type_, _, const):
        return Constant(const.id, CONSTANTS(type_.value))

    @v_args(inline=True)
    def type_(self, token):
        return token

    # -- metadata
    def metadata(self, children):
        return Metadata(tuple(children[1:]))

    @v_args(inline=True)
    def meta_pair(self, key, value):
        return key.value, _as_value(value) if isinstance(value, (_Number, Value)) else value

    @v_args(inline=True)
    def meta_name(self, token):
        return token.value

    @v_args(inline=True)
    def meta_weight(self, token):
        return WeightRef(token.value[1:])

    # -- weights and values
    def weight(self, children):
        value = children[-1]
        weight = value if isinstance(value, Weight) else Weight(_as_value(value))
        if len(children) == 2:
            return Weight(weight.value, weight.fixed, children[0].value[1:])
        return weight

    @v_args(inline=True)
    def fixed(self, value):
        return Weight(_as_value(value), fixed=True)

    @v_args(inline=True)
    def number(self, token):
        text = token.value
        _READING.get().last_line = token.line
        try:
            return _Number(text, *parse_number(text), token.line, token.column)
        except OverflowError as e:
            raise self._error(str(e), token) from None

    def vector(self, numbers):
        return _dense(ValueKind.VECTOR, (len(numbers),), [numbers], "[" + ", ".join(n[0] for n in numbers) + "]")

    def vector_row(self, numbers):
        return numbers

    def matrix(self, rows):
        if len({len(r) for r in rows}) != 1:
            raise self._error(f"matrix rows differ in length: {[len(r) for r in rows]}", rows[0][0])
        text = "[" + ", ".join("[" + ", ".join(n[0] for n in r) + "]" for r in rows) + "]"
        return _dense(ValueKind.MATRIX, (len(rows), len(rows[0])), rows, text)

    def sparse(self, children):
        dims = [c for c in children if isinstance(c, _Number)]
        if len(dims) not in (1, 2) or any(not _is_int(d.text) for d in dims):
            raise self._error("a sparse value starts with its length [n|...] or its shape [rows,cols|...]", dims[0])
        try:
            entries = _join_sparse_entries([c for c in children if isinstance(c, list)])
        except ValueError as e:
            raise self._error(str(e), dims[0]) from None
        shape = tuple(int(d.text) for d in dims)
        size = shape[0] * (shape[1] if len(shape) == 2 else 1)
        need, limit = 16 * size, memory_limit()    # two lists of floats, 8 bytes an element each
        if need > limit:
            raise self._error(f"a sparse value of shape {shape} needs about {size_text(need)}, more than the memory "
                              f"limit of {size_text(limit)}", dims[0])
        data, data32 = [0.0] * size, [0.0] * size
        parts = []
        for index, number in entries:
            if len(index) != len(shape) or any(not 0 <= i < n for i, n in zip(index, shape)):
                raise self._error(f"sparse entry {index} does not fit the shape {shape}", dims[0])
            flat = index[0] * shape[1] + index[1] if len(shape) == 2 else index[0]
            data[flat], data32[flat] = number[1], number[2]
            # ': ' with a space: the reference's lexer would read ':-' in '1:-2.5' as the rule arrow
            parts.append(f"({index[0]},{index[1]}: {number.text})" if len(shape) == 2 else f"{index[0]}: {number.text}")
        text = "[" + ",".join(str(n) for n in shape) + "|" + ", ".join(parts) + "]"
        kind = ValueKind.MATRIX if len(shape) == 2 else ValueKind.VECTOR
        return Value(kind, shape, tuple(data), tuple(data32), text)

    def sparse_entry(self, children):
        # [index tokens..., number-or-None]: `i`, `i:v`, `(i:v)`, `(i,j:v)`
        number = children[-1] if isinstance(children[-1], _Number) else None
        indices = [int(c.value) for c in children if isinstance(c, Token)]
        return [indices, number]

    def dimensions(self, tokens):
        shape = tuple(int(t.value) for t in tokens)
        if any(n <= 0 for n in shape):
            raise self._error(f"dimensions must be positive: {{{','.join(map(str, shape))}}}", tokens[0])
        return Value(ValueKind.DIMENSIONS, shape, (), (), "{" + ",".join(map(str, shape)) + "}")


def _is_int(text: str) -> bool:
    return re.fullmatch(r"[+-]?\d+", text) is not None


def _join_sparse_entries(raw: list[list]) -> list[tuple[tuple[int, ...], _Number]]:
    """Turn the entry list into ``(index, number)`` pairs; a bare ``i`` joins the next ``j:v``."""
    entries, pending = [], None
    for indices, number in raw:
        if number is None:
            if pending is not None or len(indices) != 1:
                raise ValueError("a sparse entry is missing its ':value'")
            pending = indices[0]
            continue
        index = tuple(indices) if pending is None else (pending, *indices)
        entries.append((index, number))
        pending = None
    if pending is not None:
        raise ValueError("a sparse entry is missing its ':value'")
    return entries


# ----------------------------------------------------------------------------- comments
_BLOCK_MARKS = re.compile(r"/\*|\*/|%")


def blank_block_comments(text: str, file: str | None = None) -> str:
    """Replace ``/* ... */`` comments (which may nest) by spaces, keeping lines and columns.

    A ``%`` line comment outside a block hides the marks on its line; inside a block it is
    just text.  An unclosed block is a ``ParseError`` at its ``/*``: the reference lets it
    hide the rest of the file, and a file that silently ends early helps nobody.
    """
    if "/*" not in text:
        return text
    chars, depth, start, pos = list(text), 0, 0, 0
    while (m := _BLOCK_MARKS.search(text, pos)) is not None:
        mark, pos = m.group(), m.end()
        if mark == "%":
            if depth == 0:
                newline = text.find("\n", pos)
                pos = len(text) if newline < 0 else newline
        elif mark == "/*":
            if depth == 0:
                start = m.start()
            depth += 1
        elif depth > 0:
            depth -= 1
            if depth == 0:
                _blank(chars, start, pos)
    if depth > 0:
        raise ParseError("this '/*' comment is never closed (a '*/' is missing)", _location_at(text, start, file))
    return "".join(chars)


def _blank(chars: list[str], start: int, end: int) -> None:
    for i in range(start, end):
        if chars[i] not in "\r\n":
            chars[i] = " "


# ----------------------------------------------------------------------------- errors
_TERMINAL_WORDS = {
    "NAME": "a name", "VARIABLE": "a variable", "INT": "a number", "FLOAT": "a number", "STRING": "a string",
    "WEIGHT_NAME": "a $weight", "IMPLIED_BY": "':-'", "NEGATION": "'~' or '!'", "PREFIX": "'*' or '@'",
    "METADATA_OPEN": "'['", "IMPORT": "import", "TYPE_COLON": "':'", "$END": "the end of the file",
}


def _describe(terminals: set[str], parser: Lark) -> str:
    words = set()
    for name in terminals:
        if name in _TERMINAL_WORDS:
            words.add(_TERMINAL_WORDS[name])
            continue
        try:
            pattern = parser.get_terminal(name).pattern
            words.add(f"'{pattern.value}'" if pattern.type == "str" else name.lower())
        except KeyError:
            words.add(name.lower())
    return ", ".join(sorted(words))


def _hint(expected: set[str], found: str) -> str:
    if "DOT" in expected and found not in (".",):
        return " (is a '.' missing at the end of the statement?)"
    return ""


def _location_at(text: str, offset: int, file: str | None) -> Location:
    """The place of character ``offset`` of ``text``, with its line."""
    start = text.rfind("\n", 0, offset) + 1
    end = text.find("\n", offset)
    line_text = text[start:end if end >= 0 else len(text)].rstrip("\r")
    return Location(file, text.count("\n", 0, offset) + 1, offset - start + 1, line_text)


def _convert(error: UnexpectedInput, text: str, file: str | None, parser: Lark) -> ParseError:
    line_text = text.splitlines()[error.line - 1] if 0 < error.line <= len(text.splitlines()) else ""
    location = Location(file, error.line, error.column, line_text)
    if isinstance(error, UnexpectedCharacters):
        message = f"unexpected character {text[error.pos_in_stream]!r}"
        if error.allowed:
            message += f"; expected {_describe(set(error.allowed), parser)}"
    elif isinstance(error, UnexpectedEOF) or (isinstance(error, UnexpectedToken) and error.token.type == "$END"):
        lines = text.splitlines() or [""]
        location = Location(file, len(lines), len(lines[-1]) + 1, lines[-1])
        message = f"unexpected end of file; expected {_describe(set(error.expected), parser)}"
        if "DOT" in error.expected:
            message += " (the last statement is missing its final '.')"
    else:
        found = clip(str(error.token))[0]
        message = (f"unexpected {found!r}; expected {_describe(set(error.expected), parser)}"
                   + _hint(set(error.expected), found))
    return ParseError(message, location)


# ----------------------------------------------------------------------------- entry point
def parse_statements(text: str, file: str | None = None, comments_blanked: bool = False) -> list:
    """Parse one file's text into statements (IR nodes, ``Clause``, ``Conjunction``, ``Import``).
    ``comments_blanked``: block comments were already blanked (they are not looked for again)."""
    parser = _parser()
    blanked = text if comments_blanked else blank_block_comments(text, file)
    reading = _READING.set(_Reading(file))
    try:
        return parser.parse(blanked)
    except UnexpectedInput as error:
        raise _convert(error, text, file, parser) from None
    except NeuraLogicLiteError as error:  # a transformer callback refused the input
        raise _with_line(error, text, file) from None
    finally:
        _READING.reset(reading)


def _with_line(error: NeuraLogicLiteError, text: str, file: str | None) -> NeuraLogicLiteError:
    """Give a transformer's error a location and its source line."""
    location = error.location or Location(file, 1, 1)
    lines = text.splitlines()
    line_text = lines[location.line - 1] if 0 < location.line <= len(lines) else None
    return ParseError(error.message, Location(file, location.line, location.column, line_text))
