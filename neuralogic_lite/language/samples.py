"""Examples and queries files to ``Sample``s, in the four layouts the reference engine reads.

1. labelled examples, ``1.0 predict :- facts.`` (several valued queries may share the head);
2. unlabelled examples ``facts.`` and a queries file ``1.0 predict.``, matched by position;
3. id-linked: examples ``e7 :- facts.`` and queries ``e7 :- 1.0 predict.``;
4. one example and many queries: every query is a sample over that one example
   (knowledge-base mode).
"""
from __future__ import annotations

import os

from ..errors import InputError
from .ir import Example, Fact, Literal, Query, Sample
from .parser import Clause, Conjunction, parse_statements
from .sources import read_source


def load_samples(examples_path: str | os.PathLike, queries_path: str | os.PathLike | None = None) -> list[Sample]:
    """Read the samples of an examples file and an optional queries file."""
    queries_text = read_source(queries_path) if queries_path is not None else None
    return parse_samples(read_source(examples_path), queries_text, str(examples_path),
                         str(queries_path) if queries_path is not None else None)


def parse_samples(examples_text: str, queries_text: str | None = None,
                  examples_file: str | None = None, queries_file: str | None = None) -> list[Sample]:
    """The samples of examples text and optional queries text, in file order."""
    examples = _statements(examples_text, examples_file, "examples")
    if queries_text is None:
        return _labelled(examples, examples_file)
    queries = _statements(queries_text, queries_file, "queries")
    if queries and all(isinstance(q, Clause) for q in queries):
        return _id_linked(examples, queries, examples_file)
    if any(isinstance(q, Clause) for q in queries):
        raise InputError(f"{queries_file or 'queries'}: mixes id-linked queries (e :- q.) with plain ones (q.)")
    return _positional(examples, queries, examples_file, queries_file)


def _statements(text: str, file: str | None, role: str) -> list[Clause | Conjunction]:
    statements = parse_statements(text, file)
    for s in statements:
        if not isinstance(s, (Clause, Conjunction)):
            raise InputError(f"{type(s).__name__} is not allowed in a {role} file", getattr(s, "location", None))
    return statements


def _query(literal: Literal, location) -> Query:
    target = literal.weight.value if literal.weight is not None else None
    return Query(Literal(literal.predicate, literal.terms, None, literal.negation, literal.hidden), target, location)


def _example(statement: Clause | Conjunction, id: str | None = None) -> Example:
    body = statement.body if isinstance(statement, Clause) else statement.literals
    return Example(tuple(Fact(lit) for lit in body), (), id, statement.location)


def _labelled(examples: list, file: str | None) -> list[Sample]:
    samples = []
    for statement in examples:
        if not isinstance(statement, Clause):
            raise InputError(f"{file or 'examples'}: an unlabelled example needs a queries file "
                             "(or label it: '1.0 predict :- facts.')", statement.location)
        example = _example(statement)
        samples.extend(Sample(_query(head, statement.location), example) for head in statement.heads)
    return samples


def _positional(examples: list, queries: list[Conjunction], examples_file, queries_file) -> list[Sample]:
    built = [_example(s) for s in examples]
    if len(built) == 1 and len(queries) > 1:   # knowledge-base mode: one shared example
        built = built * len(queries)
    if len(built) != len(queries):
        raise InputError(f"{len(examples)} example(s) in {examples_file or 'examples'} but "
                         f"{len(queries)} query line(s) in {queries_file or 'queries'}; "
                         "they are matched by position, so the counts must agree")
    return [Sample(_query(lit, loc), example)
            for example, line in zip(built, queries)
            for lit, loc in zip(line.literals, line.locations)]


def _id_linked(examples: list, queries: list[Clause], file: str | None) -> list[Sample]:
    by_id: dict[str, Example] = {}
    for statement in examples:
        if not isinstance(statement, Clause) or len(statement.heads) != 1 or statement.heads[0].terms:
            raise InputError("with id-linked queries (e :- q.), every example is written 'id :- facts.'",
                             statement.location)
        name = statement.heads[0].atom_text()
        by_id[name] = _example(statement, name)
    samples = []
    for statement in queries:
        name = statement.heads[0].atom_text()
        if name not in by_id:
            raise InputError(f"query id {name!r} names no example in {file or 'examples'}", statement.location)
        samples.extend(Sample(_query(lit, statement.location), by_id[name]) for lit in statement.body)
    return samples

