"""Stage 2, ground: a template and samples to the ground atoms and ground rules of their support.

``ground(template, samples)`` grounds every example at once (column 0 of every table is the
example) and returns a ``GroundProgram``: the least model as integer tables, which atoms are
facts and with what value, each rule's distinct ground instances (head and visible body as
table rows), and the ground atoms each sample asks about.
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np

from ..errors import GroundingError, NeuraLogicLiteWarning
from ..language.facts import Facts, FactTable
from ..language.ir import Constant, Example, Fact, Literal, Rule, Sample, Template, Variable, Weight
from ..language.symbols import PREDICATES
from .builtins import check_builtin
from .datalog import Database, Groundings, ground_rule, least_model
from .joins import UNLIMITED, group_rows, lookup_rows
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
    max_memory: int = UNLIMITED           # bytes the substitutions of one join step may take


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
                                     f"example and the template{hint}{_unmatched_inputs(template, program)}",
                                     sample.query.location)
    return program


def _unmatched_inputs(template: Template, program: GroundProgram) -> str:
    """A note when the template reads input predicates that no example holds while the examples
    hold predicates it never reads: most often type predicates named for other data (a zoo
    template made for mutagenesis, used with converted data)."""
    derived = {rule.head.predicate for rule in template.rules} | {fact.literal.predicate for fact in template.facts}
    read = {lit.predicate for rule in template.rules for lit in rule.body if not lit.special} - derived
    held = {p for p, rows in program.tables.items() if rows.shape[0]} - derived
    missing, unread = read - held, held - read
    if not missing or not unread:
        return ""

    def names(predicates: set[int]) -> str:
        shown = sorted(f"{PREDICATES[p][0]}/{PREDICATES[p][1]}" for p in predicates)
        return ", ".join(shown[:6]) + (f" and {len(shown) - 6} more" if len(shown) > 6 else "")
    return (f"; note: the template reads {names(missing)}, which no example holds, and never reads "
            f"{names(unread)}, which the examples hold (for a template from nlite zoo, make it for these "
            f"examples: nlite zoo MODEL --types EXAMPLES)")


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
        facts = sample.example.facts
        if isinstance(facts, Facts):     # a table's predicates are seen once, for all its examples
            if id(facts.table) in done:
                continue
            done.add(id(facts.table))
        for fact in _first_facts(facts):
            visit(fact.literal, "example fact", fact.literal)
        for rule in sample.example.rules:
            for literal in (rule.head, *rule.body):
                visit(literal, "example rule", rule)
    return clashes


def _first_facts(facts) -> list[Fact]:
    """The facts to check: for a scanned table, the first fact of each of its predicates."""
    if isinstance(facts, Facts):
        return [facts.table.first_fact(p) for p in facts.table.predicates]
    return list(facts)


# ----------------------------------------------------------------------------- facts
class _FactRows:
    """Example facts gathered per predicate: chunks of rows ``(example, args...)``, each row's
    written value (an index into the chunk's distinct weights, -1 for none) and its order
    inside its example (file order).  Values are arrays, not a Weight per row: a scanned file
    of millions of facts has few or none."""

    def __init__(self) -> None:
        self.chunks: dict[int, list[tuple]] = {}     # predicate -> [(rows, value, weights, order)]

    def add(self, predicate: int, rows: np.ndarray, value: np.ndarray, weights, order: np.ndarray) -> None:
        self.chunks.setdefault(predicate, []).append((rows, value, tuple(weights), order))

    def add_objects(self, e: int, facts) -> None:
        """An example whose facts are ``Fact`` objects (built in Python, or parsed by Lark)."""
        by: dict[int, list] = {}
        for i, fact in enumerate(facts):
            by.setdefault(fact.literal.predicate, []).append((i, fact.literal))
        for predicate, found in by.items():
            rows = np.array([(e, *(term_id(t) for t in lit.terms)) for _, lit in found], np.int64)
            weights = [lit.weight for _, lit in found if lit.weight is not None]
            value = np.full(len(found), -1, np.int64)
            value[[k for k, (_, lit) in enumerate(found) if lit.weight is not None]] = np.arange(len(weights))
            self.add(predicate, rows.reshape(len(found), -1), value, weights, np.array([i for i, _ in found], np.int64))

    def add_table(self, table: FactTable, example_of: np.ndarray) -> None:
        """The scanned facts of ``table`` whose statements are examples (``example_of[s] >= 0``)."""
        for predicate, facts in table.predicates.items():
            examples = example_of[facts.statement]
            keep = np.flatnonzero(examples >= 0)
            if not keep.size:
                continue
            rows = np.empty((keep.size, 1 + facts.terms.shape[1]), np.int64)
            rows[:, 0] = examples[keep]
            rows[:, 1:] = facts.terms[keep]
            value = np.full(keep.size, -1, np.int64) if facts.value is None else facts.value[keep].astype(np.int64)
            self.add(predicate, rows, value, table.weights, facts.position[keep])

    def tables(self, values: list) -> tuple[dict[int, np.ndarray], dict[int, np.ndarray]]:
        """Rows per predicate, by example then file order, and their value indices: a written
        value gets the next index of ``values``, in that order across all predicates."""
        rows, index, valued, weights = {}, {}, [], []
        # by predicate id: the order predicates were first met, not first met in this chunk
        for predicate, chunks in sorted(self.chunks.items()):
            offsets = np.cumsum([0] + [len(c[2]) for c in chunks])   # into ``weights``, all chunks joined
            table = np.concatenate([c[0] for c in chunks])
            value = np.concatenate([np.where(c[1] >= 0, c[1] + offsets[k] + len(weights), -1)
                                    for k, c in enumerate(chunks)])
            order = np.concatenate([c[3] for c in chunks])
            weights += [w for c in chunks for w in c[2]]
            if len(chunks) > 1:
                by = np.lexsort((order, table[:, 0]))
                table, value, order = table[by], value[by], order[by]
            rows[predicate], index[predicate] = table, np.full(table.shape[0], UNIT, np.int64)
            at = np.flatnonzero(value >= 0)
            if at.size:
                valued.append((table[at, 0], order[at], np.full(at.size, predicate), at, value[at]))
        if valued:
            example, within, predicate, row, written = (np.concatenate([v[k] for v in valued]) for k in range(5))
            for k in np.lexsort((within, example)).tolist():     # one per written value
                values.append(weights[written[k]])
                index[int(predicate[k])][row[k]] = len(values) - 1
        return rows, index


def _facts(template: Template, examples: list[Example], values: list, options: GroundingOptions):
    """The database of example facts and ground template facts, with their value indices."""
    gathered = _FactRows()
    tables: dict[int, tuple[FactTable, list[tuple[int, int]]]] = {}
    for e, example in enumerate(examples):
        if isinstance(example.facts, Facts):
            table = example.facts.table
            tables.setdefault(id(table), (table, []))[1].append((example.facts.statement, e))
        else:
            gathered.add_objects(e, example.facts)
    for table, members in tables.values():
        example_of = np.full(table.statement_count, -1, np.int64)
        statement, example = np.array(members, np.int64).T
        example_of[statement] = example
        gathered.add_table(table, example_of)
    rows, value_of = gathered.tables(values)
    first_template_row = {p: r.shape[0] for p, r in rows.items()}
    everyone = np.arange(len(examples), dtype=np.int64)
    for fact in (f for f in template.facts if f.literal.is_ground):   # one value shared by every example
        weight = fact.literal.weight
        if weight is not None:
            values.append(weight)
        copies = np.empty((len(examples), 1 + len(fact.literal.terms)), np.int64)
        copies[:, 0] = everyone
        copies[:, 1:] = [term_id(t) for t in fact.literal.terms]
        p = fact.literal.predicate
        index = np.full(len(examples), UNIT if weight is None else len(values) - 1, np.int64)
        rows[p] = np.concatenate([rows[p], copies]) if p in rows else copies
        value_of[p] = np.concatenate([value_of[p], index]) if p in value_of else index
    db, facts = Database(_types(template, examples), options.max_memory), {}
    for predicate, table in rows.items():
        group, first = group_rows(table)
        facts[predicate] = _choose(group, first, value_of[predicate], values, first_template_row.get(predicate, 0),
                                   options)
        db.tables[predicate] = table[first]
    return db, facts


def _types(template: Template, examples: list[Example]) -> np.ndarray:
    """The type of each constant: the last type written for its name (examples, then template).
    Scanned facts have none (the scanner leaves typed constants to Lark)."""
    literals = [f.literal for e in examples if not isinstance(e.facts, Facts) for f in e.facts]
    literals += [f.literal for f in template.facts]
    literals += [lit for r in template.rules for lit in (r.head, *r.body)]
    return constant_types(t for lit in literals for t in lit.terms if isinstance(t, Constant))


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
    by_example: dict[int, tuple[np.ndarray, np.ndarray]] = {}
    ground_by_predicate: dict[int, list[int]] = {}
    for i, sample in enumerate(samples):
        literal = sample.query.literal
        if literal.is_ground:
            ground_by_predicate.setdefault(literal.predicate, []).append(i)
        else:
            found[i] = _resolve(program, sample, int(sample_examples[i]), by_example)
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


def _resolve(program: GroundProgram, sample: Sample, example: int,
             by_example: dict[int, tuple[np.ndarray, np.ndarray]]) -> list[tuple[int, int]]:
    """The ground atoms a sample with variables asks about: derived heads.  ``by_example``
    caches each queried table's rows grouped by example, so that a sample looks at its own
    example's rows only."""
    literal = sample.query.literal
    table = program.tables.get(literal.predicate)
    if table is None:
        return []
    if literal.predicate not in by_example:
        order = np.argsort(table[:, 0], kind="stable")
        by_example[literal.predicate] = order, np.searchsorted(table[order, 0], np.arange(len(program.examples) + 1))
    order, start = by_example[literal.predicate]
    rows = order[start[example]:start[example + 1]]
    mask = np.ones(rows.shape[0], bool)
    first: dict[str, int] = {}
    for a, term in enumerate(literal.terms):
        column = table[rows, 1 + a]
        if isinstance(term, Variable):
            if term.name in first:
                mask &= column == table[rows, 1 + first[term.name]]
            else:
                first[term.name] = a
        else:
            mask &= column == term_id(term)
    derived = program.derived[literal.predicate][rows]
    return [(literal.predicate, int(r)) for r in rows[mask & derived]]
