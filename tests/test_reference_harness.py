"""The oracle harness itself, checked against the reference engine and against hand computations.

Every case of the module goes to the reference in ONE ``run_reference`` call (one JVM start, about
ten seconds), through the module-scoped ``batch`` fixture.
"""
from __future__ import annotations

import math
import sys

import pytest
import reference
from reference import match_samples, run_reference, suite_case

import neuralogic_lite.reference as driver
from neuralogic_lite.errors import ReferenceEngineError

# Recorded reference figures (uniform init, seed 0, SGD lr 0.1, iso and pruning off).
XOR_OUTPUTS = [0.0, 1.8797760557420795, -0.0070192161831601, 1.8727568395589191]
XOR_AFTER_ONE_EPOCH = [0.0, -1.1904873160922806, -0.8582226150957253, -2.0487099311880064]

# h = W0 * avg(rule), rule = W1*a + W2*b; two labelled examples.
TINY_TEMPLATE = "{1} h :- {1} a, {1} b.\n"
TINY_EXAMPLES = "1.0 h :- <2.0> a, <3.0> b.\n0.0 h :- <1.0> a, <-3.0> b.\n"
# h = W0 (1x2) * (W1 (2x2) * a), a = [1, 2].
VECTOR_TEMPLATE = "{1,2} h :- {2,2} a.\n"
VECTOR_EXAMPLES = "1.0 h :- <[1.0, 2.0]> a.\n"
ADAM = {"optimizer": {"kind": "adam", "lr": 0.01}, "epochs": 2}
SIGMOID_BOTH = {"atom": "SIGMOID", "rule": "SIGMOID"}


def sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


@pytest.fixture(scope="module")
def batch(oracle_installed, shared, tmp_path_factory):
    """All cases of this module, run once: ``(cases, {name: result})``."""
    here = tmp_path_factory.mktemp("reference_harness")
    files = {}
    for name, text in [("tiny_t", TINY_TEMPLATE), ("tiny_e", TINY_EXAMPLES),
                       ("vec_t", VECTOR_TEMPLATE), ("vec_e", VECTOR_EXAMPLES)]:
        files[name] = here / f"{name}.txt"
        files[name].write_text(text)
    tiny = {"template": str(files["tiny_t"]), "examples": str(files["tiny_e"]), "queries": None,
            "iso": False, "prune": False}
    cases = [
        suite_case("xor_naive"),
        suite_case("xor_naive", name="xor_naive_sgd", epochs=1),
        suite_case("xor_naive", name="xor_naive_adam", **ADAM),
        suite_case("debug_drawing"),
        suite_case("debug_transpose"),
        dict(tiny, name="tiny_uniform"),
        dict(tiny, name="tiny_loaded", weights={"0": 0.5, "1": 0.5, "2": 0.5}),
        dict(tiny, name="tiny_sigmoid", init={"kind": "constant", "value": 0.5}, activation=SIGMOID_BOTH),
        dict(tiny, name="tiny_sigmoid_java", init={"kind": "constant", "value": 0.5},
             java={"atomNeuronTransformation": "TransformationFcn.SIGMOID",
                   "ruleNeuronTransformation": "TransformationFcn.SIGMOID"}),
        {"name": "vector_loaded", "template": str(files["vec_t"]), "examples": str(files["vec_e"]),
         "queries": None, "weights": {"0": [[0.5, -1.0]], "1": [[1.0, 2.0], [3.0, 4.0]]}},
        suite_case("mutagenesis_template_gnn"),
        suite_case("mutagenesis_template_gnn", name="mutagenesis_template_gnn_iso", iso=True),
        suite_case("xor_naive", name="xor_naive_timed", builds=2, test=False, warmup=1, epochs=3, chunk=2,
                   trajectory=False),
        # Repeats after everything else: a case must not see state left by earlier ones.
        suite_case("xor_naive", name="xor_naive_again", epochs=1),
        suite_case("xor_naive", name="xor_naive_adam_again", **ADAM),
    ]
    return cases, {r["name"]: r for r in run_reference(cases)}


def test_xor_naive_initial_outputs(batch):
    r = batch[1]["xor_naive"]
    assert r["error"] is None
    assert r["queries"] == ["xor"] * 4
    assert r["targets"] == [0.0, 1.0, 1.0, 0.0]
    assert r["neurons"] == [43, 43, 43, 43]
    assert r["outputs"] == XOR_OUTPUTS
    assert r["weights"]["0"] == 0.46193557475331404  # the first uniform draw of seed 0
    assert "trajectory" not in r


def test_xor_naive_one_sgd_epoch(batch):
    r = batch[1]["xor_naive_sgd"]
    assert r["outputs"] == XOR_OUTPUTS
    assert r["trajectory"] == [XOR_AFTER_ONE_EPOCH]
    assert r["final_weights"].keys() == r["weights"].keys()
    assert r["final_weights"] != r["weights"]


