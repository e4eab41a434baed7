"""The training loop: epochs of the numba kernel, shuffling, model selection, stopping.

One kernel call runs a whole epoch.  Every ``select_every`` epochs (and before the first and
after the last) the model is evaluated on the training set, and on the validation set if
there is one; the snapshot with the lowest error on the validation set (else the training
set) is kept and returned, as the reference's CLI does.  ``select_every = 0`` turns model
selection off (PyNeuraLogic's ``train``): the last weights are returned.
"""
from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from ..engine.kernels import ADAM, SGD, Optimizer, sample_losses
from ..engine.runtime import Network
from ..errors import NeuraLogicLiteWarning, TrainingError
from ..settings import Settings
from . import metrics
from .losses import Loss

#: the kernel code of each of ``settings.OPTIMIZERS``
OPTIMIZERS = {"sgd": SGD, "adam": ADAM}


def optimizer_state(settings: Settings, learnable: np.ndarray, size: int) -> Optimizer:
    """A fresh optimizer for ``size`` parameter values (Adam betas 0.9, 0.999, eps 1e-8)."""
    return Optimizer(OPTIMIZERS[settings.optimizer], float(settings.learning_rate), 0.9, 0.999, 1e-8, np.zeros(size),
                     np.zeros(size), np.zeros(1, np.int64), learnable.astype(np.int8))


@dataclass
class Evaluation:
    """Outputs (as reported: probabilities for classification) and metrics of one sample set."""

    outputs: list[np.ndarray]
    metrics: dict[str, float]


def shape_mismatch(outputs: list[np.ndarray], targets: list[np.ndarray]) -> int | None:
    """The first sample whose target fits its output neither exactly nor as one broadcast value."""
    for i, (o, t) in enumerate(zip(outputs, targets)):
        if o.size and np.size(t) not in (1, o.size):
            return i
    return None


def evaluate(network: Network, values: np.ndarray, targets: list[np.ndarray], loss: Loss,
             groups: list | None = None) -> Evaluation:
    """Outputs and metrics; with targets that do not fit the outputs, outputs only (and a warning).

    ``groups`` (knowledge-base mode): a key per sample; positives are ranked among the
    negatives of their group for MRR and HITS@k."""
    raw = network.outputs(values)
    bad = shape_mismatch(raw, targets)
    if bad is not None:
        warnings.warn(f"the target of sample {bad} has {np.size(targets[bad])} values but its output has "
                      f"{raw[bad].size}; no metrics are computed", NeuraLogicLiteWarning, stacklevel=2)
        return Evaluation([loss.squash(o) if o.size else o for o in raw], {})
    kept = [i for i in range(len(raw)) if raw[i].size]
    shown = [loss.squash(raw[i]) for i in kept]
    errors = _loss_values(loss, [raw[i] for i in kept], [targets[i] for i in kept])
    report = metrics.summary(shown, [targets[i] for i in kept], loss.classification,
                             float(np.mean(errors)) if errors.size else float("nan"))
    outputs = [loss.squash(o) if o.size else o for o in raw]
    if groups is not None and kept:
        mrr, hits = metrics.ranking(shown, [targets[i] for i in kept], [groups[i] for i in kept])
        if mrr == mrr:
            report["mrr"] = mrr
            report.update({f"hits@{k}": v for k, v in hits.items()})
    return Evaluation(outputs, report)


def _loss_values(loss: Loss, outputs: list[np.ndarray], targets: list[np.ndarray]) -> np.ndarray:
    """Every sample's loss in one kernel call."""
    out_start = np.concatenate([[0], np.cumsum([o.size for o in outputs])]).astype(np.int64)
    target_start = np.concatenate([[0], np.cumsum([np.size(t) for t in targets])]).astype(np.int64)
    flat_out = np.concatenate(outputs).astype(np.float64) if outputs else np.zeros(0)
    flat_targets = np.concatenate([np.ravel(t) for t in targets]).astype(np.float64) if targets else np.zeros(0)
    return sample_losses(flat_out, out_start, flat_targets, target_start, loss.code, loss.factor)


@dataclass
class TrainResult:
    """The best parameters, when they were found, and the learning curve."""

    values: np.ndarray
    best_epoch: int
    history: list[dict] = field(default_factory=list)
    stopped: str | None = None     # None, "interrupted"


def train(network: Network, values: np.ndarray, targets: list[np.ndarray], settings: Settings, loss: Loss,
          validation: tuple[Network, np.ndarray, list[np.ndarray]] | None = None,
          on_epoch: Callable[[dict], None] | None = None, optimizer: Optimizer | None = None) -> TrainResult:
    """Train ``values`` (in place) for ``settings.epochs``; return the selected snapshot.

    ``validation`` is (network, its parameter vector, its targets); its template part is
    kept in step with ``values``.  ``optimizer`` continues an earlier run's optimizer state
    (Adam's moments and step counter).  Ctrl-C stops training and returns the best so far.
    """
    if optimizer is None:
        optimizer = optimizer_state(settings, _learnable(network), values.size)
    rng = np.random.default_rng(settings.seed)
    count = network.graph.sample_count
    best, best_error, best_epoch = values.copy(), math.inf, 0
    history: list[dict] = []
    template_size = network.graph.weights.template_size

    def select(epoch: int, record: dict) -> None:
        nonlocal best, best_error, best_epoch
        train_eval = evaluate(network, values, targets, loss)
        record.update({f"train_{k}": v for k, v in train_eval.metrics.items()})
        error = train_eval.metrics["loss"]
        if validation is not None:
            net, val_values, val_targets = validation
            val_values[:template_size] = values[:template_size]
            val_eval = evaluate(net, val_values, val_targets, loss)
            record.update({f"val_{k}": v for k, v in val_eval.metrics.items()})
            error = val_eval.metrics["loss"]
        if error < best_error:
            best, best_error, best_epoch = values.copy(), error, epoch

    record: dict = {"epoch": 0}
    if settings.select_every > 0:
        select(0, record)
    history.append(record)
    stopped = None
    try:
        for epoch in range(1, settings.epochs + 1):
            order = rng.permutation(count) if settings.shuffle else np.arange(count)
            losses, _, finite = network.epoch(values, optimizer, order, settings.batch_size, loss.code, loss.factor)
            if not finite or not np.isfinite(values).all():
                raise TrainingError(f"the loss became NaN or infinite in epoch {epoch} (try a smaller learning "
                                    f"rate than {settings.learning_rate}); the best model so far is from epoch "
                                    f"{best_epoch}")
            record = {"epoch": epoch, "loss": float(losses[network.graph.output >= 0].mean()) if count else 0.0}
            if settings.select_every <= 0:
                best, best_epoch = values, epoch
            elif epoch % settings.select_every == 0 or epoch == settings.epochs:
                select(epoch, record)
            history.append(record)
            if on_epoch is not None:
                on_epoch(record)
    except KeyboardInterrupt:
        stopped = "interrupted"
    values[:] = best
    return TrainResult(values.copy(), best_epoch, history, stopped)


def _learnable(network: Network) -> np.ndarray:
    return np.array(network.graph.weights.learnable, bool)
