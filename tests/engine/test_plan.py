"""The planned passes (stages of dense products, ``engine.plan``) against the per-neuron passes.

Every zoo template and random templates, at widths 1, 3, 16 and 64: outputs, every weight's
gradient, and the parameters after online and minibatch training must agree to 1e-12.  The
plan is forced on every matrix weight here (``least=2``), so small widths are planned too.
"""
from __future__ import annotations

import numpy as np
import pytest
from engine.test_gradients import EXAMPLE

from neuralogic_lite import parse_samples, zoo
from neuralogic_lite.datasets.molecules import MUTAGENESIS_ATOM_TYPES, MUTAGENESIS_BOND_TYPES, generate
from neuralogic_lite.datasets.text import examples_and_queries_text
from neuralogic_lite.engine.kernels import MSE
from neuralogic_lite.engine.plan import INLINE, levels, plan_space
from neuralogic_lite.learning.trainer import optimizer_state
from neuralogic_lite.model import Model
from neuralogic_lite.settings import profile

from support import ROOT

WIDTHS = (1, 3, 16, 64)
SETTINGS = profile("pyneuralogic", init="uniform", optimizer="sgd", learning_rate=0.01)
MOLECULES = examples_and_queries_text(generate(6, seed=3))
FAMILY = ROOT / "datasets" / "family"


def _compare(model: Model, samples) -> bool:
    """Planned against per-neuron: outputs and gradients to 1e-12 (relative to the largest
    value), and three epochs of training (two online, one in minibatches) to 1e-9: products
    summed in another order drift apart by rounding as training goes on.  Returns whether
    the graph had anything to plan."""
    built = model.build(samples)
    network = built.network
    planned = plan_space(network.net, *built.graph.weights.layout[1:], least=2)
    values = built.parameters(model.values)
    rng = np.random.default_rng(0)
    targets = [rng.uniform(-1, 1, o.size) for o in network.outputs(values)]
    network = type(network)(built.graph, targets)
    runs = []
    for plan in (None, planned):
        network.plan, network.lanes = plan, None
        outputs = network.outputs(values)
        pgrad, grads, losses = network.gradients(values, MSE, 2.0)
        trained = values.copy()
        optimizer = optimizer_state(model.settings, np.array(built.graph.weights.learnable), values.size)
        order = np.arange(built.graph.sample_count)
        seen = []
        for batch in (1, 1, 3):
            epoch_losses, _, finite = network.epoch(trained, optimizer, order, batch, MSE, 2.0)
            assert finite
            seen += [epoch_losses.copy(), trained.copy()]
        runs.append([np.concatenate(outputs), pgrad, grads, losses, *seen])
    for i, (got, expected) in enumerate(zip(runs[1], runs[0])):
        scale = max(1.0, float(np.abs(expected).max(initial=0.0)))
        assert np.abs(got - expected).max(initial=0.0) <= (1e-12 if i < 4 else 1e-9) * scale, i
    return planned is not None


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("name", ["gcn", "graphsage", "gin", "gatv2", "rgcn", "graphlets"])
def test_molecule_zoo(name, width):
    types = {"atom_types": MUTAGENESIS_ATOM_TYPES, "bond_types": MUTAGENESIS_BOND_TYPES}
    if name == "graphlets":   # its readout has width ** 5 columns under crosssum
        size = {"dim": width} if width <= 3 else {"dim": width, "combination": "sum"}
        text = zoo.write(name, **types, **size)
    else:
        text = zoo.write(name, **types, hidden=width)
    planned = _compare(Model.from_text(text, SETTINGS), parse_samples(*MOLECULES))
    assert planned == (width > 1) or name == "graphlets"


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("name", ["distmult", "transe"])
def test_knowledge_base_zoo(name, width):
    samples = parse_samples((FAMILY / "examples.txt").read_text(), (FAMILY / "link_queries.txt").read_text())
    entities = sorted({str(t) for fact in samples[0].example.facts for t in fact.literal.terms})
    relations = sorted({str(s.query.literal.terms[1]) for s in samples})
    text = zoo.write(name, entities=entities, relations=relations, dim=width)
    _compare(Model.from_text(text, SETTINGS.replace(learning_rate=0.001)), samples[:12])


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("seed", range(4))
def test_random_templates(seed, width):
    rng = np.random.default_rng(seed)
    act = lambda: rng.choice(["sigmoid", "tanh", "identity", "relu", "softmax"])  # noqa: E731
    agg = lambda: rng.choice(["avg", "sum", "max"])  # noqa: E731
    comb = lambda: rng.choice(["sum", "avg", "max"])  # noqa: E731
    w = width
    template = (f"{{{w},{w}}} l1(X) :- {{{w},3}} f(Y), e(X, Y), {{{w}}} s(X). "
                f"[activation={act()}, aggregation={agg()}]\n"
                f"l2(X) :- {{{w},{w}}} l1(Y), e(Y, X), {{{w},{w}}} l1(X), {{{w},{w}}} l1(X). "
                f"[activation={act()}, aggregation={agg()}, combination={comb()}]\n"
                f"{{{w},{w}}} l2(X) :- {{{w},{w}}} l1(X), s(X).\n"
                f"{{1,{w}}} out :- l2(X). [aggregation={agg()}]\n"
                f"l1/1 [activation={act()}]\nl1/1 {{{w}}}\n")
    other = EXAMPLE.replace("0.4", "0.9").replace("e(3, 1)", "e(2, 1)")
    samples = parse_samples(f"{EXAMPLE}.\n{other}.\n{EXAMPLE}, e(2, 2).\n", "0.5 out.\n-0.3 out.\n0.1 out.\n")
    settings = SETTINGS.replace(seed=seed, init="glorot", learning_rate=0.001 / width)
    _compare(Model.from_text(template, settings), samples)


