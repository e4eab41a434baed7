"""Hash-consing of neurons: give every neuron the first neuron (in topological order) whose key
equals its own.

A key is a row of int64s.  The tables (``hashing``: open addressing on a 64-bit hash) compare
whole rows on a hash match, so classes are exact whatever the hash does.  Value keys are built
beforehand as one CSR array and interned (``intern_rows``); structural keys depend on the
classes of the inputs, so they are built on the fly in topological order (``structural``).
"""
from __future__ import annotations

import numpy as np

from ..hashing import EMPTY, capacity, group_keys, hash_row, next_slot, same_row
from ..heapsort import heapsort
from ..jit import njit


def intern_rows(start: np.ndarray, keys: np.ndarray) -> np.ndarray:
    """For every row of the CSR key array, the first row equal to it."""
    group, first = group_keys(np.ascontiguousarray(start, np.int64), np.ascontiguousarray(keys, np.int64))
    return first[group]


@njit(cache=True, inline="always")
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
               weighted, ordered, through):
    """Class of every neuron: the first neuron in topological order with the same function of
    the same input classes.  ``weighted[kind]`` says whether edge weights count,
    ``ordered[op]`` whether the input order does.  A neuron with ``through[v] != v`` (an
    earlier neuron that replaces it, not yet rewired) takes that neuron's class.  Only first
    neurons enter the table; a candidate's key is rebuilt from its arrays to compare (cheaper
    than storing every key)."""
    n = kind.shape[0]
    most = 0
    for v in range(n):
        most = max(most, input_start[v + 1] - input_start[v])
    rows2 = np.empty((2, _HEADER + most), np.int64)
    size = capacity(n)
    mask = np.uint64(size - 1)
    slots = np.full((size, 2), EMPTY, np.int64)   # (first neuron, hash): one cache line per probe
    cls = np.empty(n, np.int64)
    for v in range(n):
        if through[v] != v:
            cls[v] = cls[through[v]]
            continue
        r = v
        h = np.uint64(0)
        s = np.uint64(0)
        length = 0
        which = 0   # 0: build v's key; 1: rebuild a candidate's key to compare with it
        while True:
            row = rows2[which]
            row[0] = np.int64(kind[r])
            row[1] = np.int64(activation[r])
            row[2] = np.int64(reducer[r])
            row[3] = np.int64(offset[r])
            row[4] = np.int64(rows[r])
            row[5] = np.int64(cols[r])
            row[6] = np.int64(group[r])
            row[7] = np.int64(extra[r])
            use_weights = weighted[kind[r]]
            p = _HEADER
            for e in range(input_start[r], input_start[r + 1]):
                w = np.int64(edge_weight[e]) if use_weights else np.int64(-1)
                row[p] = ((w + 1) << 32) | cls[np.int64(edge_src[e])]
                p += 1
            if p > _HEADER + 1 and not ordered[reducer[r]]:
                if p - _HEADER <= 16:
                    _insertion_sort(row, _HEADER, p)
                else:
                    heapsort(row, _HEADER, p)
            if which == 1:
                if same_row(rows2[0, :length], row[:p]):
                    cls[v] = r
                    break
                s = next_slot(s, mask)
            else:
                length = p
                h = hash_row(row[:p])
                s = h & mask
            # find the next candidate with the same hash and fan-in, or claim an empty slot
            while True:
                r = slots[s, 0]
                if r == EMPTY:
                    slots[s, 0] = v
                    slots[s, 1] = np.int64(h)
                    cls[v] = v
                    break
                if slots[s, 1] == np.int64(h) and input_start[r + 1] - input_start[r] == length - _HEADER:
                    break
                s = next_slot(s, mask)
            if r == EMPTY:
                break
            which = 1
    return cls
