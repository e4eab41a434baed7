"""Training speed: one epoch over the 188 mutagenesis molecules under template_gnn.txt,
uncompressed, online (batch 1), ours against the reference in the same run.

    python bench/epoch.py [--epochs N] [--json]

Both use SGD, learning rate 0.001 (PyNeuraLogic's identity activations diverge at 0.1 on this
template), no shuffling, and are timed after warm-up epochs (numba kernels loaded, JVM JIT
warmed).  The reference trains with iso compression and chain pruning off.  The cold-start
figure is the time a fresh process spends before its first evaluation returns, with the
compiled kernels already in numba's cache (a second start).
"""
from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time

import numpy as np
from common import MUTAGENESIS, ROOT, require_shared
from reference import available, time_reference

from neuralogic_lite import load_samples
from neuralogic_lite.learning.trainer import optimizer_state
from neuralogic_lite.model import Model
from neuralogic_lite.settings import profile

TEMPLATE = MUTAGENESIS / "templates" / "template_gnn.txt"
COLD = r"""
import time
start = time.perf_counter()
from neuralogic_lite import parse_samples
from neuralogic_lite.model import Model
from neuralogic_lite.settings import profile
model = Model.from_text("{1,2} h(X) :- {2,2} f(Y), e(X, Y), {2} s(X). [activation=tanh]\n{1,1} out :- h(X).",
                        profile("neuralogic", lift="none", prune="off", epochs=1))
samples = parse_samples("<[1.0, 2.0]> f(1), <0.5> s(1), e(1, 1).", "1.0 out.")
model.fit(samples)
print(time.perf_counter() - start)
"""


def ours(epochs: int) -> dict:
    settings = profile("pyneuralogic", optimizer="sgd", learning_rate=0.001, epochs=1, shuffle=False,
                       select_every=0, lift="none", prune="off")
    model = Model.from_file(TEMPLATE, settings)
    built = model.build(load_samples(MUTAGENESIS / "examples.txt", MUTAGENESIS / "queries.txt"))
    values = built.parameters(model.values)
    network = built.network
    optimizer = optimizer_state(settings, np.array(built.graph.weights.learnable), values.size)
    order = np.arange(built.graph.sample_count)
    kernel, fit = [], []
    for i in range(epochs + 2):
        start = time.perf_counter()
        network.epoch(values, optimizer, order, 1, 0, 2.0)
        if i >= 2:
            kernel.append(time.perf_counter() - start)
    for i in range(epochs + 1):
        start = time.perf_counter()
        model.fit(built)
        if i >= 1:
            fit.append(time.perf_counter() - start)
    return {"kernel_epoch_s": statistics.median(kernel), "fit_epoch_s": statistics.median(fit),
            "neurons": int(built.graph.sample_sizes().sum())}


def cold_start() -> float:
    """Seconds from process start to the first trained epoch, kernels cached (second start)."""
    times = []
    for _ in range(2):
        out = subprocess.run([sys.executable, "-c", COLD], capture_output=True, text=True, cwd=ROOT)
        times.append(float(out.stdout.strip().splitlines()[-1]))
    return times[-1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    require_shared()
    result = {"ours": ours(args.epochs), "cold_start_s": cold_start()}
    if available():
        ref = time_reference(TEMPLATE, MUTAGENESIS / "examples.txt", MUTAGENESIS / "queries.txt",
                             epochs=args.epochs, warmup=5, lr=0.001)
        result["reference"] = {"epoch_s": statistics.median(ref["epoch_s"]), "best_epoch_s": min(ref["epoch_s"]),
                               "neurons": ref["neurons"]}
        result["ratio"] = result["reference"]["epoch_s"] / result["ours"]["kernel_epoch_s"]
        result["ratio_fit"] = result["reference"]["epoch_s"] / result["ours"]["fit_epoch_s"]
    if args.json:
        json.dump(result, sys.stdout)
        print()
        return
    o = result["ours"]
    print(f"ours: {o['kernel_epoch_s'] * 1000:.2f} ms per epoch (kernel), {o['fit_epoch_s'] * 1000:.2f} ms "
          f"through Model.fit, {o['neurons']} neurons")
    if "reference" in result:
        r = result["reference"]
        print(f"reference: {r['epoch_s'] * 1000:.2f} ms per epoch (median; best {r['best_epoch_s'] * 1000:.2f} ms)")
        print(f"ratio reference/ours: {result['ratio']:.1f}x (kernel), {result['ratio_fit']:.1f}x (Model.fit)")
    print(f"second process start to first trained epoch: {result['cold_start_s']:.2f} s")


if __name__ == "__main__":
    main()
