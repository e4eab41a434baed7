"""Templates written in Python, in the spirit of PyNeuraLogic.

    from neuralogic_lite.builder import C, R, V, template

    t = template(
        R.h(V.X)[3, 3] <= (R.b(V.X, V.Y)[3, 3], R.c(V.Y)),
        (R.h / 1) | {"activation": "sigmoid"},
        R.emb(C.brazil)[3,],
    )

The builder makes exactly the IR the parser makes (``language.ir``): a template built here
equals the same template parsed from text, and the rest of the pipeline never knows the
difference.  ``str()`` of any builder object is its template text.

Weights go in square brackets, as in PyNeuraLogic: a tuple is a shape (``[3, 3]`` is
``{3,3}``, ``[3,]`` is ``{3}``), a number or a (nested) list is a value (``[0.5]``,
``[[1, 2], [3, 4]]``), and ``["w": 3, 3]`` names the weight.  Unlike PyNeuraLogic, ``~`` is
the soft negation ``~p`` of the text language; ``.negate(hard=True)`` writes ``!p``.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from numbers import Integral, Real

import numpy as np

from .errors import TemplateError
from .language import parse_template
from .language.ir import (
    Constant,
    Fact,
    Literal,
    Metadata,
    Negation,
    PredicateMetadata,
    PredicateOffset,
    Rule,
    Template,
    TemplateMetadata,
    Value,
    ValueKind,
    Variable,
    Weight,
    WeightMetadata,
    WeightRef,
    predicate,
)
from .language.numbers import parse_number
from .language.symbols import CONSTANTS

# the grammar's tokens (grammars/neuralogic.lark)
_NAME = re.compile(r"[a-z][A-Za-z0-9_\-]*\Z")
_VARIABLE = re.compile(r"[A-Z_][A-Za-z0-9_\-]*\Z")
_NUMBER = re.compile(r"[+-]?[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?\Z")
_WEIGHT_NAME = re.compile(r"[A-Za-z0-9_\-]+\Z")
_STATEMENTS = (Rule, Fact, PredicateOffset, PredicateMetadata, WeightMetadata, TemplateMetadata)


# ----------------------------------------------------------------------------- values and weights
def _number(x) -> str:
    """A Python number as template text (``repr`` keeps floats exact and parseable)."""
    if isinstance(x, (bool, np.bool_)) or not isinstance(x, Real):
        raise TemplateError(f"expected a number, got {x!r}")
    text = str(int(x)) if isinstance(x, Integral) else repr(float(x))
    if not _NUMBER.match(text):
        raise TemplateError(f"{x!r} cannot be written in a template (only finite numbers can)")
    return text


def _value(x) -> Value:
    """A written value: a number (scalar), a list or array (vector, matrix), a tuple of ints (shape)."""
    if isinstance(x, Value):
        return x
    if isinstance(x, np.ndarray) and x.ndim == 0:
        x = x.item()
    if isinstance(x, tuple) and x and all(isinstance(r, (list, np.ndarray)) for r in x):
        x = list(x)    # R.p[[1, 2], [3, 4]]: Python passes the rows as a tuple
    if isinstance(x, tuple):
        if not x or not all(isinstance(n, Integral) and not isinstance(n, bool) and n > 0 for n in x):
            raise TemplateError(f"a tuple gives a weight's shape, like [3, 3] for {{3,3}}; got {x!r} "
                                "(write a list for a vector value)")
        shape = tuple(int(n) for n in x)
        return Value(ValueKind.DIMENSIONS, shape, (), (), "{" + ",".join(map(str, shape)) + "}")
    if isinstance(x, (list, np.ndarray)):
        rows = [list(r) if isinstance(r, (list, tuple, np.ndarray)) else r for r in x]
        if rows and all(isinstance(r, list) for r in rows):
            if len({len(r) for r in rows}) != 1 or not rows[0]:
                raise TemplateError(f"matrix rows differ in length or are empty: {x!r}")
            texts = [[_number(n) for n in r] for r in rows]
            text = "[" + ", ".join("[" + ", ".join(r) + "]" for r in texts) + "]"
            return _dense(ValueKind.MATRIX, (len(rows), len(rows[0])), [n for r in texts for n in r], text)
        if not rows or any(isinstance(r, list) for r in rows):
            raise TemplateError(f"a value is a number, a list of numbers or a list of equal rows; got {x!r}")
        texts = [_number(n) for n in rows]
        return _dense(ValueKind.VECTOR, (len(texts),), texts, "[" + ", ".join(texts) + "]")
    text = _number(x.item() if isinstance(x, np.generic) else x)
    return _dense(ValueKind.SCALAR, (), [text], text)


def _dense(kind: ValueKind, shape: tuple[int, ...], texts: list[str], text: str) -> Value:
    try:
        readings = [parse_number(t) for t in texts]
    except OverflowError as e:     # out of the range a template may write
        raise TemplateError(str(e)) from None
    return Value(kind, shape, tuple(r[0] for r in readings), tuple(r[1] for r in readings), text)


def weight(value, *, fixed: bool = False, name: str | None = None) -> Weight:
    """A weight as ``[...]`` reads it, optionally fixed (``<v>``) or named (``$name=v``)."""
    if isinstance(value, Weight):
        return Weight(value.value, fixed or value.fixed, name or value.name)
    if name is not None and not _WEIGHT_NAME.match(name):
        raise TemplateError(f"a weight name is letters, digits, '_' and '-'; got {name!r}")
    return Weight(_value(value), fixed, name)


def _bracket(item) -> Weight:
    """What ``x[...]`` holds: ``0.5``, ``[1, 2]``, ``3, 3`` (a shape), ``"w": 3, 3`` (named)."""
    if isinstance(item, slice):
        return weight(item.stop, name=str(item.start))
    if isinstance(item, tuple) and item and isinstance(item[0], slice):
        head = item[0]
        return weight((head.stop, *item[1:]), name=str(head.start))
    return weight(item)


def _metadata(items) -> Metadata:
    """``{"activation": "sigmoid"}`` (or a ``Metadata``) as the parser would read ``[...]``."""
    if isinstance(items, Metadata):
        return items
    if not isinstance(items, Mapping):
        raise TemplateError(f"metadata is a dict like {{'activation': 'sigmoid'}}; got {items!r}")
    pairs = []
    for key, value in items.items():
        if not isinstance(key, str) or not _NAME.match(key):
            raise TemplateError(f"a metadata key is a lower-case name like 'activation'; got {key!r}")
        if isinstance(value, (bool, np.bool_)):
            value = "true" if value else "false"
        if isinstance(value, str):
            if value.startswith("$") and _WEIGHT_NAME.match(value[1:]):
                value = WeightRef(value[1:])
            elif not _NAME.match(value):
                raise TemplateError(f"metadata {key}={value!r}: a value is a lower-case name, a number or '$weight'")
        else:
            value = _value(value)
        pairs.append((key, value))
    return Metadata(tuple(pairs))


# ----------------------------------------------------------------------------- terms
def _term(x) -> Variable | Constant:
    """A term: ``V.X``, ``C.ann``, a number, or a string read as text (``"X"`` is a variable)."""
    if isinstance(x, (Variable, Constant)):
        return x
    if isinstance(x, str):
        return Variable(x) if _VARIABLE.match(x) else C.get(x)
    if isinstance(x, (Real, np.generic)) and not isinstance(x, (bool, np.bool_)):
        return Constant(CONSTANTS(_number(x.item() if isinstance(x, np.generic) else x)))
    raise TemplateError(f"a term is a variable (V.X), a constant (C.ann), a number or a string; got {x!r}")


def _type(name: str | None) -> int:
    if name is None:
        return -1
    if not (_NAME.match(name) or _VARIABLE.match(name)):
        raise TemplateError(f"a type is a name like 'person'; got {name!r}")
    return CONSTANTS(name)


class _Variables:
    """``V.X`` is the variable ``X``; ``V.get("Y", "woman")`` is the typed ``woman:Y``."""

    def __getattr__(self, name: str) -> Variable:
        if name.startswith("__"):
            raise AttributeError(name)
        return self.get(name)

    def get(self, name: str, type: str | None = None) -> Variable:
        if not _VARIABLE.match(name):
            raise TemplateError(f"a variable starts with an upper-case letter or '_'; got {name!r}")
        return Variable(name, _type(type))


class _Constants:
    """``C.ann`` is the constant ``ann``; ``C.get("Ann Smith")`` is quoted; ``C.get("ann", "person")``
    is the typed ``person:ann``."""

    def __getattr__(self, name: str) -> Constant:
        if name.startswith("__"):
            raise AttributeError(name)
        return self.get(name)

    def get(self, name, type: str | None = None) -> Constant:
        text = _number(name) if not isinstance(name, str) else name
        if not (_NAME.match(text) or _NUMBER.match(text) or re.fullmatch(r'"[^"\n]*"', text)):
            if '"' in text or "\n" in text:
                raise TemplateError(f"a constant cannot contain '\"' or a newline: {name!r}")
            text = f'"{text}"'
        return Constant(CONSTANTS(text), _type(type))


# ----------------------------------------------------------------------------- atoms, predicates, rules
@dataclass(frozen=True, eq=False)
class Atom:
    """A literal under construction: ``R.p(V.X)``, weighted ``R.p(V.X)[3, 3]``, negated ``~R.p(V.X)``."""

    name: str
    terms: tuple = ()
    weight: Weight | None = None
    negation: Negation = Negation.NONE
    hidden: bool = False
    special: bool = False
    called: bool = False     # the terms are given (``R.p()`` gives none)

    def __call__(self, *terms) -> "Atom":
        if self.weight is not None:
            raise TemplateError(f"give the terms before the weight: R.{self.name}(V.X)[...], not {self}(...)")
        if self.called:
            raise TemplateError(f"the terms of {self} are already given")
        return replace(self, terms=tuple(_term(t) for t in terms), called=True)

    def __getitem__(self, item) -> "Atom":
        if self.weight is not None:
            raise TemplateError(f"{self} already has a weight")
        return replace(self, weight=_bracket(item))

    def fixed(self, value=None) -> "Atom":
        """The same literal with a fixed weight: ``R.b[0.5].fixed()`` or ``R.b.fixed(0.5)``."""
        if value is not None:
            return replace(self, weight=weight(value, fixed=True, name=self.weight.name if self.weight else None))
        if self.weight is None:
            raise TemplateError(f"{self} has no weight to fix; give a value: .fixed(0.5)")
        return replace(self, weight=weight(self.weight, fixed=True))

    def named(self, name: str) -> "Atom":
        """The same literal with a named weight (``$name=...``), shared by every occurrence."""
        if self.weight is None:
            raise TemplateError(f"{self} has no weight to name; write R.p[...] first")
        return replace(self, weight=weight(self.weight, name=name))

    def negate(self, hard: bool = False) -> "Atom":
        """Soft negation ``~p`` (the value passes through 1 - x) or hard negation ``!p`` (a filter)."""
        if self.negation is not Negation.NONE:
            raise TemplateError(f"{self} is already negated")
        return replace(self, negation=Negation.HARD if hard else Negation.SOFT)

    def __invert__(self) -> "Atom":
        return self.negate()

    def __le__(self, body) -> "RuleBuilder":
        items = tuple(body) if isinstance(body, (list, tuple)) else (body,)
        if not items:
            raise TemplateError(f"the rule for {self} has an empty body; a fact is the atom alone")
        return RuleBuilder(self.literal(), tuple(_literal(b) for b in items))

    def __truediv__(self, arity: int) -> "Pred":
        if self.called or self.weight is not None or self.negation is not Negation.NONE:
            raise TemplateError(f"write name/arity on a bare predicate: R.p / 2, not {self} / {arity}")
        if not isinstance(arity, Integral) or arity < 0:
            raise TemplateError(f"an arity is a non-negative integer, not {arity!r}")
        return Pred(self.name, int(arity), self.special)

    def literal(self) -> Literal:
        """The IR literal."""
        return Literal(predicate(self.name, len(self.terms), self.special), self.terms, self.weight, self.negation,
                       self.hidden)

    def __str__(self) -> str:
        return str(self.literal())

    __repr__ = __str__


def _literal(item) -> Literal:
    if isinstance(item, Atom):
        return item.literal()
    if isinstance(item, Literal):
        return item
    raise TemplateError(f"a rule body holds literals like R.p(V.X); got {item!r}")


@dataclass(frozen=True, eq=False)
class Pred:
    """``R.p / 2``: a predicate, for predicate offsets ``(R.p / 2)[3, 1]`` and metadata ``| {...}``."""

    name: str
    arity: int
    special: bool = False

    def _plain(self, what: str) -> None:
        if self.special:
            raise TemplateError(f"a built-in predicate @{self.name} takes no {what}")

    def __getitem__(self, item) -> PredicateOffset:
        self._plain("offset")
        return PredicateOffset(predicate(self.name, self.arity), _bracket(item))

    def __or__(self, metadata) -> PredicateMetadata:
        self._plain("metadata")
        return PredicateMetadata(self.name, self.arity, _metadata(metadata))

    def meta(self, **metadata) -> PredicateMetadata:
        """``name/arity [key=value, ...]`` from keyword arguments."""
        return self | metadata

    def __str__(self) -> str:
        return f"{'@' if self.special else ''}{self.name}/{self.arity}"

    __repr__ = __str__


@dataclass(frozen=True, eq=False)
class RuleBuilder:
    """``head <= body``, with ``| {metadata}``, ``.meta(**metadata)`` and ``.offset(value)``."""

    head: Literal
    body: tuple[Literal, ...]
    bias: Weight | None = None
    metadata: Metadata = Metadata()

    def offset(self, value, *, fixed: bool = False, name: str | None = None) -> "RuleBuilder":
        """The rule neuron's bias, written ``h :- b, {3,1}.`` (``value`` as inside ``[...]``)."""
        return replace(self, bias=weight(value, fixed=fixed, name=name))

    def __or__(self, metadata) -> "RuleBuilder":
        return replace(self, metadata=Metadata(self.metadata.pairs + _metadata(metadata).pairs))

    def meta(self, **metadata) -> "RuleBuilder":
        """Metadata from keyword arguments: ``.meta(activation="sigmoid", aggregation="avg")``."""
        return self | metadata

    def rule(self) -> Rule:
        """The IR rule."""
        return Rule(self.head, self.body, self.bias, self.metadata)

    def __str__(self) -> str:
        return str(self.rule())

    __repr__ = __str__


