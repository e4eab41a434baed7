"""Short descriptions of parsed files, for ``nlite check``."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from .facts import FactStatement
from .ir import Fact, PredicateOffset, Rule, Template, Weight
from .parser import Clause


def _shape(weight: Weight) -> str:
    shape = weight.value.shape
    return "scalar" if not shape else "x".join(map(str, shape))


def _shapes(counts: Counter) -> str:
    return ", ".join(f"{n} x {s}" for s, n in sorted(counts.items())) or "none"


@dataclass
class TemplateSummary:
    """What a template declares: rules, facts, predicates, and its distinct weights by shape."""

    rules: int
    facts: int
    predicates: list[str]
    learnable: Counter = field(default_factory=Counter)
    fixed: Counter = field(default_factory=Counter)

    def __str__(self) -> str:
        return (f"template: {self.rules} rules, {self.facts} facts\n"
                f"  predicates ({len(self.predicates)}): {', '.join(self.predicates)}\n"
                f"  weights: {sum(self.learnable.values())} learnable ({_shapes(self.learnable)}), "
                f"{sum(self.fixed.values())} fixed ({_shapes(self.fixed)})")


def summarize_template(template: Template) -> TemplateSummary:
    """Count what ``template`` declares; each unnamed weight and each ``$name`` counts once."""
    summary = TemplateSummary(len(template.rules), len(template.facts), [])
    predicates: dict[str, None] = {}
    named: set[str] = set()
    for statement in template.statements:
        if isinstance(statement, Rule):
            literals, weights = [statement.head, *statement.body], [statement.offset]
        elif isinstance(statement, Fact):
            literals, weights = [statement.literal], []
        elif isinstance(statement, PredicateOffset):
            literals, weights = [], [statement.weight]
        else:
            continue
        for literal in literals:
            predicates.setdefault(literal.signature())
        for weight in [lit.weight for lit in literals] + weights:
            if weight is None or weight.name in named:
                continue
            if weight.name is not None:
                named.add(weight.name)
            (summary.fixed if weight.fixed else summary.learnable)[_shape(weight)] += 1
    summary.predicates = sorted(predicates)
    return summary


def summarize_examples(statements: list) -> str:
    """Examples, facts and labels in the raw statements of an examples file."""
    facts = sum(len(_body(s)) for s in statements)
    labels = sum(len(_heads(s)) for s in statements)
    return f"examples: {len(statements)} examples, {facts} facts, {labels} labelled queries"


def summarize_queries(statements: list) -> str:
    """Query lines and queries in the raw statements of a queries file."""
    queries = sum(len(_body(s)) for s in statements)
    targets = sum(lit.weight is not None for s in statements for lit in _literals(s))
    return f"queries: {len(statements)} lines, {queries} queries ({targets} with a target)"


def _heads(statement) -> tuple:
    if isinstance(statement, FactStatement):
        return statement.heads or ()
    return statement.heads if isinstance(statement, Clause) else ()


def _body(statement):
    """The facts (body) of a statement, as a sized sequence."""
    if isinstance(statement, FactStatement):
        return statement.facts
    return statement.body if isinstance(statement, Clause) else statement.literals


def _literals(statement):
    if isinstance(statement, FactStatement):
        return [fact.literal for fact in statement.facts]
    return _body(statement)


__all__ = ["TemplateSummary", "summarize_template", "summarize_examples", "summarize_queries"]
