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
_SEED, _PRIME, _SHIFT = np.uint64(1469598103934665603), np.uint64(1099511628211), np.uint64(29)
_MIX = np.uint64(0xBF58476D1CE4E5B9)


@njit(cache=True)
def _capacity(n):
    size = 16
    while size < 2 * n:
        size *= 2
    return size


@njit(cache=True, inline="always")
def _hash(keys, a, b):
    h = _SEED
    for i in range(a, b):
        h = (h ^ np.uint64(keys[i])) * _PRIME
        h ^= h >> _SHIFT
    h *= _MIX
    h ^= h >> _SHIFT
    return h


@njit(cache=True, inline="always")
def _same(keys, a, store, c, length):
    for i in range(length):
        if keys[a + i] != store[c + i]:
            return False
    return True


@njit(cache=True, inline="always")
def _intern(v, keys, a, b, slot_hash, slot_rep, store, key_at, key_len, used):
    """The first neuron interned with the key ``keys[a:b]`` (``v`` itself, stored, if none
    was).  Returns (class, store size).  The table is open addressing (``slot_hash``,
    ``slot_rep``); ``store`` keeps the key rows of first neurons only, at ``key_at[rep]``."""
    h = _hash(keys, a, b)
    length = b - a
    mask = np.uint64(slot_rep.shape[0] - 1)
    s = h & mask
    while True:
        r = slot_rep[s]
        if r == _EMPTY:
            slot_rep[s] = v
            slot_hash[s] = h
            key_at[v] = used
            key_len[v] = length
            for i in range(length):
                store[used + i] = keys[a + i]
            return v, used + length
        if slot_hash[s] == h and key_len[r] == length and _same(keys, a, store, key_at[r], length):
            return r, used
        s = (s + np.uint64(1)) & mask


@njit(cache=True)
def _intern_rows(start, keys):
    n = start.shape[0] - 1
    size = _capacity(n)
    slot_rep = np.full(size, _EMPTY, np.int64)
    slot_hash = np.zeros(size, np.uint64)
    store = np.empty(keys.shape[0], np.int64)
    key_at = np.empty(n, np.int64)
    key_len = np.empty(n, np.int64)
    first = np.empty(n, np.int64)
    used = 0
    for v in range(n):
        first[v], used = _intern(v, keys, start[v], start[v + 1], slot_hash, slot_rep, store, key_at, key_len, used)
    return first


def intern_rows(start: np.ndarray, keys: np.ndarray) -> np.ndarray:
    """For every row of the CSR key array, the first row equal to it."""
    return _intern_rows(np.ascontiguousarray(start, np.int64), np.ascontiguousarray(keys, np.int64))


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


@njit(cache=True, inline="always")
def _structural_row(v, row, kind, activation, reducer, offset, rows, cols, group, extra, input_start, edge_src,
                    edge_weight, weighted, ordered, cls):
    row[0] = kind[v]
    row[1] = activation[v]
    row[2] = reducer[v]
    row[3] = offset[v]
    row[4] = rows[v]
    row[5] = cols[v]
    row[6] = group[v]
    row[7] = extra[v]
    use_weights = weighted[kind[v]]
    p = _HEADER
    for e in range(input_start[v], input_start[v + 1]):
        w = np.int64(edge_weight[e]) if use_weights else np.int64(-1)
        row[p] = ((w + 1) << 32) | cls[edge_src[e]]
        p += 1
    if p > _HEADER + 1 and not ordered[reducer[v]]:
        if p - _HEADER <= 16:
            _insertion_sort(row, _HEADER, p)
        else:
            row[_HEADER:p] = np.sort(row[_HEADER:p])
    return p


@njit(cache=True)
def structural(kind, activation, reducer, offset, rows, cols, group, extra, input_start, edge_src, edge_weight,
               weighted, ordered):
    """Class of every neuron: the first neuron in topological order with the same function of
    the same input classes.  ``weighted[kind]`` says whether edge weights count,
    ``ordered[op]`` whether the input order does.  Only first neurons enter the table; a
    candidate's key is rebuilt from its arrays to compare (cheaper than storing every key)."""
    n = kind.shape[0]
    most = 0
    for v in range(n):
        most = max(most, input_start[v + 1] - input_start[v])
    row = np.empty(_HEADER + most, np.int64)
    other = np.empty(_HEADER + most, np.int64)
    size = _capacity(n)
    mask = np.uint64(size - 1)
    slot_rep = np.full(size, _EMPTY, np.int32)
    slot_hash = np.empty(size, np.uint32)
    cls = np.empty(n, np.int64)
    for v in range(n):
        p = _structural_row(v, row, kind, activation, reducer, offset, rows, cols, group, extra, input_start,
                            edge_src, edge_weight, weighted, ordered, cls)
        h = _hash(row, 0, p)
        tag = np.uint32(h >> np.uint64(32))
        s = h & mask
        while True:
            r = slot_rep[s]
            if r == _EMPTY:
                slot_rep[s] = v
                slot_hash[s] = tag
                cls[v] = v
                break
            if slot_hash[s] == tag and input_start[r + 1] - input_start[r] == p - _HEADER:
                q = _structural_row(r, other, kind, activation, reducer, offset, rows, cols, group, extra,
                                    input_start, edge_src, edge_weight, weighted, ordered, cls)
                if _same(row, 0, other, 0, p):
                    cls[v] = r
                    break
            s = (s + np.uint64(1)) & mask
    return cls
