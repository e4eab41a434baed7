"""Stratification: the order in which rules are evaluated, with negation kept out of cycles.

Predicates that depend on each other recursively form one component; components are
evaluated in dependency order.  A hard negation ``!p`` inside a component is negation
through recursion, which has no stratified meaning: that is an error naming the cycle.
"""
from __future__ import annotations

from dataclasses import dataclass

from ..errors import GroundingError
from ..language.symbols import PREDICATES
from .rules import CompiledRule


@dataclass(frozen=True)
class Stratum:
    """Rules whose heads form one strongly connected component of the dependency graph."""

    rules: tuple[CompiledRule, ...]
    recursive: bool


def _signature(predicate: int) -> str:
    name, arity, special = PREDICATES[predicate]
    return f"{'@' if special else ''}{name}/{arity}"


def stratify(rules: list[CompiledRule]) -> list[Stratum]:
    """Group ``rules`` into strata, in an order where every stratum's inputs come first."""
    heads = {r.head.predicate for r in rules}
    edges: dict[int, list[tuple[int, bool]]] = {p: [] for p in heads}   # head -> [(body pred, negated)]
    for r in rules:
        for p in r.body:
            if p.predicate in heads:
                edges[r.head.predicate].append((p.predicate, r.kind(p.literal) == "negated"))
    components = _components(sorted(heads), {h: [b for b, _ in e] for h, e in edges.items()})
    component_of = {p: i for i, comp in enumerate(components) for p in comp}
    for comp in components:
        for head in comp:
            for body, negated in edges[head]:
                if negated and component_of[body] == component_of[head]:
                    path = _cycle(body, head, edges, component_of)
                    cycle = " <- ".join(_signature(p) for p in [head, *path])
                    raise GroundingError(f"the template cannot be stratified: {_signature(head)} depends on "
                                         f"!{_signature(body)} through the recursion {cycle} "
                                         "(a hard negation may not be part of a cycle)")
    strata = []
    for comp in components:
        members = set(comp)
        comp_rules = tuple(r for r in rules if r.head.predicate in members)
        recursive = len(comp) > 1 or any(b in members for h in comp for b, _ in edges[h])
        strata.append(Stratum(comp_rules, recursive))
    return strata


def _components(nodes: list[int], successors: dict[int, list[int]]) -> list[list[int]]:
    """Tarjan's strongly connected components, dependencies first (iterative)."""
    index: dict[int, int] = {}
    low: dict[int, int] = {}
    on_stack: set[int] = set()
    stack: list[int] = []
    out: list[list[int]] = []
    for root in nodes:
        if root in index:
            continue
        work = [(root, 0)]
        while work:
            node, i = work.pop()
            if i == 0:
                index[node] = low[node] = len(index)
                stack.append(node)
                on_stack.add(node)
            succ = successors.get(node, [])
            if i < len(succ):
                work.append((node, i + 1))
                nxt = succ[i]
                if nxt not in index:
                    work.append((nxt, 0))
                elif nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
                continue
            if low[node] == index[node]:
                comp = []
                while True:
                    top = stack.pop()
                    on_stack.discard(top)
                    comp.append(top)
                    if top == node:
                        break
                out.append(sorted(comp))
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
    return out


def _cycle(start: int, goal: int, edges, component_of) -> list[int]:
    """Predicates on a dependency path from ``start`` to ``goal`` within their component."""
    comp = component_of[goal]
    paths = {start: [start]}
    frontier = [start]
    while frontier:
        node = frontier.pop(0)
        if node == goal:
            return paths[node]
        for body, _ in edges.get(node, []):
            if component_of.get(body) == comp and body not in paths:
                paths[body] = paths[node] + [body]
                frontier.append(body)
    return [start, goal]
