"""Writing a run's results to a directory: JSON, CSV, the learning curve, the model.

Every file is written atomically (a temporary file, then a rename), so an interrupted run never
leaves half a file behind.
"""
from __future__ import annotations

import csv
import io
import json
import math
from pathlib import Path

import numpy as np

from .model_file import write_atomically


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
    write_atomically(path, json.dumps(_clean(data), indent=1).encode())


def write_predictions(path: Path, predictions: dict) -> None:
    """One row per sample of every set: set, sample, query, target, output."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["set", "sample", "query", "target", "output"])
    for split, p in predictions.items():
        for i, (query, target, output) in enumerate(zip(p.queries, p.targets, p.outputs)):
            writer.writerow([split, i, query, json.dumps(_clean(_plain(target))), json.dumps(_clean(_plain(output)))])
    write_atomically(path, buffer.getvalue().encode())


def plot_learning_curve(path: Path, history: list[dict]) -> str | None:
    """Loss and metrics per epoch as a PNG; returns why not when matplotlib is missing."""
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return "matplotlib is not installed (pip install 'neuralogic_lite[plot]'): no learning_curve.png"
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
    write_atomically(path, buffer.getvalue())
    return None


def write_run(directory: Path, report, model_name: str = "model.txt") -> list[str]:
    """Write results.json, predictions.csv, learning_curve.png and the model; return notes."""
    directory.mkdir(parents=True, exist_ok=True)
    notes = []
    write_json(directory / "results.json", report.as_json())
    write_predictions(directory / "predictions.csv", report.predictions)
    missing = plot_learning_curve(directory / "learning_curve.png", report.history)
    if missing:
        notes.append(missing)
    if report.model is not None:
        report.model.save(directory / model_name)
    return notes
