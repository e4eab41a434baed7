"""Knowledge-base completion: our sampled negatives against the numpy reference, in one run.

On a KB generated with planted rules (``datasets.kb.generate``; 10% of the facts held out for
testing), the zoo's DistMult trained by ``kbc.fit`` (the KB network grounded once, the query
networks of each epoch's triples attached to it) and ``bench/kb_reference.py`` (plain numpy:
the same negatives, BCE, Adam, the same filtered ranking) train with the same dimension,
epochs, negatives, batch (positives per step) and learning rate.  Each system runs in its own
process (its own peak memory).  Prints a table: filtered MRR and Hits@10 of the test triples
(both sides), seconds per epoch (the median; the first epoch of ours includes compiling the
kernels when the cache is cold, so it is shown apart), the whole training, the ranking, and
peak memory (VmHWM).

    python bench/kb.py                     # 1,000 entities, 20 relations, 20,000 facts, then 10,000 / 100,000
    python bench/kb.py --only small
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from common import peak_rss_mb  # noqa: E402

CONFIGS = {
    "small": {"entities": 1000, "relations": 20, "facts": 20000, "dim": 32, "negatives": 10, "epochs": 20,
              "batch": 256, "lr": 0.05, "test_limit": 0},
    "large": {"entities": 10000, "relations": 20, "facts": 100000, "dim": 32, "negatives": 10, "epochs": 10,
              "batch": 256, "lr": 0.05, "test_limit": 500},
}


def ours(spec: dict) -> dict:
    """Our engine: files written as ``nlite datasets kb`` writes them (train facts, train
    positives), loaded, prepared once, trained, ranked."""
    import numpy as np
    from kb_reference import split

    from neuralogic_lite import kbc, load_samples
    from neuralogic_lite.datasets.kb import generate
    from neuralogic_lite.jit import compiling
    from neuralogic_lite.model import Model
    from neuralogic_lite.settings import profile
    from neuralogic_lite.zoo import distmult

    kb = generate(spec["entities"], spec["relations"], spec["facts"], spec["seed"])
    train, test = split(kb.facts, seed=spec["seed"])
    e, r = kb.entity_names(), kb.relation_names()
    start = time.perf_counter()
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        (folder / "template.txt").write_text(distmult(e, r, spec["dim"]))
        (folder / "examples.txt").write_text(",\n".join(f"{r[b]}({e[a]}, {e[c]})" for a, b, c in train.tolist())
                                             + ".\n")
        (folder / "queries.txt").write_text("".join(f"1.0 predict({e[a]}, {r[b]}, {e[c]}).\n"
                                                    for a, b, c in train.tolist()))
        settings = profile(negatives=spec["negatives"], corrupt="both", epochs=spec["epochs"],
                           learning_rate=spec["lr"], batch_size=spec["batch"], seed=spec["seed"])
        model = Model.from_file(folder / "template.txt", settings)
        samples = load_samples(folder / "examples.txt", folder / "queries.txt")
    load_s = time.perf_counter() - start
    start = time.perf_counter()
    prepared = kbc.prepare(model, samples)
    prepare_s = time.perf_counter() - start
    positives = kbc.positives_of(samples)
    compiled = compiling.seconds
    start = time.perf_counter()
    result = kbc.fit(model, prepared, positives, positives)
    train_s = time.perf_counter() - start
    compile_s = compiling.seconds - compiled
    epochs = [h["epoch_s"] for h in result.history[1:]]
    attach = [h["attach_s"] for h in result.history[1:]]
    # the test triples as constant ids (our constants are interned names)
    from neuralogic_lite.language.symbols import CONSTANTS
    ids = {name: CONSTANTS(name) for name in e + r}
    limit = spec["test_limit"] or test.shape[0]
    as_ids = np.array([[ids[e[a]], ids[r[b]], ids[e[c]]] for a, b, c in test[:limit].tolist()], np.int64)
    known = np.array([[ids[e[a]], ids[r[b]], ids[e[c]]] for a, b, c in kb.facts.tolist()], np.int64)
    start = time.perf_counter()
    report, _ = kbc.rank(model, prepared, as_ids, known)
    return {"system": "neuralogic_lite (kbc)", "epoch_s": float(np.median(epochs[1:] if len(epochs) > 1 else epochs)),
            "first_epoch_s": epochs[0], "attach_s": float(np.median(attach)), "compile_s": compile_s,
            "train_s": train_s, "load_s": load_s, "prepare_s": prepare_s, "eval_s": time.perf_counter() - start,
            "loss": result.history[-1]["loss"], "train": int(train.shape[0]), "test": int(limit),
            "peak_mb": peak_rss_mb(), **report}


def reference(spec: dict) -> dict:
    from kb_reference import run
    out = run(spec["entities"], spec["relations"], spec["facts"], spec["dim"], spec["negatives"], spec["epochs"],
              spec["batch"], spec["lr"], "both", "bce", spec["seed"], spec.get("lazy", False), spec["test_limit"])
    return {**out, "peak_mb": peak_rss_mb()}


def child(function: str, spec: dict, timeout: float = 3600) -> dict:
    proc = subprocess.run([sys.executable, __file__, "--child", function, json.dumps(spec)], capture_output=True,
                          text=True, timeout=timeout)
    lines = proc.stdout.strip().splitlines()
    if proc.returncode != 0 or not lines:
        raise RuntimeError(f"the {function} child failed (exit {proc.returncode}):\n{proc.stderr[-3000:]}")
    return json.loads(lines[-1])


def table(name: str, spec: dict, rows: list[dict]) -> str:
    head = (f"### {name}: {spec['entities']:,} entities, {spec['relations']} relations, {spec['facts']:,} facts; "
            f"DistMult dim {spec['dim']}, {spec['negatives']} negatives (both sides), {spec['epochs']} epochs, "
            f"batch {spec['batch']} positives, Adam lr {spec['lr']}\n\n")
    lines = ["| system | filtered MRR | Hits@10 | s/epoch | training s | ranking s (test triples) | peak MiB |",
             "|---|---|---|---|---|---|---|"]
    for row in rows:
        lines.append(f"| {row['system']} | {row['mrr']:.4f} | {row['hits@10']:.4f} | {row['epoch_s']:.3f} | "
                     f"{row['train_s']:.1f} | {row['eval_s']:.1f} ({row['test']}) | {row['peak_mb']:.0f} |")
    ours_row = next(r for r in rows if r["system"].startswith("neuralogic"))
    notes = [f"ours: loading {ours_row['load_s']:.1f} s, grounding the KB network once {ours_row['prepare_s']:.1f} s, "
             f"first epoch {ours_row['first_epoch_s']:.2f} s (compiling {ours_row['compile_s']:.1f} s), "
             f"of each epoch {ours_row['attach_s']:.3f} s drawing negatives and attaching their networks"]
    refs = [r for r in rows if not r["system"].startswith("neuralogic")]
    if refs:
        ref = refs[0]
        notes.append(f"MRR ratio ours / reference: {ours_row['mrr'] / ref['mrr']:.2f}; epoch time ratio: "
                     f"{ours_row['epoch_s'] / ref['epoch_s']:.2f}")
    total = ours_row["load_s"] + ours_row["prepare_s"] + ours_row["train_s"]
    notes.append(f"ours from files to trained model: {total:.1f} s")
    return head + "\n".join(lines) + "\n\n" + "".join(f"- {n}\n" for n in notes)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", choices=list(CONFIGS))
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-reference", action="store_true", help="ours only")
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        function, spec = args.child
        print(json.dumps({"ours": ours, "reference": reference}[function](json.loads(spec))))
        return
    for name, spec in CONFIGS.items():
        if args.only and name != args.only:
            continue
        spec = {**spec, "seed": args.seed}
        rows = []
        if not args.no_reference:
            rows.append(child("reference", spec))
            rows.append(child("reference", {**spec, "lazy": True}))
        rows.append(child("ours", spec))
        print(table(name, spec, rows), flush=True)


if __name__ == "__main__":
    main()
