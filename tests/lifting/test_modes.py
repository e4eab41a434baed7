"""Each lifting mode and the rewiring on tiny networks built from template text."""
from __future__ import annotations

import json
import warnings

import numpy as np
import pytest

from neuralogic_lite import parse_samples
from neuralogic_lite.engine.runtime import evaluator
from neuralogic_lite.errors import NeuraLogicLiteError, NeuraLogicLiteWarning
from neuralogic_lite.lifting import chain_mapping, lift, rewire, structural_classes
from neuralogic_lite.model import Model
from neuralogic_lite.network.graph import Kind
from neuralogic_lite.settings import profile


def build(template: str, examples: str, queries: str | None = None, **changes):
    settings = profile("pyneuralogic", **changes)
    model = Model.from_text(template, settings)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        built = model.build(parse_samples(examples, queries))
    built.warnings = [str(w.message) for w in caught if issubclass(w.category, NeuraLogicLiteWarning)]
    return model, built


def outputs(model, built):
    return np.concatenate([o.ravel() for o in model.predict(built)])


def names(graph):
    return [graph.describe(v) for v in range(graph.neuron_count)]


def inputs(graph, text):
    v = names(graph).index(text)
    return [graph.describe(int(u)) for u in graph.inputs(v)]


# ----------------------------------------------------------------------------- structural
SHARED_BODY = ("{1} h(X) :- f(X).\nout :- h(X).", "1.0 out :- f(a), f(b), <0.5> f(c).")


def test_structural_merges_equal_neurons_and_keeps_duplicate_edges():
    model0, plain = build(*SHARED_BODY, lift="none", prune="off")
    model, lifted = build(*SHARED_BODY, lift="structural", prune="off")
    assert plain.graph.neuron_count == 17
    # h(b) is h(a) (same rule, same weight, an equal fact); h(c) has another fact value
    assert lifted.graph.neuron_count == 12
    assert inputs(lifted.graph, "aggregation of rule 1 for out") == ["rule out :- h(a).", "rule out :- h(a).",
                                                                     "rule out :- h(c)."]
    np.testing.assert_array_equal(outputs(model, lifted), outputs(model0, plain))
    report = lifted.timings["lift"]
    assert report["steps"][0]["step"] == "lift" and report["steps"][0]["neurons"] == [17, 12]
    assert report["edges"] == [16, 12]


def test_nothing_merges_returns_the_same_graph():
    template, examples = "{1} out :- {1} f(a), {1} g(a).", "1.0 out :- <0.3> f(a), <0.7> g(a)."
    _, built = build(template, examples, lift="none", prune="off")
    graph = built.graph
    for mode in ("structural", "value"):
        same, report = lift(graph, profile("pyneuralogic", lift=mode, prune="off"),
                            evaluate=lambda g, p, n: np.zeros(int(g.value_start[-1])) + np.arange(g.value_start[-1]))
        assert same is graph
        assert report["steps"][0]["neurons"] == [5, 5]
    assert rewire(graph, np.arange(graph.neuron_count)) is graph
    assert lift(graph, profile("pyneuralogic", lift="none", prune="off"))[0] is graph


def test_order_sensitive_combinations_keep_their_order():
    template = ("h1 :- a, b. [combination={c}]\nh2 :- b, a. [combination={c}]\n"
                "{{1}} out :- {{1}} h1, {{1}} h2.")
    examples = "1.0 out :- <0.3> a, <0.7> b."
    for combination, merged in (("sum", True), ("elproduct", True), ("concat", False), ("product", False),
                                ("crosssum", False)):
        _, built = build(template.format(c=combination), examples, lift="structural", prune="off")
        kept = names(built.graph)
        assert ("rule h2 :- b, a." not in kept) is merged, combination


