"""Timing the reference engine (PyNeuraLogic 0.9.2 + Java NeuraLogic) in a child process.

Each call starts a fresh JVM in a temporary directory (the engine writes ./target there), so
runs do not warm each other up.  Needs ``pip install '.[oracle]'``.

The child reports its build times, its epoch times (``chunk`` epochs per ``train`` call, each
call's time divided by ``chunk``: with ``chunk > 1`` the per-call Python/JPype overhead is
amortised, as in a long training run), the neuron count, and its memory: resident set size
after the imports and the JVM start (``rss_base_mb``) and the peak (``rss_peak_mb``, the
process's ``VmHWM``, which includes the JVM's heap since JPype runs it in-process).
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

def rss_mb():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20

templates = []
def model():
    neuralogic.manual_seed(0)
    start = time.perf_counter()
    m = Model(model_file=spec["template"])
    m.build(Settings(optimizer=SGD(lr=spec["lr"]), initializer=Uniform(),
                     iso_value_compression=spec["iso"], chain_pruning=spec["prune"]))
    templates.append(time.perf_counter() - start)
    return m

model()   # start the JVM before measuring the baseline
base = rss_mb()

def dataset():
    return FileDataset(examples_file=spec["examples"], queries_file=spec["queries"]) if spec["queries"] \
        else FileDataset(examples_file=spec["examples"])

builds = []
for _ in range(spec["builds"]):
    m = model()
    start = time.perf_counter(); built = m.build_dataset(dataset(), batch_size=spec["batch"])
    builds.append(time.perf_counter() - start)
neurons = sum(int(s._java_sample.query.evidence.getNeuronCount()) for s in built)
epochs = []
chunk = spec["chunk"]
for i in range(spec["warmup"] + spec["epochs"]):
    start = time.perf_counter(); m.train(built, epochs=chunk); elapsed = time.perf_counter() - start
    if i >= spec["warmup"]:
        epochs.append(elapsed / chunk)
with open("/proc/self/status") as f:   # not ru_maxrss: Linux carries the parent's over through fork + exec
    peak = next(int(line.split()[1]) for line in f if line.startswith("VmHWM:")) / 1024
print(json.dumps({"build_s": builds, "epoch_s": epochs, "neurons": neurons, "template_s": templates[-1],
                  "rss_base_mb": base, "rss_peak_mb": peak}))
'''


def available() -> bool:
    try:
        import importlib.util
        return importlib.util.find_spec("neuralogic") is not None
    except ImportError:
        return False


def time_reference(template, examples, queries=None, *, iso=False, prune=False, builds=1, epochs=0,
                   warmup=0, lr=0.001, batch=1, chunk=1, timeout=1200) -> dict:
    """``{"build_s": [...], "epoch_s": [...], "neurons": N, "template_s", "rss_base_mb",
    "rss_peak_mb"}`` measured in a fresh JVM; ``epochs`` timed ``train`` calls of ``chunk``
    epochs each after ``warmup`` calls, on a dataset built with ``batch_size=batch``."""
    spec = {"template": str(template), "examples": str(examples), "queries": str(queries) if queries else None,
            "iso": iso, "prune": prune, "builds": builds, "epochs": epochs, "warmup": warmup, "lr": lr,
            "batch": batch, "chunk": chunk}
    with tempfile.TemporaryDirectory(prefix="nlite_bench_") as cwd:
        proc = subprocess.run([sys.executable, "-c", CHILD, json.dumps(spec)], capture_output=True, text=True,
                              cwd=cwd, timeout=timeout)
    lines = proc.stdout.strip().splitlines()
    if proc.returncode != 0 or not lines:
        raise RuntimeError(f"the reference run failed:\n{proc.stderr[-3000:]}")
    return json.loads(lines[-1])
