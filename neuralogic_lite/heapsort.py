"""An in-place sort for kernels.

numba's ``np.sort`` and ``np.argsort`` generate and compile a quicksort or mergesort for every
kernel that uses them: a second or two each on a first run.  This heap sort is a few lines of
plain loops, compiles in a fraction of that, and needs no buffer.  Kernels sort small ranges (a
neuron's inputs, a network's members), so its constant factor does not matter.
"""
from __future__ import annotations

from .jit import njit


@njit(cache=True)
def heapsort(a, lo, hi):
    """Sort ``a[lo:hi]`` ascending, in place (not stable: for values, not for records)."""
    n = hi - lo
    for root in range(n // 2 - 1, -1, -1):
        _sift(a, lo, root, n)
    for end in range(n - 1, 0, -1):
        a[lo], a[lo + end] = a[lo + end], a[lo]
        _sift(a, lo, 0, end)


@njit(cache=True)
def _sift(a, lo, root, n):
    """Move ``a[lo + root]`` down the heap ``a[lo:lo + n]`` until its children are no larger."""
    while True:
        child = 2 * root + 1
        if child >= n:
            return
        if child + 1 < n and a[lo + child + 1] > a[lo + child]:
            child += 1
        if a[lo + child] <= a[lo + root]:
            return
        a[lo + root], a[lo + child] = a[lo + child], a[lo + root]
        root = child
