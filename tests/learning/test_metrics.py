"""Metrics against hand-computed values."""
from __future__ import annotations

import itertools

import numpy as np
import pytest

from neuralogic_lite.learning import metrics


def arrays(values):
    return [np.array([v]) for v in values]


OUT = arrays([0.9, 0.2, 0.6, 0.4, 0.8, 0.1])
TGT = arrays([1, 0, 1, 1, 0, 0])


def test_accuracy_and_best_threshold():
    assert metrics.accuracy(OUT, TGT) == pytest.approx(4 / 6)
    best, threshold = metrics.best_threshold_accuracy(OUT, TGT)
    # thresholds between outputs: predicting > 0.2 positive gets 0.4, 0.6, 0.9 right and 0.8 wrong
    assert best == pytest.approx(5 / 6)
    assert 0.2 <= threshold < 0.4


def test_auc_is_the_probability_a_positive_outranks_a_negative():
    y = [float(o[0]) for o in OUT]
    t = [int(x[0]) for x in TGT]
    pairs = [(p, n) for p, n in itertools.product(range(6), repeat=2) if t[p] == 1 and t[n] == 0]
    expected = np.mean([1.0 if y[p] > y[n] else 0.5 if y[p] == y[n] else 0.0 for p, n in pairs])
    assert metrics.auc_roc(OUT, TGT) == pytest.approx(expected)
    assert metrics.auc_roc(arrays([0.5, 0.5]), arrays([1, 0])) == 0.5


def test_dispersion_and_mse():
    assert metrics.dispersion(OUT, TGT) == pytest.approx((0.9 + 0.6 + 0.4) / 3 - (0.2 + 0.8 + 0.1) / 3)
    assert metrics.mse(arrays([1.0, 3.0]), arrays([0.0, 1.0])) == pytest.approx((1 + 4) / 2)


def test_vector_outputs_classify_by_their_largest_element():
    outputs = [np.array([0.1, 0.7, 0.2]), np.array([0.5, 0.3, 0.2])]
    targets = [np.array([0, 1, 0]), np.array([0, 0, 1])]
    assert metrics.accuracy(outputs, targets) == 0.5


def test_ranking_within_groups():
    # group a: the positive (0.7) is beaten by one negative (0.9): rank 2
    # group b: the positive is first; a tie with a negative counts one half: rank 1.5
    outputs = arrays([0.7, 0.9, 0.1, 0.5, 0.5, 0.2])
    targets = arrays([1, 0, 0, 1, 0, 0])
    groups = ["a", "a", "a", "b", "b", "b"]
    mrr, hits = metrics.ranking(outputs, targets, groups)
    assert mrr == pytest.approx((1 / 2 + 1 / 1.5) / 2)
    assert hits == {1: 0.0, 3: 1.0, 10: 1.0}
