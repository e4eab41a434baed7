"""Where a planned epoch's time goes: per-neuron passes against product blocks (BLAS, gathers).

    python bench/plan_profile.py MODEL WIDTH BATCH [DTYPE]      e.g. gin 256 32 float32

A zoo template over the 188 mutagenesis molecules, one BLAS thread.  Prints the epoch at
BATCH, the epoch with all molecules in one batch (no per-sample overhead), and one pass over
the whole graph split into its parts: the per-neuron passes (sums, activations, their
gradients) and the blocks (the products and their gathers and scatters).
"""
from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
from common import MUTAGENESIS, require_shared

from neuralogic_lite import load_samples, zoo
from neuralogic_lite.datasets.molecules import MUTAGENESIS_ATOM_TYPES, MUTAGENESIS_BOND_TYPES
from neuralogic_lite.engine import dense, neuron
from neuralogic_lite.engine.threads import blas_threads
from neuralogic_lite.learning.trainer import optimizer_state
from neuralogic_lite.model import Model
from neuralogic_lite.settings import DTYPES, profile


def median_ms(fn, repeat: int = 5) -> float:
    fn()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model", choices=["gcn", "graphsage", "gin"])
    parser.add_argument("width", type=int)
    parser.add_argument("batch", type=int)
    parser.add_argument("dtype", nargs="?", default="float64", choices=DTYPES)
    args = parser.parse_args()
    require_shared()
    text = zoo.write(args.model, atom_types=MUTAGENESIS_ATOM_TYPES, bond_types=MUTAGENESIS_BOND_TYPES,
                     hidden=args.width)
    model = Model.from_text(text, profile("pyneuralogic", optimizer="sgd", learning_rate=1e-6, epochs=1,
                                          dtype=args.dtype))
    built = model.build(load_samples(MUTAGENESIS / "examples.txt", MUTAGENESIS / "queries.txt"))
    network, values = built.network, built.parameters(model.values)
    if network.plan is None:
        raise SystemExit("this graph runs neuron by neuron (no weight is large enough for a plan)")
    order = np.arange(built.graph.sample_count)
    optimizer = optimizer_state(model.settings, np.array(built.graph.weights.learnable), values.size)
    with blas_threads(1):
        epoch = median_ms(lambda: network.epoch(values, optimizer, order, args.batch, 0, 2.0))
        whole = median_ms(lambda: network.epoch(values, optimizer, order, len(order), 0, 2.0))
        network.outputs(values)   # builds the whole graph's plan
        plan, params = network.plan, network.params(values)
        ws, every, pgrad = network.workspace(params), np.ones(built.graph.neuron_count, np.int8), np.zeros(values.size)
        count = plan.stage_start[plan.size[0]]
        parts = {
            "per-neuron forward": lambda: neuron.forward_neurons(plan.order, 0, count, network.net, params,
                                                                 network.values, network.pre, ws, every, None,
                                                                 plan.products, network.general),
            "planned forward": lambda: dense.forward(plan, network.net, params, network.values, network.pre, ws, every,
                                                     network.general),
            "per-neuron backward": lambda: neuron.backward_neurons(plan.order, 0, count, network.net, params,
                                                                   network.values, network.pre, network.grads, pgrad,
                                                                   ws, every, False, None, plan.products,
                                                                   network.general),
            "planned backward": lambda: dense.backward(plan, network.net, params, network.values, network.pre,
                                                       network.grads, pgrad, ws, every, False, network.general),
        }
        ms = {name: median_ms(fn) for name, fn in parts.items()}
    print(f"{args.model} width {args.width}, {args.dtype}: epoch at batch {args.batch} {epoch:.1f} ms; "
          f"all molecules in one batch {whole:.1f} ms")
    print(f"one pass over the whole graph ({int(plan.size[2])} product rows in {int(plan.size[1])} blocks):")
    for way in ("forward", "backward"):
        neurons = ms[f"per-neuron {way}"]
        print(f"  {way}: per-neuron passes {neurons:.1f} ms, blocks {ms[f'planned {way}'] - neurons:.1f} ms")


if __name__ == "__main__":
    main()
