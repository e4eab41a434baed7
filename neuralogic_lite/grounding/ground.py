"""Stage 2, ground: a template and samples to the ground atoms and ground rules of their support.

``ground(template, samples)`` grounds every example at once (column 0 of every table is the
example) and returns a ``GroundProgram``: the least model as integer tables, which atoms are
facts and with what value, each rule's distinct ground instances (head and visible body as
table rows), and the ground atoms each sample asks about.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import warnings

import numpy as np

from ..errors import GroundingError, NeuraLogicLiteWarning
from ..language.ir import Constant, Example, Fact, Literal, Rule, Sample, Template, Variable, Weight
from .builtins import check_builtin
from .datalog import Database, Groundings, ground_rule, least_model
from .joins import group_rows, lookup_rows
from .rules import CompiledRule, compile_rule
from .stratify import stratify
from .terms import constant_types, term_id

#: Fact value index of an atom that is not a fact / of a fact without a value (1.0) / of a
#: learnable embedding made by an ``@embed_x`` rule (one vector per ground atom).
NOT_A_FACT, UNIT, EMBEDDING = -1, 0, -2


@dataclass
class GroundRules:
    """The distinct ground instances of one rule whose visible body is not empty.

    ``head[i]`` is the row of the i-th instance's head in its predicate's table; ``body[i, j]``
    the row of its j-th visible body literal (``rule.body[visible[j]]``).  Instances with the
    same head and visible body are one (the reference keys groundings that way).
    """

    rule: CompiledRule
    visible: tuple[int, ...]
    head: np.ndarray
    body: np.ndarray
    example: np.ndarray

    def __len__(self) -> int:
        return self.head.shape[0]


@dataclass
class GroundProgram:
    """Everything grounding found, as arrays."""

    examples: list[Example]
    tables: dict[int, np.ndarray]            # predicate -> rows (example, args...)
    facts: dict[int, np.ndarray]             # predicate -> value index per row (NOT_A_FACT, UNIT, k)
    values: list[Weight | None]              # value index -> the weight holding the fact's value
    rules: list[GroundRules]
    derived: dict[int, np.ndarray]           # predicate -> bool per row: head of some ground rule
    embeddings: dict[int, Weight | None] = field(default_factory=dict)  # predicate -> the @embed rule's weight
    queries: list[list[tuple[int, int]]] = field(default_factory=list)  # per sample: (predicate, row)
    sample_examples: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))


@dataclass(frozen=True)
class GroundingOptions:
    """Choices where the reference is arguably wrong (see docs/semantics.md)."""

    duplicate_facts: str = "max"          # "max" (the documented language) or "first" (the reference)
    missing_queries: str = "error"        # "error", or "drop" (the reference, for labelled examples)


def ground(template: Template, samples: list[Sample], options: GroundingOptions = GroundingOptions()) -> GroundProgram:
    """Ground ``template`` against the examples of ``samples``."""
    clashes = check_arities(template, samples)
    examples, sample_examples = _examples_of(samples)
    rules = _compile(template, examples)
    values: list[Weight | None] = [None]
    db, facts = _facts(template, examples, values, options)
    instances: dict[int, GroundRules] = {}     # rule index -> its instances, when the least model found them all

    def keep(found: Groundings, heads: np.ndarray) -> None:
        if _visible(found.rule) and not found.rule.embedding:
            instances[found.rule.index] = _instances(found, heads)

    least_model(stratify(rules), db, np.arange(len(examples)), keep)
    program = GroundProgram(examples, db.tables, facts, values, rules=[], derived={}, sample_examples=sample_examples)
    _ground_rules(program, rules, db, instances)
    program.queries = _resolve_all(program, samples, sample_examples)
    if options.missing_queries == "error":
        for i, (sample, found) in enumerate(zip(samples, program.queries)):
            if not found:
                hint = "".join(f"; note: {c}" for c in clashes if f" {sample.query.literal.name} " in c)
                raise GroundingError(f"query {sample.query.literal} of sample {i} cannot be derived from its "
                                     f"example and the template{hint}", sample.query.location)
    return program


def _examples_of(samples: list[Sample]) -> tuple[list[Example], np.ndarray]:
    index: dict[int, int] = {}
    examples: list[Example] = []
    of_sample = np.empty(len(samples), np.int64)
    for i, sample in enumerate(samples):
        key = id(sample.example)
        if key not in index:
            index[key] = len(examples)
            examples.append(sample.example)
        of_sample[i] = index[key]
    return examples, of_sample


# ----------------------------------------------------------------------------- rules
def _has_weights(rule: Rule) -> bool:
    return rule.head.weight is not None or rule.offset is not None or any(l.weight for l in rule.body)


def _compile(template: Template, examples: list[Example]) -> list[CompiledRule]:
    """Template rules (identical unweighted copies once), template facts with variables as
    rules with an empty body, then each example's own rules, restricted to that example."""
    rules: list[Rule] = []
    for rule in template.rules:
        if not _has_weights(rule) and rule in rules:
            continue
        rules.append(rule)
    rules += [Rule(f.literal, (), None, location=f.location) for f in template.facts if not f.literal.is_ground]
    compiled = [compile_rule(r, i) for i, r in enumerate(rules)]
    for e, example in enumerate(examples):
        for rule in example.rules:
            compiled.append(compile_rule(rule, len(compiled), np.array([e])))
    for c in compiled:
        for p in c.body:
            if p.literal.special:
                check_builtin(p.literal.name, p.arity, (c.rule.location, str(c.rule)))
    return compiled


