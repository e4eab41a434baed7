"""The kernels' sort gives numpy's order."""
from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from neuralogic_lite.heapsort import heapsort


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(-2**62, 2**62), max_size=80), st.data())
def test_sorts_a_range_in_place_and_nothing_else(values, data):
    a = np.array(values, np.int64)
    lo = data.draw(st.integers(0, len(values)))
    hi = data.draw(st.integers(lo, len(values)))
    expected = a.copy()
    expected[lo:hi] = np.sort(a[lo:hi])
    heapsort(a, lo, hi)
    np.testing.assert_array_equal(a, expected)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.floats(-1e6, 1e6), max_size=40))
def test_sorts_floats(values):
    a = np.array(values, np.float64)
    heapsort(a, 0, a.shape[0])
    np.testing.assert_array_equal(a, np.sort(np.array(values, np.float64)))
