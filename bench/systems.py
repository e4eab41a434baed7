"""What one child process measures: our engine (``ours``) or PyTorch Geometric (``pyg``).

    python bench/systems.py ours|pyg '<json spec>'     (prints one JSON line)

``run.py`` starts one child per measurement (``common.run_child``), so each reports its own
peak memory and loads its own kernels; the reference engine's child is ``reference.py``.
Every child trains the same way: SGD at ``lr``, mean squared error, no shuffling, ``warmup``
untimed training calls, then ``epochs`` timed calls of ``chunk`` epochs each; an epoch's time
is a call's time divided by ``chunk``, and the median over the timed calls is reported.
"""
from __future__ import annotations

import json
import statistics
import sys
import time
from pathlib import Path

import numpy as np
from common import peak_rss_mb, rss_mb

WARM = ("{1,2} h(X) :- {2,2} f(Y), e(X, Y), {2} s(X). [activation=tanh]\n{1,1} out :- h(X).",
        "<[1.0, 2.0]> f(1), <0.5> s(1), e(1, 1).", "1.0 out.")


def _median_epoch(train, spec: dict) -> float:
    """Median seconds per epoch of ``train()`` (one call = ``spec['chunk']`` epochs)."""
    for _ in range(spec["warmup"]):
        train()
    times = []
    for _ in range(spec["epochs"]):
        start = time.perf_counter()
        train()
        times.append((time.perf_counter() - start) / spec["chunk"])
    return statistics.median(times)


def ours(spec: dict) -> dict:
    """Parse, build (ground, neuralize, lift) and train ``spec['template']`` on the examples."""
    from neuralogic_lite import load_samples, load_template
    from neuralogic_lite.model import Model
    from neuralogic_lite.settings import profile

    settings = profile("pyneuralogic", optimizer="sgd", learning_rate=spec["lr"], shuffle=False, select_every=0,
                       lift=spec["lift"], prune=spec["prune"], batch_lift=spec.get("batch_lift", False),
                       epochs=spec["chunk"], threads=spec.get("threads", 1), dtype=spec.get("dtype", "float64"))
    _warm(settings)
    out = {"rss_base_mb": rss_mb()}

    parses, builds = [], []
    for _ in range(spec["repeat"]):
        samples = None
        start = time.perf_counter()
        template = load_template(spec["template"])
        samples = load_samples(spec["examples"], spec.get("queries"))
        parses.append(time.perf_counter() - start)
    out["rss_parsed_mb"], out["peak_parsed_mb"] = rss_mb(), peak_rss_mb()
    model = Model(template, settings)
    for _ in range(spec["repeat"]):
        built = None
        start = time.perf_counter()
        built = model.build(samples)
        builds.append({"all": time.perf_counter() - start, "ground": built.timings["ground_s"],
                       "neuralize": built.timings["neuralize_s"], "lift": built.timings["lift"]["seconds"]})
    out["peak_built_mb"] = peak_rss_mb()
    out["parse_s"] = statistics.median(parses)
    for key in ("ground", "neuralize", "lift"):
        out[f"{key}_s"] = statistics.median(b[key] for b in builds)
    out["build_s"] = out["ground_s"] + out["neuralize_s"]
    out["neurons_before"], out["neurons"] = built.timings["lift"]["neurons"]
    out["sample_neurons"] = int(built.graph.sample_neurons.shape[0])
    out["epoch_s"] = {}
    for batch in spec["batches"]:
        model.settings = settings.replace(batch_size=batch)
        model.reset_parameters()
        out["epoch_s"][str(batch)] = _median_epoch(lambda: model.fit(built), spec)
    out["peak_mb"] = peak_rss_mb()
    return out


# ----------------------------------------------------------------------------- graphs as files
def save_graphs(graphs, path: str | Path) -> None:
    """``Graphs`` as an .npz (arrays, and the type names as JSON), for children that must not parse."""
    names = {"node_types": graphs.node_types, "edge_types": graphs.edge_types, "classes": graphs.classes,
             "prefix": graphs.prefix}
    np.savez(path, node_graph=graphs.node_graph, node_type=graphs.node_type, edge_src=graphs.edge_src,
             edge_dst=graphs.edge_dst, edge_type=graphs.edge_type, target=graphs.target, names=json.dumps(names))


def load_graphs(path: str | Path):
    from neuralogic_lite.datasets.graphs import Graphs

    with np.load(path) as f:
        names = json.loads(str(f["names"]))
        return Graphs(f["node_graph"], f["node_type"], f["edge_src"], f["edge_dst"], f["edge_type"], f["target"],
                      tuple(names["node_types"]), tuple(names["edge_types"]), tuple(names["classes"]), names["prefix"])