def check_arities(template: Template, samples: list[Sample]) -> list[str]:
    """Predicate names used with two numbers of arguments: legal (``p/1`` and ``p/2`` are two
    predicates) but often a typo, so each is reported as a warning (and returned)."""
    seen: dict[str, tuple[int, str, object]] = {}
    clashes: list[str] = []

    def visit(literal: Literal, kind: str, where: object) -> None:
        # ``kind '{where}'`` is written only for a clash: formatting every query and fact
        # would cost more than the check
        if literal.special:
            return
        if literal.name not in seen:
            seen[literal.name] = (literal.arity, kind, where)
        elif seen[literal.name][0] != literal.arity and len(clashes) < 20:
            arity, first_kind, first = seen[literal.name]
            message = (f"predicate {literal.name} has {literal.arity} argument(s) in {kind} '{where}' but {arity} "
                       f"in {first_kind} '{first}'; they are two different predicates, "
                       f"{literal.name}/{literal.arity} and {literal.name}/{arity}")
            if message not in clashes:
                clashes.append(message)
                warnings.warn(message, NeuraLogicLiteWarning, stacklevel=4)

    for statement in template.statements:
        if isinstance(statement, Rule):
            for literal in (statement.head, *statement.body):
                visit(literal, "rule", statement)
        elif isinstance(statement, Fact):
            visit(statement.literal, "fact", statement)
    done: set[int] = set()
    for sample in samples:
        visit(sample.query.literal, "query", sample.query)
        if id(sample.example) in done:
            continue
        done.add(id(sample.example))
        for fact in sample.example.facts:
            visit(fact.literal, "example fact", fact.literal)
        for rule in sample.example.rules:
            for literal in (rule.head, *rule.body):
                visit(literal, "example rule", rule)
    return clashes


# ----------------------------------------------------------------------------- facts
def _facts(template: Template, examples: list[Example], values: list, options: GroundingOptions):
    """The database of example facts and ground template facts, with their value indices."""
    rows: dict[int, list[tuple]] = {}
    value_of: dict[int, list[int]] = {}

    def value_index(weight: Weight | None) -> int:
        if weight is None:
            return UNIT
        values.append(weight)
        return len(values) - 1

    for e, example in enumerate(examples):
        for fact in example.facts:
            _add_fact(rows, value_of, e, fact.literal, value_index(fact.literal.weight))
    ground_template = [f for f in template.facts if f.literal.is_ground]
    first_template_row = {p: len(r) for p, r in rows.items()}
    for fact in ground_template:
        index = value_index(fact.literal.weight)   # one value (and weight) shared by every example
        for e in range(len(examples)):
            _add_fact(rows, value_of, e, fact.literal, index)
    db, facts = Database(_types(template, examples)), {}
    for predicate, predicate_rows in rows.items():
        table = np.array(predicate_rows, np.int64).reshape(len(predicate_rows), -1)
        index = np.array(value_of[predicate], np.int64)
        group, first = group_rows(table)
        chosen = _choose(group, first, index, values, first_template_row.get(predicate, 0), options)
        db.tables[predicate] = table[first]
        facts[predicate] = chosen
    return db, facts


