"""float32 (``Settings.dtype``) against float64: the same function, to float32's precision.

float64 gradients are checked against finite differences (``test_gradients``); here float32
outputs and gradients must be within 1e-4 of them (relative to the largest value), on every
combination and transformation and on a planned zoo GCN, and training must follow the same
path for a few epochs.
"""
from __future__ import annotations

import numpy as np
import pytest
from engine.test_gradients import COMBINATIONS, EXAMPLE, READOUT, TRANSFORMATIONS

from neuralogic_lite import parse_samples, zoo
from neuralogic_lite.datasets.molecules import MUTAGENESIS_ATOM_TYPES, MUTAGENESIS_BOND_TYPES, generate
from neuralogic_lite.datasets.text import examples_and_queries_text
from neuralogic_lite.engine.kernels import MSE
from neuralogic_lite.engine.runtime import Network
from neuralogic_lite.errors import NeuraLogicLiteError
from neuralogic_lite.model import Model
from neuralogic_lite.settings import profile

SETTINGS = profile("pyneuralogic", lift="none", prune="off", init="uniform", optimizer="sgd", learning_rate=0.01,
                   epochs=3, seed=1)


def _run(template: str, samples, dtype: str, **changes):
    model = Model.from_text(template, SETTINGS.replace(dtype=dtype, **changes))
    built = model.build(samples)
    values = built.parameters(model.values)
    assert built.network.values.dtype == np.dtype(dtype)
    outputs = np.concatenate([np.ravel(o) for o in built.network.outputs(values)])
    rng = np.random.default_rng(0)
    network = type(built.network)(built.graph, [rng.uniform(-1, 1, 1) for _ in range(built.graph.sample_count)],
                                  dtype)
    pgrad, _, _ = network.gradients(values, MSE, 2.0)
    model.fit(built)
    return outputs, pgrad, model.values.copy(), built.network.plan is not None


def _close(template: str, samples, **changes) -> bool:
    expected = _run(template, samples, "float64", **changes)
    got = _run(template, samples, "float32", **changes)
    for a, b in zip(got[:3], expected[:3]):
        scale = max(1.0, float(np.abs(b).max()))
        assert np.abs(a - b).max() <= 1e-4 * scale
    assert got[3] == expected[3]
    return got[3]


CASES = {f"combination {name}": f"{rule}\n{READOUT.get(name, '{1,3}')} out :- h(X)."
         for name, rule in COMBINATIONS.items()}
CASES |= {f"activation {name}": f"{{3,3}} h(X) :- {{3,3}} f(X), {{3}} s(X), <[2.0, 2.5, 3.0]>. "
                                f"[activation={name}]\n{{1,3}} out :- h(X)."
          for name in TRANSFORMATIONS if name != "transpose"}


@pytest.mark.parametrize("name", sorted(CASES))
def test_every_function_in_float32(name):
    _close(CASES[name], parse_samples(EXAMPLE + ".", "0.5 out."))


@pytest.mark.parametrize("name", ["gcn", "gin"])
def test_planned_zoo_model_in_float32(name):
    text = zoo.write(name, atom_types=MUTAGENESIS_ATOM_TYPES, bond_types=MUTAGENESIS_BOND_TYPES, hidden=16)
    samples = parse_samples(*examples_and_queries_text(generate(8, seed=5)))
    assert _close(text, samples, lift="structural", prune="lossless", init="glorot", learning_rate=1e-5)


def test_unknown_dtype_is_one_clear_error():
    """Refused where the setting is made (and by the engine, for a graph run directly)."""
    with pytest.raises(NeuraLogicLiteError, match="float16"):
        SETTINGS.replace(dtype="float16")
    built = Model.from_text("{1,1} out :- f(X).", SETTINGS).build(parse_samples("f(1).", "1.0 out."))
    with pytest.raises(NeuraLogicLiteError, match="float16"):
        Network(built.graph, dtype="float16")
