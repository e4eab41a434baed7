"""The linear-time edge orders against numpy's sorts."""
from __future__ import annotations

import numpy as np
import pytest

from neuralogic_lite.network.topology import input_order, successors


@pytest.mark.parametrize("seed", range(5))
def test_input_order_is_lexsort(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 50))
    target = rng.integers(0, n, 2000)
    position = rng.integers(0, 4, 2000)
    position[::9] = rng.integers(0, 10 ** 6, position[::9].shape[0])   # a few wide fan-ins of many positions
    target[:100] = 0                                                    # one fan-in past the insertion sort
    np.testing.assert_array_equal(input_order(target, position, n), np.lexsort((position, target)))


def test_successors_transpose_the_inputs():
    input_start = np.array([0, 0, 1, 3, 5])
    edge_src = np.array([0, 0, 1, 2, 0])
    start, succ = successors(input_start, edge_src, 4)
    assert start.tolist() == [0, 3, 4, 5, 5]
    assert succ.tolist() == [1, 2, 3, 2, 3]