def _types(template: Template, examples: list[Example]) -> np.ndarray:
    """The type of each constant: the last type written for its name (examples, then template)."""
    literals = [f.literal for e in examples for f in e.facts] + [f.literal for f in template.facts]
    literals += [lit for r in template.rules for lit in (r.head, *r.body)]
    return constant_types(t for lit in literals for t in lit.terms if isinstance(t, Constant))


def _add_fact(rows, value_of, example: int, literal: Literal, value: int) -> None:
    rows.setdefault(literal.predicate, []).append((example, *(term_id(t) for t in literal.terms)))
    value_of.setdefault(literal.predicate, []).append(value)


def _choose(group, first, index, values, template_start: int, options) -> np.ndarray:
    """The value index of every distinct fact: the example's beats the template's; among
    duplicate example facts the first, or the largest fixed value (``duplicate_facts="max"``)."""
    chosen = index[first].copy()
    if first.shape[0] == group.shape[0] or options.duplicate_facts == "first":
        return chosen
    for g in np.flatnonzero(np.bincount(group) > 1):
        members = np.flatnonzero(group == g)
        if members[0] >= template_start:   # only template copies: one value anyway
            continue
        members = members[members < template_start]
        candidates = [values[i] for i in index[members]]
        if all(w is None or w.fixed for w in candidates):
            best = max(range(len(candidates)), key=lambda k: _fixed_value(candidates[k]))
            chosen[g] = index[members[best]]
    return chosen


def _fixed_value(weight: Weight | None) -> float:
    return 1.0 if weight is None else max(weight.value.data32)


# ----------------------------------------------------------------------------- rules to ground rules
def _visible(rule: CompiledRule) -> tuple[int, ...]:
    return tuple(i for i, p in enumerate(rule.body) if rule.kind(p.literal) == "input")


def _instances(found: Groundings, head: np.ndarray) -> GroundRules:
    """The distinct ground instances of a rule with a visible body, given its groundings and
    the table row of each one's head."""
    visible = _visible(found.rule)
    every = visible == tuple(range(found.atoms.shape[1]))      # every body literal visible: no copy
    body = found.atoms if every else found.atoms[:, list(visible)]
    if (head[1:] > head[:-1]).all():         # every head once (as when each head has one grounding)
        return GroundRules(found.rule, visible, head, body, found.bindings[:, 0].copy())
    _, first = group_rows(np.concatenate([head[:, None], body], axis=1))
    if first.shape[0] < head.shape[0]:      # else every instance is distinct: keep them all, in order
        head, body = head[first], body[first]
    return GroundRules(found.rule, visible, head, body, found.bindings[first, 0])


def _ground_rules(program: GroundProgram, rules: list[CompiledRule], db: Database,
                  instances: dict[int, GroundRules]) -> None:
    """Each rule's ground instances (``instances``: those the least model already found),
    in rule order; rules with nothing visible in their body make facts."""
    examples = np.arange(len(program.examples))
    derived: dict[int, list[np.ndarray]] = {}
    for rule in rules:
        if rule.index in instances:
            ground_rules = instances.pop(rule.index)
        else:
            found = ground_rule(rule, db, examples)
            head = lookup_rows(found.head_rows(), db.rows(rule.head.predicate, rule.head.arity))
            if rule.embedding:
                program.embeddings[rule.head.predicate] = rule.rule.head.weight
                _rule_facts(program, rule, np.unique(head), EMBEDDING)
                continue
            if not _visible(rule):
                _rule_facts(program, rule, np.unique(head))
                continue
            ground_rules = _instances(found, head)
        program.rules.append(ground_rules)
        derived.setdefault(rule.head.predicate, []).append(ground_rules.head)
    for predicate, table in db.tables.items():
        mask = np.zeros(table.shape[0], bool)
        for rows in derived.get(predicate, []):
            mask[rows] = True
        program.derived[predicate] = mask
        facts = program.facts.get(predicate)
        if facts is None or facts.shape[0] < table.shape[0]:   # atoms derived after the facts were read
            grown = np.full(table.shape[0], NOT_A_FACT, np.int64)
            if facts is not None:
                grown[:facts.shape[0]] = facts
            program.facts[predicate] = grown