def test_structural_classes_see_weights_offsets_and_examples():
    template = "{1} h(X) :- f(X).\n{1} g(X) :- f(X).\nout(X) :- h(X), g(X)."
    examples = "1.0 out(a) :- f(a).\n1.0 out(b) :- f(b)."
    _, built = build(template, examples, lift="none", prune="off")
    graph = built.graph
    within = structural_classes(graph)
    across = structural_classes(graph, across_examples=True)
    first = lambda text: names(graph).index(text)  # noqa: E731
    # different weights: h(a) and g(a) differ; different examples: h(a) and h(b) differ unless across
    assert within[first("weighted atom h(a)")] != within[first("weighted atom g(a)")]
    assert within[first("weighted atom h(b)")] != within[first("weighted atom h(a)")]
    assert across[first("weighted atom h(b)")] == first("weighted atom h(a)")


def test_batch_lifting_shares_neurons_between_samples():
    template = "{1} h(X) :- f(X).\nout(X) :- h(X)."
    examples = "1.0 out(a) :- f(a).\n0.0 out(b) :- f(b).\n1.0 out(c) :- <0.5> f(c)."
    model0, plain = build(template, examples, lift="none", prune="off")
    graph, report = lift(plain.graph, profile("pyneuralogic", lift="structural", prune="lossless"),
                         across_examples=True)
    assert [s["step"] for s in report["steps"]] == ["prune", "lift", "batch"]
    supports = [set(graph.sample_neurons[graph.sample_start[s]:graph.sample_start[s + 1]].tolist())
                for s in range(3)]
    assert supports[0] & supports[1] and len(supports[0] & supports[2]) < len(supports[2])
    # the outputs stay their own neurons, so the queries still read as written
    assert [graph.describe(int(o)) for o in graph.output] == ["atom out(a)", "atom out(b)", "atom out(c)"]
    assert len(set(graph.output.tolist())) == 3
    expected = outputs(model0, plain)
    from neuralogic_lite.engine.runtime import Network
    got = np.concatenate(Network(graph).outputs(plain.parameters(model0.values)))
    np.testing.assert_allclose(got, expected, rtol=1e-14)


# ----------------------------------------------------------------------------- value-based
def test_value_lifting_merges_by_value_like_the_reference():
    """The reference's weight_probe: with learnable weights written as 0.5, ``out :- h1, h2``
    (1.0) merges into the fact ``f`` (1.0): the network becomes f -> out, and both weights
    vanish (lossy, hence the warning)."""
    template = "0.5 h1 :- f.\n0.5 h2 :- f.\nout :- h1, h2."
    model, built = build(template, "1.0 out :- f.", lift="value", prune="off")
    assert names(built.graph) == ["fact f", "atom out"]
    assert any("written with a value" in w for w in built.warnings)
    assert outputs(model, built).tolist() == [1.0]


def test_value_lifting_redraws_random_weights():
    template = "{1} h1 :- f.\n{1} h2 :- f.\nout :- h1, h2."
    _, built = build(template, "1.0 out :- f.", lift="value", prune="off")
    kept = names(built.graph)
    assert "weighted atom h1" in kept and "weighted atom h2" in kept
    assert not built.warnings


def test_value_lifting_confirmed_by_structure_counts_refusals():
    template = "0.3 h1 :- f.\n0.3 h2 :- f.\nout :- h1, h2."
    _, built = build(template, "1.0 out :- f.", lift="none", prune="off")
    graph = built.graph
    evaluate = evaluator()
    settings = profile("pyneuralogic", lift="value", prune="off")
    with pytest.warns(NeuraLogicLiteWarning, match="written with a value"):
        merged, report = lift(graph, settings, evaluate)
    with pytest.warns(NeuraLogicLiteWarning):
        confirmed, confirmed_report = lift(graph, settings, evaluate, confirm=True)
    assert "refused" not in report["steps"][0]
    # refused: the rules and aggregations of h1 and h2 into the fact f (1.0), h2 into h1 (another
    # weight), and out's aggregation into out's rule (0.6); h2's rule joins h1's rule instead
    assert confirmed_report["steps"][0]["refused"] == 6
    assert "weighted atom h2" not in names(merged) and "weighted atom h2" in names(confirmed)


