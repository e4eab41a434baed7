"""Open-addressing hash tables over rows of int64 keys, for kernels: the grounder's joins and
lifting's hash-consing both build theirs from these pieces.

``group_keys`` is the whole table for the commonest question, which rows are equal.  Otherwise a
table is a power-of-two array of slots (``capacity``) holding ids, ``EMPTY`` where none.  A
row starts at slot ``hash_row(row) & mask`` and probes linearly (``next_slot``) until it finds
an equal row (``same_row``) or an empty slot.  Rows are compared whole on every candidate, so
results are exact whatever the hash does: the hash only decides how long probes are.
"""
from __future__ import annotations

import numpy as np

from .jit import njit

#: a slot that holds no id
EMPTY = -1
_SEED, _PRIME, _SHIFT = np.uint64(1469598103934665603), np.uint64(1099511628211), np.uint64(29)
_MIX = np.uint64(0xBF58476D1CE4E5B9)


@njit(cache=True)
def capacity(n):
    """A power-of-two table size at least twice ``n`` (probes stay short)."""
    size = 16
    while size < 2 * n:
        size *= 2
    return size


@njit(cache=True, inline="always")
def hash_row(row):
    """A 64-bit hash of a 1-D int64 array: FNV-1a over its elements, then a final mix so that
    the low bits (the slot) depend on every element."""
    h = _SEED
    for i in range(row.shape[0]):
        h = (h ^ np.uint64(row[i])) * _PRIME
        h ^= h >> _SHIFT
    h *= _MIX
    h ^= h >> _SHIFT
    return h


@njit(cache=True, inline="always")
def same_row(x, y):
    """Whether two 1-D arrays have the same length and elements."""
    if x.shape[0] != y.shape[0]:
        return False
    for i in range(x.shape[0]):
        if x[i] != y[i]:
            return False
    return True


@njit(cache=True, inline="always")
def next_slot(s, mask):
    """The slot probed after ``s`` in a table of ``mask + 1`` slots."""
    return (s + np.uint64(1)) & mask


@njit(cache=True)
def group_keys(start, keys):
    """``(group, first)`` for the CSR rows ``keys[start[i]:start[i + 1]]``: every row's group
    (numbered in order of first appearance) and each group's first row.  Slots keep the first
    row and its hash, so most unequal rows are told apart without reading them."""
    n = start.shape[0] - 1
    size = capacity(n)
    mask = np.uint64(size - 1)
    slot_row = np.full(size, EMPTY, np.int64)
    slot_hash = np.zeros(size, np.uint64)
    group = np.empty(n, np.int64)
    first = np.empty(n, np.int64)
    groups = 0
    for i in range(n):
        a, b = start[i], start[i + 1]
        h = hash_row(keys[a:b])
        s = h & mask
        while True:
            r = slot_row[s]
            if r == EMPTY:
                slot_row[s] = i
                slot_hash[s] = h
                first[groups] = i
                group[i] = groups
                groups += 1
                break
            if slot_hash[s] == h and same_row(keys[a:b], keys[start[r]:start[r + 1]]):
                group[i] = group[r]
                break
            s = next_slot(s, mask)
    return group, first[:groups].copy()
