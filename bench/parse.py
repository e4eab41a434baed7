"""Parsing speed: the fast path for examples files against Lark alone, and its throughput.

    python bench/parse.py [--repeat N] [--molecules N] [--json]

Mutagenesis ``examples.txt`` (415 KB, 188 molecules) read into samples with its queries, by
the scanner (``language.facts``, the default) and by the Lark grammar alone (what every file
went through before), in the same run; a generated examples file of ``--molecules`` synthetic
molecules (100,000: about 240 MB) read by the scanner, in MB/s; and every shared file.
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
import warnings
from pathlib import Path
from unittest import mock

from common import MUTAGENESIS, SHARED, best_of, require_shared

from neuralogic_lite import load_samples, load_template
from neuralogic_lite.datasets.molecules import generate
from neuralogic_lite.datasets.text import save as save_text
from neuralogic_lite.errors import NeuraLogicLiteWarning
from neuralogic_lite.language import parse_statements_file
from neuralogic_lite.language.parser import parse_statements
from neuralogic_lite.language.sources import guess_role


def lark_only():
    """Examples and queries read by the grammar alone, as before the scanner."""
    return mock.patch("neuralogic_lite.language.samples.scan_statements", parse_statements)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--molecules", type=int, default=100000, help="size of the generated file (0: none)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    require_shared()
    warnings.simplefilter("ignore", NeuraLogicLiteWarning)   # the shared files' known oddities

    examples, queries = MUTAGENESIS / "examples.txt", MUTAGENESIS / "queries.txt"
    load_samples(examples, queries)          # load the grammar and the kernels once, outside the timing
    fast = best_of(lambda: load_samples(examples, queries), args.repeat)
    with lark_only():
        lark = best_of(lambda: load_samples(examples, queries), args.repeat)

    files = [p for p in SHARED.rglob("*") if p.is_file() and p.name != "hello_test_input"]

    def parse_all():
        for path in files:
            load_template(path) if guess_role(path) == "template" else parse_statements_file(path)
    everything = best_of(parse_all, max(1, args.repeat // 2))

    result = {
        "examples_kb": round(examples.stat().st_size / 1024),
        "load_samples_s": {"median": round(fast[0], 4), "min": round(fast[1], 4)},
        "lark_load_samples_s": {"median": round(lark[0], 4), "min": round(lark[1], 4)},
        "speedup": round(lark[0] / fast[0], 1),
        "shared_files": len(files),
        "parse_all_shared_s": round(everything[0], 3),
    }
    if args.molecules:
        with tempfile.TemporaryDirectory(prefix="nlite_parse_") as tmp:
            save_text(generate(args.molecules, 0), Path(tmp), queries=True)
            path = Path(tmp) / "examples.txt"
            size = path.stat().st_size
            generated = best_of(lambda: load_samples(path, Path(tmp) / "queries.txt"), max(1, args.repeat // 5))
        result["generated"] = {"molecules": args.molecules, "mb": round(size / 1e6, 1),
                               "load_samples_s": round(generated[0], 2),
                               "mb_per_s": round(size / 1e6 / generated[0], 1)}
    if args.json:
        json.dump(result, sys.stdout)
        print()
        return
    print(f"mutagenesis examples.txt + queries.txt ({result['examples_kb']} KB) to samples: {fast[0]:.4f} s median "
          f"({fast[1]:.4f} min); Lark alone {lark[0]:.3f} s: {result['speedup']}x")
    if args.molecules:
        g = result["generated"]
        print(f"{g['molecules']} generated molecules ({g['mb']} MB) to samples: {g['load_samples_s']} s, "
              f"{g['mb_per_s']} MB/s")
    print(f"all {len(files)} shared files: {everything[0]:.3f} s")
    print("goals: 10x Lark on mutagenesis:", "met" if result["speedup"] >= 10 else "NOT met",
          *(["; 20 MB/s on the generated file:", "met" if result["generated"]["mb_per_s"] >= 20 else "NOT met"]
            if args.molecules else []))


if __name__ == "__main__":
    main()
