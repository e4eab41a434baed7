"""IR back to text: templates and samples in the reference engine's syntax.

Parsing what these functions write gives an equal IR (locations aside).
"""
from __future__ import annotations

from .ir import Example, Sample, Template


def write_template(template: Template) -> str:
    """The template as text, one statement per line."""
    return str(template)


def write_example(example: Example) -> str:
    """The facts of an example as one conjunction (without the final '.')."""
    return ", ".join(str(fact.literal) for fact in example.facts)


def _grouped(samples: list[Sample]) -> list[tuple[Example, list[Sample]]]:
    groups: dict[int, tuple[Example, list[Sample]]] = {}
    for sample in samples:
        groups.setdefault(id(sample.example), (sample.example, []))[1].append(sample)
    return list(groups.values())


def write_labelled_examples(samples: list[Sample]) -> str:
    """One file, one ``q1, q2 :- facts.`` line per example (layout 1)."""
    return "".join(f"{', '.join(str(s.query) for s in group)} :- {write_example(example)}.\n"
                   for example, group in _grouped(samples))


def write_examples_and_queries(samples: list[Sample]) -> tuple[str, str]:
    """Two files matched by position: ``facts.`` lines and ``q1, q2.`` lines (layout 2)."""
    groups = _grouped(samples)
    examples = "".join(f"{write_example(example)}.\n" for example, _ in groups)
    queries = "".join(f"{', '.join(str(s.query) for s in group)}.\n" for _, group in groups)
    return examples, queries
