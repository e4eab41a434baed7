"""What every benchmark shares: where the reference datasets are, and a timer."""
from __future__ import annotations

import statistics
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "datasets" / "neuralogic"
MUTAGENESIS = SHARED / "relational" / "molecules" / "mutagenesis"


def require_shared() -> None:
    if not SHARED.is_dir():
        raise SystemExit(f"the reference datasets are not at {SHARED}; benchmarks need them")


def best_of(fn, repeat: int = 5) -> tuple[float, float]:
    """(median, min) wall time of ``fn()`` in seconds over ``repeat`` runs."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), min(times)
