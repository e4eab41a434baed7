"""Data-parallel training on a local Dask cluster: epoch time on 1 worker against 2, and what a
synchronised step costs.

    python bench/dask.py [--molecules 30000] [--epochs 3] [--data DIR] [--json]

The data is generated (``nlite datasets molecules``, into ``--data`` or a temporary folder), the
template is templates/gcn.txt.  For each cluster (1 worker, 2 workers) the set is built once on
the workers, one epoch warms the kernels up, then full-batch epochs and minibatch epochs (batch
32 and 256) are timed; the same is timed in this process for comparison.  The overhead of a
step is the cluster's step time on a batch of 2 molecules (one per shard: all messaging, almost
no work) less this process's on the same batch.  Run it on an otherwise idle machine: the
workers take one core each.
"""
from __future__ import annotations

import os
import sys

# This file's name is Dask's: its folder goes last on the path, so `import dask` finds Dask
# (here and in the worker processes, which inherit the path) and `import common` still works.
_HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:] = [p for p in sys.path if os.path.abspath(p or ".") != _HERE] + [_HERE]

import argparse  # noqa: E402
import json  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
from common import ROOT  # noqa: E402

from neuralogic_lite.cluster import Cluster, SampleFiles  # noqa: E402
from neuralogic_lite.language import load_samples  # noqa: E402
from neuralogic_lite.learning.trainer import optimizer_state  # noqa: E402
from neuralogic_lite.model import Model  # noqa: E402
from neuralogic_lite.settings import profile  # noqa: E402

TEMPLATE = ROOT / "templates" / "gcn.txt"


def _settings():
    return profile("neuralogic", epochs=1, select_every=0, shuffle=True, seed=0)


def _step_times(model: Model, built, epochs: int, batches: dict[str, int]) -> dict[str, dict[str, float]]:
    """Per batch size: seconds per epoch and per step (after one warm-up epoch)."""
    network = built.network
    values = built.parameters(model.values, model.embeddings, 0)
    optimizer = optimizer_state(model.settings, np.array(built.graph.weights.learnable, bool), values.size)
    loss = built.loss
    count = network.graph.sample_count
    rng = np.random.default_rng(0)
    out = {}
    for name, batch in batches.items():
        network.epoch(values, optimizer, rng.permutation(count), batch, loss.code, loss.factor)    # warm-up
        start = time.perf_counter()
        for _ in range(epochs):
            network.epoch(values, optimizer, rng.permutation(count), batch, loss.code, loss.factor)
        epoch_s = (time.perf_counter() - start) / epochs
        out[name] = {"epoch_s": epoch_s, "step_ms": 1000 * epoch_s / -(-count // batch)}
    return out


def _tiny_step_ms(model: Model, built, repeat: int = 50) -> float:
    """Milliseconds per step on a batch of two molecules, the first and the last (one per shard)."""
    network = built.network
    values = built.parameters(model.values, model.embeddings, 0)
    optimizer = optimizer_state(model.settings, np.array(built.graph.weights.learnable, bool), values.size)
    order = np.array([0, network.graph.sample_count - 1])
    network.epoch(values, optimizer, order, 2, built.loss.code, built.loss.factor)
    start = time.perf_counter()
    for _ in range(repeat):
        network.epoch(values, optimizer, order, 2, built.loss.code, built.loss.factor)
    return 1000 * (time.perf_counter() - start) / repeat


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--molecules", type=int, default=30000)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--data", type=Path, help="where to generate the molecules (default: a temporary folder)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        data = args.data or Path(scratch)
        examples = data / "examples.txt"
        if not examples.exists():
            subprocess.run([sys.executable, "-m", "neuralogic_lite.cli", "datasets", "molecules", "--n",
                            str(args.molecules), "--seed", "0", "--out", str(data)], check=True)
        count = args.molecules
        batches = {"32": 32, "256": 256, "full": count}
        results: dict = {"molecules": count, "template": "templates/gcn.txt", "epochs_timed": args.epochs}

        model = Model.from_file(TEMPLATE, _settings())
        start = time.perf_counter()
        built = model.build(load_samples(examples))
        results["here"] = {"build_s": time.perf_counter() - start,
                           "steps": _step_times(model, built, args.epochs, batches),
                           "tiny_step_ms": _tiny_step_ms(model, built)}
        del built
        for workers in (1, 2):
            with Cluster(workers=workers) as cluster:
                model = Model.from_file(TEMPLATE, _settings())
                start = time.perf_counter()
                shards = cluster.build(model, SampleFiles(examples), shards=2)
                holders = cluster.client.who_has(shards.futures)
                results[f"workers_{workers}"] = {"build_s": time.perf_counter() - start,
                                                 "workers_holding_shards": len({w for h in holders.values()
                                                                                for w in h}),
                                                 "steps": _step_times(model, shards, args.epochs, batches),
                                                 "tiny_step_ms": _tiny_step_ms(model, shards)}
    one, two, here = results["workers_1"], results["workers_2"], results["here"]
    results["speedup_full_batch_2_over_1"] = one["steps"]["full"]["epoch_s"] / two["steps"]["full"]["epoch_s"]
    results["step_overhead_ms"] = {f"workers_{w}": results[f"workers_{w}"]["tiny_step_ms"] - here["tiny_step_ms"]
                                   for w in (1, 2)}
    if args.json:
        print(json.dumps(results))
        return
    print(f"{count} molecules, templates/gcn.txt; seconds per epoch (ms per step), mean of {args.epochs} epochs")
    print(f"{'batch':>8} {'this process':>22} {'1 worker':>22} {'2 workers':>22}")
    for name in batches:
        cells = [f"{r['steps'][name]['epoch_s']:9.3f} s ({r['steps'][name]['step_ms']:7.2f} ms)"
                 for r in (here, one, two)]
        print(f"{name:>8} " + " ".join(f"{c:>22}" for c in cells))
    print(f"full batch, 2 workers against 1: {results['speedup_full_batch_2_over_1']:.2f}x faster per epoch")
    print("overhead of a synchronised step (batch of 2, less this process's): "
          + ", ".join(f"{k.replace('_', ' ')} {v:.1f} ms" for k, v in results["step_overhead_ms"].items()))
    held = [results[f"workers_{w}"]["workers_holding_shards"] for w in (1, 2)]
    print(f"workers holding the 2 shards: {held[0]} of 1, {held[1]} of 2")
    print("build: " + ", ".join(f"{k} {results[k]['build_s']:.1f} s" for k in ("here", "workers_1", "workers_2")))


if __name__ == "__main__":
    main()
