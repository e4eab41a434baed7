"""Side by side with the reference engine: network sizes, outputs at the same weights, stage times.

For users moving from NeuraLogic: ``crosscheck`` runs PyNeuraLogic (the ``oracle`` extra) in a
child process (``reference``), then builds the same input here with the reference's weights
loaded.  Both use PyNeuraLogic's functions (the ``pyneuralogic`` profile) so the numbers are
comparable.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .errors import ReferenceEngineError
from .language import load_samples, load_template
from .model import Model
from .reference import available as reference_available
from .reference import run_cases
from .settings import profile


@dataclass
class Crosscheck:
    """The two engines' figures on one input."""

    reference: dict
    ours: dict
    max_output_difference: float
    unmatched: list[str] = field(default_factory=list)


def run_reference(template: Path, examples: Path, queries: Path | None, timeout: float = 1800) -> dict:
    """The reference engine's sizes, outputs, weights and times, uncompressed (``plain``) and
    with iso compression and chain pruning (``compressed``), in one fresh JVM."""
    case = {"template": str(Path(template).resolve()), "examples": str(Path(examples).resolve()),
            "queries": str(Path(queries).resolve()) if queries else None}
    out = {}
    for result in run_cases([{**case, "name": name, "iso": compressed, "prune": compressed}
                             for name, compressed in (("plain", False), ("compressed", True))], timeout):
        if result["error"]:
            raise ReferenceEngineError(f"the reference engine could not build this input: {result['error']}")
        out[result["name"]] = {"neurons": result["neurons"], "build_s": result["seconds"]["build"][0],
                               "evaluate_s": result["seconds"]["test"], "outputs": result["outputs"],
                               "queries": result["queries"], "weights": result["weights"]}
    return out


def crosscheck(template: Path, examples: Path, queries: Path | None = None) -> Crosscheck:
    """Run both engines on the same files and compare."""
    reference = run_reference(template, examples, queries)
    ours: dict = {}
    start = time.perf_counter()
    loaded = load_template(template)
    samples = load_samples(examples, queries)
    ours["parse_s"] = time.perf_counter() - start
    difference, unmatched = 0.0, []
    for name, settings in (("plain", profile("pyneuralogic", lift="none", prune="off", cycles="cut")),
                           ("compressed", profile("pyneuralogic", cycles="cut"))):
        model = Model(loaded, settings)
        start = time.perf_counter()
        built = model.build(samples)
        build_s = time.perf_counter() - start
        model.load_state_dict(reference["plain"]["weights"])
        start = time.perf_counter()
        outputs = built.network.outputs(built.parameters(model.values))
        evaluate_s = time.perf_counter() - start
        ours[name] = {"neurons": [int(n) for n in built.graph.sample_sizes()], "build_s": build_s,
                      "evaluate_s": evaluate_s, "timings_s": {k: v for k, v in built.timings.items()
                                                               if isinstance(v, float)}}
        remaining = {}
        for i, query in enumerate(reference[name]["queries"]):
            remaining.setdefault(query.replace(" ", ""), []).append(i)
        for query, output in zip(built.queries(), outputs):
            candidates = remaining.get(query.replace(" ", ""))
            if not candidates:
                unmatched.append(query)
                continue
            theirs = reference[name]["outputs"][candidates.pop(0)]
            if np.size(theirs) == output.size:
                difference = max(difference, float(np.max(np.abs(np.ravel(theirs) - output))))
    return Crosscheck(reference, ours, difference, sorted(set(unmatched)))


__all__ = ["Crosscheck", "crosscheck", "reference_available"]
