"""Corrupted triples for knowledge-base completion: sampled negatives and all corruptions.

Triples are int64 rows ``(subject, relation, object)`` of entity and relation *indices*
(0 .. entities-1, 0 .. relations-1).  A corruption of ``(s, r, o)`` replaces the subject
(``head``), the object (``tail``) or, with ``both``, either one (each draw picks the side with
probability 1/2, as PyKEEN's basic sampler does).  Corruptions that are known triples
(``known``, which should hold every positive) are filtered out: a sampled one is drawn again,
and ``all_corruptions`` leaves them out.  Draws come from ``numpy.random.default_rng([seed,
epoch])``, so each epoch has its own negatives, the same for the same seed.

Plain numpy on whole arrays (no loop per triple): the same code serves the engine's training
mode (``kbc``) and the numpy reference of ``bench/kb_reference.py``.
"""
from __future__ import annotations

import numpy as np

from ..errors import InputError
from ..settings import CORRUPTS as CORRUPT

#: rounds of redrawing the filtered draws before the rest are chosen among their valid candidates
ROUNDS = 32


class Corruptor:
    """Corruptions of ``positives`` (P, 3) over ``entities`` entities, filtered by ``known`` (M, 3)."""

    def __init__(self, positives: np.ndarray, entities: int, relations: int, known: np.ndarray,
                 corrupt: str = "both"):
        if corrupt not in CORRUPT:
            raise InputError(f"corrupt must be one of {', '.join(CORRUPT)}, not {corrupt!r}")
        self.positives = np.ascontiguousarray(positives, np.int64).reshape(-1, 3)
        self.entities, self.relations, self.corrupt = int(entities), int(relations), corrupt
        self.known = np.unique(self.key(np.asarray(known, np.int64).reshape(-1, 3)))

    def key(self, triples: np.ndarray) -> np.ndarray:
        """One int64 per triple, equal iff the triples are."""
        return (triples[..., 0] * self.relations + triples[..., 1]) * self.entities + triples[..., 2]

    def is_known(self, triples: np.ndarray) -> np.ndarray:
        keys = self.key(triples)
        at = np.minimum(np.searchsorted(self.known, keys), max(self.known.shape[0] - 1, 0))
        return (self.known[at] == keys) if self.known.size else np.zeros(keys.shape, bool)

    def sample(self, k: int, seed: int, epoch: int = 0) -> np.ndarray:
        """(P, k, 3): ``k`` filtered corruptions of every positive, drawn for ``epoch``."""
        rng = np.random.default_rng([seed, epoch])
        p = self.positives.shape[0]
        out = np.repeat(self.positives[:, None, :], k, axis=1)
        side = self._sides(rng, (p, k))
        todo = np.ones((p, k), bool)
        for _ in range(ROUNDS):
            rows, cols = np.nonzero(todo)
            if rows.size == 0:
                return out
            column = side[rows, cols]
            out[rows, cols, column] = rng.integers(0, self.entities, rows.size)
            todo[rows, cols] = self.is_known(out[rows, cols])
        for row, col in zip(*np.nonzero(todo)):    # rare: almost every corruption of this one is known
            candidates = self._one_side(int(row), int(side[row, col]))
            if candidates.shape[0] == 0:
                other = self._one_side(int(row), 2 - int(side[row, col])) if self.corrupt == "both" else candidates
                if other.shape[0] == 0:
                    raise InputError(f"the triple {tuple(self.positives[row].tolist())} has no corruption that is "
                                     "not a known triple")
                candidates = other
            out[row, col] = candidates[rng.integers(0, candidates.shape[0])]
        return out

    def _sides(self, rng: np.random.Generator, shape) -> np.ndarray:
        """Which column each draw replaces: 0 (the subject) or 2 (the object)."""
        if self.corrupt == "head":
            return np.zeros(shape, np.int64)
        if self.corrupt == "tail":
            return np.full(shape, 2, np.int64)
        return np.where(rng.random(shape) < 0.5, 0, 2)

    def _one_side(self, row: int, column: int) -> np.ndarray:
        """Every filtered corruption of positive ``row`` in ``column``."""
        triples = np.repeat(self.positives[row:row + 1], self.entities, axis=0)
        triples[:, column] = np.arange(self.entities)
        return triples[~self.is_known(triples)]

    def groups(self) -> tuple[np.ndarray, np.ndarray]:
        """Every filtered corruption of every positive, as CSR: ``(start (P+1,), triples)``;
        positive i's are ``triples[start[i]:start[i+1]]``, heads before tails."""
        columns = {"head": (0,), "tail": (2,), "both": (0, 2)}[self.corrupt]
        p, n = self.positives.shape[0], self.entities
        parts = []
        for column in columns:
            triples = np.repeat(self.positives[:, None, :], n, axis=1)
            triples[:, :, column] = np.arange(n)
            parts.append(triples)
        triples = np.concatenate(parts, axis=1)                   # (P, sides * n, 3)
        keep = ~self.is_known(triples)
        start = np.zeros(p + 1, np.int64)
        np.cumsum(keep.sum(axis=1), out=start[1:])
        return start, triples[keep]

    def all_corruptions(self) -> np.ndarray:
        """Every filtered corruption of some positive, once each, sorted by key."""
        triples = self.groups()[1]
        _, first = np.unique(self.key(triples), return_index=True)
        return triples[first]


#: the metrics ``filtered_ranking`` reports, in order
RANKING_METRICS = ("mrr", "hits@1", "hits@3", "hits@10")


def filtered_ranking(score, test: np.ndarray, known: np.ndarray, entities: int, relations: int,
                     sides: tuple[str, ...] = ("head", "tail"), batch: int = 64) -> tuple[dict[str, float], np.ndarray]:
    """Filtered ranking of ``test`` triples: each one's object (``tail``) and subject (``head``)
    ranked among every entity, the other ``known`` triples left out (``metrics.filtered_ranks``,
    ties counted half).  ``score(triples (n, 3)) -> (n,)`` scores candidates, ``batch`` test
    triples (times every entity) at a time.  Returns ({metric: value}, the ranks: per side, per
    test triple)."""
    from . import metrics

    filt = Corruptor(np.zeros((0, 3), np.int64), entities, relations, known)
    test = np.asarray(test, np.int64).reshape(-1, 3)
    ranks = []
    for side in sides:
        column = {"head": 0, "tail": 2}[side]
        side_ranks = np.empty(test.shape[0])
        for first in range(0, test.shape[0], batch):
            chunk = test[first:first + batch]
            candidates = np.repeat(chunk[:, None, :], entities, axis=1)
            candidates[:, :, column] = np.arange(entities)
            scores = np.asarray(score(candidates.reshape(-1, 3)), np.float64).reshape(chunk.shape[0], entities)
            side_ranks[first:first + batch] = metrics.filtered_ranks(scores, chunk[:, column],
                                                                     filt.is_known(candidates))
        ranks.append(side_ranks)
    ranks = np.stack(ranks) if ranks else np.zeros((0, test.shape[0]))
    flat = ranks.ravel()
    report = {"mrr": metrics.mrr(flat)}
    report.update({f"hits@{k}": metrics.hits_at(flat, k) for k in (1, 3, 10)})
    return report, ranks
