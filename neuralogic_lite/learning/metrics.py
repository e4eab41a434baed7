"""Evaluation metrics, as plain functions of outputs and targets (numpy arrays).

For classification the outputs are probabilities (already squashed).  Vector outputs are
classified by their largest element.  Knowledge-base ranking metrics group the queries by
predicate and first argument, and rank each positive among the negatives of its group.
"""
from __future__ import annotations

import numpy as np
from scipy.stats import rankdata


def mse(outputs: list[np.ndarray], targets: list[np.ndarray]) -> float:
    return float(np.mean([np.mean((np.ravel(o) - np.ravel(t)) ** 2) for o, t in zip(outputs, targets)]))


def _scalars(outputs, targets) -> tuple[np.ndarray, np.ndarray]:
    return np.array([float(np.ravel(o)[0]) for o in outputs]), np.array([float(np.ravel(t)[0]) for t in targets])


def accuracy(outputs, targets, threshold: float = 0.5) -> float:
    """Share of samples classified right (the threshold applies to scalar outputs)."""
    if any(np.size(t) > 1 for t in targets):
        return float(np.mean([np.argmax(o) == np.argmax(t) for o, t in zip(outputs, targets)]))
    y, t = _scalars(outputs, targets)
    return float(np.mean((y > threshold) == (t > 0.5)))


def best_threshold_accuracy(outputs, targets) -> tuple[float, float]:
    """(accuracy, threshold): the best accuracy any threshold between outputs achieves
    (samples with an output above the threshold are called positive)."""
    y, t = _scalars(outputs, targets)
    if y.size == 0:
        return float("nan"), 0.0
    positive = t > 0.5
    order = np.argsort(y, kind="mergesort")
    ys, ps = y[order], positive[order]
    # a threshold at the i-th distinct output calls everything up to it negative
    correct = ps.sum() + np.cumsum(np.where(ps, -1, 1))
    last_of_value = np.r_[ys[1:] != ys[:-1], True]
    candidates = np.r_[ps.sum(), correct[last_of_value]]
    thresholds = np.r_[ys[0] - 1.0, ys[last_of_value]]
    best = int(np.argmax(candidates))
    return float(candidates[best]) / y.size, float(thresholds[best])


def auc_roc(outputs, targets) -> float:
    """Area under the ROC curve (ties count one half); NaN with a single class."""
    y, t = _scalars(outputs, targets)
    positive = t > 0.5
    n_pos, n_neg = int(positive.sum()), int((~positive).sum())
    if n_pos == 0 or n_neg == 0:
        return float("nan")
    ranks = rankdata(y)   # average ranks over ties
    return float((ranks[positive].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def dispersion(outputs, targets) -> float:
    """Mean output on positives minus mean output on negatives."""
    y, t = _scalars(outputs, targets)
    positive = t > 0.5
    if positive.all() or not positive.any():
        return float("nan")
    return float(y[positive].mean() - y[~positive].mean())


def ranking(outputs, targets, groups: list) -> tuple[float, dict[int, float]]:
    """(MRR, {k: HITS@k}) of the positives, each ranked within its group (ties: average)."""
    y, t = _scalars(outputs, targets)
    if np.isnan(y).any():
        return float("nan"), {}
    by_group: dict = {}
    for i, g in enumerate(groups):
        by_group.setdefault(g, []).append(i)
    reciprocal, ranks = [], []
    for members in by_group.values():
        members = np.array(members)
        negatives = y[members[t[members] <= 0.5]]
        for i in members[t[members] > 0.5]:
            rank = 1 + (negatives > y[i]).sum() + 0.5 * (negatives == y[i]).sum()
            reciprocal.append(1.0 / rank)
            ranks.append(rank)
    if not ranks:
        return float("nan"), {}
    ranks = np.array(ranks)
    return float(np.mean(reciprocal)), {k: float(np.mean(ranks <= k)) for k in (1, 3, 10)}


def summary(outputs, targets, classification: bool, loss: float | None = None) -> dict[str, float]:
    """The standard metrics of a run, by name.  Outputs that hold NaN make every metric NaN:
    NaN compares false with any threshold, which would read as a real (wrong) score."""
    out: dict[str, float] = {}
    if loss is not None:
        out["loss"] = float(loss)
    out["mse"] = mse(outputs, targets)
    if classification and outputs:
        out["accuracy"] = accuracy(outputs, targets)
        if all(np.size(t) == 1 for t in targets):
            out["best_accuracy"] = best_threshold_accuracy(outputs, targets)[0]
            out["auc"] = auc_roc(outputs, targets)
            out["dispersion"] = dispersion(outputs, targets)
    if any(np.isnan(o).any() for o in outputs):
        out = dict.fromkeys(out, float("nan"))
    return out