def test_loaded_weights_give_hand_computed_outputs(batch):
    r = batch[1]["tiny_loaded"]
    assert r["weights"] == {"0": 0.5, "1": 0.5, "2": 0.5}
    assert r["outputs"] == [0.5 * (0.5 * 2 + 0.5 * 3), 0.5 * (0.5 * 1 + 0.5 * -3)]
    assert batch[1]["tiny_uniform"]["outputs"] != r["outputs"]


def test_constant_init_and_activations(batch):
    expected = [sigmoid(0.5 * sigmoid(2.5)), sigmoid(0.5 * sigmoid(-1.0))]
    for name in ("tiny_sigmoid", "tiny_sigmoid_java"):
        r = batch[1][name]
        assert r["weights"] == {"0": 0.5, "1": 0.5, "2": 0.5}
        assert r["outputs"] == pytest.approx(expected, rel=1e-15)


def test_matrix_weights_load_from_nested_lists(batch):
    r = batch[1]["vector_loaded"]
    assert r["weights"] == {"0": [[0.5, -1.0]], "1": [[1.0, 2.0], [3.0, 4.0]]}
    assert r["outputs"] == [0.5 * 5.0 - 1.0 * 11.0]


def test_query_literals_of_a_variable_query(batch):
    r = batch[1]["debug_drawing"]
    assert r["queries"] == ["layer(2, 1)", "layer(1, 1)", "layer(1, 1)"]
    assert r["neurons"] == [11, 11, 8]
    assert r["query_neuron"] == [True, True, True]


def test_rejected_case_reports_the_error(batch):
    r = batch[1]["debug_transpose"]
    assert r["error"].startswith("ArithmeticException: Incompatible dimensions for vector multiplication")
    assert "outputs" not in r


def test_mutagenesis_gnn_network_sizes(batch):
    plain, iso = batch[1]["mutagenesis_template_gnn"], batch[1]["mutagenesis_template_gnn_iso"]
    assert len(plain["neurons"]) == len(iso["neurons"]) == 188
    assert plain["queries"] == ["predict"] * 188
    assert sum(plain["neurons"]) == 117115
    assert sum(iso["neurons"]) == 23479


def test_cases_do_not_leak_into_each_other(batch):
    first, again = batch[1]["xor_naive_sgd"], batch[1]["xor_naive_again"]
    for key in ("outputs", "weights", "trajectory", "final_weights"):
        assert again[key] == first[key]
    adam, adam_again = batch[1]["xor_naive_adam"], batch[1]["xor_naive_adam_again"]
    assert adam["trajectory"] == adam_again["trajectory"]
    assert adam["trajectory"][0] != first["trajectory"][0]


def test_timing_options_measure_without_evaluating(batch):
    """The benchmarks' case: two builds, no evaluation, chunked epochs after a warm-up, no trajectory."""
    timed = batch[1]["xor_naive_timed"]
    assert timed["error"] is None and "outputs" not in timed and "trajectory" not in timed
    assert len(timed["seconds"]["build"]) == 2 and len(timed["seconds"]["epoch"]) == 3
    assert timed["seconds"]["test"] is None and timed["final_weights"] != timed["weights"]
    assert 0 < timed["rss_base_mb"] <= timed["rss_peak_mb"]


def test_identical_case_lists_are_memoised(batch, monkeypatch):
    def no_second_run(*args):
        raise AssertionError("the reference was run again")

    monkeypatch.setattr(reference, "run_cases", no_second_run)
    results = run_reference(batch[0])
    assert [r["name"] for r in results] == [c["name"] for c in batch[0]]
    results[0]["outputs"] = None  # callers get copies
    assert run_reference(batch[0])[0]["outputs"] == XOR_OUTPUTS


def test_a_crashing_worker_raises_with_its_stderr(tmp_path, monkeypatch):
    script = tmp_path / "worker.py"
    script.write_text("import sys\nsys.stderr.write('boom: the JVM is gone')\nsys.exit(3)\n")
    monkeypatch.setattr(driver, "WORKER", (sys.executable, str(script)))
    with pytest.raises(ReferenceEngineError, match="exit code 3(.|\n)*boom: the JVM is gone"):
        run_reference([{"name": "crash", "template": "t", "examples": "e", "queries": None}])


def test_match_samples_pairs_by_literal_then_position():
    assert match_samples(["a", "b"], ["a", "b"]) == [(0, 0), (1, 1)]
    assert match_samples(["layer(1,1)", "layer(2, 1)"], ["layer(2, 1)", "layer(1, 1)"]) == [(0, 1), (1, 0)]
    assert match_samples(["p", "p", "q"], ["q", "p", "p"]) == [(0, 1), (1, 2), (2, 0)]
    assert match_samples(["x", "a", "y"], ["a", "u", "v"]) == [(0, 1), (1, 0), (2, 2)]
    assert match_samples(["a", "b", "c"], ["b"]) == [(1, 0)]
