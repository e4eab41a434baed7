"""Lifting on mutagenesis (188 molecules, ``templates/template_gnn.txt``): its cost and what it buys.

    python bench/lift.py [--repeat N] [--epochs N] [--no-reference] [--json]

Ours: the time of every lifting step, neurons and edges before and after, set against the time
it takes to ground and neuralize the molecules; then one training epoch (pyneuralogic profile,
SGD, lr 0.001, batch 1) on the unlifted and on the lifted graph, median (and min) of
``--epochs`` timed epochs after a warm-up: ``Model.fit`` for one epoch, and the engine's epoch
kernel alone.  The reference (PyNeuraLogic 0.9.2), in a child process per configuration: one
epoch of ``model.train`` with its compression off and on (iso + pruning), after 20 warm-up
epochs, the same way.
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
import warnings

import numpy as np
from common import MUTAGENESIS, best_of, require_shared
from reference import available, time_reference

from neuralogic_lite import load_samples
from neuralogic_lite.learning.trainer import optimizer_state
from neuralogic_lite.lifting import lift
from neuralogic_lite.model import Model
from neuralogic_lite.settings import profile

TEMPLATE = MUTAGENESIS / "templates" / "template_gnn.txt"
#: (name, settings changes, batch lifting)
LIFTS = [
    ("structural", dict(lift="structural", prune="lossless"), False),
    ("structural+batch", dict(lift="structural", prune="lossless"), True),
    ("value (reference)", dict(lift="value", prune="reference", init="uniform"), False),
]


def settings(**changes):
    return profile("pyneuralogic", optimizer="sgd", learning_rate=0.001, batch_size=1, epochs=1, **changes)


def epoch_seconds(builts: dict, epochs: int) -> dict:
    """Median wall time of one epoch on each built graph (after two warm-up epochs): of
    ``Model.fit`` (one epoch), and of the engine's epoch kernel alone (``Network.epoch``).
    The graphs take turns, so a load change on the machine hits them alike; each turn starts
    with an untimed epoch, so that both timings see the caches as training does (the previous
    epoch ran on the same graph), not as the other graph left them."""
    models = {name: Model.from_file(TEMPLATE, settings()) for name in builts}
    fit: dict = {name: [] for name in builts}
    kernel: dict = {name: [] for name in builts}
    for round in range(epochs + 2):
        for name, built in builts.items():
            model = models[name]
            model.fit(built)
            start = time.perf_counter()
            model.fit(built)
            middle = time.perf_counter()
            values = built.parameters(model.values)
            optimizer = optimizer_state(model.settings, np.array(built.graph.weights.learnable), values.size)
            order = np.arange(built.graph.sample_count)
            middle2 = time.perf_counter()
            built.network.epoch(values, optimizer, order, 1, model.loss.code, model.loss.factor)
            end = time.perf_counter()
            if round >= 2:
                fit[name].append(middle - start)
                kernel[name].append(end - middle2)
    return {name: ((statistics.median(fit[name]), min(fit[name])), (statistics.median(kernel[name]), min(kernel[name])))
            for name in builts}


def ours(repeat: int, epochs: int) -> dict:
    samples = load_samples(MUTAGENESIS / "examples.txt", MUTAGENESIS / "queries.txt")
    plain_model = Model.from_file(TEMPLATE, settings(lift="none", prune="off"))
    plain = plain_model.build(samples)
    build_s = best_of(lambda: plain_model.build(samples), repeat)[0]
    grounding_s = statistics.median(
        [sum(plain_model.build(samples).timings[k] for k in ("ground_s", "neuralize_s")) for _ in range(repeat)])
    graph = plain.graph
    result = {"unlifted": {"neurons": graph.neuron_count, "edges": graph.edge_count,
                           "ground_and_neuralize_s": grounding_s, "build_s": build_s}, "lifted": {}}
    builts = {"unlifted": plain}
    for name, changes, across in LIFTS:
        model = Model.from_file(TEMPLATE, settings(**changes))
        if changes["lift"] == "value":    # Model.build passes the engine's evaluator
            runs = [model.build(samples).timings["lift"] for _ in range(repeat)]
        else:
            runs = [lift(graph, model.settings, None, across_examples=across)[1] for _ in range(repeat)]
        report = min(runs, key=lambda r: r["seconds"])
        result["lifted"][name] = {
            "steps": [{k: s[k] for k in ("step", "mode", "neurons", "edges", "seconds")} for s in report["steps"]],
            "seconds": statistics.median(r["seconds"] for r in runs), "neurons": report["neurons"][1],
            "edges": report["edges"][1], "sample_neurons": report["sample_neurons"][1],
            "lift_vs_grounding": statistics.median(r["seconds"] for r in runs) / grounding_s}
        if not across:   # an epoch trains sample by sample: batch lifting needs a batched kernel
            builts[name] = model.build(samples)
    epochs_s = epoch_seconds(builts, epochs)
    (base_fit, base_fit_min), (base_kernel, base_kernel_min) = epochs_s.pop("unlifted")
    result["unlifted"].update(epoch_s=base_fit, kernel_epoch_s=base_kernel, epoch_min_s=base_fit_min,
                              kernel_epoch_min_s=base_kernel_min)
    for name, ((fit, fit_min), (kernel, kernel_min)) in epochs_s.items():
        result["lifted"][name].update(epoch_s=fit, speedup=base_fit / fit, kernel_epoch_s=kernel,
                                      kernel_speedup=base_kernel / kernel, epoch_min_s=fit_min,
                                      speedup_min=base_fit_min / fit_min, kernel_epoch_min_s=kernel_min,
                                      kernel_speedup_min=base_kernel_min / kernel_min)
    return result


def reference(epochs: int, warm: int = 20) -> dict | None:
    """The reference's epoch time with compression off and on, each in a fresh JVM."""
    if not available():
        return None
    out = {}
    for key, iso in (("off", False), ("on", True)):
        ref = time_reference(TEMPLATE, MUTAGENESIS / "examples.txt", MUTAGENESIS / "queries.txt", iso=iso,
                             prune=iso, epochs=epochs, warmup=warm, lr=0.001)
        out[key] = {"neurons": ref["neurons"], "build_s": ref["build_s"][0],
                    "epoch_s": statistics.median(ref["epoch_s"]), "epoch_min_s": min(ref["epoch_s"])}
    out["speedup"] = out["off"]["epoch_s"] / out["on"]["epoch_s"]
    out["speedup_min"] = out["off"]["epoch_min_s"] / out["on"]["epoch_min_s"]
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="lifting runs per mode (median)")
    parser.add_argument("--epochs", type=int, default=20, help="timed training epochs (median)")
    parser.add_argument("--no-reference", action="store_true", help="skip the reference engine")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    require_shared()
    warnings.simplefilter("ignore")
    result = {"ours": ours(args.repeat, args.epochs)}
    result["reference"] = None if args.no_reference else reference(args.epochs)
    if args.json:
        json.dump(result, sys.stdout)
        print()
        return
    plain = result["ours"]["unlifted"]
    print(f"mutagenesis, template_gnn, 188 molecules: {plain['neurons']:,} neurons, {plain['edges']:,} edges; "
          f"ground + neuralize {plain['ground_and_neuralize_s'] * 1e3:.0f} ms; one epoch: fit "
          f"{plain['epoch_s'] * 1e3:.1f} ms, kernel {plain['kernel_epoch_s'] * 1e3:.1f} ms")
    print(f"{'lifting':<20} {'step':<18} {'neurons':>17} {'edges':>17} {'ms':>7}   (times: medians)")
    for name, row in result["ours"]["lifted"].items():
        for s in row["steps"]:
            print(f"{name:<20} {s['step'] + ' ' + s['mode']:<18} {s['neurons'][0]:>7,} -> {s['neurons'][1]:>6,} "
                  f"{s['edges'][0]:>7,} -> {s['edges'][1]:>6,} {s['seconds'] * 1e3:>7.1f}")
        epoch = (f"; epoch: fit {row['epoch_s'] * 1e3:.1f} ms ({row['speedup']:.2f}x, min {row['speedup_min']:.2f}x), "
                 f"kernel {row['kernel_epoch_s'] * 1e3:.1f} ms ({row['kernel_speedup']:.2f}x, min "
                 f"{row['kernel_speedup_min']:.2f}x)" if "epoch_s" in row
                 else "; (batch lifting pays off with a batched kernel)")
        print(f"{'':<20} total {row['seconds'] * 1e3:.1f} ms = {row['lift_vs_grounding']:.1%} of grounding" + epoch)
    ref = result["reference"]
    if ref is None:
        print("reference: not run")
        return
    print(f"reference: {ref['off']['neurons']:,} -> {ref['on']['neurons']:,} neurons; epoch "
          f"{ref['off']['epoch_s'] * 1e3:.1f} ms -> {ref['on']['epoch_s'] * 1e3:.1f} ms, speedup {ref['speedup']:.2f}x "
          f"(min {ref['speedup_min']:.2f}x)")
    structural = result["ours"]["lifted"]["structural"]
    print(f"speedup from lifting: ours {structural['speedup']:.2f}x (fit), {structural['kernel_speedup']:.2f}x "
          f"(kernel) vs the reference's {ref['speedup']:.2f}x; our lifted epoch (fit) is "
          f"{ref['on']['epoch_s'] / structural['epoch_s']:.1f}x faster than the reference's lifted epoch")


if __name__ == "__main__":
    main()
