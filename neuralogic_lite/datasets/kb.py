"""A synthetic knowledge base from a seed: entities, relations and distinct (S, R, O) facts.

Made to measure grounding at knowledge-base scale and to be learnable by the zoo's DistMult
and TransE.  Entities are ``e0 .. e{N-1}``, relations ``r0 .. r{R-1}``; the first relations
carry planted structure (when there are enough relations to keep at least one free one):

* ``r0`` is symmetric: ``r0(a, b)`` holds iff ``r0(b, a)`` does (R >= 2);
* ``r2`` is the inverse of ``r1``: ``r2(b, a)`` iff ``r1(a, b)`` (R >= 4);
* ``r5`` is the composition of ``r3`` and ``r4``: ``r5(x, z)`` iff ``r3(x, y), r4(y, z)`` for
  some ``y`` (R >= 7);

every other relation holds between random distinct entities.  Each planted relation gets
about ``F / R`` facts, the free relations share the rest, so the total is exactly ``F``.
The data is one example (knowledge-base mode): ``examples.txt`` holds the facts
``r3(e1, e7), ...`` as one statement; ``queries.txt`` asks every fact as a triple ``1.0 predict(e1, r3, e7).``,
each followed by a corrupted copy (another object, neither a fact nor asked before) with
target 0.0, as ``datasets/family/link_queries.txt`` does; ``template.txt`` is the zoo's
DistMult over these entities and relations.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import InputError

SYMMETRIC, INVERSE, COMPOSITION = "symmetric", "inverse", "composition"
#: planted structures in the order relations are given to them, and how many each uses
_PLANTS = ((SYMMETRIC, 1), (INVERSE, 2), (COMPOSITION, 3))


@dataclass(frozen=True)
class KnowledgeBase:
    """Facts as an (F, 3) int array of (subject, relation, object) indices, sorted, distinct;
    ``planted`` maps each planted structure to the relation indices it uses."""

    entities: int
    relations: int
    facts: np.ndarray
    planted: dict[str, tuple[int, ...]]

    def entity_names(self) -> list[str]:
        return [f"e{i}" for i in range(self.entities)]

    def relation_names(self) -> list[str]:
        return [f"r{i}" for i in range(self.relations)]


def _check(entities: int, relations: int, facts: int) -> None:
    for name, value, least in (("entities", entities, 2), ("relations", relations, 1), ("facts", facts, 1)):
        if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value < least:
            raise InputError(f"{name} must be an integer of at least {least}, not {value!r}")
    most = relations * entities * (entities - 1)
    if facts > most // 2:
        raise InputError(f"{facts} facts are too many for {entities} entities and {relations} relations: "
                         f"at most {most // 2} (half of the {most} triples between distinct entities), so that "
                         "every fact has a corrupted copy")


def _pairs(rng: np.random.Generator, n: int, count: int) -> np.ndarray:
    """``count`` distinct ordered pairs (a, b) of distinct entities below ``n``."""
    chosen = rng.choice(n * (n - 1), size=count, replace=False)
    a, b = np.divmod(chosen, n - 1)
    return np.stack([a, b + (b >= a)], axis=1)


def _triples(subject_object: np.ndarray, relation: int) -> np.ndarray:
    return np.stack([subject_object[:, 0], np.full(subject_object.shape[0], relation), subject_object[:, 1]], axis=1)


def _compose(first: np.ndarray, second: np.ndarray) -> np.ndarray:
    """Distinct (x, z) with (x, y) in ``first`` and (y, z) in ``second``."""
    order = np.argsort(second[:, 0], kind="stable")
    second = second[order]
    lo = np.searchsorted(second[:, 0], first[:, 1], "left")
    hi = np.searchsorted(second[:, 0], first[:, 1], "right")
    x = np.repeat(first[:, 0], hi - lo)
    z = second[np.concatenate([np.arange(a, b) for a, b in zip(lo, hi)] or [np.empty(0, np.int64)]), 1]
    return np.unique(np.stack([x, z.astype(np.int64)], axis=1), axis=0)


def _planted(rng, n: int, share: int, plant: str, first: int) -> np.ndarray:
    """The facts of one planted structure on relations ``first, first + 1, ...``."""
    if plant == SYMMETRIC:
        a, b = np.triu_indices(n, 1)
        chosen = rng.choice(a.shape[0], size=min(share // 2, a.shape[0]), replace=False)
        pairs = np.stack([a[chosen], b[chosen]], axis=1)
        return _triples(np.concatenate([pairs, pairs[:, ::-1]]), first)
    if plant == INVERSE:
        pairs = _pairs(rng, n, min(share, n * (n - 1)))
        return np.concatenate([_triples(pairs, first), _triples(pairs[:, ::-1], first + 1)])
    # composition: k facts in each factor give about k^2 / n composed ones; aim for ``share``
    k = min(share, n * (n - 1), int(round(np.sqrt(share * n))))
    while True:
        left, right = _pairs(rng, n, k), _pairs(rng, n, k)
        composed = _compose(left, right)
        if composed.shape[0] <= 2 * share or k == 0:
            return np.concatenate([_triples(left, first), _triples(right, first + 1), _triples(composed, first + 2)])
        k //= 2


def generate(entities: int, relations: int, facts: int, seed: int = 0) -> KnowledgeBase:
    """A knowledge base of exactly ``facts`` distinct triples, the same for the same arguments."""
    _check(entities, relations, facts)
    rng = np.random.default_rng(seed)
    share = facts // relations
    planted: dict[str, tuple[int, ...]] = {}
    parts = [np.empty((0, 3), np.int64)]
    used = 0
    for plant, width in _PLANTS:
        if used + width >= relations:      # keep at least one free relation
            break
        rows = _planted(rng, entities, share, plant, used)
        rest = facts - sum(p.shape[0] for p in parts) - rows.shape[0]
        if rest < 0 or rest > (relations - used - width) * entities * (entities - 1):
            break
        parts.append(rows)
        planted[plant] = tuple(range(used, used + width))
        used += width
    rest = facts - sum(p.shape[0] for p in parts)
    free = relations - used
    pair_space = entities * (entities - 1)
    chosen = rng.choice(free * pair_space, size=rest, replace=False)
    relation, pair = np.divmod(chosen, pair_space)
    a, b = np.divmod(pair, entities - 1)
    parts.append(np.stack([a, relation + used, b + (b >= a)], axis=1))
    table = np.unique(np.concatenate(parts).astype(np.int64), axis=0)   # sorted by subject, relation, object
    assert table.shape[0] == facts
    order = np.lexsort((table[:, 2], table[:, 0], table[:, 1]))         # by relation, then subject, object
    return KnowledgeBase(entities, relations, table[order], planted)


def corrupted(kb: KnowledgeBase, seed: int = 0) -> np.ndarray:
    """For every fact (s, r, o), an object o' such that (s, r, o') is neither a fact nor an
    earlier corruption (-1 where every object of (s, r) is taken)."""
    rng = np.random.default_rng([seed, 1])
    n = kb.entities
    taken = set(map(tuple, kb.facts.tolist()))
    out = np.full(kb.facts.shape[0], -1, np.int64)
    draws = rng.integers(0, n, size=(kb.facts.shape[0], 8))
    for i, (s, r, _) in enumerate(kb.facts.tolist()):
        c = next((int(c) for c in draws[i] if (s, r, int(c)) not in taken), None)
        if c is None:   # rare: the quick draws all hit, try every object in a random order
            c = next((int(c) for c in rng.permutation(n) if (s, r, int(c)) not in taken), None)
        if c is not None:
            taken.add((s, r, c))
            out[i] = c
    return out


def _description(kb: KnowledgeBase, seed: int) -> list[str]:
    lines = [f"A synthetic knowledge base (neuralogic_lite.datasets.kb, seed {seed}): {kb.entities} entities, "
             f"{kb.relations} relations, {kb.facts.shape[0]} facts.  One example (knowledge-base mode)."]
    r = kb.planted
    if SYMMETRIC in r:
        lines.append(f"Planted: r{r[SYMMETRIC][0]} is symmetric.")
    if INVERSE in r:
        a, b = r[INVERSE]
        lines.append(f"Planted: r{b}(Y, X) holds iff r{a}(X, Y) does.")
    if COMPOSITION in r:
        a, b, c = r[COMPOSITION]
        lines.append(f"Planted: r{c}(X, Z) holds iff r{a}(X, Y), r{b}(Y, Z) for some Y.")
    lines.append("The other relations hold between random distinct entities.")
    return lines


def kb_files(entities: int, relations: int, facts: int, seed: int = 0, dim: int = 10) -> dict[str, str]:
    """``examples.txt`` (the facts), ``queries.txt`` (each fact as ``1.0 predict(S, R, O).`` and
    a corrupted copy as 0.0) and ``template.txt`` (zoo DistMult of width ``dim``)."""
    from ..zoo import distmult
    kb = generate(entities, relations, facts, seed)
    e, r = kb.entity_names(), kb.relation_names()
    about = "".join(f"% {line}\n" for line in _description(kb, seed))
    atoms = [f"{r[b]}({e[a]}, {e[c]})" for a, b, c in kb.facts.tolist()]
    lines = [", ".join(atoms[i:i + 6]) for i in range(0, len(atoms), 6)]
    examples = about + ",\n".join(lines) + ".\n"      # one statement: the one example
    negatives = corrupted(kb, seed)
    queries = ("% Link prediction: every fact of examples.txt as a triple with target 1.0, each followed by a\n"
               "% corrupted copy (another object, not a fact) with target 0.0.\n")
    queries += "".join(f"1.0 predict({e[a]}, {r[b]}, {e[c]})." + (f"  0.0 predict({e[a]}, {r[b]}, {e[x]}).\n"
                                                                    if x >= 0 else "\n")
                       for (a, b, c), x in zip(kb.facts.tolist(), negatives.tolist()))
    return {"examples.txt": examples, "queries.txt": queries, "template.txt": distmult(e, r, dim)}
