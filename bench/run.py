"""Every benchmark figure in one run: ours, the reference engine and PyTorch Geometric side by
side, how cost grows with dataset and molecule size, and a profile of our hot path.

    python bench/run.py            # all four models, scaling to 100k molecules (about an hour)
    python bench/run.py --quick    # the mutagenesis GNN only and small scaling (under 5 minutes)

Writes ``bench/RESULTS.md`` (generated: the command that made it is at its top),
``bench/results.json`` and ``bench/scaling.png``, and prints the ratio table.  Every system
runs in child processes of its own (``systems.py``, ``reference.py``), so each reports its own
peak memory; all train with SGD on the mean squared error, in file order, with the same
epochs, batch sizes and learning rate.  Timings are medians over repeated calls; the machine
is shared, so they are noisy.  ``--help`` lists the options.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from common import MUTAGENESIS, ROOT, require_shared, run_child
from reference import available, time_reference
from systems import save_graphs

from neuralogic_lite.datasets.graphs import Graphs
from neuralogic_lite.datasets.molecules import MUTAGENESIS_ATOM_TYPES, MUTAGENESIS_BOND_TYPES, generate
from neuralogic_lite.datasets.text import load as load_graphs_text
from neuralogic_lite.datasets.text import save as save_text
from neuralogic_lite.settings import DTYPES

HERE = Path(__file__).resolve().parent
GNN = MUTAGENESIS / "templates" / "template_gnn.txt"


@dataclass(frozen=True)
class Bench:
    """One benchmarked model: a key of ``pyg_models.MODELS``, its template and learning rate."""

    key: str
    title: str
    template: Path
    lr: float      # the same for all three systems (GIN's sum readout diverges at 1e-3)


MODELS = (
    Bench("gnn", "mutagenesis GNN (template_gnn.txt, width 3)", GNN, 1e-3),
    Bench("gcn", "GCN (zoo, width 10)", ROOT / "templates" / "gcn.txt", 1e-3),
    Bench("graphsage", "GraphSAGE (zoo, width 10)", ROOT / "templates" / "graphsage.txt", 1e-3),
    Bench("gin", "GIN-0 (zoo, width 10)", ROOT / "templates" / "gin.txt", 1e-4),
)


@dataclass(frozen=True)
class Plan:
    """How much to measure: repeats and epochs of the comparison, the scaling points."""

    models: tuple[str, ...]
    repeat: int            # parse/build repetitions (median)
    warmup: int            # untimed training calls
    epochs: int            # timed training calls (median)
    chunk: int             # epochs per training call
    sizes: tuple[int, ...]               # molecules, for cost versus dataset size
    parts: tuple[int, ...]               # molecules joined into one, for cost versus molecule size
    part_base: int                       # molecules before joining (the total size stays the same)
    reference_scaling: int               # largest dataset the reference runs on (0: none)
    profile_epochs: int
    profile_scaled: int                  # molecules for a second profile of parse + build (0: none)
    rounds: int = 1                      # the comparison runs this many times, interleaved (median)
    native: bool = True                  # profile native frames (compiles the kernels afresh to name them)


QUICK = Plan(("gnn",), 2, 1, 3, 3, (250, 1000), (1, 4), 800, 0, 200, 0, rounds=1, native=False)
FULL = Plan(tuple(m.key for m in MODELS), 5, 2, 5, 5, (1000, 3000, 10000, 30000, 100000, 300000), (1, 2, 4, 8, 16),
            4000, 10000, 500, 10000, rounds=3, native=True)


# ----------------------------------------------------------------------------- data
def joined(count: int, parts: int, seed: int = 0) -> Graphs:
    """``count`` molecules, each ``parts`` generated molecules joined into a chain by a single
    bond between their first atoms (ring carbons): molecules ``parts`` times the usual size."""
    g = generate(count * parts, seed)
    first = g.node_start[:-1]
    a = np.flatnonzero(np.arange(count * parts) % parts != parts - 1)
    single = g.edge_types.index("b_1")
    target = g.target.reshape(count, parts).max(axis=1)
    return Graphs(g.node_graph // parts, g.node_type, np.concatenate([g.edge_src, first[a]]),
                  np.concatenate([g.edge_dst, first[a + 1]]), np.concatenate([g.edge_type, np.full(a.size, single)]),
                  target, g.node_types, g.edge_types, g.classes, g.prefix)


def write_dataset(graphs: Graphs, directory: Path) -> dict:
    """examples.txt + queries.txt for the engines, graphs.npz for PyG; their paths."""
    directory.mkdir(parents=True, exist_ok=True)
    save_text(graphs, directory, queries=True)
    save_graphs(graphs, directory / "graphs.npz")
    return {"examples": str(directory / "examples.txt"), "queries": str(directory / "queries.txt"),
            "graphs": str(directory / "graphs.npz"), "molecules": graphs.graph_count,
            "atoms": int(graphs.node_graph.shape[0])}


def guarded(what: str, fn, *args, **kwargs):
    """``fn(...)``, or ``{"error": ...}`` when it fails (one failing system does not stop the run)."""
    try:
        return fn(*args, **kwargs)
    except Exception as e:   # noqa: BLE001 - reported in the results
        print(f"  {what} failed: {str(e).strip().splitlines()[-1] if str(e).strip() else type(e).__name__}",
              file=sys.stderr)
        return {"error": str(e)[-2000:]}


# ----------------------------------------------------------------------------- side by side
def compare(bench: Bench, plan: Plan, data: dict, args) -> dict:
    """``compare_once`` ``plan.rounds`` times, merged by medians (the machine's load comes in
    bursts, so the systems take turns rather than each getting one stretch of time)."""
    rounds = []
    for k in range(plan.rounds):
        print(f"{bench.title}: round {k + 1} of {plan.rounds}", file=sys.stderr)
        rounds.append(compare_once(bench, plan, data, args))
    return merge(rounds)


def merge(rounds: list):
    """Results of several rounds as one: medians of numbers, lists joined, dicts key by key."""
    first = rounds[0]
    if isinstance(first, dict):
        if any("error" in r for r in rounds if isinstance(r, dict)):
            good = [r for r in rounds if isinstance(r, dict) and "error" not in r]
            return merge(good) if good else first
        return {k: merge([r[k] for r in rounds if k in r]) for k in first}
    if isinstance(first, list):
        return [x for r in rounds for x in r]
    if isinstance(first, (int, float)) and not isinstance(first, bool):
        return statistics.median(rounds)
    return first


def compare_once(bench: Bench, plan: Plan, data: dict, args) -> dict:
    """One model on mutagenesis: ours (uncompressed and lifted), PyG, the reference (iso
    compression and chain pruning off and on), at batch sizes 1 and 32."""
    timing = {"warmup": plan.warmup, "epochs": plan.epochs, "chunk": plan.chunk, "lr": bench.lr}
    ours = {"template": str(bench.template), "examples": data["examples"], "queries": data["queries"],
            "batches": [1, 32], "repeat": plan.repeat, **timing}
    result = {"title": bench.title}
    result["ours_plain"] = guarded("ours", run_child, "ours", {**ours, "lift": "none", "prune": "off"})
    result["ours_lifted"] = guarded("ours (lifted)", run_child, "ours",
                                    {**ours, "lift": "structural", "prune": "lossless"})
    result["ours_batch_lifted"] = guarded("ours (lifted across examples)", run_child, "ours",
                                          {**ours, "lift": "structural", "prune": "lossless", "batch_lift": True})
    if args.pyg:
        result["pyg"] = guarded("PyG", run_child, "pyg", {"model": bench.key, "graphs": data["graphs"],
                                                           "batches": [1, 32], "repeat": plan.repeat,
                                                           "threads": args.threads, **timing})
        result["same_outputs"] = guarded("the PyG/ours output check", same_outputs, bench, data)
    if args.reference:
        for name, compressed in (("plain", False), ("compressed", True)):
            for batch in (1, 32):
                result[f"ref_{name}_{batch}"] = guarded(
                    f"reference ({name}, batch {batch})", time_reference, bench.template, data["examples"],
                    data["queries"], iso=compressed, prune=compressed, builds=plan.repeat if batch == 1 else 1,
                    epochs=plan.epochs, warmup=plan.warmup, chunk=plan.chunk, lr=bench.lr, batch=batch)
    return result


def same_outputs(bench: Bench, data: dict) -> float:
    """Largest difference between PyG's outputs and ours with the same parameters."""
    from neuralogic_lite import load_samples
    from neuralogic_lite.model import Model
    from neuralogic_lite.settings import profile

    from pyg_models import check_same

    model = Model.from_file(bench.template, profile("pyneuralogic", lift="none", prune="off"))
    outputs = model.predict(model.build(load_samples(data["examples"], data["queries"])))
    graphs = load_graphs_text(data["examples"], data["queries"])
    return check_same(bench.key, model, outputs, graphs, MUTAGENESIS_ATOM_TYPES, MUTAGENESIS_BOND_TYPES)


