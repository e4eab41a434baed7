"""Training speed against hidden width: ours (lifted and not) against PyTorch Geometric.

    python bench/width.py [--models gcn,graphsage,gin] [--widths 3,16,32,64,128,256]
                          [--batches 1,32] [--threads 1] [--dtype float64] [--quick]

The zoo's GCN, GraphSAGE and GIN (3 layers, tanh) over the 188 mutagenesis molecules, each
width and system in a child process of its own (its own peak memory).  All train with SGD on
the mean squared error in file order; PyG trains as its users do (a DataLoader per epoch),
in the same dtype and with the same thread count as ours (our BLAS threads, torch's threads).
Writes the table into a "Width" section of ``bench/RESULTS.md`` per dtype (``run.py`` keeps
these sections) and plots epoch time against width to ``bench/width-DTYPE.png``.
"""
from __future__ import annotations

import argparse
import json
import shlex
import sys
import tempfile
import time
from pathlib import Path

from common import MUTAGENESIS, require_shared, run_child
from systems import save_graphs

from neuralogic_lite import zoo
from neuralogic_lite.datasets.molecules import MUTAGENESIS_ATOM_TYPES, MUTAGENESIS_BOND_TYPES
from neuralogic_lite.datasets.text import load as load_graphs_text
from neuralogic_lite.settings import DTYPES

HERE = Path(__file__).resolve().parent
MARK = "<!-- bench/width.py {}: {} -->"   # one section per dtype
LEARNING_RATE = {"gcn": 1e-4, "graphsage": 1e-4, "gin": 1e-6}   # GIN sums: at 256 wide, 1e-5 diverges in float32
SYSTEMS = ("ours, lifted", "ours, not lifted", "PyG")


def measure(model: str, width: int, args, workdir: Path, graphs: str) -> dict:
    """Epoch times (ms) per batch size and peak RSS (MiB) of each system at one width."""
    template = workdir / f"{model}{width}.txt"
    template.write_text(zoo.write(model, atom_types=MUTAGENESIS_ATOM_TYPES, bond_types=MUTAGENESIS_BOND_TYPES,
                                  hidden=width))
    timing = {"warmup": 1, "epochs": args.epochs, "chunk": 1, "repeat": 1, "lr": LEARNING_RATE[model],
              "batches": args.batches, "threads": args.threads, "dtype": args.dtype}
    specs = {}
    for name, lift, prune in (("ours, lifted", "structural", "lossless"), ("ours, not lifted", "none", "off")):
        if not (name == "ours, not lifted" and args.quick):
            specs[name] = ("ours", {"template": str(template), "examples": str(MUTAGENESIS / "examples.txt"),
                                    "queries": str(MUTAGENESIS / "queries.txt"), "lift": lift, "prune": prune,
                                    **timing})
    if not args.no_pyg:
        specs["PyG"] = ("pyg", {"model": model, "graphs": graphs, "dim": width, "dtype": args.dtype, **timing})
    runs, out = {}, {}
    for name, (system, spec) in specs.items():
        try:
            runs[name] = run_child(system, spec)
        except RuntimeError as error:   # a run that fails (diverges, say) is reported, not fatal
            last = str(error).strip().splitlines()[-1]
            print(f"  {name} failed: {last}", file=sys.stderr)
            out.setdefault("failed", {})[name] = last
    for name, r in runs.items():
        out[name] = {"epoch_ms": {b: r["epoch_s"][b] * 1000 for b in r["epoch_s"]}, "peak_mb": r["peak_mb"]}
        if "neurons" in r:
            out[name]["neurons"] = [r["neurons_before"], r["neurons"]]
    return out


def table(results: dict) -> str:
    """One Markdown table per model: ms per epoch for each system and batch, and PyG / ours."""
    lines = []
    for model, widths in results["models"].items():
        lines += [f"### {model}", "",
                  "| width | batch | ours, lifted (ms) | ours, not lifted (ms) | PyG (ms) | PyG / ours lifted | "
                  "peak RSS ours / PyG (MiB) |", "|---:|---:|---:|---:|---:|---:|---:|"]
        for width, systems in widths.items():
            for name, why in systems.get("failed", {}).items():
                lines.append(f"| {width} | — | {name} failed: {why} | | | | |")
            for batch in results["batches"]:
                get = lambda name, systems=systems, batch=batch: \
                    systems.get(name, {}).get("epoch_ms", {}).get(str(batch))  # noqa: E731
                ours, plain, pyg = get("ours, lifted"), get("ours, not lifted"), get("PyG")
                ratio = f"**{pyg / ours:.1f}×**" if ours and pyg else "—"
                memory = "/".join(f"{systems[n]['peak_mb']:.0f}" if "peak_mb" in systems.get(n, {}) else "—"
                                  for n in ("ours, lifted", "PyG"))
                lines.append(f"| {width} | {batch} | {_ms(ours)} | {_ms(plain)} | {_ms(pyg)} | {ratio} | {memory} |")
        lines.append("")
    return "\n".join(lines)


