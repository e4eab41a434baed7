"""The reference's compressed neuron counts, per sample, on the whole oracle suite.

Value lifting at the reference's settings (12 decimals, 1 init, the pyneuralogic profile with
the harness's uniform initialiser) against the reference's iso compression; our
``prune="reference"`` against its chain pruning; and both together.  Pruning matches
everywhere.  Value lifting matches except on the samples listed below, for two reasons we
cannot remove without reproducing the reference's internal order of groundings (the order of
the rule neurons inside an aggregation neuron, which its subsumption engine decides):

* Which member of a value class is kept ("etalon").  The reference keeps the first in its
  depth-first order, we the first in ours; when two members with equal values have different
  inputs (an average over (a, b, b) equal to one over (c, b, d)), the inputs that stay
  reachable differ.  These differences stay at any number of decimals (the ``iso8`` runs).
  In molecule 20 of ``template_gnn``, for example, the averages for ``l2_embed(d68_3)`` and
  ``l2_embed(d68_22)`` agree; the reference reaches d68_22 first, because it grounds
  ``predict :- l3_embed(X)`` in an order of X (15, 27, 32, 13, ...) that is neither the file's,
  nor its matching engine's numbering of the constants, nor a hash order of the constants or
  of the facts.  That engine also picks its variable order at random (its own seeded
  generator, shared by every match of the run): with another seed, 64 of that molecule's 175
  aggregation neurons get their inputs in another order (the counts stay).  Reproducing the
  order means reproducing the engine.
* Float noise at 12 decimals: structurally equal neurons whose inputs are summed in another
  order differ in the last bits and round apart in one engine and not in the other.  The
  order of summation inside aggregation neurons, and which weight gets which random draw
  (the reference fills its weight set in its depth-first order), follow the grounding order.
  Which samples sit on a rounding boundary also depends on the machine: the last bits of
  ``exp`` (the JVM's intrinsics, LLVM's libm) and of vectorized sums differ between CPUs.  So
  at 12 decimals the test bounds the noise (a few samples, a neuron or two each) instead of
  listing it.  At 8 decimals the noise is gone and only the etalon differences remain, exactly.

``template_cycle`` is not comparable: the back edges of its cyclic networks are cut in
depth-first order, so the values (not the counts) of the cut networks depend on the same
grounding order.
"""
from __future__ import annotations

import warnings

import pytest
from lifting.common import BUILT, samples_of
from reference import match_samples, run_reference, suite_case

from neuralogic_lite import load_samples
from neuralogic_lite.model import Model
from neuralogic_lite.settings import profile

REFERENCE_REFUSES = {"debug_activations"}   # "Unable to parse transformation function"
ENTRIES = [entry for entry in BUILT if entry.name not in REFERENCE_REFUSES]
#: mode -> (reference case options, our settings)
MODES = {
    "iso": (dict(iso=True, prune=False, iso_decimals=12), dict(lift="value", prune="off", iso_decimals=12)),
    "prune": (dict(iso=False, prune=True), dict(lift="none", prune="reference")),
    "both": (dict(iso=True, prune=True, iso_decimals=12), dict(lift="value", prune="reference", iso_decimals=12)),
    "iso8": (dict(iso=True, prune=False, iso_decimals=8), dict(lift="value", prune="off", iso_decimals=8)),
}
NOISE_FREE = {"mutagenesis_template_gnn", "mutagenesis_template_gnnW10", "mutagenesis_template_gnn2",
              "mutagenesis_template_graphlets", "mutagenesis_template_rings_gnn",
              "mutagenesis_template_gnn_splits_train",
              "mutagenesis_template_gnn_splits_test", "debug_self_loops"}

#: (case) -> {our sample: (our count, reference count)}: the etalon differences, which stay at
#: any number of decimals and on any machine
ETALON = {
    "debug_self_loops": {0: (31, 33)},      # not with pruning, which removes the chain they differ in
    "mutagenesis_template_gnn": {20: (183, 181), 84: (183, 181)},
    "mutagenesis_template_gnn2": {37: (89, 90), 84: (99, 97), 162: (59, 58)},
    "mutagenesis_template_gnnW10": {20: (276, 274), 84: (276, 274)},
    "mutagenesis_template_gnn_splits_train": {22: (183, 181)},
    "mutagenesis_template_gnn_splits_test": {20: (183, 181)},
}
#: at 12 decimals, besides the etalon differences: samples a rounding boundary splits apart
NOISE_SAMPLES, NOISE_NEURONS = 0.05, 2          # at most 5% of the samples, 2 neurons each
#: at 12 decimals, cases whose samples cannot be compared one by one: case -> relative bound on
#: the totals.  gnnW10: 10x10 weights through three layers put values in the hundreds, so 12
#: decimals is float noise in most samples; the totals agree to 0.1% (35,766 against 35,791 here)
NOISY = {"mutagenesis_template_gnnW10": 0.005}
#: case -> (our total, the reference's) at 12 decimals: other back edges cut (module docstring).
#: Ours moves by a neuron or two with the rounding noise (the machine, the kernels' summation
#: order), so it is held to NOISE_TOTAL; the reference's is exact.
NOT_COMPARABLE = {"mutagenesis_template_cycle": (73002, 77718)}
NOISE_TOTAL = 1e-4


