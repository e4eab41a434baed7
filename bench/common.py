"""What every benchmark shares: where the reference datasets are, a timer, memory readings
and running a measurement in a child process."""
from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
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


def rss_mb() -> float:
    """This process's resident set size now, in MiB."""
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def peak_rss_mb() -> float:
    """This process's peak resident set size so far (``VmHWM``), in MiB.  Not ``ru_maxrss``:
    Linux carries that over from the parent through fork and exec, so a child started by a
    big parent would report the parent's size."""
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("VmHWM:")) / 1024


def run_child(function: str, spec: dict, timeout: float = 3600) -> dict:
    """``systems.<function>(spec)`` in a fresh Python process (its own peak memory, its own
    kernel loading); returns the dict it printed as its last line of JSON."""
    here = Path(__file__).resolve().parent
    proc = subprocess.run([sys.executable, str(here / "systems.py"), function, json.dumps(spec)],
                          capture_output=True, text=True, timeout=timeout, cwd=here)
    lines = proc.stdout.strip().splitlines()
    if proc.returncode != 0 or not lines:
        raise RuntimeError(f"the {function} child failed (exit {proc.returncode}):\n{proc.stderr[-3000:]}")
    return json.loads(lines[-1])
