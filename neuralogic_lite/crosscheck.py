"""Side by side with the reference engine: network sizes, outputs at the same weights, stage times.

For users moving from NeuraLogic: ``crosscheck`` runs PyNeuraLogic (the ``oracle`` extra) in a
child process, then builds the same input here with the reference's weights loaded.  Both use
PyNeuraLogic's functions (the ``pyneuralogic`` profile) so the numbers are comparable.
"""
from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .errors import NeuraLogicLiteError
from .language import load_samples, load_template
from .model import Model
from .settings import profile

CHILD = r'''
import io, json, sys, time
spec = json.loads(sys.argv[1])
import neuralogic
from neuralogic.logging import add_handler, Level
add_handler(io.StringIO(), Level.OFF)
from neuralogic.core import Model, Settings
from neuralogic.dataset import FileDataset
from neuralogic.nn.optim import SGD
from neuralogic.nn.init import Uniform
out = {}
for compressed in (False, True):
    neuralogic.manual_seed(0)
    model = Model(model_file=spec["template"])
    model.build(Settings(optimizer=SGD(lr=0.1), initializer=Uniform(), iso_value_compression=compressed,
                         chain_pruning=compressed))
    dataset = FileDataset(examples_file=spec["examples"], queries_file=spec["queries"]) if spec["queries"] \
        else FileDataset(examples_file=spec["examples"])
    start = time.perf_counter()
    built = model.build_dataset(dataset)
    build = time.perf_counter() - start
    start = time.perf_counter()
    outputs = model.test(built)
    evaluate = time.perf_counter() - start
    run = {"neurons": [int(s._java_sample.query.evidence.getNeuronCount()) for s in built],
           "build_s": build, "evaluate_s": evaluate,
           "outputs": [o.tolist() if hasattr(o, "tolist") else o for o in outputs],
           "queries": [str(s._java_sample.query.neuron.getName()) if s._java_sample.query.neuron is not None
                       else str(s._java_sample.query.ID).split(":", 1)[-1] for s in built]}
    if not compressed:
        run["weights"] = {str(k): (v.tolist() if hasattr(v, "tolist") else v)
                          for k, v in model.state_dict()["weights"].items()}
    out["compressed" if compressed else "plain"] = run
print(json.dumps(out))
'''


def reference_available() -> bool:
    return importlib.util.find_spec("neuralogic") is not None


@dataclass
class Crosscheck:
    """The two engines' figures on one input."""

    reference: dict
    ours: dict
    max_output_difference: float
    unmatched: list[str] = field(default_factory=list)


def run_reference(template: Path, examples: Path, queries: Path | None, timeout: float = 1800) -> dict:
    """The reference engine's sizes, outputs, weights and times (a fresh JVM in a temporary directory)."""
    if not reference_available():
        raise NeuraLogicLiteError("the reference engine is not installed: pip install 'neuralogic_lite[oracle]' "
                                  "(it needs Java 17)")
    spec = {"template": str(Path(template).resolve()), "examples": str(Path(examples).resolve()),
            "queries": str(Path(queries).resolve()) if queries else None}
    with tempfile.TemporaryDirectory(prefix="nlite_crosscheck_") as cwd:
        proc = subprocess.run([sys.executable, "-c", CHILD, json.dumps(spec)], capture_output=True, text=True,
                              cwd=cwd, timeout=timeout)
    lines = proc.stdout.strip().splitlines()
    if proc.returncode != 0 or not lines:
        reason = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        raise NeuraLogicLiteError(f"the reference engine could not build this input: {reason[:500]}")
    return json.loads(lines[-1])


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
