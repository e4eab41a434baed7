"""Timing the reference engine (PyNeuraLogic 0.9.2 + Java NeuraLogic) in a child process.

Each call starts a fresh JVM in a temporary directory (the engine writes ./target there), so
runs do not warm each other up.  Needs ``pip install '.[oracle]'``.
"""
from __future__ import annotations

import json
import subprocess
import sys
import tempfile

CHILD = r'''
import io, json, os, statistics, sys, time
spec = json.loads(sys.argv[1])
import neuralogic
from neuralogic.logging import add_handler, Level
add_handler(io.StringIO(), Level.OFF)
from neuralogic.core import Model, Settings
from neuralogic.dataset import FileDataset
from neuralogic.nn.optim import SGD
from neuralogic.nn.init import Uniform

def model():
    neuralogic.manual_seed(0)
    m = Model(model_file=spec["template"])
    m.build(Settings(optimizer=SGD(lr=spec["lr"]), initializer=Uniform(),
                     iso_value_compression=spec["iso"], chain_pruning=spec["prune"]))
    return m

def dataset():
    return FileDataset(examples_file=spec["examples"], queries_file=spec["queries"]) if spec["queries"] \
        else FileDataset(examples_file=spec["examples"])

builds = []
for _ in range(spec["builds"]):
    m = model()
    start = time.perf_counter(); built = m.build_dataset(dataset()); builds.append(time.perf_counter() - start)
neurons = sum(int(s._java_sample.query.evidence.getNeuronCount()) for s in built)
epochs = []
for i in range(spec["warmup"] + spec["epochs"]):
    start = time.perf_counter(); m.train(built, epochs=1); elapsed = time.perf_counter() - start
    if i >= spec["warmup"]:
        epochs.append(elapsed)
print(json.dumps({"build_s": builds, "epoch_s": epochs, "neurons": neurons}))
'''


def available() -> bool:
    try:
        import importlib.util
        return importlib.util.find_spec("neuralogic") is not None
    except ImportError:
        return False


def time_reference(template, examples, queries=None, *, iso=False, prune=False, builds=1, epochs=0,
                   warmup=0, lr=0.001, timeout=1200) -> dict:
    """``{"build_s": [...], "epoch_s": [...], "neurons": N}`` measured in a fresh JVM."""
    spec = {"template": str(template), "examples": str(examples), "queries": str(queries) if queries else None,
            "iso": iso, "prune": prune, "builds": builds, "epochs": epochs, "warmup": warmup, "lr": lr}
    with tempfile.TemporaryDirectory(prefix="nlite_bench_") as cwd:
        proc = subprocess.run([sys.executable, "-c", CHILD, json.dumps(spec)], capture_output=True, text=True,
                              cwd=cwd, timeout=timeout)
    lines = proc.stdout.strip().splitlines()
    if proc.returncode != 0 or not lines:
        raise RuntimeError(f"the reference run failed:\n{proc.stderr[-3000:]}")
    return json.loads(lines[-1])
