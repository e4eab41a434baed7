"""Grounding and neuralization speed, ours against the reference's build_dataset (iso
compression and chain pruning off), in one run, on two workloads:

* mutagenesis: the 188 molecules under template_gnn.txt (many small examples);
* kb: generated knowledge bases (``neuralogic_lite.datasets.kb``) under the zoo's DistMult,
  one example whose template grounds every (subject, relation, object) triple.  The facts
  scale (6,700 times each ``--kb-sizes`` factor, with twice as many queries: each fact and a
  corrupted copy) over 46 relations.  With ``--kb-scale facts`` (default) the 135 entities stay
  (838k triples grounded at every size); with ``--kb-scale all`` the entities grow by the
  square root of the factor, so the triples grounded grow with the facts too.  The log-log
  slope of the cost against the facts says whether the joins scale with the work.

    python bench/ground.py [--repeat N] [--kb-sizes 1,2,4] [--kb-scale facts|all] [--no-mutagenesis]
                           [--no-reference] [--json]

Our figure is the best of N warm runs (numba kernels already loaded).  The reference's
build_dataset also reads the examples file, so both "ground + neuralize" and "parse + ground
+ neuralize" are reported for us.  Each reference build in its own fresh JVM is too slow to
repeat; all its builds run in one JVM and the best (JIT-warmed) and the first are shown.  A
KB build takes the reference several seconds and gigabytes, so it builds each KB
``--kb-reference-builds`` times (default 1).
"""
from __future__ import annotations

import argparse
import json
import math
import statistics
import sys
import tempfile
import time
from pathlib import Path

from common import MUTAGENESIS, require_shared
from reference import available, time_reference

from neuralogic_lite import load_samples, load_template
from neuralogic_lite.datasets import write_dataset
from neuralogic_lite.model import Model
from neuralogic_lite.settings import profile

TEMPLATE = MUTAGENESIS / "templates" / "template_gnn.txt"
KB_BASE = {"entities": 135, "relations": 46, "facts": 6700}


def ours(template: Path, examples: Path, queries: Path | None, repeat: int) -> dict:
    settings = profile("pyneuralogic", lift="none", prune="off")
    runs = []
    for _ in range(repeat + 1):   # the first run loads the kernels
        start = time.perf_counter()
        model = Model(load_template(template), settings)
        samples = load_samples(examples, queries)
        parsed = time.perf_counter()
        built = model.build(samples)
        done = time.perf_counter()
        runs.append({"parse": parsed - start, "ground": built.timings["ground_s"],
                     "neuralize": built.timings["neuralize_s"], "build": done - parsed, "all": done - start,
                     "neurons": int(built.graph.sample_sizes().sum())})
    runs = runs[1:]
    best = {k: min(r[k] for r in runs) for k in ("parse", "ground", "neuralize", "build", "all")}
    best["ground_neuralize"] = min(r["ground"] + r["neuralize"] for r in runs)
    return {**best, "median_build": statistics.median(r["build"] for r in runs), "neurons": runs[0]["neurons"]}


def reference(template: Path, examples: Path, queries: Path | None, builds: int) -> dict:
    ref = time_reference(template, examples, queries, builds=builds)
    return {"first_build": ref["build_s"][0], "best_build": min(ref["build_s"]), "neurons": ref["neurons"],
            "rss_peak_mb": ref["rss_peak_mb"]}


def compare(template: Path, examples: Path, queries: Path | None, repeat: int, builds: int) -> dict:
    result = {"ours": ours(template, examples, queries, repeat)}
    if builds and available():
        result["reference"] = reference(template, examples, queries, builds)
        result["ratio_build"] = result["reference"]["best_build"] / result["ours"]["build"]
        result["ratio_ground_neuralize"] = result["reference"]["best_build"] / result["ours"]["ground_neuralize"]
        result["ratio_with_parsing"] = result["reference"]["best_build"] / result["ours"]["all"]
    return result


def slope(xs: list[float], ys: list[float]) -> float:
    """Least-squares slope of log(y) against log(x)."""
    lx, ly = [math.log(x) for x in xs], [math.log(y) for y in ys]
    mx, my = statistics.fmean(lx), statistics.fmean(ly)
    return sum((a - mx) * (b - my) for a, b in zip(lx, ly)) / sum((a - mx) ** 2 for a in lx)