def test_rows_are_shared_inputs_or_per_neuron_sums():
    """A neighbour under one weight is multiplied once (rows per input); a neuron's own two
    inputs under one weight are summed first (a row per neuron): the plan picks the fewer rows."""
    shared = ("h(X) :- {4,4} f(Y), e(X, Y).\n{1,4} out :- h(X).",
              "<[1,2,3,4]> f(1), <[1,0,0,1]> f(2), e(1, 2), e(2, 2), e(3, 2), e(4, 2).")
    summed = ("h(X) :- $w={4,4} f(X), $w={4,4} g(X).\n{1,4} out :- h(X).",
              "<[1,2,3,4]> f(1), <[1,0,0,1]> g(1), <[0,1,1,0]> f(2), <[1,1,0,0]> g(2).")
    for (template, example), rows in ((shared, 1), (summed, 2)):
        model = Model.from_text(template, SETTINGS.replace(lift="none", prune="off"))
        built = model.build(parse_samples(example + "\n", "1.0 out.\n"))
        network = built.network
        network.plan = plan_space(network.net, *built.graph.weights.layout[1:], least=2)
        network.outputs(built.parameters(model.values))
        size = network.plan.size
        weights = network.plan.block_weight[:size[1]]
        big = np.flatnonzero(np.asarray(built.graph.weights.rows)[weights] == 4)
        assert len(big) == 1
        b = big[0]
        assert network.plan.block_row_start[b + 1] - network.plan.block_row_start[b] == rows
        assert _compare(model, parse_samples(example + "\n", "1.0 out.\n"))


def test_levels_and_inline_edges():
    input_start = np.array([0, 0, 0, 2, 3, 5])
    edge_src = np.array([0, 1, 2, 2, 3])
    assert levels(input_start, edge_src).tolist() == [0, 0, 1, 2, 3]
    built = Model.from_text("{3,3} h(X) :- {3,3} f(X).\n{1,3} out :- h(X).", SETTINGS).build(
        parse_samples("<[1,2,3]> f(1).\n", "1.0 out.\n"))
    assert built.network.plan is None    # 3 x 3 is below the default size for products
    plan = plan_space(built.network.net, *built.graph.weights.layout[1:], least=2)
    assert plan.product_edge.sum() >= 1 and (plan.products.edge_row == INLINE).all()   # nothing planned yet
