"""``functions.fast_tanh`` (the planned passes' tanh) against libm's, to a few units in the last place."""
from __future__ import annotations

import math

import numpy as np

from neuralogic_lite.engine.functions import fast_tanh


def test_relative_error_below_5e_16_over_every_scale():
    rng = np.random.default_rng(0)
    for scale in (1e-300, 1e-12, 1e-6, 1e-3, 0.1, 0.5, 1.0, 3.0, 10.0, 19.0, 25.0, 1e6):
        x = rng.standard_normal(20_000) * scale
        got = np.array([fast_tanh(v) for v in x])
        expected = np.tanh(x)
        relative = np.abs(got - expected) / np.maximum(np.abs(expected), 1e-300)
        assert relative.max() < 5e-16, scale


def test_special_values():
    assert math.copysign(1.0, fast_tanh(0.0)) == 1.0 and fast_tanh(0.0) == 0.0
    assert fast_tanh(math.inf) == 1.0 and fast_tanh(-math.inf) == -1.0
    assert math.isnan(fast_tanh(math.nan))
    assert fast_tanh(20.0) == math.tanh(20.0) == 1.0
