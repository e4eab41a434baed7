"""Parsing and building in several threads at once give what one thread gives.

Each thread reads and builds its own template and samples while the others do theirs; the
statements (with their places), the samples, the built graphs and the outputs at one seed must
equal those of a single-threaded run.  The interpreter switches threads every microsecond
here, so that a shared parser state or a race in the symbol tables would show (both did,
before each parse had its own state and interning its lock).  Also: interning from many
threads, and pauses of the cycle collector that overlap.
"""
from __future__ import annotations

import gc
import sys
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from neuralogic_lite import load_samples, load_template, profile
from neuralogic_lite.language.symbols import Interner
from neuralogic_lite.memory import cycle_collection_paused
from neuralogic_lite.model import Model

from support import ROOT

THREADS = 4


@pytest.fixture
def fast_switching():
    """Threads switched every microsecond (the default, 5 ms, rarely interrupts a short step)."""
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    yield
    sys.setswitchinterval(interval)


def _cases(shared) -> list[tuple[str, str, str | None]]:
    """(template, examples, queries): a template of the shared reference datasets, the
    project's own templates and datasets."""
    mutagenesis = shared / "relational" / "molecules" / "mutagenesis"
    return [
        (mutagenesis / "templates" / "template_gnn.txt", mutagenesis / "examples.txt", mutagenesis / "queries.txt"),
        (ROOT / "templates" / "gcn.txt", ROOT / "datasets" / "molecules" / "examples.txt", None),
        (ROOT / "templates" / "family.txt", ROOT / "datasets" / "family" / "examples.txt",
         ROOT / "datasets" / "family" / "queries.txt"),
        (ROOT / "templates" / "xor.txt", ROOT / "datasets" / "xor" / "examples.txt", None),
    ]


def _outcome(case, seed: int) -> dict:
    """What one case reads and builds, in comparable form."""
    template_path, examples, queries = case
    template = load_template(template_path)
    samples = load_samples(examples, queries)
    model = Model(template, profile(seed=seed))
    built = model.build(samples)
    return {
        "statements": template.statements,
        "places": [getattr(s, "location", None) for s in template.statements],
        "samples": samples,
        "sample places": [s.query.location for s in samples],
        "neurons": (built.graph.neuron_count, built.graph.edge_count),
        "outputs": [o.tolist() for o in model.predict(built)],
    }


def test_parses_and_builds_in_threads_equal_one_thread(shared, seed, fast_switching):
    cases = _cases(shared)
    alone = [_outcome(case, seed) for case in cases]
    start = threading.Barrier(THREADS)

    def run(k: int) -> list[dict]:   # thread k takes the cases in turn, starting at its own
        start.wait()
        return [_outcome(cases[(k + i) % len(cases)], seed) for i in range(len(cases))]

    with ThreadPoolExecutor(THREADS) as pool:
        together = list(pool.map(run, range(THREADS)))
    for k, outcomes in enumerate(together):
        for i, outcome in enumerate(outcomes):
            case = (k + i) % len(cases)
            for key, expected in alone[case].items():
                assert outcome[key] == expected, f"thread {k}, {cases[case][0].name}: {key} differ"


def test_interning_in_threads_gives_each_key_one_id(fast_switching):
    interner: Interner[str] = Interner()
    keys = [[f"k{(t * 7 + i) % 3000}" for i in range(3000)] for t in range(THREADS)]  # overlapping, new
    start = threading.Barrier(THREADS)

    def intern(t: int) -> list[int]:
        start.wait()
        half = len(keys[t]) // 2
        return interner.many(keys[t][:half]) + [interner(k) for k in keys[t][half:]]

    with ThreadPoolExecutor(THREADS) as pool:
        ids = list(pool.map(intern, range(THREADS)))
    distinct = {k for ks in keys for k in ks}
    assert len(interner) == len(distinct)
    assert sorted(interner.get(k) for k in distinct) == list(range(len(distinct)))
    for t in range(THREADS):
        assert [interner[i] for i in ids[t]] == keys[t]


def test_collector_pauses_overlap_and_end_with_the_last():
    enabled = gc.isenabled()
    try:
        gc.enable()
        first, second = cycle_collection_paused(), cycle_collection_paused()
        first.__enter__()
        second.__enter__()
        first.__exit__(None, None, None)        # the other pause still holds
        assert not gc.isenabled()
        second.__exit__(None, None, None)
        assert gc.isenabled()
        gc.disable()                            # a collector off before stays off
        with cycle_collection_paused():
            pass
        assert not gc.isenabled()
    finally:
        (gc.enable if enabled else gc.disable)()