def _ms(value) -> str:
    return "—" if value is None else (f"{value:.1f}" if value >= 10 else f"{value:.2f}")


def plot(results: dict, path: Path) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    models = list(results["models"])
    fig, axes = plt.subplots(len(results["batches"]), len(models), figsize=(4.2 * len(models), 3.4 * 2),
                             squeeze=False)
    for i, batch in enumerate(results["batches"]):
        for j, model in enumerate(models):
            ax = axes[i][j]
            widths = results["models"][model]
            for name, style in zip(SYSTEMS, ("o-", "s--", "^-")):
                points = [(int(w), s[name]["epoch_ms"][str(batch)]) for w, s in widths.items()
                          if "epoch_ms" in s.get(name, {})]
                if points:
                    ax.plot(*zip(*points), style, label=name)
            ax.set_xscale("log", base=2)
            ax.set_yscale("log")
            ax.set_title(f"{model}, batch {batch}")
            ax.set_xlabel("hidden width")
            ax.set_ylabel("ms per epoch")
            ax.grid(True, which="both", alpha=0.3)
    axes[0][0].legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def write_section(results: dict, markdown: Path, plot_path: Path) -> None:
    """Replace (or append) this dtype's width section of RESULTS.md."""
    begin, end = MARK.format(results["dtype"], "begin"), MARK.format(results["dtype"], "end")
    section = "\n".join([
        begin, f"## Width, {results['dtype']}: ours against PyG from width 3 to 256", "",
        f"Generated by `{results['command']}` on {results['when']}, library at commit {results['code']}. "
        f"Zoo templates (3 layers, tanh) over the 188 mutagenesis molecules; SGD on the MSE in file order; "
        f"{results['dtype']} for both systems, {results['threads']} thread(s) each (our BLAS, torch); "
        f"an epoch is the median of {results['epochs']} timed epochs after one untimed. Peak RSS of each child "
        "process (all batch sizes in one process).", "",
        table(results), f"![epoch time against width, {results['dtype']}]({plot_path.name})", end])
    text = markdown.read_text() if markdown.exists() else "# Benchmark results\n"
    if begin in text:
        head, rest = text.split(begin, 1)
        text = head + section + rest.split(end, 1)[1]
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    markdown.write_text(text)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", default="gcn,graphsage,gin")
    parser.add_argument("--widths", default="3,16,32,64,128,256")
    parser.add_argument("--batches", default="1,32")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--dtype", default="float64", choices=DTYPES, help="both systems' dtype")
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="leave the unlifted runs out")
    parser.add_argument("--no-pyg", action="store_true")
    parser.add_argument("--markdown", type=Path, default=HERE / "RESULTS.md")
    parser.add_argument("--plot", type=Path, help="the plot [bench/width-DTYPE.png]")
    parser.add_argument("--json", type=Path, help="the raw figures [bench/width-DTYPE.json]")
    args = parser.parse_args()
    require_shared()
    args.batches = [int(b) for b in args.batches.split(",")]
    args.plot = args.plot or HERE / f"width-{args.dtype}.png"
    args.json = args.json or HERE / f"width-{args.dtype}.json"
    from run import code_version

    results = {"command": "python bench/width.py " + " ".join(shlex.quote(a) for a in sys.argv[1:]),
               "when": time.strftime("%Y-%m-%d %H:%M"), "code": code_version(), "dtype": args.dtype,
               "threads": args.threads, "epochs": args.epochs, "batches": args.batches, "models": {}}
    with tempfile.TemporaryDirectory(prefix="nlite_width_") as tmp:
        workdir = Path(tmp)
        graphs = str(workdir / "mutagenesis.npz")
        save_graphs(load_graphs_text(MUTAGENESIS / "examples.txt", MUTAGENESIS / "queries.txt"), graphs)
        for model in args.models.split(","):
            results["models"][model] = {}
            for width in (int(w) for w in args.widths.split(",")):
                print(f"{model} width {width}", file=sys.stderr, flush=True)
                results["models"][model][str(width)] = measure(model, width, args, workdir, graphs)
                args.json.write_text(json.dumps(results, indent=1))
    write_section(results, args.markdown, args.plot)
    plot(results, args.plot)
    print(table(results))


if __name__ == "__main__":
    main()