def test_value_lifting_warns_about_relu_and_max():
    template = "{1} h(X) :- f(X). [activation=relu]\nout :- h(X). [aggregation=max]"
    _, built = build(template, "1.0 out :- f(a), f(b).", lift="value", prune="off")
    assert any("ReLU" in w and "max" in w for w in built.warnings)
    _, built = build(template, "1.0 out :- f(a), f(b).", lift="structural", prune="off")
    assert not built.warnings


def test_value_lifting_needs_an_evaluator():
    _, built = build(*SHARED_BODY, lift="none", prune="off")
    with pytest.raises(NeuraLogicLiteError, match="evaluator"):
        lift(built.graph, profile("pyneuralogic", lift="value"))


# ----------------------------------------------------------------------------- pruning
NEGATION = ("out :- {1} ~f.", "1.0 out :- <0.3> f.")


def test_reference_pruning_is_lossy_and_lossless_pruning_is_not():
    """The reference's negation_probe: its pruning removes the negation (~f becomes f)."""
    model0, plain = build(*NEGATION, lift="none", prune="off")
    model1, reference = build(*NEGATION, lift="none", prune="reference")
    model2, lossless = build(*NEGATION, lift="none", prune="lossless")
    assert plain.graph.neuron_count == 5
    kinds = lambda built: [Kind(int(k)) for k in built.graph.kind]  # noqa: E731
    assert kinds(reference) == [Kind.FACT, Kind.WEIGHTED_RULE, Kind.ATOM]
    assert kinds(lossless) == [Kind.FACT, Kind.NEGATION, Kind.WEIGHTED_RULE, Kind.ATOM]
    w = model0.values[0]
    np.testing.assert_allclose(outputs(model0, plain), [w * 0.7])
    np.testing.assert_allclose(outputs(model1, reference), [w * 0.3])
    np.testing.assert_array_equal(outputs(model2, lossless), outputs(model0, plain))


def test_lossless_pruning_keeps_functions_that_change_one_input():
    template = ("h(X) :- f(X). [aggregation={a}]\nout :- h(X).")
    for aggregation, pruned in (("avg", True), ("max", True), ("sum", True), ("count", False), ("softmax", False)):
        _, built = build(template.format(a=aggregation), "1.0 out :- <0.3> f(a).", lift="none", prune="off")
        mapping = chain_mapping(built.graph, "lossless")
        agg = names(built.graph).index("aggregation of rule 0 for h(a)")
        assert bool(mapping[agg] != agg) is pruned, aggregation
    # activations other than identity stay; the output always stays
    _, built = build("h :- f. [activation=tanh]\nout :- h.", "1.0 out :- <0.3> f.", lift="none", prune="off")
    graph = built.graph
    mapping = chain_mapping(graph, "lossless")
    assert mapping[names(graph).index("rule h :- f.")] == names(graph).index("rule h :- f.")
    assert mapping[graph.output[0]] == graph.output[0]
    assert mapping[names(graph).index("atom h")] != names(graph).index("atom h")


def test_pruning_then_lifting_chains_the_mappings():
    model0, plain = build(*SHARED_BODY, lift="none", prune="off")
    model, lifted = build(*SHARED_BODY, lift="structural", prune="lossless")
    steps = lifted.timings["lift"]["steps"]
    assert [s["step"] for s in steps] == ["prune", "lift"]
    assert steps[0]["neurons"][1] == steps[1]["neurons"][0]
    np.testing.assert_allclose(outputs(model, lifted), outputs(model0, plain), rtol=1e-15)
    assert Kind.AGGREGATION in lifted.graph.kind   # the average over h(X) has three inputs