def _rule_facts(program: GroundProgram, rule: CompiledRule, heads: np.ndarray, index: int | None = None) -> None:
    """A rule with nothing visible in its body makes facts: valued by the rule weight, else 1
    (``index`` overrides: EMBEDDING for the heads of ``@embed`` rules)."""
    predicate = rule.head.predicate
    facts = program.facts.get(predicate)
    size = program.tables[predicate].shape[0]
    if facts is None or facts.shape[0] < size:
        grown = np.full(size, NOT_A_FACT, np.int64)
        if facts is not None:
            grown[:facts.shape[0]] = facts
        program.facts[predicate] = facts = grown
    weight = rule.rule.head.weight
    if index is not None:
        pass
    elif weight is None:
        index = UNIT
    else:
        program.values.append(weight)
        index = len(program.values) - 1
    fresh = heads[facts[heads] == NOT_A_FACT]
    facts[fresh] = index


# ----------------------------------------------------------------------------- queries
def _resolve_all(program: GroundProgram, samples: list[Sample],
                 sample_examples: np.ndarray) -> list[list[tuple[int, int]]]:
    """The ground atoms each sample asks about.  Ground queries (the many triples of a
    knowledge base) are looked up together, one table lookup per predicate, so the cost grows
    with the number of queries, not with queries times table rows; the rare queries with
    variables are matched one by one."""
    found: list[list[tuple[int, int]]] = [[] for _ in samples]
    ground_by_predicate: dict[int, list[int]] = {}
    for i, sample in enumerate(samples):
        literal = sample.query.literal
        if literal.is_ground:
            ground_by_predicate.setdefault(literal.predicate, []).append(i)
        else:
            found[i] = _resolve(program, sample, int(sample_examples[i]))
    for predicate, indices in ground_by_predicate.items():
        table = program.tables.get(predicate)
        if table is None:
            continue
        keys = np.empty((len(indices), table.shape[1]), np.int64)
        keys[:, 0] = sample_examples[indices]
        keys[:, 1:] = np.array([[term_id(t) for t in samples[i].query.literal.terms] for i in indices],
                               np.int64).reshape(len(indices), table.shape[1] - 1)
        rows = lookup_rows(keys, table)          # tables hold distinct rows: one match at most
        hit = rows >= 0
        hit[hit] = program.derived[predicate][rows[hit]] | (program.facts[predicate][rows[hit]] != NOT_A_FACT)
        for k in np.flatnonzero(hit):
            found[indices[k]] = [(predicate, int(rows[k]))]
    return found


def _resolve(program: GroundProgram, sample: Sample, example: int) -> list[tuple[int, int]]:
    """The ground atoms a sample with variables asks about: derived heads."""
    literal = sample.query.literal
    table = program.tables.get(literal.predicate)
    if table is None:
        return []
    mask = table[:, 0] == example
    first: dict[str, int] = {}
    for a, term in enumerate(literal.terms):
        column = table[:, 1 + a]
        if isinstance(term, Variable):
            if term.name in first:
                mask &= column == table[:, 1 + first[term.name]]
            else:
                first[term.name] = a
        else:
            mask &= column == term_id(term)
    derived = program.derived[literal.predicate]
    rows = np.flatnonzero(mask & derived)
    return [(literal.predicate, int(r)) for r in rows]
