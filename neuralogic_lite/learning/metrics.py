"""Evaluation metrics, as plain functions of outputs and targets (numpy arrays).

For classification the outputs are probabilities (already squashed).  Vector outputs are
classified by their largest element.  Knowledge-base ranking metrics group the queries by
predicate and first argument, and rank each positive among the negatives of its group.
``filtered_ranks`` is the knowledge-base completion setting: every candidate scored, the other
known true ones filtered out; ``mrr`` and ``hits_at`` read its ranks.
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


#: how a candidate scored equal to the true one counts: half (the expected rank when ties are
#: broken at random; PyKEEN's "realistic" rank), fully (worst case) or not at all (best case)
TIES = {"mean": 0.5, "pessimistic": 1.0, "optimistic": 0.0}


def filtered_ranks(scores, target, known=None, ties: str = "mean") -> np.ndarray:
    """The filtered rank of each query's true candidate, 1 the best, as floats.

    ``scores`` is (Q, N): query q's score for every candidate (higher is truer); ``target`` (Q,)
    the index of its true candidate; ``known`` an optional (Q, N) boolean mask of the other
    candidates known to be true (from train, valid and test), which are left out (the standard
    filtered setting; the target's own entry is ignored).  The rank is 1 plus the number of
    remaining candidates scored above the target plus ``TIES[ties]`` times those scored equal:
    with ``mean`` (the default, as ``ranking`` does) k tied candidates add k / 2, so a constant
    scorer ranks in the middle, not at the top.  A query whose row holds NaN ranks NaN.
    """
    scores = np.asarray(scores, np.float64)
    target = np.asarray(target)
    if ties not in TIES:
        raise ValueError(f"ties must be one of {', '.join(TIES)}, not {ties!r}")
    if scores.ndim != 2 or target.shape != (scores.shape[0],):
        raise ValueError(f"scores must be (queries, candidates) and target (queries,), not {scores.shape} and "
                         f"{target.shape}")
    if target.size and (not np.issubdtype(target.dtype, np.integer) or target.min() < 0
                        or target.max() >= scores.shape[1]):
        raise ValueError(f"target must hold candidate indices below {scores.shape[1]}")
    rows = np.arange(scores.shape[0])
    keep = np.ones(scores.shape, bool) if known is None else ~np.asarray(known, bool)
    if keep.shape != scores.shape:
        raise ValueError(f"known must have the shape of scores {scores.shape}, not {keep.shape}")
    keep[rows, target] = False                       # the target is not its own competitor
    true = scores[rows, target][:, None]
    above = ((scores > true) & keep).sum(axis=1)
    equal = ((scores == true) & keep).sum(axis=1)
    ranks = 1.0 + above + TIES[ties] * equal
    ranks[np.isnan(scores).any(axis=1)] = np.nan
    return ranks


def mrr(ranks) -> float:
    """Mean reciprocal rank (NaN for no ranks or a NaN rank)."""
    ranks = np.asarray(ranks, np.float64)
    return float(np.mean(1.0 / ranks)) if ranks.size else float("nan")


def hits_at(ranks, k: int) -> float:
    """Share of ranks of at most ``k`` (a mean rank of 1.5 is no hit at 1; NaN for no ranks or a NaN rank)."""
    ranks = np.asarray(ranks, np.float64)
    if not ranks.size or np.isnan(ranks).any():
        return float("nan")
    return float(np.mean(ranks <= k))


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