def knowledge_bases(factors: list[int], scale: str, repeat: int, builds: int, seed: int = 0) -> dict:
    rows = []
    with tempfile.TemporaryDirectory(prefix="nlite_kb_") as scratch:
        for factor in factors:
            sizes = {**KB_BASE, "facts": KB_BASE["facts"] * factor}
            if scale == "all":
                sizes["entities"] = round(KB_BASE["entities"] * math.sqrt(factor))
            folder = Path(scratch) / f"kb{factor}"
            write_dataset("kb", folder, seed, **sizes)
            rows.append({**sizes, **compare(folder / "template.txt", folder / "examples.txt",
                                            folder / "queries.txt", repeat, builds)})
    facts = [r["facts"] for r in rows]
    out = {"sizes": rows}
    if len(rows) > 1:
        out["slope_ground_neuralize"] = slope(facts, [r["ours"]["ground_neuralize"] for r in rows])
        out["slope_build"] = slope(facts, [r["ours"]["build"] for r in rows])
        if all("reference" in r for r in rows):
            out["slope_reference"] = slope(facts, [r["reference"]["best_build"] for r in rows])
    return out


def _print(name: str, result: dict) -> None:
    o = result["ours"]
    print(f"{name} ours: ground {o['ground']:.3f} s + neuralize {o['neuralize']:.3f} s; build {o['build']:.3f} s "
          f"(parse {o['parse']:.3f} s; all {o['all']:.3f} s), {o['neurons']} neurons")
    if "reference" in result:
        r = result["reference"]
        print(f"{name} reference build_dataset: best {r['best_build']:.3f} s (first {r['first_build']:.3f} s), "
              f"{r['neurons']} neurons, peak {r['rss_peak_mb']:.0f} MiB")
        print(f"{name} ratio reference/ours: {result['ratio_ground_neuralize']:.1f}x (ground+neuralize), "
              f"{result['ratio_build']:.1f}x (whole build), {result['ratio_with_parsing']:.1f}x (with parsing)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--kb-sizes", default="1,2,4",
                        help="multiples of 6,700 facts (135 entities, 46 relations); empty: no KB section")
    parser.add_argument("--kb-scale", choices=("facts", "all"), default="facts",
                        help="facts: 135 entities throughout; all: entities times the square root of the factor")
    parser.add_argument("--kb-repeat", type=int, default=3, help="our warm runs per KB")
    parser.add_argument("--kb-reference-builds", type=int, default=1)
    parser.add_argument("--no-mutagenesis", action="store_true")
    parser.add_argument("--no-reference", action="store_true", help="time ours only")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    factors = [int(f) for f in args.kb_sizes.split(",") if f.strip()]
    result = {}
    if not args.no_mutagenesis:
        require_shared()
        result["mutagenesis"] = compare(TEMPLATE, MUTAGENESIS / "examples.txt", MUTAGENESIS / "queries.txt",
                                        args.repeat, 0 if args.no_reference else args.repeat)
    if factors:
        result["kb"] = knowledge_bases(factors, args.kb_scale, args.kb_repeat,
                                       0 if args.no_reference else args.kb_reference_builds)
    if args.json:
        json.dump(result, sys.stdout)
        print()
        return
    if "mutagenesis" in result:
        _print("mutagenesis", result["mutagenesis"])
    for row in result.get("kb", {}).get("sizes", []):
        _print(f"kb {row['entities']}/{row['relations']}/{row['facts']}", row)
    kb = result.get("kb", {})
    if "slope_ground_neuralize" in kb:
        line = (f"kb slope of log(cost) against log(facts): ours {kb['slope_ground_neuralize']:.2f} "
                f"(ground+neuralize), {kb['slope_build']:.2f} (whole build)")
        if "slope_reference" in kb:
            line += f"; reference {kb['slope_reference']:.2f}"
        print(line)
    if not available() and not args.no_reference:
        print("reference engine not installed (pip install '.[oracle]'): no ratio")


if __name__ == "__main__":
    main()