class _Relations:
    """``R.p`` is the predicate ``p``; ``R.hidden.p`` is ``*p``, ``R.special.alldiff`` is ``@alldiff``.
    ``R.get(name)`` reaches any name, including ``hidden``, ``special``, ``get`` and ``on-table``."""

    def __init__(self, hidden: bool = False, special: bool = False):
        self._hidden, self._special = hidden, special

    @property
    def hidden(self) -> "_Relations":
        return _Relations(True, self._special)

    @property
    def special(self) -> "_Relations":
        return _Relations(self._hidden, True)

    def get(self, name: str, hidden: bool = False, special: bool = False) -> Atom:
        if not isinstance(name, str) or not _NAME.match(name):
            raise TemplateError(f"a predicate name starts with a lower-case letter (then letters, digits, '_', "
                                f"'-'); got {name!r}")
        return Atom(name, hidden=hidden or self._hidden, special=special or self._special)

    def __getattr__(self, name: str) -> Atom:
        if name.startswith("__"):
            raise AttributeError(name)
        return self.get(name)

    def _misused(self, *_):
        word = "hidden" if self._hidden else "special"
        raise TemplateError(f"R.{word} makes {word} predicates (R.{word}.p); for a predicate named '{word}' "
                            f"write R.get('{word}')")

    __call__ = __getitem__ = __le__ = __truediv__ = __invert__ = _misused


