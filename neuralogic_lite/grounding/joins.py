"""Relational kernels over integer tables: grouping equal rows and hash joins.

A table is a C-contiguous int64 array of shape (rows, columns).  The kernels hash whole rows
with open addressing, so they work for any key width, and run in numba (``cache=True``).
"""
from __future__ import annotations

import numpy as np

from ..jit import njit

_EMPTY = -1


@njit(cache=True)
def _row_hash(table, i):
    h = np.uint64(1469598103934665603)
    for j in range(table.shape[1]):
        h ^= np.uint64(table[i, j] + 0x9E3779B97F4A7C15)
        h *= np.uint64(1099511628211)
        h ^= h >> np.uint64(29)
    return h


@njit(cache=True)
def _rows_equal(a, i, b, j):
    for k in range(a.shape[1]):
        if a[i, k] != b[j, k]:
            return False
    return True


@njit(cache=True)
def capacity(n):
    """A power-of-two table size at least twice ``n`` (open addressing stays short)."""
    size = 16
    while size < 2 * n:
        size *= 2
    return size


@njit(cache=True)
def _group(table):
    """Group ids (in order of first appearance) and each group's first row."""
    n = table.shape[0]
    size = capacity(n)
    mask = np.uint64(size - 1)
    slots = np.full(size, _EMPTY, np.int64)  # slot -> group id
    group = np.empty(n, np.int64)
    first = np.empty(n, np.int64)
    groups = 0
    for i in range(n):
        s = _row_hash(table, i) & mask
        while True:
            g = slots[s]
            if g == _EMPTY:
                slots[s] = groups
                first[groups] = i
                group[i] = groups
                groups += 1
                break
            if _rows_equal(table, i, table, first[g]):
                group[i] = g
                break
            s = (s + np.uint64(1)) & mask
    return group, first[:groups].copy()


def group_rows(table: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(group, first)``: the group id of every row (numbered by first appearance) and the
    first row of every group, so ``table[first]`` are the distinct rows in order."""
    table = np.ascontiguousarray(table, dtype=np.int64)
    if table.shape[0] == 0:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    if table.shape[1] == 0:
        return np.zeros(table.shape[0], np.int64), np.zeros(1, np.int64)
    return _group(table)


@njit(cache=True)
def _join(left, right):
    # Group the right rows by key, then probe every left row (two passes: count, fill).
    rgroup, rfirst = _group(right)
    groups = rfirst.shape[0]
    counts = np.zeros(groups + 1, np.int64)
    for i in range(right.shape[0]):
        counts[rgroup[i] + 1] += 1
    start = np.cumsum(counts)
    members = np.empty(right.shape[0], np.int64)
    fill = start[:-1].copy()
    for i in range(right.shape[0]):
        members[fill[rgroup[i]]] = i
        fill[rgroup[i]] += 1
    size = capacity(groups)
    mask = np.uint64(size - 1)
    slots = np.full(size, _EMPTY, np.int64)
    for g in range(groups):
        s = _row_hash(right, rfirst[g]) & mask
        while slots[s] != _EMPTY:
            s = (s + np.uint64(1)) & mask
        slots[s] = g
    match = np.full(left.shape[0], _EMPTY, np.int64)
    total = 0
    for i in range(left.shape[0]):
        s = _row_hash(left, i) & mask
        while True:
            g = slots[s]
            if g == _EMPTY:
                break
            if _rows_equal(left, i, right, rfirst[g]):
                match[i] = g
                total += start[g + 1] - start[g]
                break
            s = (s + np.uint64(1)) & mask
    li = np.empty(total, np.int64)
    ri = np.empty(total, np.int64)
    k = 0
    for i in range(left.shape[0]):
        g = match[i]
        if g != _EMPTY:
            for m in range(start[g], start[g + 1]):
                li[k] = i
                ri[k] = members[m]
                k += 1
    return li, ri


def join_rows(left: np.ndarray, right: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Every pair ``(i, j)`` with ``left[i] == right[j]`` (as whole rows), ordered by ``i``
    then by ``j``.  Both tables must have the same number of columns."""
    left = np.ascontiguousarray(left, dtype=np.int64)
    right = np.ascontiguousarray(right, dtype=np.int64)
    if left.shape[0] == 0 or right.shape[0] == 0:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    if left.shape[1] == 0:  # no shared key: the cross product
        li = np.repeat(np.arange(left.shape[0]), right.shape[0])
        return li, np.tile(np.arange(right.shape[0]), left.shape[0])
    return _join(left, right)


@njit(cache=True)
def _lookup(keys, table):
    size = capacity(table.shape[0])
    mask = np.uint64(size - 1)
    slots = np.full(size, _EMPTY, np.int64)
    for j in range(table.shape[0]):
        s = _row_hash(table, j) & mask
        while True:
            if slots[s] == _EMPTY:
                slots[s] = j
                break
            if _rows_equal(table, j, table, slots[s]):
                break
            s = (s + np.uint64(1)) & mask
    found = np.full(keys.shape[0], _EMPTY, np.int64)
    for i in range(keys.shape[0]):
        s = _row_hash(keys, i) & mask
        while slots[s] != _EMPTY:
            if _rows_equal(keys, i, table, slots[s]):
                found[i] = slots[s]
                break
            s = (s + np.uint64(1)) & mask
    return found


def lookup_rows(keys: np.ndarray, table: np.ndarray) -> np.ndarray:
    """For every row of ``keys``, the index of the first equal row of ``table`` (or -1)."""
    keys = np.ascontiguousarray(keys, dtype=np.int64)
    table = np.ascontiguousarray(table, dtype=np.int64)
    if keys.shape[0] == 0 or table.shape[0] == 0:
        return np.full(keys.shape[0], _EMPTY, np.int64)
    if keys.shape[1] == 0:
        return np.zeros(keys.shape[0], np.int64)
    return _lookup(keys, table)