def pyg(spec: dict) -> dict:
    """Convert the graphs to PyG ``Data`` and train ``spec['model']`` (a ``pyg_models.MODELS`` key)."""
    import torch

    from neuralogic_lite.datasets.molecules import MUTAGENESIS_ATOM_TYPES, MUTAGENESIS_BOND_TYPES

    from pyg_models import MODELS, to_data, train_epochs

    torch.set_num_threads(spec.get("threads", 1))
    torch.manual_seed(0)
    dtype = getattr(torch, spec.get("dtype", "float32"))
    graphs = load_graphs(spec["graphs"])
    out = {"rss_base_mb": rss_mb()}
    times = []
    for _ in range(spec["repeat"]):
        data = None
        start = time.perf_counter()
        data = to_data(graphs, MUTAGENESIS_ATOM_TYPES, MUTAGENESIS_BOND_TYPES, dtype)
        times.append(time.perf_counter() - start)
    del graphs
    out["build_s"] = statistics.median(times)
    out["epoch_s"] = {}
    for batch in spec["batches"]:
        sizes = {"dim": spec["dim"]} if "dim" in spec else {}
        net = MODELS[spec["model"]](len(MUTAGENESIS_ATOM_TYPES), len(MUTAGENESIS_BOND_TYPES), **sizes).to(dtype)
        out["epoch_s"][str(batch)] = _median_epoch(
            lambda net=net, batch=batch: train_epochs(net, data, batch, spec["chunk"], spec["lr"]), spec)
    out["peak_mb"] = peak_rss_mb()
    return out


def workload(spec: dict) -> dict:
    """What the profiler watches: parse, build (and lift) once, then ``spec['train']`` epochs
    at batch size 1, each phase in a function of its own so the stacks name it.  Returns the
    seconds of each phase and the addresses of the jitted kernels."""
    from neuralogic_lite.settings import profile

    settings = profile("pyneuralogic", optimizer="sgd", learning_rate=spec["lr"], shuffle=False, select_every=0,
                       lift=spec["lift"], prune=spec["prune"], epochs=max(spec["train"], 1))
    _warm(settings)
    phases = {}
    start = time.perf_counter()
    model, samples = _parse(spec, settings)
    phases["parse"] = time.perf_counter() - start
    start = time.perf_counter()
    built = model.build(samples)
    phases["build"] = time.perf_counter() - start
    if spec["train"]:
        start = time.perf_counter()
        model.fit(built)
        phases["train"] = time.perf_counter() - start
    return {"phases": phases, "symbols": jit_symbols()}


def _warm(settings) -> None:
    from neuralogic_lite import parse_samples
    from neuralogic_lite.model import Model

    warm = Model.from_text(WARM[0], settings)       # load (or compile) every numba kernel
    warm.fit(warm.build(parse_samples(WARM[1], WARM[2])))


def _parse(spec: dict, settings):
    from neuralogic_lite import load_samples, load_template
    from neuralogic_lite.model import Model

    return Model(load_template(spec["template"]), settings), load_samples(spec["examples"], spec.get("queries"))


def jit_symbols() -> list[tuple[int, str]]:
    """(address, name) of every compiled numba function of the engine in this process, sorted:
    a native profiler sees jitted code as bare addresses, and this names them."""
    import numba

    out = []
    modules = [m for name, m in list(sys.modules.items()) if name.startswith("neuralogic_lite.") and m is not None]
    for module in modules:
        for value in list(vars(module).values()):
            if not isinstance(value, numba.core.registry.CPUDispatcher):
                continue
            for result in value.overloads.values():
                library = result.library      # compiled in this process (not loaded from the cache)
                for function in library.get_defined_functions():
                    if function.name.startswith("cfunc."):      # the C-callable wrappers
                        continue
                    out.append((library.get_pointer_to_function(function.name), _demangle(function.name)))
    return sorted(set(out))


def _demangle(name: str) -> str:
    """``_ZN15neuralogic_lite6engine6neuron15forward_neurons...`` -> ``neuron.forward_neurons``."""
    parts, rest = [], name[3:] if name.startswith("_ZN") else name
    while rest[:1].isdigit():
        digits = len(rest) - len(rest.lstrip("0123456789"))
        size = int(rest[:digits])
        parts.append(rest[digits:digits + size])
        rest = rest[digits + size:]
    return ".".join(parts[-2:]) if parts else name


if __name__ == "__main__":
    result = {"ours": ours, "pyg": pyg, "workload": workload}[sys.argv[1]](json.loads(sys.argv[2]))
    print(json.dumps(result))
