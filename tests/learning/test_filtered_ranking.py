"""Filtered ranking (knowledge-base completion): ranks against a brute-force loop over every
candidate, ties included, a case checked by hand, and MRR / Hits@k from the ranks."""
from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from neuralogic_lite.learning.metrics import TIES, filtered_ranks, hits_at, mrr


def brute_force(scores, target, known, ties):
    """Rank by looking at every candidate, one at a time, in plain Python."""
    weight = {"mean": 0.5, "pessimistic": 1.0, "optimistic": 0.0}[ties]
    ranks = []
    for q, row in enumerate(scores):
        t = target[q]
        rank = 1.0
        for c, score in enumerate(row):
            if c == t or known[q][c]:
                continue
            if score > row[t]:
                rank += 1
            elif score == row[t]:
                rank += weight
        ranks.append(rank)
    return ranks


def brute_mrr(ranks):
    return sum(1 / r for r in ranks) / len(ranks)


def brute_hits(ranks, k):
    return sum(r <= k for r in ranks) / len(ranks)


def test_a_tiny_case_by_hand():
    # query 0: true candidate 1 (score 0.5); candidate 0 (0.9) beats it but is another known true
    #   triple (filtered), candidate 2 (0.7) beats it, candidate 3 ties with it  -> 1 + 1 + 1/2 = 2.5
    # query 1: true candidate 0 (0.2) is the best, candidate 3 ties but is filtered -> 1
    # query 2: true candidate 3 (0.0) below 2 candidates, tied with one            -> 1 + 2 + 1/2 = 3.5
    scores = [[0.9, 0.5, 0.7, 0.5], [0.2, 0.1, 0.0, 0.2], [0.3, 0.0, 0.1, 0.0]]
    target = [1, 0, 3]
    known = [[True, True, False, False], [False, False, False, True], [False, False, False, False]]
    ranks = filtered_ranks(scores, target, known)
    assert ranks.tolist() == [2.5, 1.0, 3.5]
    assert filtered_ranks(scores, target, known, ties="pessimistic").tolist() == [3.0, 1.0, 4.0]
    assert filtered_ranks(scores, target, known, ties="optimistic").tolist() == [2.0, 1.0, 3.0]
    assert filtered_ranks(scores, target).tolist() == [3.5, 1.5, 3.5]       # raw: nothing filtered
    assert mrr(ranks) == pytest.approx((1 / 2.5 + 1 + 1 / 3.5) / 3)
    assert hits_at(ranks, 1) == pytest.approx(1 / 3) and hits_at(ranks, 3) == pytest.approx(2 / 3)
    assert hits_at(ranks, 10) == 1.0


@pytest.mark.parametrize("seed", range(20))
@pytest.mark.parametrize("ties", list(TIES))
def test_equals_brute_force_on_random_scores_with_ties(seed, ties):
    rng = np.random.default_rng(seed)
    queries, candidates = rng.integers(1, 12), rng.integers(1, 30)
    # few distinct values, so many ties; every other seed real-valued scores
    scores = (rng.integers(0, 4, (queries, candidates)).astype(float) if seed % 2 == 0
              else rng.normal(size=(queries, candidates)))
    target = rng.integers(0, candidates, queries)
    known = rng.random((queries, candidates)) < 0.3
    ranks = filtered_ranks(scores, target, known, ties)
    expected = brute_force(scores.tolist(), target.tolist(), known.tolist(), ties)
    assert ranks.tolist() == expected
    assert mrr(ranks) == pytest.approx(brute_mrr(expected), rel=1e-12)
    for k in (1, 3, 10):
        assert hits_at(ranks, k) == brute_hits(expected, k)


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_equals_brute_force_for_any_small_case(data):
    queries = data.draw(st.integers(1, 5))
    candidates = data.draw(st.integers(1, 6))
    values = st.sampled_from([-1.0, 0.0, 0.5, 2.0])
    scores = data.draw(st.lists(st.lists(values, min_size=candidates, max_size=candidates),
                                min_size=queries, max_size=queries))
    target = data.draw(st.lists(st.integers(0, candidates - 1), min_size=queries, max_size=queries))
    known = data.draw(st.lists(st.lists(st.booleans(), min_size=candidates, max_size=candidates),
                               min_size=queries, max_size=queries))
    ties = data.draw(st.sampled_from(list(TIES)))
    assert filtered_ranks(scores, target, known, ties).tolist() == brute_force(scores, target, known, ties)


def test_filtering_the_target_itself_changes_nothing_and_ranks_are_bounded():
    rng = np.random.default_rng(7)
    scores = rng.integers(0, 3, (50, 20)).astype(float)
    target = rng.integers(0, 20, 50)
    known = rng.random((50, 20)) < 0.5
    with_target = known.copy()
    with_target[np.arange(50), target] = True
    ranks = filtered_ranks(scores, target, known)
    assert np.array_equal(ranks, filtered_ranks(scores, target, with_target))
    assert (ranks >= 1).all() and (ranks <= 20).all()
    assert (ranks <= filtered_ranks(scores, target)).all()      # filtering never makes a rank worse


def test_a_constant_scorer_ranks_in_the_middle():
    ranks = filtered_ranks(np.zeros((3, 11)), [0, 5, 10])
    assert ranks.tolist() == [6.0, 6.0, 6.0]
    assert filtered_ranks(np.zeros((1, 11)), [0], ties="pessimistic").tolist() == [11.0]


def test_nan_scores_rank_nan_and_empty_input_gives_nan():
    ranks = filtered_ranks([[1.0, float("nan")], [1.0, 0.0]], [0, 0])
    assert math.isnan(ranks[0]) and ranks[1] == 1.0
    assert math.isnan(mrr(ranks)) and math.isnan(hits_at(ranks, 1))
    empty = filtered_ranks(np.zeros((0, 4)), np.zeros(0, np.int64))
    assert empty.shape == (0,) and math.isnan(mrr(empty)) and math.isnan(hits_at(empty, 10))


@pytest.mark.parametrize("args, message", [
    (([1.0, 2.0], [0]), "scores must be"),
    (([[1.0, 2.0]], [0, 1]), "scores must be"),
    (([[1.0, 2.0]], [2]), "target must hold"),
    (([[1.0, 2.0]], [0.0]), "target must hold"),
    (([[1.0, 2.0]], [0], [[True]]), "known must have"),
])
def test_bad_shapes_are_errors(args, message):
    with pytest.raises(ValueError, match=message):
        filtered_ranks(*args)
    with pytest.raises(ValueError, match="ties must be"):
        filtered_ranks([[1.0]], [0], ties="random")