# ----------------------------------------------------------------------------- report and wiring
def test_report_is_json_and_model_build_applies_the_settings():
    model, built = build(*SHARED_BODY)   # defaults: prune lossless, lift structural
    report = built.timings["lift"]
    json.dumps(report)
    assert [(s["step"], s["mode"]) for s in report["steps"]] == [("prune", "lossless"), ("lift", "structural")]
    for step in report["steps"]:
        assert set(step) >= {"neurons", "edges", "seconds"}
    assert report["neurons"][1] == built.graph.neuron_count
    assert report["sample_neurons"][1] == int(built.graph.sample_sizes().sum())


def test_rewire_follows_chains_and_renumbers_topologically():
    _, built = build(*SHARED_BODY, lift="none", prune="off")
    graph = built.graph
    mapping = chain_mapping(graph, "reference")
    pruned = rewire(graph, mapping)
    targets = np.repeat(np.arange(pruned.neuron_count), np.diff(pruned.input_start))
    assert (pruned.edge_src < targets).all()
    assert pruned.value_start[-1] == (pruned.rows.astype(int) * pruned.cols).sum()
    assert pruned.sample_neurons.tolist() == list(range(pruned.neuron_count))
    with pytest.raises(ValueError, match="cycle"):
        rewire(graph, np.r_[1, 0, np.arange(2, graph.neuron_count)])


def test_value_lifting_keeps_non_finite_neurons_apart():
    """``log`` of a zero fact is -inf: the reference fails (NumberFormatException), we warn and
    merge nothing that is not finite."""
    template = "h1 :- f. [activation=log]\nh2 :- f. [activation=log]\n{1} out :- {1} h1, {1} h2."
    _, built = build(template, "1.0 out :- <0.0> f.", lift="value", prune="off")
    assert any("infinite or NaN" in w for w in built.warnings)
    kept = names(built.graph)
    assert "rule h1 :- f." in kept and "rule h2 :- f." in kept


def test_batch_lifting_as_a_setting():
    """``lift`` reads ``batch_lift`` from the settings when the caller does not say."""
    _, plain = build("{1} h(X) :- f(X).\nout(X) :- h(X).", "1.0 out(a) :- f(a).\n0.0 out(b) :- f(b).",
                     lift="none", prune="off")
    base = profile("pyneuralogic", lift="structural", prune="lossless")
    graph, report = lift(plain.graph, base.replace(batch_lift=True))
    assert [s["step"] for s in report["steps"]] == ["prune", "lift", "batch"]
    assert lift(plain.graph, base)[1]["steps"][-1]["step"] == "lift"


def test_value_lifting_replays_the_reference_draws():
    """ReLU neurons over a fact merge exactly when both their weights are drawn negative, so
    these counts (the reference's, for seeds 0 to 5) need its exact stream of random draws:
    in a one-example build, java.util.Random(seed) after the model's own initialisation."""
    template = "\n".join(f"{{1}} h{i} :- f.\nh{i}/0 [activation=relu]" for i in range(12))
    template += "\nout :- " + ", ".join(f"h{i}" for i in range(12)) + "."
    counts = []
    for seed in range(6):
        _, built = build(template, "f.", "1.0 out.", lift="value", prune="off", init="uniform", seed=seed)
        counts.append(int(built.graph.sample_sizes()[0]))
    assert counts == [11, 10, 9, 9, 12, 10]



def test_value_classes_with_numpy_draws():
    """``draws="shared"``: one numpy draw for the whole graph instead of the reference's stream;
    on a smooth template the classes are the same."""
    from neuralogic_lite.lifting import value_classes
    _, built = build(*SHARED_BODY, lift="none", prune="off")
    graph = built.graph
    reference = value_classes(graph, evaluator(), draws="reference")
    shared = value_classes(graph, evaluator(), inits=2, draws="shared", seed=5)
    np.testing.assert_array_equal(shared, reference)
    with pytest.raises(ValueError, match="draws"):
        value_classes(graph, evaluator(), draws="numpy")
