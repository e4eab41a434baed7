"""Accuracy of every molecule template of the zoo after a short run on generated molecules.

    python bench/zoo_accuracy.py [--n 1000] [--epochs 20] [--seed 0] [--json]

Generates ``--n`` synthetic molecules (datasets.molecules, mutagenic iff a nitro group sits on
an aromatic carbon), trains each shipped molecule template on the first 80% for ``--epochs``
epochs (profile neuralogic: Adam, BCE on logits, online updates) and reports the test accuracy
and AUC on the last 20%, with the training time.
"""
from __future__ import annotations

import argparse
import json
import sys
import time

from common import ROOT

from neuralogic_lite import parse_samples
from neuralogic_lite.datasets.molecules import generate
from neuralogic_lite.datasets.text import examples_text
from neuralogic_lite.experiment import run
from neuralogic_lite.language import load_template
from neuralogic_lite.settings import profile

TEMPLATES = ["gcn", "graphsage", "gin", "gatv2", "rgcn", "graphlets"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    samples = parse_samples(examples_text(generate(args.n, seed=args.seed)))
    split = int(0.8 * len(samples))
    train, test = samples[:split], samples[split:]
    positives = sum(float(s.query.target.data[0]) > 0.5 for s in test) / len(test)
    rows = []
    for name in TEMPLATES:
        settings = profile("neuralogic", epochs=args.epochs, learning_rate=0.01, seed=args.seed)
        start = time.perf_counter()
        report = run(load_template(ROOT / "templates" / f"{name}.txt"), train, settings, test=test)
        rows.append({"template": name, "train_accuracy": report.metrics["train"]["accuracy"],
                     "test_accuracy": report.metrics["test"]["accuracy"], "test_auc": report.metrics["test"]["auc"],
                     "seconds": time.perf_counter() - start, "neurons": report.sizes["train"]["neurons"]})
    if args.json:
        json.dump({"n": args.n, "epochs": args.epochs, "majority": max(positives, 1 - positives), "rows": rows},
                  sys.stdout)
        print()
        return
    print(f"{args.n} generated molecules (80/20 split, test majority class {max(positives, 1 - positives):.3f}), "
          f"{args.epochs} epochs, profile neuralogic, lr 0.01")
    print(f"{'template':<10} {'train acc':>9} {'test acc':>9} {'test AUC':>9} {'neurons':>9} {'seconds':>8}")
    for r in rows:
        print(f"{r['template']:<10} {r['train_accuracy']:>9.3f} {r['test_accuracy']:>9.3f} {r['test_auc']:>9.3f} "
              f"{r['neurons']:>9} {r['seconds']:>8.1f}")


if __name__ == "__main__":
    main()
