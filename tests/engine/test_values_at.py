"""``Network.values_at`` and ``evaluator``: every neuron's value at given parameters, the
engine's service to value lifting."""
from __future__ import annotations

import numpy as np

from neuralogic_lite import parse_samples
from neuralogic_lite.engine.runtime import Network, evaluator
from neuralogic_lite.model import Model
from neuralogic_lite.settings import profile

TEMPLATE = "{2,1} h(X) :- {1,2} f(X), e(X, Y).\n{1,2} out :- h(X). [activation=tanh]"
EXAMPLES = "<0.5> f(a), <-0.25> f(b), e(a, b), e(b, a).\n<0.3> f(c), e(c, c)."


def _built():
    model = Model.from_text(TEMPLATE, profile("pyneuralogic", lift="none", prune="off", seed=4))
    built = model.build(parse_samples(EXAMPLES, "1.0 out.\n0.0 out."))
    return built, built.parameters(model.values)


def test_every_neuron_agrees_with_the_outputs():
    built, params = _built()
    graph = built.graph
    values = Network(graph).values_at(params).copy()
    outputs = built.network.outputs(params)
    for s, neuron in enumerate(graph.output):
        start, stop = graph.value_start[neuron], graph.value_start[neuron + 1]
        assert np.allclose(values[start:stop], outputs[s])


def test_some_neurons_only():
    """A sample's neurons alone give its values; the others stay as they were."""
    built, params = _built()
    graph = built.graph
    whole = Network(graph).values_at(params).copy()
    network = Network(graph)
    first = graph.sample_neurons[graph.sample_start[0]:graph.sample_start[1]]
    values = network.values_at(params, first)
    positions = np.concatenate([np.arange(graph.value_start[n], graph.value_start[n + 1]) for n in first])
    assert np.array_equal(values[positions], whole[positions])
    others = np.setdiff1d(np.arange(values.size), positions)
    assert not values[others].any()


def test_evaluator_follows_the_graph_and_the_parameters():
    built, params = _built()
    evaluate = evaluator()
    first = evaluate(built.graph, params, None).copy()
    assert np.array_equal(evaluate(built.graph, params, None), first)
    assert not np.array_equal(evaluate(built.graph, params * 2, None), first)
    other, other_params = _built()
    assert np.array_equal(evaluate(other.graph, other_params, None), first)
