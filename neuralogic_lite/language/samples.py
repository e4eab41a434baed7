"""Examples and queries files to ``Sample``s, in the four layouts the reference engine reads.

1. labelled examples, ``1.0 predict :- facts.`` (several valued queries may share a label);
2. unlabelled examples ``facts.`` and a queries file ``1.0 predict.``, matched by position;
3. id-linked: examples ``e7 :- facts.`` and queries ``e7 :- 1.0 predict.``;
4. one example and many queries: every query is a sample of that one example
   (knowledge-base mode).

An example may start with local rules, which apply to it alone: ``s(X) :- a(X). a(1).``
(unlabelled) or ``1.0 q :- s(X) :- a(X). a(1).`` (labelled).  A clause whose body is ground
starts a labelled example; one with variables is an example rule.
"""
from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass

from ..errors import InputError
from ..memory import large_arrays_apart
from .facts import FactStatement, as_statements, scan_statements
from .ir import Example, Fact, Literal, Query, Rule, Sample
from .parser import Clause, Conjunction
from .sources import read_source


def load_samples(examples_path: str | os.PathLike, queries_path: str | os.PathLike | None = None,
                 progress: Callable[[int, int], None] | None = None) -> list[Sample]:
    """Read the samples of an examples file and an optional queries file (``progress(bytes
    read, bytes)`` follows the examples file)."""
    large_arrays_apart()
    queries_text = read_source(queries_path) if queries_path is not None else None
    return parse_samples(read_source(examples_path), queries_text, str(examples_path),
                         str(queries_path) if queries_path is not None else None, progress)


def parse_samples(examples_text: str, queries_text: str | None = None,
                  examples_file: str | None = None, queries_file: str | None = None,
                  progress: Callable[[int, int], None] | None = None) -> list[Sample]:
    """The samples of examples text and optional queries text, in file order."""
    examples = _group_examples(_statements(examples_text, examples_file, "examples", progress), examples_file)
    if queries_text is None:
        return _labelled(examples, examples_file)
    lines = _statements(queries_text, queries_file, "queries")
    if lines and all(isinstance(q, Clause) for q in lines):
        return _id_linked(examples, lines, examples_file)
    if any(isinstance(q, Clause) for q in lines):
        bad = next(q for q in lines if isinstance(q, Clause))
        raise InputError("a queries file is either id-linked ('e7 :- 1.0 q.') or plain ('1.0 q.'), not both",
                         bad.location)
    return _positional(examples, lines, examples_file, queries_file)


@dataclass
class _Parsed:
    """An example as read: its label (if any), facts and local rules."""

    label: tuple[Literal, ...] | None
    example: Example


def read_statements(path: str | os.PathLike, role: str) -> list[Clause | Conjunction | FactStatement]:
    """The statements of an ``examples`` or ``queries`` file, read as ``load_samples`` reads them."""
    return _statements(read_source(path), str(path), role)


def _statements(text: str, file: str | None, role: str,
                progress=None) -> list[Clause | Conjunction | FactStatement]:
    """The statements of an examples file (ground facts stay columns) or a queries file."""
    statements = scan_statements(text, file, progress)
    if role == "queries":
        statements = as_statements(statements)
    for s in statements:
        if not isinstance(s, (Clause, Conjunction, FactStatement)):
            article = "an" if role == "examples" else "a"
            raise InputError(f"a template statement ({type(s).__name__}) is not allowed in {article} {role} file",
                             getattr(s, "location", None))
    return statements


def _is_ground(literals) -> bool:
    return all(lit.is_ground for lit in literals)


def _local_rule(clause: Clause) -> Rule:
    if len(clause.heads) != 1:
        raise InputError("an example rule has one head literal", clause.location)
    return Rule(clause.heads[0], clause.body, clause.offset, clause.metadata, clause.location)


