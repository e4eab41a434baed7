"""Writing a run's results to a directory: JSON, CSV, the learning curve, the model.

Every file is written atomically (a temporary file, then a rename), so an interrupted run never
leaves half a file behind.
"""
from __future__ import annotations

import csv
import io
import json
import math
import shutil
import tempfile
from pathlib import Path

import numpy as np

from ..errors import InputError, OutputError
from .atomic import atomic_write


def _plain(value):
    array = np.asarray(value)
    if array.size == 1:
        return float(array.ravel()[0])
    return array.tolist()


def _clean(obj):
    """JSON-safe: NaN and infinities become null, numpy scalars plain numbers."""
    if isinstance(obj, dict):
        return {str(k): _clean(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_clean(v) for v in obj]
    if isinstance(obj, (np.floating, float)):
        return None if not math.isfinite(float(obj)) else float(obj)
    if isinstance(obj, np.integer):
        return int(obj)
    return obj


def write_json(path: Path, data: dict) -> None:
    atomic_write(path, json.dumps(_clean(data), indent=1))


def predictions_csv(predictions: dict) -> str:
    """One row per sample of every set: set, sample, query, target, output (the same columns
    from ``nlite train --out`` and ``nlite predict --csv``)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["set", "sample", "query", "target", "output"])
    for split, p in predictions.items():
        for i, (query, target, output) in enumerate(zip(p.queries, p.targets, p.outputs)):
            writer.writerow([split, i, query, json.dumps(_clean(_plain(target))), json.dumps(_clean(_plain(output)))])
    return buffer.getvalue()


def write_predictions(path: Path, predictions: dict) -> None:
    atomic_write(path, predictions_csv(predictions))


def plot_learning_curve(path: Path, history: list[dict]) -> str | None:
    """Loss and metrics per epoch as a PNG; returns why not when matplotlib is missing."""
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return ("no learning_curve.png: matplotlib is not installed "
                "(pip install matplotlib, or pip install 'neuralogic_lite[plot]')")
    epochs = [h["epoch"] for h in history if "loss" in h]
    figure, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
    left.plot(epochs, [h["loss"] for h in history if "loss" in h], label="training loss (online)")
    for key in ("train_loss", "val_loss"):
        points = [(h["epoch"], h[key]) for h in history if key in h]
        if points:
            left.plot(*zip(*points), marker="o", label=key.replace("_", " "))
    left.set_xlabel("epoch")
    left.set_ylabel("loss")
    left.legend()
    for key in ("train_accuracy", "val_accuracy", "train_auc", "val_auc"):
        points = [(h["epoch"], h[key]) for h in history if key in h and h[key] == h[key]]
        if points:
            right.plot(*zip(*points), marker=".", label=key.replace("_", " "))
    right.set_xlabel("epoch")
    right.set_ylabel("metric")
    if right.lines:
        right.legend()
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=100)
    plt.close(figure)
    atomic_write(path, buffer.getvalue())
    return None


def write_run(directory: Path, report, model_name: str = "model.txt") -> list[str]:
    """Write results.json, predictions.csv, learning_curve.png and the model; return notes
    (what could not be written and how to get it), which results.json keeps too."""
    directory.mkdir(parents=True, exist_ok=True)
    missing = plot_learning_curve(directory / "learning_curve.png", report.history)
    notes = [missing] if missing else []
    write_json(directory / "results.json", {**report.as_json(), "notes": notes})
    write_predictions(directory / "predictions.csv", report.predictions)
    if report.model is not None:
        report.model.save(directory / model_name, report.about())
    return notes


def check_directory(directory: Path, overwrite: bool = False) -> None:
    """Fail before a run, not after it: ``directory`` must be a folder (it is made if missing)
    that takes new files and holds no earlier run, unless ``overwrite``."""
    if directory.exists() and not directory.is_dir():
        raise InputError(f"{directory} is not a folder")
    if not overwrite and (directory / "results.json").exists():
        raise InputError(f"{directory} holds another run (results.json); choose another folder or add --overwrite")
    try:
        directory.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=directory, prefix=".nlite-"):
            pass
    except OSError as error:
        raise InputError(f"cannot write into {directory}: {error.strerror or error}") from None


def write_results(directory: Path, reports: list, summary: dict | None = None, folds: int | None = None) -> list[str]:
    """Write every run (cross-validation: ``fold_k/`` each, and the summary in results.json);
    return notes."""
    notes = []
    for f, report in enumerate(reports):
        notes += write_run(directory / f"fold_{f}" if folds else directory, report)
    if folds:
        write_json(directory / "results.json", {"folds": folds,
                                                "finished_folds": sum(r.stopped is None for r in reports),
                                                "summary": summary, "settings": reports[0].as_json()["settings"]})
    return notes


def write_results_somewhere(directory: Path, reports: list, summary: dict | None = None,
                            folds: int | None = None) -> tuple[Path, list[str], str | None]:
    """``write_results`` into ``directory`` or, when that fails (a full disk, a folder removed
    during the run), into a new temporary folder, so that the trained model is not lost.
    Returns where the results are, the notes and why ``directory`` failed (None if it did not)."""
    try:
        return directory, write_results(directory, reports, summary, folds), None
    except OSError as error:
        why = _why(error)
    rescue = None
    try:
        rescue = Path(tempfile.mkdtemp(prefix="nlite-run-"))
        return rescue, write_results(rescue, reports, summary, folds), why
    except OSError as error:
        if rescue is not None:
            shutil.rmtree(rescue, ignore_errors=True)
        raise OutputError(f"could not write the results to {directory} ({why}), nor to a temporary folder "
                          f"({_why(error)}): the trained model is lost") from None


def _why(error: OSError) -> str:
    return f"{error.strerror or error}{f': {error.filename}' if error.filename else ''}"
