"""``neuron._stack``: scratch of len(lanes) float64s on the stack, for the width-W passes.

Its contract: a pointer to at least one float64 per lane, private to the call (two calls do
not share it), readable and writable through ``carray`` like any array of that length.
"""
from __future__ import annotations

import numpy as np
from numba import carray, njit

from neuralogic_lite.engine.neuron import _stack


@njit(cache=False)
def _fill_and_sum(lanes, values):
    lane = carray(_stack(lanes), (len(lanes),))
    for j in range(len(lanes)):
        lane[j] = values[j] * 2.0
    total = 0.0
    for j in range(len(lanes)):
        total += lane[j]
    return total, lane[len(lanes) - 1]


@njit(cache=False)
def _two_frames(lanes):
    a = carray(_stack(lanes), (len(lanes),))
    b = carray(_stack(lanes), (len(lanes),))
    for j in range(len(lanes)):
        a[j] = 1.0
        b[j] = 2.0
    return a[0] + a[len(lanes) - 1], b[0]


def test_a_lane_per_element_readable_and_writable():
    for width in (1, 3, 8):
        values = np.arange(1.0, width + 1.0)
        total, last = _fill_and_sum((0.0,) * width, values)
        assert total == 2.0 * values.sum() and last == 2.0 * width


def test_each_call_has_its_own_lanes():
    assert _two_frames((0.0,) * 4) == (2.0, 2.0)
