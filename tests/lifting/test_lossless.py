"""Structural lifting and lossless pruning change nothing: on every dataset and template of the
oracle suite, with random weights, the outputs, the losses and every weight gradient of the
lifted graph equal the unlifted graph's, batch lifting (across the examples) included.  ReLU
and MAX variants of the mutagenesis GNN too, where value lifting is known to be lossy.

"Equal" is to 1e-12, relative to each value, or absolute for values near 0, scaled by the
largest output (outputs, losses) or the gradient's L1 norm (a weight's gradient sums many
terms, which the lifted graph adds in another order)."""
from __future__ import annotations

import numpy as np
import pytest
from lifting.common import BUILT, MUTAGENESIS, samples_of

from neuralogic_lite import load_samples, load_template, parse_template
from neuralogic_lite.engine.kernels import MSE
from neuralogic_lite.engine.runtime import Network
from neuralogic_lite.errors import NeuraLogicLiteWarning
from neuralogic_lite.lifting import lift
from neuralogic_lite.model import Model
from neuralogic_lite.settings import profile

SMALL = [entry for entry in BUILT if "mutagenesis" not in entry.name and "diffcheck" not in entry.name]

#: (prune, lift, across examples): the lossless combinations
VARIANTS = [("off", "structural", False), ("lossless", "none", False), ("lossless", "structural", False),
            ("lossless", "structural", True), ("off", "none", True)]

GNN_LAYERS = """
l1_embed(X) :- {3,3} atom_embed(X), {3,3} atom_embed(Y), bond(X,Y,B), bond_embed(B).
l2_embed(X) :- {3,3} l1_embed(X), {3,3} l1_embed(Y), bond(X,Y,B), bond_embed(B).
l3_embed(X) :- {3,3} l2_embed(X), {3,3} l2_embed(Y), bond(X,Y,B), bond_embed(B).
{1,3} predict :- l3_embed(X).
"""


def _variant(shared, metadata: str, predicates: str = "") -> str:
    """template_gnn with ``metadata`` on every message-passing rule (and predicate metadata)."""
    embeddings = (shared / MUTAGENESIS / "templates/embeddings.txt").read_text()
    layers = "\n".join(f"{line} {metadata}" if line.strip() else line for line in GNN_LAYERS.splitlines())
    return f"{embeddings}\n{layers}\n{predicates}\n"


def _network_results(graph, values, targets):
    network = Network(graph, targets)
    outputs = network.outputs(values)
    grads, _, losses = network.gradients(values, MSE, 2.0)
    return np.concatenate([o.ravel() for o in outputs]), grads, losses


def _close(actual, expected, what, scale):
    np.testing.assert_allclose(actual, expected, rtol=1e-12, atol=1e-12 * max(1.0, scale), err_msg=what)


def _check(template, samples, settings, seeds=(0, 1)):
    model = Model(template, settings.replace(lift="none", prune="off"))
    built = model.build(samples)
    targets = [np.zeros_like(t) if np.isnan(t).any() else t for t in built.targets]
    for seed in seeds:
        model.reset_parameters(seed)
        values = built.parameters(model.values)
        expected = _network_results(built.graph, values, targets)
        for prune, mode, across in VARIANTS:
            graph, report = lift(built.graph, settings.replace(prune=prune, lift=mode), across_examples=across)
            assert report["neurons"] == [built.graph.neuron_count, graph.neuron_count]
            got = _network_results(graph, values, targets)
            for name, a, b in zip(("outputs", "gradients", "losses"), got, expected):
                # a weight's gradient sums many terms, which lifting adds in another order
                scale = np.abs(b).sum() if name == "gradients" else np.abs(b).max(initial=0.0)
                _close(a, b, f"{name} differ after prune={prune}, lift={mode}, across={across}, seed {seed}", scale)


@pytest.mark.filterwarnings("ignore::neuralogic_lite.errors.NeuraLogicLiteWarning")
@pytest.mark.parametrize("entry", BUILT, ids=lambda e: e.name)
def test_suite_pyneuralogic(shared, entry):
    _check(load_template(shared / entry.template), samples_of(shared, entry), profile("pyneuralogic", cycles="cut"))


@pytest.mark.filterwarnings("ignore::neuralogic_lite.errors.NeuraLogicLiteWarning")
@pytest.mark.parametrize("entry", SMALL, ids=lambda e: e.name)
def test_suite_neuralogic_profile(shared, entry):
    """The Java CLI's defaults: tanh activations everywhere."""
    _check(load_template(shared / entry.template), samples_of(shared, entry), profile("neuralogic"))


@pytest.fixture(scope="module")
def molecules(shared):
    return load_samples(shared / MUTAGENESIS / "examples.txt", shared / MUTAGENESIS / "queries.txt")


@pytest.mark.parametrize("metadata, predicates", [
    ("[activation=relu]", "l1_embed/1 [activation=relu]\nl2_embed/1 [activation=relu]\nl3_embed/1 [activation=relu]"),
    ("[aggregation=max]", ""),
    ("[aggregation=max, activation=relu]", "predict/0 [activation=relu]"),
], ids=["relu", "max", "max_relu"])
def test_mutagenesis_relu_and_max(shared, molecules, metadata, predicates):
    template = parse_template(_variant(shared, metadata, predicates))
    _check(template, molecules, profile("pyneuralogic"), seeds=(0,))


def test_relu_and_max_compress(shared, molecules):
    """The variants still compress (structural keys do not care about the functions)."""
    template = parse_template(_variant(shared, "[aggregation=max, activation=relu]"))
    built = Model(template, profile("pyneuralogic", lift="structural", prune="lossless")).build(molecules)
    report = built.timings["lift"]
    assert report["neurons"][0] == 117115
    assert report["neurons"][1] < report["neurons"][0] / 4


def test_value_lifting_is_lossy_there(shared, molecules):
    """The reason structural lifting is the default: the reference's value-based detector merges
    max aggregations that agree on its one random draw, and most outputs change."""
    template = parse_template(_variant(shared, "[aggregation=max]"))
    plain_model = Model(template, profile("pyneuralogic", lift="none", prune="off"))
    value_model = Model(template, profile("pyneuralogic", lift="value", prune="off"))
    plain = plain_model.build(molecules)
    with pytest.warns(NeuraLogicLiteWarning, match="max makes different neurons agree"):
        lifted = value_model.build(molecules)
    plain_model.reset_parameters(3)
    value_model.reset_parameters(3)
    change = np.abs(np.concatenate(plain_model.predict(plain)) - np.concatenate(value_model.predict(lifted)))
    assert (change > 1e-6).sum() > 150
