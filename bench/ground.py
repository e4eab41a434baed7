"""Grounding and neuralization speed: the 188 mutagenesis molecules under template_gnn.txt,
ours against the reference's build_dataset (iso compression and chain pruning off), in one run.

    python bench/ground.py [--repeat N] [--json]

Our figure is the best of N warm runs (numba kernels already loaded).  The reference's
build_dataset also reads the examples file, so both "ground + neuralize" and "parse + ground
+ neuralize" are reported for us.  Each reference build runs in its own fresh JVM is too slow
to repeat; all N builds run in one JVM and the best (JIT-warmed) and the first are shown.
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import time

from common import MUTAGENESIS, require_shared
from reference import available, time_reference

from neuralogic_lite import load_samples, load_template
from neuralogic_lite.model import Model
from neuralogic_lite.settings import profile

TEMPLATE = MUTAGENESIS / "templates" / "template_gnn.txt"


def ours(repeat: int) -> dict:
    settings = profile("pyneuralogic", lift="none", prune="off")
    runs = []
    for _ in range(repeat + 1):   # the first run loads the kernels
        start = time.perf_counter()
        model = Model(load_template(TEMPLATE), settings)
        samples = load_samples(MUTAGENESIS / "examples.txt", MUTAGENESIS / "queries.txt")
        parsed = time.perf_counter()
        built = model.build(samples)
        done = time.perf_counter()
        runs.append({"parse": parsed - start, "ground": built.timings["ground_s"],
                     "neuralize": built.timings["neuralize_s"], "build": done - parsed, "all": done - start,
                     "neurons": int(built.graph.sample_sizes().sum())})
    runs = runs[1:]
    best = {k: min(r[k] for r in runs) for k in ("parse", "ground", "neuralize", "build", "all")}
    return {**best, "median_build": statistics.median(r["build"] for r in runs), "neurons": runs[0]["neurons"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    require_shared()
    result = {"ours": ours(args.repeat)}
    if available():
        ref = time_reference(TEMPLATE, MUTAGENESIS / "examples.txt", MUTAGENESIS / "queries.txt",
                             builds=args.repeat)
        result["reference"] = {"first_build": ref["build_s"][0], "best_build": min(ref["build_s"]),
                               "neurons": ref["neurons"]}
        result["ratio_build"] = result["reference"]["best_build"] / result["ours"]["build"]
        result["ratio_with_parsing"] = result["reference"]["best_build"] / result["ours"]["all"]
    if args.json:
        json.dump(result, sys.stdout)
        print()
        return
    o = result["ours"]
    print(f"ours: ground {o['ground']:.3f} s + neuralize {o['neuralize']:.3f} s = {o['build']:.3f} s "
          f"(parse {o['parse']:.3f} s; all {o['all']:.3f} s), {o['neurons']} neurons")
    if "reference" in result:
        r = result["reference"]
        print(f"reference build_dataset: best {r['best_build']:.3f} s (first {r['first_build']:.3f} s), "
              f"{r['neurons']} neurons")
        print(f"ratio reference/ours: {result['ratio_build']:.1f}x (ground+neuralize), "
              f"{result['ratio_with_parsing']:.1f}x (with parsing)")
    else:
        print("reference engine not installed (pip install '.[oracle]'): no ratio")


if __name__ == "__main__":
    main()
