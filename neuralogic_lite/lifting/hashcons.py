"""Hash-consing of neurons: give every neuron the first neuron (in topological order) whose key
equals its own.

A key is a row of int64s in one flat CSR array (``keys[start[v]:start[v + 1]]``).  The table
uses open addressing and compares whole rows, so any key width works.  Structural keys are
built on the fly, in topological order, from the classes of the inputs (``structural``);
value keys are built beforehand and interned here (``intern_rows``).
"""
from __future__ import annotations

import numpy as np
from numba import njit

_EMPTY = -1


@njit(cache=True)
def _capacity(n):
    size = 16
    while size < 2 * n:
        size *= 2
    return size


@njit(cache=True)
def _hash(keys, a, b):
    h = np.uint64(1469598103934665603)
    for i in range(a, b):
        h ^= np.uint64(keys[i] + 0x9E3779B97F4A7C15)
        h *= np.uint64(1099511628211)
        h ^= h >> np.uint64(29)
    return h


@njit(cache=True)
def _intern(v, keys, start, hashes, slots):
    """The first neuron interned with the key of ``v`` (``v`` itself if none was)."""
    a, b = start[v], start[v + 1]
    h = _hash(keys, a, b)
    hashes[v] = h
    mask = np.uint64(slots.shape[0] - 1)
    s = h & mask
    while True:
        r = slots[s]
        if r == _EMPTY:
            slots[s] = v
            return v
        if hashes[r] == h and start[r + 1] - start[r] == b - a:
            same = True
            c = start[r]
            for i in range(b - a):
                if keys[c + i] != keys[a + i]:
                    same = False
                    break
            if same:
                return r
        s = (s + np.uint64(1)) & mask


@njit(cache=True)
def _intern_rows(start, keys):
    n = start.shape[0] - 1
    slots = np.full(_capacity(n), _EMPTY, np.int64)
    hashes = np.empty(n, np.uint64)
    first = np.empty(n, np.int64)
    for v in range(n):
        first[v] = _intern(v, keys, start, hashes, slots)
    return first


def intern_rows(start: np.ndarray, keys: np.ndarray) -> np.ndarray:
    """For every row of the CSR key array, the first row equal to it."""
    return _intern_rows(np.ascontiguousarray(start, np.int64), np.ascontiguousarray(keys, np.int64))


@njit(cache=True)
def _insertion_sort(a, lo, hi):
    for i in range(lo + 1, hi):
        x = a[i]
        j = i - 1
        while j >= lo and a[j] > x:
            a[j + 1] = a[j]
            j -= 1
        a[j + 1] = x


# key row of a neuron: kind, activation, reducer, offset, rows, cols, group, extra, then one
# (edge weight + 1) << 32 | input class per input edge (sorted unless the reducer is ordered)
_HEADER = 8


@njit(cache=True)
def structural(kind, activation, reducer, offset, rows, cols, group, extra, input_start, edge_src, edge_weight,
               weighted, ordered):
    """Class of every neuron: the first neuron in topological order with the same function of
    the same input classes.  ``weighted[kind]`` says whether edge weights count,
    ``ordered[op]`` whether the input order does."""
    n = kind.shape[0]
    start = np.empty(n + 1, np.int64)
    start[0] = 0
    for v in range(n):
        start[v + 1] = start[v] + _HEADER + input_start[v + 1] - input_start[v]
    keys = np.empty(start[n], np.int64)
    slots = np.full(_capacity(n), _EMPTY, np.int64)
    hashes = np.empty(n, np.uint64)
    cls = np.empty(n, np.int64)
    for v in range(n):
        a = start[v]
        keys[a] = kind[v]
        keys[a + 1] = activation[v]
        keys[a + 2] = reducer[v]
        keys[a + 3] = offset[v]
        keys[a + 4] = rows[v]
        keys[a + 5] = cols[v]
        keys[a + 6] = group[v]
        keys[a + 7] = extra[v]
        use_weights = weighted[kind[v]]
        p = a + _HEADER
        for e in range(input_start[v], input_start[v + 1]):
            w = np.int64(edge_weight[e]) if use_weights else np.int64(-1)
            keys[p] = ((w + 1) << 32) | cls[edge_src[e]]
            p += 1
        if not ordered[reducer[v]]:
            if p - (a + _HEADER) <= 16:
                _insertion_sort(keys, a + _HEADER, p)
            else:
                keys[a + _HEADER:p] = np.sort(keys[a + _HEADER:p])
        cls[v] = _intern(v, keys, start, hashes, slots)
    return cls
