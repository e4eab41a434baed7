"""The immutable intermediate representation of templates, examples and queries.

Everything here is a frozen dataclass; constants and predicates are interned integers (see
``symbols``).  ``str()`` of any node is valid NeuraLogic text that parses back to an equal
node; source locations are kept for error messages but take no part in equality.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Iterator, Union

import numpy as np

from ..errors import Location
from .symbols import CONSTANTS, PREDICATES


# ----------------------------------------------------------------------------- terms
@dataclass(frozen=True, slots=True)
class Constant:
    """A ground term: an interned name or number, with an optional type (``person:ann``)."""

    id: int
    type: int = -1

    @property
    def name(self) -> str:
        return CONSTANTS[self.id]

    def __str__(self) -> str:
        return self.name if self.type < 0 else f"{CONSTANTS[self.type]}:{self.name}"


@dataclass(frozen=True, slots=True)
class Variable:
    """A logic variable (``X``, ``_``), optionally typed (``woman:Y``).  ``_`` is not anonymous."""

    name: str
    type: int = -1

    def __str__(self) -> str:
        return self.name if self.type < 0 else f"{CONSTANTS[self.type]}:{self.name}"


Term = Union[Constant, Variable]


def constant(name: str) -> Constant:
    """The constant named ``name`` (interning it)."""
    return Constant(CONSTANTS(name))


# ----------------------------------------------------------------------------- values
class ValueKind(enum.Enum):
    """How a value was written; the shape semantics depend on it."""

    SCALAR = "scalar"        # 0.5
    VECTOR = "vector"        # [1, 2, 3] or [3|0:1]
    MATRIX = "matrix"        # [[1, 2], [3, 4]] or [2,2|(0,1:1)]
    DIMENSIONS = "dimensions"  # {3, 1}: random initial value of that shape


@dataclass(frozen=True, slots=True)
class Value:
    """A literal value exactly as written.

    ``shape`` is the written shape: ``()`` for a scalar, ``(n,)`` for a vector, ``(r, c)`` for
    a matrix, the listed dimensions for ``{...}``.  ``data`` is the row-major float64 reading
    and ``data32`` the reference engine's float32 reading (both empty for ``{...}``).
    """

    kind: ValueKind
    shape: tuple[int, ...]
    data: tuple[float, ...]
    data32: tuple[float, ...]
    text: str

    @property
    def is_random(self) -> bool:
        return self.kind is ValueKind.DIMENSIONS

    @property
    def size(self) -> int:
        return int(np.prod(self.shape)) if self.shape else 1

    def array(self, float32: bool = False) -> np.ndarray:
        """The value as a float64 array of the written shape (``float32``: the reference reading)."""
        return np.array(self.data32 if float32 else self.data, dtype=np.float64).reshape(self.shape)

    def __str__(self) -> str:
        return self.text


@dataclass(frozen=True, slots=True)
class Weight:
    """A weight or value annotation: ``0.5``, ``{3,3}``, ``<1.0>`` (fixed), ``$w={3}`` (named)."""

    value: Value
    fixed: bool = False
    name: str | None = None

    def __str__(self) -> str:
        text = f"<{self.value}>" if self.fixed else str(self.value)
        return f"${self.name}={text}" if self.name else text


# ----------------------------------------------------------------------------- metadata
@dataclass(frozen=True, slots=True)
class WeightRef:
    """A metadata value naming a weight: ``[offset=$b]``."""

    name: str

    def __str__(self) -> str:
        return f"${self.name}"


MetaValue = Union[str, Value, WeightRef]


@dataclass(frozen=True, slots=True)
class Metadata:
    """An ordered ``[key=value, ...]`` list; a later duplicate key overrides an earlier one."""

    pairs: tuple[tuple[str, MetaValue], ...] = ()

    def get(self, key: str, default: MetaValue | None = None) -> MetaValue | None:
        for k, v in reversed(self.pairs):
            if k == key:
                return v
        return default

    def __bool__(self) -> bool:
        return bool(self.pairs)

    def __iter__(self) -> Iterator[tuple[str, MetaValue]]:
        return iter(self.pairs)

    def __str__(self) -> str:
        return "[" + ", ".join(f"{k}={v}" for k, v in self.pairs) + "]"


# ----------------------------------------------------------------------------- literals
class Negation(enum.Enum):
    NONE = ""
    SOFT = "~"   # the value passes through 1 - x
    HARD = "!"   # stratified negation as failure, no neuron


@dataclass(frozen=True, slots=True)
class Literal:
    """``[weight] [~|!] [*][@]name[(terms)]``.

    ``predicate`` is an id in ``PREDICATES``; ``hidden`` (``*``) literals take part in
    grounding only; special (``@``) predicates are built-ins evaluated by the grounder.
    """

    predicate: int
    terms: tuple[Term, ...] = ()
    weight: Weight | None = None
    negation: Negation = Negation.NONE
    hidden: bool = False

    @property
    def name(self) -> str:
        return PREDICATES[self.predicate][0]

    @property
    def arity(self) -> int:
        return PREDICATES[self.predicate][1]

    @property
    def special(self) -> bool:
        return PREDICATES[self.predicate][2]

    @property
    def is_ground(self) -> bool:
        return all(isinstance(t, Constant) for t in self.terms)

    def signature(self) -> str:
        """``name/arity`` as users write it."""
        return f"{'@' if self.special else ''}{self.name}/{self.arity}"

    def atom_text(self) -> str:
        """The literal without its weight."""
        args = "(" + ", ".join(map(str, self.terms)) + ")" if self.terms else ""
        prefix = self.negation.value + ("*" if self.hidden else "") + ("@" if self.special else "")
        return f"{prefix}{self.name}{args}"

    def __str__(self) -> str:
        return f"{self.weight} {self.atom_text()}" if self.weight else self.atom_text()


def predicate(name: str, arity: int, special: bool = False) -> int:
    """The id of predicate ``name/arity`` (interning it)."""
    return PREDICATES((name, arity, special))


# ----------------------------------------------------------------------------- statements
@dataclass(frozen=True, slots=True)
class Rule:
    """``[w] head :- [w1] b1, ..., [offset]. [metadata]``."""

    head: Literal
    body: tuple[Literal, ...]
    offset: Weight | None = None
    metadata: Metadata = Metadata()
    location: Location | None = field(default=None, compare=False, repr=False)

    def __str__(self) -> str:
        body = ", ".join(map(str, self.body))
        if self.offset is not None:
            body += f", {self.offset}"
        text = f"{self.head} :- {body}."
        return f"{text} {self.metadata}" if self.metadata else text


@dataclass(frozen=True, slots=True)
class Fact:
    """``[value] atom.``; a learnable value makes the fact an embedding."""

    literal: Literal
    location: Location | None = field(default=None, compare=False, repr=False)

    def __str__(self) -> str:
        return f"{self.literal}."


@dataclass(frozen=True, slots=True)
class PredicateOffset:
    """``name/arity weight``: a bias on every atom neuron of that predicate."""

    predicate: int
    weight: Weight
    location: Location | None = field(default=None, compare=False, repr=False)

    def __str__(self) -> str:
        name, arity, special = PREDICATES[self.predicate]
        return f"{'@' if special else ''}{name}/{arity} {self.weight}"


@dataclass(frozen=True, slots=True)
class PredicateMetadata:
    """``name[/arity] [key=value, ...]`` (old files omit the arity: ``arity`` is None)."""

    name: str
    arity: int | None
    metadata: Metadata
    location: Location | None = field(default=None, compare=False, repr=False)

    def __str__(self) -> str:
        arity = "" if self.arity is None else f"/{self.arity}"
        return f"{self.name}{arity} {self.metadata}"


@dataclass(frozen=True, slots=True)
class WeightMetadata:
    """``$name [key=value, ...]``."""

    name: str
    metadata: Metadata
    location: Location | None = field(default=None, compare=False, repr=False)

    def __str__(self) -> str:
        return f"${self.name} {self.metadata}"


@dataclass(frozen=True, slots=True)
class TemplateMetadata:
    """``[key=value, ...]`` on its own."""

    metadata: Metadata
    location: Location | None = field(default=None, compare=False, repr=False)

    def __str__(self) -> str:
        return str(self.metadata)


Statement = Union[Rule, Fact, PredicateOffset, PredicateMetadata, WeightMetadata, TemplateMetadata]


@dataclass(frozen=True, slots=True)
class Template:
    """A template: its statements in source order (imports already spliced in)."""

    statements: tuple[Statement, ...]
    source: str | None = field(default=None, compare=False)

    def _of(self, kind: type) -> tuple:
        return tuple(s for s in self.statements if isinstance(s, kind))

    @property
    def rules(self) -> tuple[Rule, ...]:
        return self._of(Rule)

    @property
    def facts(self) -> tuple[Fact, ...]:
        return self._of(Fact)

    @property
    def predicate_offsets(self) -> tuple[PredicateOffset, ...]:
        return self._of(PredicateOffset)

    @property
    def predicate_metadata(self) -> tuple[PredicateMetadata, ...]:
        return self._of(PredicateMetadata)

    @property
    def weight_metadata(self) -> tuple[WeightMetadata, ...]:
        return self._of(WeightMetadata)

    @property
    def template_metadata(self) -> tuple[TemplateMetadata, ...]:
        return self._of(TemplateMetadata)

    def __str__(self) -> str:
        return "".join(f"{s}\n" for s in self.statements)


# ----------------------------------------------------------------------------- samples
@dataclass(frozen=True, slots=True)
class Query:
    """A query atom with its target value (None when no target is given)."""

    literal: Literal
    target: Value | None = None
    location: Location | None = field(default=None, compare=False, repr=False)

    def __str__(self) -> str:
        return f"{self.target} {self.literal}" if self.target is not None else str(self.literal)


@dataclass(frozen=True, slots=True)
class Example:
    """The evidence of one sample: facts (with values) and example-local rules."""

    facts: tuple[Fact, ...]
    rules: tuple[Rule, ...] = ()
    id: str | None = None
    location: Location | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Sample:
    """One learning sample: a query over an example.

    Samples built from the same example share the ``Example`` object, and are grounded
    together (several queries of one labelled example, or knowledge-base mode).
    """

    query: Query
    example: Example