# Probes whose counts depend on every random draw: ReLU neurons over a fact merge exactly when
# their weights are both negative.  One example: the draws continue the model's generator
# after its initialisation (seeded); several examples: one java.util.Random(0) for the build.
RELU = "\n".join(f"{{1}} h{i} :- f.\nh{i}/0 [activation=relu]" for i in range(12)) + \
    "\nout :- " + ", ".join(f"h{i}" for i in range(12)) + "."
STREAM = "\n".join(f"{{1}} h(X) :- f{i}(X)." for i in range(12)) + "\nh/1 [activation=relu]\nout :- h(X)."
SUBSETS = [range(12)] * 3 + [[0, 1, 3, 5, 6, 8], [2, 4, 6, 8, 9, 11], [2, 7, 9, 10], [0, 2, 3, 8, 10], [2, 3, 4, 5, 8],
                              [0, 3, 4, 6, 11], [1, 2, 4, 6, 8, 9, 10, 11]]
PROBES = {f"relu_seed{seed}": ("relu", seed) for seed in range(6)} | {f"stream_seed{seed}": ("stream", seed)
                                                                       for seed in range(2)}


@pytest.fixture(scope="module")
def probe_files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("probes")
    files = {"relu": (RELU, "f.\n", "1.0 out.\n"),
             "stream": (STREAM, "".join(", ".join(f"f{i}(c{k}_{i})" for i in subset) + ".\n"
                                         for k, subset in enumerate(SUBSETS)), "1.0 out.\n" * len(SUBSETS))}
    paths = {}
    for name, texts in files.items():
        paths[name] = [folder / f"{name}_{part}.txt" for part in ("template", "examples", "queries")]
        for path, text in zip(paths[name], texts):
            path.write_text(text)
    return paths


def _cases():
    for entry in ENTRIES:
        for mode in MODES:
            if mode != "iso8" or entry.name in NOISE_FREE:
                yield entry, mode


@pytest.fixture(scope="module")
def reference(oracle_installed, shared, probe_files):
    cases = [suite_case(entry.name, name=f"{entry.name}|{mode}", iso_inits=1, **MODES[mode][0])
             for entry, mode in _cases()]
    for name, (probe, seed) in PROBES.items():
        template, examples, queries = (str(p) for p in probe_files[probe])
        cases.append({"name": name, "template": template, "examples": examples, "queries": queries, "iso": True,
                      "prune": False, "seed": seed})
    return {r["name"]: r for r in run_reference(cases)}


@pytest.mark.parametrize("entry, mode", list(_cases()), ids=lambda x: x if isinstance(x, str) else x.name)
def test_counts(reference, shared, entry, mode):
    expected = reference[f"{entry.name}|{mode}"]
    assert expected["error"] is None, expected["error"]
    settings = profile("pyneuralogic", init="uniform", iso_inits=1, cycles="cut", **MODES[mode][1])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        built = Model.from_file(shared / entry.template, settings).build(samples_of(shared, entry))
    ours = built.graph.sample_sizes()
    pairs = match_samples(built.queries(), expected["queries"])
    assert len(pairs) == len(ours) == len(expected["neurons"])
    differ = {i: (int(ours[i]), expected["neurons"][j]) for i, j in pairs if ours[i] != expected["neurons"][j]}
    if mode == "prune":
        assert not differ
        return
    etalon = ETALON.get(entry.name, {}) if (entry.name, mode) != ("debug_self_loops", "both") else {}
    if mode == "iso8":
        assert differ == etalon
        return
    totals = int(ours.sum()), sum(expected["neurons"])
    if entry.name in NOT_COMPARABLE:
        pinned = NOT_COMPARABLE[entry.name]
        assert totals[1] == pinned[1] and abs(totals[0] - pinned[0]) <= NOISE_TOTAL * pinned[0], totals
        return
    if entry.name in NOISY:
        assert abs(totals[0] - totals[1]) <= NOISY[entry.name] * totals[1], totals
        return
    assert etalon.items() <= differ.items()
    noise = {i: counts for i, counts in differ.items() if i not in etalon}
    assert len(noise) <= NOISE_SAMPLES * len(ours), noise
    assert all(abs(a - b) <= NOISE_NEURONS for a, b in noise.values()), noise


@pytest.mark.parametrize("name", PROBES)
def test_random_draws(reference, probe_files, name):
    """Counts that only the reference's exact random stream reproduces."""
    probe, seed = PROBES[name]
    template, examples, queries = probe_files[probe]
    settings = profile("pyneuralogic", init="uniform", lift="value", prune="off", seed=seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        built = Model.from_file(template, settings).build(load_samples(examples, queries))
    assert built.graph.sample_sizes().tolist() == reference[name]["neurons"]
