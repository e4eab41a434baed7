"""``neuron.borrowed``: the kernels' arrays without reference counting.

The epoch and evaluation kernels run every per-sample pass on borrowed arrays; a borrowed
array must be the same memory (reads and writes go through to the owner), with the same
shape and strides, for plain arrays, 2-D arrays, views and arrays inside (nested) tuples.
"""
from __future__ import annotations

from collections import namedtuple

import numpy as np
from numba import njit

from neuralogic_lite.engine.neuron import borrowed

Pair = namedtuple("Pair", "flat table")


@njit(cache=False)
def _write_through(a, pair, view):
    a, pair, view = borrowed((a, pair, view))
    a[1] += 10.0
    pair.flat[0] = a[1] * 2.0
    pair.table[1, 2] = pair.table.shape[0] * 100 + pair.table.shape[1]
    view[0] = -1.0
    return a.sum() + pair.table.sum()


def test_borrowed_arrays_are_their_owners_memory():
    a = np.arange(4.0)
    pair = Pair(np.zeros(3, np.int64), np.zeros((2, 3), np.int32))
    base = np.arange(10.0)
    view = base[3:9:2]
    total = _write_through(a, pair, view)
    assert a.tolist() == [0.0, 11.0, 2.0, 3.0]
    assert pair.flat.tolist() == [22, 0, 0]
    assert pair.table[1, 2] == 203 and pair.table.sum() == 203
    assert base[3] == -1.0 and base[5] == 5.0
    assert total == 16.0 + 203
