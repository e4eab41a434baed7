"""Timing the reference engine (PyNeuraLogic 0.9.2 + Java NeuraLogic) in a child process.

Each call is one case of ``neuralogic_lite.reference`` in a fresh worker: a fresh JVM in a
temporary directory (the engine writes ./target there), so runs do not warm each other up.
Needs ``pip install '.[oracle]'``.

The worker reports its build times, its epoch times (``chunk`` epochs per ``train`` call, each
call's time divided by ``chunk``: with ``chunk > 1`` the per-call Python/JPype overhead is
amortised, as in a long training run), the neuron count, and its memory: resident set size
after the imports and the JVM start (``rss_base_mb``) and the peak (``rss_peak_mb``, the
process's ``VmHWM``, which includes the JVM's heap since JPype runs it in-process).
"""
from __future__ import annotations

from pathlib import Path

from neuralogic_lite.reference import available, run_cases

__all__ = ["available", "time_reference"]


def time_reference(template, examples, queries=None, *, iso=False, prune=False, builds=1, epochs=0,
                   warmup=0, lr=0.001, batch=1, chunk=1, timeout=1200) -> dict:
    """``{"build_s": [...], "epoch_s": [...], "neurons": N, "template_s", "rss_base_mb",
    "rss_peak_mb"}`` measured in a fresh JVM; ``epochs`` timed ``train`` calls of ``chunk``
    epochs each after ``warmup`` calls, on a dataset built with ``batch_size=batch``."""
    case = {"name": "timing", "template": str(Path(template).resolve()), "examples": str(Path(examples).resolve()),
            "queries": str(Path(queries).resolve()) if queries else None, "iso": iso, "prune": prune,
            "builds": builds, "test": False, "epochs": epochs, "warmup": warmup, "chunk": chunk,
            "trajectory": False, "optimizer": {"kind": "sgd", "lr": lr}, "batch_size": batch}
    [result] = run_cases([case], timeout)
    if result["error"]:
        raise RuntimeError(f"the reference run failed: {result['error']}")
    seconds = result["seconds"]
    return {"build_s": seconds["build"], "epoch_s": seconds["epoch"], "neurons": sum(result["neurons"]),
            "template_s": seconds["template"], "rss_base_mb": result["rss_base_mb"],
            "rss_peak_mb": result["rss_peak_mb"]}
