"""The width-specialized passes against the run-time-width pass.

The epoch kernels take ``lanes`` (``neuron.lanes_of``): the neurons of that width that sum or
average run with the width as a compile-time constant, and every other neuron is handed to the
pass compiled for run-time widths.  Training with any ``lanes`` must give what training with
``lanes=None`` gives, on every combination, aggregation and activation, with mixed widths,
matrix values, offsets, online and in minibatches.
"""
from __future__ import annotations

import numpy as np
import pytest
from engine.test_gradients import COMBINATIONS, EXAMPLE, READOUT, SETTINGS

from neuralogic_lite import parse_samples
from neuralogic_lite.engine.kernels import MSE
from neuralogic_lite.engine.neuron import lanes_of
from neuralogic_lite.learning.trainer import optimizer_state
from neuralogic_lite.model import Model

CASES = {f"combination {name}": f"{rule}\n{READOUT.get(name, '{1,3}')} out :- h(X)."
         for name, rule in COMBINATIONS.items()}
CASES |= {f"aggregation {name}": f"h(X) :- {{3,3}} f(Y), e(X, Y). [aggregation={name}]\n{{1,3}} out :- h(X)."
          for name in ("avg", "sum", "max")}
CASES |= {
    "activations of width 3": "{3,3} h(X) :- {3,3} f(X), {3} s(X), <[2.0, 2.5, 3.0]>. [activation=softmax]\n"
                              "{3,3} g(X) :- h(Y), e(X, Y). [activation=tanh]\n{1,3} out :- g(X).",
    "matrix values": "{2,3} m(X) :- {3,2} s(X), {2,3} f(X). [combination=product]\n{3,2} g(X) :- ~m(X).\n"
                     "{1,3} out :- g(X), {3,3} f(X).\ng/1 [activation=tanh]\n",
    "mixed widths": "{2,3} a(X) :- {3,3} f(Y), e(X, Y), s(X).\n{3,2} b(X) :- a(X), {2,2} a(Y), e(Y, X).\n"
                    "{1,3} out :- b(X), {1,1} s(X). [combination=avg]",
}
#: a second molecule, so that minibatches have two networks
OTHER = EXAMPLE.replace("0.4", "0.9").replace("e(3, 1)", "e(2, 1)")


def _train(built, model, lanes) -> list[np.ndarray]:
    """Parameters and losses after two online epochs and one of minibatches of two."""
    network = built.network
    network.lanes = lanes
    values = built.parameters(model.values)
    optimizer = optimizer_state(model.settings, np.array(built.graph.weights.learnable), values.size)
    order = np.arange(built.graph.sample_count)
    seen = []
    for batch in (1, 1, 2):
        losses, _, finite = network.epoch(values, optimizer, order, batch, MSE, 2.0)
        assert finite
        seen += [losses.copy(), values.copy()]
    return seen


@pytest.mark.parametrize("name", sorted(CASES))
def test_lanes_change_nothing(name):
    model = Model.from_text(CASES[name], SETTINGS.replace(learning_rate=0.1))
    built = model.build(parse_samples(f"{EXAMPLE}.\n{OTHER}.\n", "0.5 out.\n-0.3 out.\n"))
    expected = _train(built, model, None)
    widths = {1, 3, len(lanes_of(built.network.net) or ())} - {0}
    for width in sorted(widths):
        got = _train(built, model, (0.0,) * width)
        for a, b in zip(got, expected):
            np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14, err_msg=f"lanes of width {width}")
