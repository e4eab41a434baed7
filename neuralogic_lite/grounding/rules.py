"""Rules compiled for the grounder: variables numbered, literals sorted by what they do.

A compiled rule keeps the template rule it came from and, for every body literal, whether it
becomes a neuron input (``inputs``), filters by a built-in (``builtins``), only restricts
the groundings (``hidden``, ``*p``) or must be absent (``negated``, ``!p``).
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

import numpy as np

from ..language.ir import Literal, Negation, Rule, Variable, predicate
from .terms import term_id


@dataclass(frozen=True)
class Pattern:
    """A literal as the grounder sees it: predicate id and, per argument, a variable index
    (``>= 0``) or a constant (``var == -1`` and ``const`` set)."""

    predicate: int
    vars: tuple[int, ...]
    consts: tuple[int, ...]
    literal: Literal
    types: tuple[int, ...] = ()        # per argument: the type a typed variable demands, or -1

    @property
    def arity(self) -> int:
        return len(self.vars)

    def bound_by(self, bound: set[int]) -> bool:
        return all(v < 0 or v in bound for v in self.vars)


@dataclass(frozen=True)
class CompiledRule:
    """A template (or example-local) rule ready for joins."""

    index: int                         # position among all rules (template order, then example rules)
    rule: Rule
    head: Pattern
    body: tuple[Pattern, ...]          # every body literal, in written order
    variables: tuple[str, ...]
    examples: np.ndarray | None = field(default=None, compare=False)  # None: every example
    embedding: bool = False            # an ``@embed_x(...)`` head: its ground heads are learnable facts

    def kind(self, literal: Literal) -> str:
        """``input``, ``hidden``, ``negated`` or ``builtin``."""
        if literal.negation is Negation.HARD:
            return "negated"
        if literal.special:
            return "builtin"
        if literal.hidden:
            return "hidden"
        return "input"

    @property
    def positive(self) -> tuple[Pattern, ...]:
        """Body literals that must hold in the model (inputs and hidden ones)."""
        return tuple(p for p in self.body if self.kind(p.literal) in ("input", "hidden"))

    @property
    def inputs(self) -> tuple[Pattern, ...]:
        return tuple(p for p in self.body if self.kind(p.literal) == "input")


def _pattern(literal: Literal, numbering: dict[str, int]) -> Pattern:
    vars_, consts, types = [], [], []
    for term in literal.terms:
        if isinstance(term, Variable):
            vars_.append(numbering.setdefault(term.name, len(numbering)))
            consts.append(-1)
            types.append(term.type)
        else:
            vars_.append(-1)
            consts.append(term_id(term))
            types.append(-1)
    return Pattern(literal.predicate, tuple(vars_), tuple(consts), literal, tuple(types))


def compile_rule(rule: Rule, index: int, examples: np.ndarray | None = None) -> CompiledRule:
    """Number the rule's variables (body first, in order of appearance).

    Variables that no positive body literal binds range over the example's universe, as in
    the reference (a template fact with variables, ``<2.0> edge(X, X).``, is such a rule).
    """
    numbering: dict[str, int] = {}
    body = tuple(_pattern(lit, numbering) for lit in rule.body)
    embedding = rule.head.special and rule.head.name.startswith("embed")
    # ``@embed_x(X) :- ...`` derives the ordinary atoms ``embed_x(c)`` that other rules use
    head_literal = dataclasses.replace(rule.head, predicate=predicate(rule.head.name, rule.head.arity)) \
        if embedding else rule.head
    head = _pattern(head_literal, numbering)
    return CompiledRule(index, rule, head, body, tuple(numbering), examples, embedding)