# ----------------------------------------------------------------------------- scaling
def scaling(plan: Plan, workdir: Path, args) -> dict:
    """The mutagenesis GNN on synthetic molecules: cost versus the number of molecules and
    versus their size; ours lifted (the default), PyG, the reference compressed; batch 32."""
    out = {"sizes": [], "parts": []}
    for n in plan.sizes:
        data = write_dataset(generate(n, 0), workdir / f"size{n}")
        out["sizes"].append(point(data, plan, args, out["sizes"], n <= plan.reference_scaling))
    for parts in plan.parts:
        data = write_dataset(joined(plan.part_base // parts, parts), workdir / f"parts{parts}")
        out["parts"].append(point(data, plan, args, out["parts"], plan.reference_scaling > 0))
    return out


def point(data: dict, plan: Plan, args, earlier: list[dict], reference: bool) -> dict:
    n = data["molecules"]
    chunk = 2 if n <= 3000 else 1
    timing = {"warmup": 1, "epochs": 3, "chunk": chunk, "lr": 1e-3, "batches": [32], "repeat": 1}
    row = {"molecules": n, "atoms": data["atoms"]}
    print(f"scaling: {n} molecules, {data['atoms']} atoms", file=sys.stderr)
    for system, run in (("ours", lambda: run_child("ours", {"template": str(GNN), "examples": data["examples"],
                                                            "queries": data["queries"], "lift": "structural",
                                                            "prune": "lossless", **timing})),
                        ("pyg", lambda: run_child("pyg", {"model": "gnn", "graphs": data["graphs"],
                                                          "threads": args.threads, **timing})),
                        ("reference", lambda: time_reference(GNN, data["examples"], data["queries"], iso=True,
                                                             prune=True, epochs=3, warmup=1, chunk=chunk, lr=1e-3,
                                                             batch=32, timeout=3600))):
        if (system == "pyg" and not args.pyg) or (system == "reference" and not (args.reference and reference)):
            continue
        predicted = predict_peak(earlier, system, data["atoms"])
        if predicted > args.memory_budget:
            row[system] = {"skipped": f"predicted peak {predicted / 1024:.1f} GiB > budget "
                                      f"{args.memory_budget / 1024:.0f} GiB"}
            print(f"  {system}: {row[system]['skipped']}", file=sys.stderr)
            continue
        row[system] = guarded(system, run)
    return row


def peak(result: dict) -> float | None:
    return result.get("peak_mb", result.get("rss_peak_mb"))


def predict_peak(earlier: list[dict], system: str, atoms: int) -> float:
    """Peak memory at ``atoms``, extrapolated linearly from the largest earlier point (MiB)."""
    for row in reversed(earlier):
        r = row.get(system, {})
        if peak(r) is not None:
            base = r.get("rss_base_mb", 0.0)
            return base + (peak(r) - base) * atoms / row["atoms"]
    return 0.0


def slope(xs, ys) -> float | None:
    """Exponent b of y ~ x^b, fitted on log-log (None with fewer than two points)."""
    pts = [(x, y) for x, y in zip(xs, ys) if y is not None and y > 0]
    if len(pts) < 2:
        return None
    return float(np.polyfit(np.log([p[0] for p in pts]), np.log([p[1] for p in pts]), 1)[0])


def series(rows: list[dict], system: str, get) -> tuple[list, list]:
    xs, ys = [], []
    for row in rows:
        r = row.get(system)
        if isinstance(r, dict) and "error" not in r and "skipped" not in r:
            xs.append(row)
            ys.append(get(r))
    return xs, ys


SCALING_SERIES = (   # (label, system, value per run)
    ("ours parse", "ours", lambda r: r["parse_s"]),
    ("ours ground + neuralize", "ours", lambda r: r["build_s"]),
    ("ours ground", "ours", lambda r: r["ground_s"]),
    ("ours neuralize", "ours", lambda r: r["neuralize_s"]),
    ("ours lift", "ours", lambda r: r["lift_s"]),
    ("ours epoch (batch 32)", "ours", lambda r: r["epoch_s"]["32"]),
    ("ours peak RSS above baseline", "ours", lambda r: r["peak_mb"] - r["rss_base_mb"]),
    ("ours neurons after lifting", "ours", lambda r: r["neurons"]),
    ("PyG to Data", "pyg", lambda r: r["build_s"]),
    ("PyG epoch (batch 32)", "pyg", lambda r: r["epoch_s"]["32"]),
    ("PyG peak RSS above baseline", "pyg", lambda r: r["peak_mb"] - r["rss_base_mb"]),
    ("reference build", "reference", lambda r: statistics.median(r["build_s"])),
    ("reference epoch (batch 32)", "reference", lambda r: statistics.median(r["epoch_s"])),
    ("reference peak RSS above baseline", "reference", lambda r: r["rss_peak_mb"] - r["rss_base_mb"]),
)


def slopes(scale: dict) -> dict:
    """Log-log slopes: cost versus molecules, and cost per molecule versus atoms per molecule."""
    out = {"sizes": {}, "parts": {}}
    for label, system, get in SCALING_SERIES:
        rows, ys = series(scale["sizes"], system, get)
        out["sizes"][label] = slope([r["molecules"] for r in rows], ys)
        rows, ys = series(scale["parts"], system, get)
        out["parts"][label] = slope([r["atoms"] / r["molecules"] for r in rows],
                                    [y / r["molecules"] for r, y in zip(rows, ys)])
    return out


def plot(scale: dict, path: Path) -> None:
    import matplotlib
    import matplotlib.ticker
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 3, figsize=(17, 5.2))
    styles = {"ours": "-o", "pyg": "--s", "reference": ":^"}
    time_series = [s for s in SCALING_SERIES if "RSS" not in s[0] and "neurons" not in s[0]
                   and s[0] not in ("ours ground", "ours neuralize")]
    for label, system, get in time_series:
        rows, ys = series(scale["sizes"], system, get)
        if rows:
            axes[0].loglog([r["molecules"] for r in rows], ys, styles[system], label=label)
    axes[0].set(xlabel="molecules", ylabel="seconds", title="time versus dataset size (mutagenesis GNN)")
    for label, system, get in SCALING_SERIES:
        if "RSS" not in label:
            continue
        rows, ys = series(scale["sizes"], system, get)
        if rows:
            axes[1].loglog([r["molecules"] for r in rows], ys, styles[system], label=label)
    axes[1].set(xlabel="molecules", ylabel="MiB", title="peak memory above the process's baseline")
    for label, system, get in time_series:
        rows, ys = series(scale["parts"], system, get)
        if rows and "parse" not in label:
            axes[2].loglog([r["atoms"] / r["molecules"] for r in rows],
                           [1e3 * y / r["molecules"] for r, y in zip(rows, ys)], styles[system], label=label)
    axes[2].set(xlabel="atoms per molecule", ylabel="milliseconds per molecule",
                title="time per molecule versus molecule size")
    ticks = [25, 50, 100, 200, 400]
    axes[2].xaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
    axes[2].set_xticks(ticks, [str(t) for t in ticks])
    for ax in axes:
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


# ----------------------------------------------------------------------------- profile
def profile(plan: Plan, workdir: Path, template: Path, examples: str, queries: str, train: int, name: str,
            rate: int = 250, native: bool | None = None) -> dict:
    """py-spy on parse + build + ``train`` epochs of ours at batch 1.  With ``plan.native`` it
    records native frames too, and the child compiles the kernels afresh (not from numba's
    cache) so the addresses of jitted code can be named; without, the kernels' time shows
    under the Python function that calls them."""
    native = plan.native if native is None else native
    raw = workdir / f"{name}.txt"
    spec = {"template": str(template), "examples": examples, "queries": queries, "lr": 1e-3, "lift": "none",
            "prune": "off", "train": train}
    env = {**os.environ, "NUMBA_CACHE_DIR": str(workdir / f"numba_{name}")} if native else None
    command = [str(Path(sys.executable).with_name("py-spy")), "record", *(["--native"] if native else []),
               "-r", str(rate), "-f", "raw", "-o", str(raw), "--", sys.executable, str(HERE / "systems.py"),
               "workload", json.dumps(spec)]
    proc = subprocess.run(command, capture_output=True, text=True, env=env, cwd=HERE, timeout=3600)
    if proc.returncode != 0 or not raw.exists():
        raise RuntimeError(f"py-spy failed: {proc.stderr[-2000:]}")
    child = json.loads(next(line for line in reversed(proc.stdout.splitlines()) if line.startswith("{")))
    return {"phases_s": child["phases"], "native": native, "rate": rate,
            **summarize(raw.read_text(), child["symbols"])}


PHASES = (   # (a frame in the stack, its phase), first match wins
    ("_warm (", "warm-up (kernels loaded or compiled)"), (";_lift (", "lift"), (";neuralize (", "neuralize"),
    (";ground (", "ground"), ("Model.build (", "build, other"), ("Model.fit (", "train"), (";_parse (", "parse"))


def summarize(raw: str, symbols: list) -> dict:
    """Samples per phase, and the functions with most samples (self and inclusive) per phase."""
    import bisect
    starts = [a for a, _ in symbols]

    def name(frame: str) -> str:
        text, _, where = frame.rpartition(" (")
        if where == "?)" and text.startswith("0x"):
            i = bisect.bisect_right(starts, int(text, 16)) - 1
            return f"[jit] {symbols[i][1]}" if i >= 0 else "[jit] unknown"
        where = where.rstrip(")")
        return f"{text} ({where.split(':')[0].replace('neuralogic_lite/', '')})"

    phases: dict[str, int] = {}
    own: dict[str, dict[str, int]] = {}
    inclusive: dict[str, dict[str, int]] = {}
    total = 0
    for line in raw.splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack:
            continue
        count = int(count)
        total += count
        phase = next((label for key, label in PHASES if key in stack), "other (imports, start-up)")
        frames = [name(f) for f in stack.split(";")]
        phases[phase] = phases.get(phase, 0) + count
        own.setdefault(phase, {})
        own[phase][frames[-1]] = own[phase].get(frames[-1], 0) + count
        for f in set(frames):
            inclusive.setdefault(phase, {})[f] = inclusive.setdefault(phase, {}).get(f, 0) + count

    def top(table: dict[str, int], k: int) -> list:
        return sorted(table.items(), key=lambda kv: -kv[1])[:k]

    return {"samples": total, "phase_samples": phases,
            "self": {p: top(t, 12) for p, t in own.items()}, "inclusive": {p: top(t, 12) for p, t in inclusive.items()}}


# ----------------------------------------------------------------------------- the table
def median_of(values) -> float | None:
    return statistics.median(values) if values else None


def ok(result) -> bool:
    return isinstance(result, dict) and "error" not in result and "skipped" not in result


def rows_of(r: dict) -> list[tuple[str, str, float | None, float | None, float | None]]:
    """(stage, unit, ours, reference, PyG) of one model; None where a system has no such stage."""
    op, ol, pg = r.get("ours_plain", {}), r.get("ours_lifted", {}), r.get("pyg", {})
    ob = r.get("ours_batch_lifted", {})
    ref = {k: r.get(f"ref_{k}", {}) for k in ("plain_1", "plain_32", "compressed_1", "compressed_32")}
    get = lambda d, *keys: _dig(d, keys)   # noqa: E731
    ref_build = median_of(get(ref["plain_1"], "build_s"))
    ref_lift = median_of(get(ref["compressed_1"], "build_s"))
    return [
        ("parse", "s", get(op, "parse_s"), None, None),
        ("ground + neuralize", "s", get(op, "build_s"), ref_build, get(pg, "build_s")),
        ("lift (ours: structural + lossless pruning; reference: iso + chain pruning)", "s", get(ol, "lift_s"),
         None if ref_build is None or ref_lift is None else ref_lift - ref_build, None),
        ("epoch, batch 1, uncompressed", "ms", _ms(get(op, "epoch_s", "1")),
         _ms(median_of(get(ref["plain_1"], "epoch_s"))),
         _ms(get(pg, "epoch_s", "1"))),
        ("epoch, batch 1, compressed", "ms", _ms(get(ol, "epoch_s", "1")),
         _ms(median_of(get(ref["compressed_1"], "epoch_s"))), _ms(get(pg, "epoch_s", "1"))),
        ("epoch, batch 32, uncompressed", "ms", _ms(get(op, "epoch_s", "32")),
         _ms(median_of(get(ref["plain_32"], "epoch_s"))), _ms(get(pg, "epoch_s", "32"))),
        ("epoch, batch 32, compressed", "ms", _ms(get(ol, "epoch_s", "32")),
         _ms(median_of(get(ref["compressed_32"], "epoch_s"))), _ms(get(pg, "epoch_s", "32"))),
        ("epoch, batch 1, compressed, ours also lifted across examples", "ms", _ms(get(ob, "epoch_s", "1")),
         _ms(median_of(get(ref["compressed_1"], "epoch_s"))), _ms(get(pg, "epoch_s", "1"))),
        ("epoch, batch 32, compressed, ours also lifted across examples", "ms", _ms(get(ob, "epoch_s", "32")),
         _ms(median_of(get(ref["compressed_32"], "epoch_s"))), _ms(get(pg, "epoch_s", "32"))),
        ("peak RSS (uncompressed, batch 1 process)", "MiB", get(op, "peak_mb"), get(ref["plain_1"], "rss_peak_mb"),
         get(pg, "peak_mb")),
        ("peak RSS above the process's baseline", "MiB", _minus(get(op, "peak_mb"), get(op, "rss_base_mb")),
         _minus(get(ref["plain_1"], "rss_peak_mb"), get(ref["plain_1"], "rss_base_mb")),
         _minus(get(pg, "peak_mb"), get(pg, "rss_base_mb"))),
    ]


def _dig(d, keys):
    for k in keys:
        if not isinstance(d, dict) or k not in d:
            return None
        d = d[k]
    return d


def _ms(seconds):
    return None if seconds is None else 1e3 * seconds


def _minus(a, b):
    return None if a is None or b is None else a - b


def fmt(value, unit: str) -> str:
    if value is None:
        return "—"
    if unit == "MiB":
        return f"{value:.0f}"
    return f"{value:.3g}" if abs(value) < 100 else f"{value:.0f}"


def ratio(peer, ours) -> str:
    if peer is None or ours is None or ours <= 0 or peer <= 0:
        return "—"
    return f"{peer / ours:.1f}x"


def model_table(r: dict) -> str:
    lines = ["| stage | ours | reference | PyG | reference / ours | PyG / ours |", "|---|---:|---:|---:|---:|---:|"]
    for stage, unit, o, ref, pg in rows_of(r):
        lines.append(f"| {stage} ({unit}) | {fmt(o, unit)} | {fmt(ref, unit)} | {fmt(pg, unit)} | "
                     f"{ratio(ref, o)} | {ratio(pg, o)} |")
    op, ol, ob = r.get("ours_plain", {}), r.get("ours_lifted", {}), r.get("ours_batch_lifted", {})
    rp, rc = r.get("ref_plain_1", {}), r.get("ref_compressed_1", {})
    lines.append(f"| neurons (uncompressed → compressed; ours across examples) | {_dig(op, ('neurons',)) or '—'} → "
                 f"{_dig(ol, ('neurons',)) or '—'}; {_dig(ob, ('neurons',)) or '—'} | "
                 f"{_dig(rp, ('neurons',)) or '—'} → "
                 f"{_dig(rc, ('neurons',)) or '—'} | — | | |")
    same = r.get("same_outputs")
    notes = []
    if isinstance(same, float):
        notes.append(f"PyG model checked against ours: with our initial parameters copied in, the largest output "
                     f"difference over the 188 molecules is {same:.1e}.")
    failures = [f"{k}: {v['error'].strip().splitlines()[-1]}" for k, v in r.items()
                if isinstance(v, dict) and "error" in v and v["error"].strip()]
    notes += [f"failed — {f}" for f in failures]
    return "\n".join(lines) + ("\n\n" + "\n".join(f"- {n}" for n in notes) if notes else "")


def _peaks(ours: dict) -> str:
    """Our peak RSS after parsing, building and training (the peak so far at each stage)."""
    stages = [_dig(ours, (key,)) for key in ("peak_parsed_mb", "peak_built_mb", "peak_mb")]
    if stages[0] is None:
        return fmt(stages[-1], "MiB")
    return " / ".join(fmt(v, "MiB") for v in stages)


def scaling_markdown(scale: dict, fits: dict) -> str:
    out = ["| molecules | atoms | ours parse (s) | ours ground+neuralize (s) | ours lift (s) | ours epoch b32 (ms) | "
           "ours peak RSS: parsed / built / trained (MiB) | PyG epoch b32 (ms) | PyG peak RSS (MiB) | "
           "reference build (s) | reference epoch b32 (ms) | reference peak RSS (MiB) |", "|" + "---:|" * 12]
    for row in scale["sizes"] + [None] + scale["parts"]:
        if row is None:
            out.append("| **molecule size** (joined molecules) | | | | | | | | | | | |")
            continue
        o, p, f = row.get("ours", {}), row.get("pyg", {}), row.get("reference", {})
        label = str(row["molecules"])
        cells = [label, str(row["atoms"])]
        cells += [fmt(_dig(o, ("parse_s",)), "s"), fmt(_dig(o, ("build_s",)), "s"), fmt(_dig(o, ("lift_s",)), "s"),
                  fmt(_ms(_dig(o, ("epoch_s", "32"))), "ms"), _peaks(o),
                  fmt(_ms(_dig(p, ("epoch_s", "32"))), "ms"), fmt(_dig(p, ("peak_mb",)), "MiB"),
                  fmt(median_of(_dig(f, ("build_s",))), "s"), fmt(_ms(median_of(_dig(f, ("epoch_s",)))), "ms"),
                  fmt(_dig(f, ("rss_peak_mb",)), "MiB")]
        for system, r in (("ours", o), ("PyG", p), ("reference", f)):
            if "skipped" in r:
                cells[-1] += f" ({system} skipped: {r['skipped']})"
            elif "error" in r:
                cells[-1] += f" ({system} failed)"
        out.append("| " + " | ".join(cells) + " |")
    out += ["", "Log-log slopes (1.0 = linear): cost versus number of molecules, and cost per molecule versus "
            "atoms per molecule.", "", "| series | vs molecules | per molecule vs molecule size |", "|---|---:|---:|"]
    for label, _, _ in SCALING_SERIES:
        a, b = fits["sizes"].get(label), fits["parts"].get(label)
        if a is None and b is None:
            continue
        out.append(f"| {label} | {'—' if a is None else f'{a:.2f}'} | {'—' if b is None else f'{b:.2f}'} |")
    return "\n".join(out)


def linear_verdict(fits: dict) -> str:
    """A sentence per slope that is clearly not linear (outside 0.8..1.2)."""
    bad = [(label, kind, value) for kind in ("sizes", "parts") for label, value in fits[kind].items()
           if value is not None and not 0.8 <= value <= 1.2]
    if not bad:
        return "Every measured cost grows linearly (all slopes between 0.8 and 1.2)."
    bad = [b for b in bad if "neurons" not in b[0]]
    words = {"sizes": "with the number of molecules", "parts": "per molecule with molecule size"}
    return "Not linear everywhere: " + "; ".join(f"{label} grows {words[kind]} with exponent {value:.2f}"
                                                for label, kind, value in bad) + \
        ". Slopes below 1 mostly reflect fixed costs (start-up, per-call and per-batch overhead) being amortised; " \
        "per molecule, our epoch also gets cheaper with size because lifting merges more of a bigger molecule " \
        "(see 'ours neurons after lifting')."


def profile_markdown(prof: dict, title: str) -> str:
    total = prof["samples"]
    how = "py-spy record --native" if prof.get("native") else "py-spy record, Python frames only"
    out = [f"#### {title}", "", f"{total} samples at {prof.get('rate', 250)} Hz ({how}). Seconds per phase as timed "
           f"in the child: " + ", ".join(f"{k} {v:.2f} s" for k, v in prof["phases_s"].items()) + ".", "",
           "| phase | samples | share |", "|---|---:|---:|"]
    for phase, n in sorted(prof["phase_samples"].items(), key=lambda kv: -kv[1]):
        out.append(f"| {phase} | {n} | {100 * n / total:.1f}% |")
    for phase in ("train", "parse", "ground", "neuralize", "lift"):
        if phase not in prof["self"]:
            continue
        n = prof["phase_samples"][phase]
        out += ["", f"Top functions in **{phase}** by own samples (leaf frame; `[jit]` = numba-compiled code, "
                "named from the kernels' addresses; LLVM inlines small kernels into their callers):", "",
                "| function | own | share of phase |", "|---|---:|---:|"]
        out += [f"| `{f}` | {c} | {100 * c / n:.1f}% |" for f, c in prof["self"][phase][:10]]
    return "\n".join(out)


def markdown(results: dict, command: str) -> str:
    changed = f" **The library changed during the run (to {results['code_changed']})**." \
        if results.get("code_changed") else ""
    out = ["# Benchmark results", "", f"Generated by `{command}` on {results['when']} ({results['machine']}), "
           f"library at commit {results.get('code', '?')}.{changed} Do not edit: run the command again.", "",
           "Systems: **ours** = neuralogic_lite (numba kernels loaded and warm before timing); **reference** = "
           "NeuraLogic via PyNeuraLogic 0.9.2 (a fresh JVM per measurement, JIT warmed by untimed epochs); **PyG** = "
           f"PyTorch Geometric {results.get('pyg_version', '?')} on torch {results.get('torch_version', '?')} CPU, "
           f"{results['threads']} thread(s), float32, a DataLoader per epoch. All train with SGD on the mean squared "
           "error in file order (no shuffling) at the same learning rate; an epoch's time is the median over "
           f"{results['plan']['epochs']} timed calls of {results['plan']['chunk']} epochs each, after "
           f"{results['plan']['warmup']} untimed calls. Parse/build figures are medians of "
           f"{results['plan']['repeat']} runs. The machine has 2 cores shared with other jobs: expect ±20% noise.",
           "", "Ratios are peer time / our time: above 1 means we are faster.", "",
           "Stage notes: the reference parses examples inside `build_dataset`, so its parse time is in its build; "
           "PyG's 'ground + neuralize' is the conversion of the parsed graphs to `Data` objects; the reference's lift "
           "is its build time with iso compression and chain pruning minus the time without (noisy). 'Compressed' "
           "rows train ours on the lifted graph and the reference with iso compression + chain pruning; PyG has no "
           "such step and shows the same figure in every row. 'Lifted across examples' adds our batch lifting "
           "(`batch_lift=True`: structurally equal neurons of different molecules merged, so a minibatch computes "
           "them once). Peak RSS is the child's `VmHWM` (for the reference, "
           "JPype runs the JVM in the same process, so its heap is included); the baseline is the RSS after imports "
           "(and the JVM start), before any data is read.", ""]
    for r in results["models"].values():
        out += [f"## {r['title']}", "", model_table(r), ""]
    if results.get("scaling"):
        out += scaling_section(results)
    if results.get("profiles"):
        out += ["## Profile of our hot path", ""]
        for title, prof in results["profiles"].items():
            out += [profile_markdown(prof, title) if ok(prof) else f"#### {title}\n\nfailed: {prof.get('error')}", ""]
    return "\n".join(out)


SCALING_TITLE = "## Scaling (mutagenesis GNN on synthetic molecules, batch 32)"


def scaling_section(results: dict) -> list[str]:
    measured = (f" Measured by `{results['scaling_command']}` on {results['scaling_when']}, library at commit "
                f"{results.get('scaling_code', '?')}." if results.get("scaling_command") else "")
    return [SCALING_TITLE, "",
            "Ours with structural lifting and lossless pruning (the default), the reference with iso compression "
            "and chain pruning, PyG as is. Molecule size: molecules of the generator joined into chains by one "
            f"bond each, {results['plan']['part_base']} generated molecules in total for every point. "
            "Points predicted to exceed the memory budget are skipped. Plot: `bench/scaling.png`." + measured, "",
            scaling_markdown(results["scaling"], results["slopes"]), "",
            f"**Linear?** {linear_verdict(results['slopes'])}", ""]


def ratio_table(results: dict) -> str:
    lines = [f"{'model':<10} {'stage':<44} {'ours':>10} {'reference':>10} {'PyG':>10} {'ref/ours':>9} {'PyG/ours':>9}"]
    for key, r in results["models"].items():
        for stage, unit, o, ref, pg in rows_of(r):
            short = stage.split(" (")[0].replace(", ours also lifted across examples", ", + batch lift")
            lines.append(f"{key:<10} {short + ' (' + unit + ')':<44} {fmt(o, unit):>10} {fmt(ref, unit):>10} "
                         f"{fmt(pg, unit):>10} {ratio(ref, o):>9} {ratio(pg, o):>9}")
    return "\n".join(lines)


# ----------------------------------------------------------------------------- main
LIBRARY = ("neuralogic_lite", "templates")   # what the figures measure


def write_markdown(path: Path, text: str) -> None:
    """Write RESULTS.md, keeping the sections ``width.py`` writes."""
    from width import MARK

    old = path.read_text() if path.exists() else ""
    for dtype in DTYPES:
        begin, end = MARK.format(dtype, "begin"), MARK.format(dtype, "end")
        if begin in old:
            text = text.rstrip("\n") + "\n\n" + begin + old.split(begin, 1)[1].split(end, 1)[0] + end + "\n"
    path.write_text(text)


def code_version() -> str:
    """The commit of the measured library, with ``+changes`` when neuralogic_lite/ or templates/
    differ from it."""
    try:
        commit = _git("rev-parse", "--short", "HEAD")
        return commit + ("+changes" if _git("status", "--porcelain", "--", *LIBRARY) else "")
    except OSError:
        return "unknown"


def library_content() -> str:
    """What was measured: the content of neuralogic_lite/ and templates/ (commits that touch only
    tests, docs or benchmarks leave it unchanged)."""
    try:
        return " ".join(_git("rev-parse", f"HEAD:{path}") for path in LIBRARY) + _git("status", "--porcelain", "--",
                                                                                          *LIBRARY)
    except OSError:
        return "unknown"


def _git(*arguments: str) -> str:
    return subprocess.run(["git", *arguments], capture_output=True, text=True, cwd=ROOT).stdout.strip()


def update_scaling(args) -> None:
    """Measure the scaling only, and put it in place of RESULTS.md's scaling section (the
    comparisons and profiles stay as the last full run wrote them)."""
    require_shared()
    if args.pyg:
        try:
            import torch_geometric  # noqa: F401
        except ImportError:
            args.pyg = False
    args.reference = args.reference and available()
    results = {"plan": FULL.__dict__, "scaling_command": "python bench/run.py "
               + " ".join(shlex.quote(a) for a in sys.argv[1:]), "scaling_when": time.strftime("%Y-%m-%d %H:%M"),
               "scaling_code": code_version()}
    with tempfile.TemporaryDirectory(prefix="nlite_run_") as tmp:
        results["scaling"] = scaling(FULL, Path(tmp), args)
    results["slopes"] = slopes(results["scaling"])
    plot(results["scaling"], args.plot)
    args.json.with_name("scaling.json").write_text(json.dumps(results, indent=1, default=str))
    old = args.markdown.read_text()
    before, rest = old.split(SCALING_TITLE, 1) if SCALING_TITLE in old else (old.rstrip("\n") + "\n\n", "")
    after = rest[rest.index("\n## "):] if "\n## " in rest else ""
    args.markdown.write_text(before + "\n".join(scaling_section(results)).rstrip("\n") + "\n" + after)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="the mutagenesis GNN only, small scaling (< 5 min)")
    parser.add_argument("--models", help="comma-separated subset of gnn,gcn,graphsage,gin")
    parser.add_argument("--no-reference", dest="reference", action="store_false", help="skip the reference engine")
    parser.add_argument("--no-pyg", dest="pyg", action="store_false", help="skip PyTorch Geometric")
    parser.add_argument("--no-scaling", dest="scaling", action="store_false")
    parser.add_argument("--no-profile", dest="profile", action="store_false")
    parser.add_argument("--threads", type=int, default=1, help="torch threads (default 1, as our kernels use)")
    parser.add_argument("--memory-budget", type=float, default=16384,
                        help="skip a scaling point whose predicted peak RSS exceeds this many MiB (default 16384)")
    parser.add_argument("--json", type=Path, default=HERE / "results.json")
    parser.add_argument("--markdown", type=Path, default=HERE / "RESULTS.md")
    parser.add_argument("--plot", type=Path, default=HERE / "scaling.png")
    parser.add_argument("--render", type=Path, metavar="JSON",
                        help="measure nothing: write the Markdown (and plot) again from a results JSON")
    parser.add_argument("--update-scaling", action="store_true",
                        help="measure the scaling only, and keep the rest of the results JSON as it is")
    args = parser.parse_args()
    if args.update_scaling:
        update_scaling(args)
        return
    if args.render:
        results = json.loads(args.render.read_text())
        if results.get("scaling"):
            results["slopes"] = slopes(results["scaling"])
        write_markdown(args.markdown, markdown(results, results["command"]))
        if results.get("scaling"):
            plot(results["scaling"], args.plot)
        print(ratio_table(results))
        return
    require_shared()
    plan = QUICK if args.quick else FULL
    if args.models:
        plan = Plan(**{**plan.__dict__, "models": tuple(args.models.split(","))})
    args.reference = args.reference and available()
    if args.pyg:
        try:
            import torch
            import torch_geometric
        except ImportError:
            print("PyTorch Geometric is not installed (see bench/README.md): no PyG figures", file=sys.stderr)
            args.pyg = False
    started = time.perf_counter()
    command = "python bench/run.py " + " ".join(shlex.quote(a) for a in sys.argv[1:])
    content = library_content()
    results = {"command": command.strip(), "when": time.strftime("%Y-%m-%d %H:%M"), "code": code_version(),
               "machine": f"{os.cpu_count()} cores, {platform.python_implementation()} {platform.python_version()}",
               "threads": args.threads, "plan": plan.__dict__, "models": {}}
    if args.pyg:
        results["torch_version"], results["pyg_version"] = torch.__version__, torch_geometric.__version__
    with tempfile.TemporaryDirectory(prefix="nlite_run_") as tmp:
        workdir = Path(tmp)
        mutagenesis = {"examples": str(MUTAGENESIS / "examples.txt"), "queries": str(MUTAGENESIS / "queries.txt"),
                       "graphs": str(workdir / "mutagenesis.npz")}
        save_graphs(load_graphs_text(mutagenesis["examples"], mutagenesis["queries"]), mutagenesis["graphs"])
        for bench in MODELS:
            if bench.key in plan.models:
                results["models"][bench.key] = compare(bench, plan, mutagenesis, args)
        if args.scaling:
            results["scaling"] = scaling(plan, workdir, args)
            results["slopes"] = slopes(results["scaling"])
            plot(results["scaling"], args.plot)
        if args.profile:
            print("profile (py-spy)", file=sys.stderr)
            results["profiles"] = {}
            title = f"Mutagenesis GNN: parse, build, {plan.profile_epochs} epochs at batch 1 (uncompressed)"
            results["profiles"][title] = guarded("py-spy", profile, plan, workdir, GNN, mutagenesis["examples"],
                                                 mutagenesis["queries"], plan.profile_epochs, "mutagenesis")
            if plan.profile_scaled:
                data = write_dataset(generate(plan.profile_scaled, 0), workdir / "profile")
                title = f"{plan.profile_scaled} synthetic molecules: parse and build (uncompressed)"
                results["profiles"][title] = guarded("py-spy", profile, plan, workdir, GNN, data["examples"],
                                                     data["queries"], 0, "scaled", rate=100, native=False)
    results["seconds"] = time.perf_counter() - started
    if library_content() != content:
        results["code_changed"] = code_version()
        print(f"warning: the library changed during the run ({results['code']} -> {code_version()}); "
              "run again for consistent figures", file=sys.stderr)
    args.json.write_text(json.dumps(results, indent=1, default=str))
    write_markdown(args.markdown, markdown(results, results["command"]))
    print(ratio_table(results))
    print(f"\n{results['seconds']:.0f} s; wrote {args.markdown}, {args.json}" +
          (f", {args.plot}" if args.scaling else ""))


if __name__ == "__main__":
    main()
