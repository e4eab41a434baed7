"""Parsing speed: mutagenesis ``examples.txt`` (415 KB, 188 molecules) and every shared file.

    python bench/parse.py [--repeat N] [--json]
"""
from __future__ import annotations

import argparse
import json
import sys
import warnings

from common import MUTAGENESIS, SHARED, best_of, require_shared

from neuralogic_lite import load_samples, load_template
from neuralogic_lite.errors import NeuraLogicLiteWarning
from neuralogic_lite.language import parse_statements_file
from neuralogic_lite.language.sources import guess_role


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    require_shared()
    warnings.simplefilter("ignore", NeuraLogicLiteWarning)   # the shared files' known oddities

    examples, queries = MUTAGENESIS / "examples.txt", MUTAGENESIS / "queries.txt"
    parse_statements_file(MUTAGENESIS / "queries.txt")  # load the grammar once, outside the timing
    statements = best_of(lambda: parse_statements_file(examples), args.repeat)
    samples = best_of(lambda: load_samples(examples, queries), args.repeat)

    files = [p for p in SHARED.rglob("*") if p.is_file() and p.name != "hello_test_input"]

    def parse_all():
        for path in files:
            load_template(path) if guess_role(path) == "template" else parse_statements_file(path)
    everything = best_of(parse_all, max(1, args.repeat // 2))

    result = {
        "examples_kb": round(examples.stat().st_size / 1024),
        "parse_examples_s": {"median": round(statements[0], 3), "min": round(statements[1], 3)},
        "load_samples_s": {"median": round(samples[0], 3), "min": round(samples[1], 3)},
        "shared_files": len(files),
        "parse_all_shared_s": round(everything[0], 3),
    }
    if args.json:
        json.dump(result, sys.stdout)
        print()
        return
    print(f"mutagenesis examples.txt ({result['examples_kb']} KB): parse {statements[0]:.3f} s median "
          f"({statements[1]:.3f} min); to samples with queries {samples[0]:.3f} s median")
    print(f"all {len(files)} shared files: {everything[0]:.3f} s")
    print("goal: examples.txt under 1 s:", "met" if samples[0] < 1.0 else "NOT met")


if __name__ == "__main__":
    main()