R, V, C = _Relations(), _Variables(), _Constants()


# ----------------------------------------------------------------------------- templates
def _statements(*items) -> list:
    """IR statements of builder objects, IR statements, template text and (nested) lists of them."""
    out: list = []
    for item in items:
        if isinstance(item, RuleBuilder):
            out.append(item.rule())
        elif isinstance(item, Atom):
            out.append(Fact(item.literal()))
        elif isinstance(item, _STATEMENTS):
            out.append(item)
        elif isinstance(item, Template):
            out.extend(item.statements)
        elif isinstance(item, str):
            out.extend(parse_template(item).statements)
        elif isinstance(item, Pred):
            raise TemplateError(f"{item} alone says nothing: give it an offset (R.p / 1)[3,] or metadata | {{...}}")
        elif isinstance(item, Iterable):
            out.extend(_statements(*item))
        else:
            raise TemplateError(f"not a template statement: {item!r}")
    return out


def template(*items) -> Template:
    """A ``Template`` of rules (``R.h <= R.b``), facts (``R.emb(C.a)[3,]``), predicate offsets and
    metadata, IR statements, template text, or lists of these, in order."""
    return Template(tuple(_statements(*items)))


__all__ = ["Atom", "C", "Pred", "R", "RuleBuilder", "V", "template", "weight"]
