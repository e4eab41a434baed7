"""Backward passes against central finite differences, for every function and random templates.

The loss is MSE against random targets; every weight's gradient must match the numerical
derivative to a relative error below 1e-6 (inputs are kept away from kinks such as ReLU's 0).
"""
from __future__ import annotations

import numpy as np
import pytest

from neuralogic_lite import parse_samples
from neuralogic_lite.engine.kernels import MSE
from neuralogic_lite.model import Model
from neuralogic_lite.ops import NAMES, Op
from neuralogic_lite.settings import profile

SETTINGS = profile("pyneuralogic", lift="none", prune="off", init="uniform")

# Facts: three nodes with vector features, a chain of edges, scalar weights on edges.
EXAMPLE = ("<[0.3, -0.2, 0.5]> f(1), <[0.1, 0.4, -0.3]> f(2), <[-0.5, 0.2, 0.25]> f(3), "
           "<0.7> s(1), <-0.4> s(2), <0.35> s(3), e(1, 2), e(2, 3), e(1, 3), e(3, 1)")


def check(template: str, queries: str, seed: int = 0, tolerance: float = 1e-6) -> tuple[object, np.ndarray]:
    """Compare the gradient with finite differences; the built model and the gradient."""
    model = Model.from_text(template, SETTINGS.replace(seed=seed))
    samples = parse_samples(EXAMPLE + ".", queries)
    built = model.build(samples)
    values = built.parameters(model.values)
    rng = np.random.default_rng(seed)
    outputs = built.network.outputs(values)
    network = type(built.network)(built.graph, [rng.uniform(-1, 1, o.size) for o in outputs])
    analytic, _, _ = network.gradients(values, MSE, 2.0)
    numeric = np.zeros_like(values)
    learnable = np.repeat(np.array(built.graph.weights.learnable), np.diff(built.graph.weights.start))
    for i in np.flatnonzero(learnable):
        step = 1e-6 * max(1.0, abs(values[i]))
        up, down = values.copy(), values.copy()
        up[i] += step
        down[i] -= step
        numeric[i] = (network.gradients(up, MSE, 2.0)[2].sum() - network.gradients(down, MSE, 2.0)[2].sum()) / (
            2 * step)
    scale = max(np.linalg.norm(analytic), np.linalg.norm(numeric), 1e-8)
    error = np.linalg.norm((analytic - numeric)[learnable]) / scale
    assert error < tolerance, (error, analytic[learnable], numeric[learnable])
    assert np.linalg.norm(analytic[learnable]) > 0, "the case must have a gradient to check"
    return built, analytic


TRANSFORMATIONS = sorted({op.name.lower() for name, (op, roles) in NAMES.items()
                          if "transformation" in roles and op not in (Op.MAX, Op.MIN)})


@pytest.mark.parametrize("activation", TRANSFORMATIONS)
def test_every_transformation(activation):
    # keep log/sqrt/inverse away from their poles: a positive offset
    template = (f"{{3,3}} h(X) :- {{3,3}} f(X), {{3}} s(X), <[2.0, 2.5, 3.0]>. [activation={activation}]\n"
                f"{{1,3}} out :- h(X).")
    if activation == "transpose":
        template = "{3,3} h(X) :- {3,3} f(X).\nh/1 [activation=transpose]\nout :- h(X)."
    built, gradient = check(template, "0.5 out.")
    if activation == "signum":   # a zero derivative: nothing reaches the body weights {3,3} and {3}
        start = built.graph.weights.start          # (weights 1 and 2), the head weight has a gradient
        assert not gradient[start[1]:start[3]].any() and gradient[start[0]:start[1]].any()


@pytest.mark.parametrize("aggregation", ["avg", "sum", "max", "min", "concat", "softmax", "count"])
def test_every_aggregation(aggregation):
    if aggregation == "count":
        template = "{2} h(X) :- {3} s(Y), e(X, Y). [aggregation=count]\n{1,2} out :- h(X), {1,1} s(X)."
    elif aggregation == "softmax":
        template = "h(X) :- {1,3} f(Y), e(X, Y). [aggregation=softmax]\n{1,2} out :- h(1)."
    elif aggregation == "concat":
        template = "h(X) :- {2,3} f(Y), e(X, Y). [aggregation=concat]\n{1,4} out :- h(1)."
    else:
        template = f"h(X) :- {{3,3}} f(Y), e(X, Y). [aggregation={aggregation}]\n{{1,3}} out :- h(X)."
    check(template, "0.5 out.")


COMBINATIONS = {
    "sum": "h(X) :- {3,3} f(X), {3} s(X), {3}. [combination=sum]",
    "avg": "h(X) :- {3,3} f(X), {3} s(X), {3}. [combination=avg]",
    "max": "h(X) :- {3,3} f(X), {3,3} f(X). [combination=max]",
    "min": "h(X) :- {3,3} f(X), {3} s(X). [combination=min]",
    "elproduct": "h(X) :- {3,3} f(X), {3} s(X), {3,3} f(X). [combination=elproduct]",
    "crosssum": "h(X) :- {2,3} f(X), {3} s(X), {1}. [combination=crosssum]",
    "concat": "h(X) :- {2,3} f(X), {3} s(X). [combination=concat]",
    "product": "h(X) :- {3,3} s(X), {3,3} f(X), {1} s(X). [combination=product]",
    "cossim": "h(X) :- {3,3} f(X), {3} s(X). [combination=cossim]",
    "softmax": "h(X) :- {1,3} f(X), {1} s(X), {1,3} f(X). [combination=softmax]",
    "sparsemax": "h(X) :- {1,3} f(X), {1} s(X), {1,3} f(X). [combination=sparsemax]",
}
READOUT = {"crosssum": "{1,6}", "concat": "{1,5}", "cossim": "{1}", "product": "{1,3}", "softmax": "{1,3}",
           "sparsemax": "{1,3}"}


@pytest.mark.parametrize("combination", sorted(COMBINATIONS))
def test_every_combination(combination):
    readout = READOUT.get(combination, "{1,3}")
    check(COMBINATIONS[combination] + f"\n{readout} out :- h(X).", "0.5 out.")


def test_matrix_values_soft_negation_and_atom_combination():
    template = ("{2,3} m(X) :- {3,2} s(X), {2,3} f(X). [combination=product]\n"
                "{3,2} g(X) :- ~m(X).\n"
                "{1,3} out :- g(X), {3,3} f(X).\n"
                "g/1 [activation=tanh]\n")
    check(template, "0.5 out.")


@pytest.mark.parametrize("seed", range(8))
def test_random_small_templates(seed):
    rng = np.random.default_rng(seed)
    act = lambda: rng.choice(["sigmoid", "tanh", "identity", "relu", "leakyrelu", "exp"])  # noqa: E731
    agg = lambda: rng.choice(["avg", "sum", "max", "min"])  # noqa: E731
    width = int(rng.integers(1, 4))
    template = (f"{{{width},{width}}} l1(X) :- {{{width},3}} f(Y), e(X, Y), {{{width}}} s(X). "
                f"[activation={act()}, aggregation={agg()}]\n"
                f"l2(X) :- {{{width},{width}}} l1(Y), e(Y, X), {{{width},{width}}} l1(X). "
                f"[activation={act()}, aggregation={agg()}]\n"
                f"{{1,{width}}} out :- l2(X). [aggregation={agg()}]\n"
                f"l1/1 [activation={act()}]\nl1/1 {{{width}}}\n")
    check(template, "0.5 out.", seed=seed)