def _group_examples(statements: list, file: str | None) -> list[_Parsed]:
    """Split the statements into examples: ``[label :-] rule. ... facts.`` or ``label :- facts.``."""
    out: list[_Parsed] = []
    label, rules, start = None, [], None
    for s in statements:
        if isinstance(s, FactStatement):
            if s.heads is None:
                out.append(_Parsed(label, Example(s.facts, tuple(rules), None, start or s.location)))
                label, rules, start = None, [], None
                continue
            if not rules:
                out.append(_Parsed(s.heads, Example(s.facts, (), None, s.location)))
                continue
            s = s.as_statement()
        if isinstance(s, Clause) and s.label is None and not rules and _is_ground(s.body) and s.offset is None:
            out.append(_Parsed(s.heads, Example(tuple(Fact(lit) for lit in s.body), (), None, s.location)))
            continue
        if isinstance(s, Clause):
            if s.label is not None:
                if rules:
                    raise InputError("a labelled example starts before the previous example's facts",
                                     s.location)
                label = s.label
            start = start or s.location
            rules.append(_local_rule(s))
            continue
        facts = tuple(Fact(lit, loc) for lit, loc in zip(s.literals, s.locations))
        for fact in facts:
            if not fact.literal.is_ground:
                raise InputError(f"example fact {fact.literal} has variables", fact.location)
        out.append(_Parsed(label, Example(facts, tuple(rules), None, start or s.location)))
        label, rules, start = None, [], None
    if rules:
        raise InputError(f"{file or 'examples'}: the last example has rules but no facts (missing 'facts.')",
                         rules[-1].location)
    return out


def _query(literal: Literal, location) -> Query:
    target = literal.weight.value if literal.weight is not None else None
    return Query(Literal(literal.predicate, literal.terms, None, literal.negation, literal.hidden), target, location)


def _labelled(examples: list[_Parsed], file: str | None) -> list[Sample]:
    samples = []
    for parsed in examples:
        if parsed.label is None:
            raise InputError("an unlabelled example needs a queries file (or a label: '1.0 predict :- facts.')",
                             parsed.example.location)
        samples.extend(Sample(_query(lit, parsed.example.location), parsed.example) for lit in parsed.label)
    return samples


def _positional(examples: list[_Parsed], lines: list[Conjunction], examples_file, queries_file) -> list[Sample]:
    if len(examples) == 1:   # knowledge-base mode: every query asks the one example
        return [Sample(_query(lit, loc), examples[0].example)
                for line in lines for lit, loc in zip(line.literals, line.locations)]
    if len(examples) != len(lines):
        raise InputError(f"{len(examples)} examples in {examples_file or 'examples'} but {len(lines)} query "
                         f"lines in {queries_file or 'queries'}; they are matched by position, so the counts "
                         "must agree")
    return [Sample(_query(lit, loc), parsed.example)
            for parsed, line in zip(examples, lines)
            for lit, loc in zip(line.literals, line.locations)]


def _id_linked(examples: list[_Parsed], lines: list[Clause], file: str | None) -> list[Sample]:
    by_id: dict[str, Example] = {}
    for parsed in examples:
        if parsed.label is None or len(parsed.label) != 1:
            raise InputError("with id-linked queries ('e7 :- 1.0 q.'), every example is written 'e7 :- facts.'",
                             parsed.example.location)
        name = parsed.label[0].atom_text()
        e = parsed.example
        _once(by_id, name, Example(e.facts, e.rules, name, e.location), f"the example id {name!r} is used twice")
    samples, asked = [], {}
    for line in lines:
        name = line.heads[0].atom_text()
        if name not in by_id:
            raise InputError(f"query id {name!r} names no example in {file or 'examples'}", line.location)
        for lit in line.body:
            query = _query(lit, line.location)
            _once(asked, (name, query.literal), query, f"example {name!r} is asked {query.literal} twice")
            samples.append(Sample(query, by_id[name]))
    return samples


def _once(seen: dict, key, item, what: str) -> None:
    """Record ``item`` under ``key``; a key seen before is an error naming both places (a
    later one would silently replace the earlier, or ask the same thing twice)."""
    if key in seen:
        raise InputError(f"{what}: first at {seen[key].location}", item.location)
    seen[key] = item
