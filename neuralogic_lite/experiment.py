"""A training run as users ask for it: train, validate, test, or cross-validate; one report.

``run`` builds each sample set once, trains, and evaluates the selected model on every set;
``cross_validate`` does that for stratified folds shuffled by the seed.  The report holds what
``nlite train`` prints and writes: settings, metrics, predictions, network sizes before and
after lifting, timings per stage and the learning curve.
"""
from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass, field
from typing import Callable, Sequence

import numpy as np

from .errors import NeuraLogicLiteError
from .jit import compiling
from .language import Sample, Template
from .learning.trainer import TrainResult
from .model import Built, Model
from .settings import Settings


@dataclass
class Predictions:
    """One sample set's queries, targets and outputs (probabilities for classification)."""

    queries: list[str]
    targets: list[np.ndarray]
    outputs: list[np.ndarray]


@dataclass
class Report:
    """Everything one training run produced."""

    settings: Settings
    metrics: dict[str, dict[str, float]] = field(default_factory=dict)      # split -> metric -> value
    predictions: dict[str, Predictions] = field(default_factory=dict)
    sizes: dict[str, dict] = field(default_factory=dict)                    # split -> neurons/edges, lifting
    timings: dict[str, float] = field(default_factory=dict)
    history: list[dict] = field(default_factory=list)
    best_epoch: int = 0
    stopped: str | None = None
    model: Model | None = None

    def about(self) -> dict:
        """What a saved model says of itself: the epoch kept and its metrics per set."""
        return {"epoch": self.best_epoch, "stopped": self.stopped, "metrics": self.metrics}

    def as_json(self) -> dict:
        return {"settings": dataclasses.asdict(self.settings), "metrics": self.metrics, "sizes": self.sizes,
                "timings_s": self.timings, "best_epoch": self.best_epoch, "stopped": self.stopped,
                "history": self.history}


def _predictions(model: Model, built: Built) -> tuple[Predictions, dict[str, float]]:
    evaluation = model.evaluate(built)
    return Predictions(built.queries(), built.targets, evaluation.outputs), evaluation.metrics


def run(template: Template, train: Sequence[Sample], settings: Settings,
        validation: Sequence[Sample] | None = None, test: Sequence[Sample] | None = None,
        on_epoch: Callable[[dict], None] | None = None,
        on_build: Callable[[str, str, int, int], None] | None = None,
        build: Callable | None = None) -> Report:
    """Train on ``train`` (selecting on ``validation`` if given) and evaluate on every set.
    ``on_build(set, stage, examples done, examples)`` follows the building of each set.
    ``build(model, set, told)`` builds a set (default ``model.build``; ``cluster.Cluster.build``
    takes ``SampleFiles`` and builds on the cluster)."""
    report = Report(settings)
    compiled_before = compiling.seconds
    model = Model(template, settings)
    report.model = model
    built: dict[str, Built] = {}
    for name, samples in (("train", train), ("validation", validation), ("test", test)):
        if samples is None:
            continue
        if not samples:
            raise NeuraLogicLiteError(f"the {name} set has no samples")
        told = (lambda stage, done, total, name=name: on_build(name, stage, done, total)) if on_build else None
        built[name] = build(model, samples, told) if build is not None else model.build(samples, told)
        for stage, seconds in built[name].timings.items():
            if isinstance(seconds, float):
                report.timings[f"{name}_{stage}"] = seconds
        report.sizes[name] = built[name].sizes()
    start, compiled = time.perf_counter(), compiling.seconds
    result: TrainResult = model.fit(built["train"], built.get("validation"), on_epoch)
    # a first run compiles the training kernels here: that is not training
    report.timings["train_s"] = time.perf_counter() - start - (compiling.seconds - compiled)
    report.history, report.best_epoch, report.stopped = result.history, result.best_epoch, result.stopped
    for name, b in built.items():
        report.predictions[name], report.metrics[name] = _predictions(model, b)
    report.timings["compile_s"] = compiling.seconds - compiled_before
    return report


def folds(samples: Sequence[Sample], k: int, seed: int) -> list[list[int]]:
    """Stratified folds: sample indices shuffled by ``seed``, dealt class by class."""
    if k < 2:
        raise NeuraLogicLiteError(f"cross-validation needs at least 2 folds, not {k}")
    if k > len(samples):
        raise NeuraLogicLiteError(f"{k} folds but only {len(samples)} samples")
    rng = np.random.default_rng(seed)
    classes: dict[str, list[int]] = {}
    for i, sample in enumerate(samples):
        target = sample.query.target
        classes.setdefault("none" if target is None else target.text, []).append(i)
    out: list[list[int]] = [[] for _ in range(k)]
    position = 0
    for members in classes.values():
        for i in rng.permutation(members):
            out[position % k].append(int(i))
            position += 1
    return [sorted(fold) for fold in out]


def cross_validate(template: Template, samples: Sequence[Sample], settings: Settings, k: int,
                   on_epoch: Callable[[int, dict], None] | None = None,
                   on_build: Callable[[str, str, int, int], None] | None = None) -> tuple[list[Report], dict]:
    """``k`` runs, each testing on one fold; returns the reports and the mean and std per metric.

    An interruption (Ctrl-C, or SIGTERM from the CLI) ends the whole cross-validation: the
    reports of the folds so far are returned (the last one ``stopped``), and the summary
    counts the finished folds only."""
    samples = list(samples)
    reports: list[Report] = []
    for f, held_out in enumerate(folds(samples, k, settings.seed)):
        chosen = set(held_out)
        train = [s for i, s in enumerate(samples) if i not in chosen]
        callback = (lambda record, f=f: on_epoch(f, record)) if on_epoch else None
        try:
            reports.append(run(template, train, settings, test=[samples[i] for i in held_out], on_epoch=callback,
                               on_build=on_build))
        except KeyboardInterrupt:       # while building a fold: the folds before it still count
            if not reports:
                raise
            break
        if reports[-1].stopped is not None:     # one Ctrl-C ends the whole run, not one fold
            break
    return reports, _summary([r for r in reports if r.stopped is None])


def _summary(reports: list[Report]) -> dict[str, dict[str, tuple[float, float]]]:
    """The mean and standard deviation of every metric all ``reports`` have, per split."""
    summary = {}
    for split in ("train", "test"):
        names = set.intersection(*(set(r.metrics.get(split, {})) for r in reports)) if reports else set()
        summary[split] = {m: (float(np.mean([r.metrics[split][m] for r in reports])),
                              float(np.std([r.metrics[split][m] for r in reports]))) for m in sorted(names)}
    return summary
