"""Relational kernels over integer tables: grouping equal rows and joins.

A table is a C-contiguous int64 array of shape (rows, columns).  Rows already in order are
grouped by comparing neighbours.  When the rows' values span a
small box (each column's range multiplied out is at most a few times the number of rows, as
for the example x subject x relation x object atoms of a knowledge base, or small integer
keys), each row is coded as one integer of that box and the kernels address arrays directly:
no hashing, and on rows that come in order, no cache misses.  Otherwise they hash whole rows
with open addressing, which works for any key width.  Both run in numba (``cache=True``) and
give the same results.
"""
from __future__ import annotations

import numpy as np

from ..hashing import EMPTY, capacity, group_keys, hash_row, next_slot, same_row
from ..jit import njit


@njit(cache=True)
def _group(table):
    """Group ids (in order of first appearance) and each group's first row (at least one column)."""
    width = table.shape[1]
    return group_keys(np.arange(0, table.shape[0] * width + 1, width), table.reshape(table.size))


# ----------------------------------------------------------------------------- rows as codes of a small box
#: direct addressing when the box has at most this many cells per row (plus ``_DENSE_EXTRA``)
_DENSE_PER_ROW, _DENSE_EXTRA = 4, 4096


@njit(cache=True)
def _bounds(table):
    """Each column's least and greatest value, in one pass (numpy's ``min(axis=0)`` strides)."""
    low, high = table[0].copy(), table[0].copy()
    for i in range(1, table.shape[0]):
        for j in range(table.shape[1]):
            v = table[i, j]
            if v < low[j]:
                low[j] = v
            elif v > high[j]:
                high[j] = v
    return low, high


def _box(table: np.ndarray):
    """``(low, high, radix, cells)``: the smallest box holding ``table``'s rows and the mixed
    radix that numbers its cells, or None when it has too many cells to address directly."""
    low, high = _bounds(table)
    cells = 1
    for lo, hi in zip(low.tolist(), high.tolist()):    # Python ints: no overflow
        cells *= hi - lo + 1
    if cells > _DENSE_PER_ROW * table.shape[0] + _DENSE_EXTRA:
        return None
    radix = np.ones(table.shape[1], np.int64)
    for j in range(table.shape[1] - 2, -1, -1):
        radix[j] = radix[j + 1] * (high[j + 1] - low[j + 1] + 1)
    return low, high, radix, cells


@njit(cache=True)
def _codes(table, low, high, radix):
    """Each row's cell in the box, or -1 for a row outside it."""
    out = np.empty(table.shape[0], np.int64)
    for i in range(table.shape[0]):
        code = 0
        for j in range(table.shape[1]):
            v = table[i, j]
            if v < low[j] or v > high[j]:
                code = -1
                break
            code += (v - low[j]) * radix[j]
        out[i] = code
    return out


@njit(cache=True)
def _group_codes(codes, cells):
    group_of = np.full(cells, EMPTY, np.int64)   # cell -> group id
    group = np.empty(codes.shape[0], np.int64)
    first = np.empty(codes.shape[0], np.int64)
    groups = 0
    for i in range(codes.shape[0]):
        g = group_of[codes[i]]
        if g == EMPTY:
            g = groups
            group_of[codes[i]] = g
            first[g] = i
            groups += 1
        group[i] = g
    return group, first[:groups].copy()


@njit(cache=True)
def _join_codes(left, right, cells, limit):
    # right rows sorted by cell (counting sort, stable), then every left row takes its cell's
    start, members = _members(right, cells)
    return _pairs(left, start, members, limit)


@njit(cache=True)
def _members(cell, cells):
    """The rows of each cell, in row order (a stable counting sort): cell c holds
    ``members[start[c]:start[c + 1]]``."""
    start = np.zeros(cells + 1, np.int64)
    for j in range(cell.shape[0]):
        start[cell[j] + 1] += 1
    for c in range(cells):
        start[c + 1] += start[c]
    members = np.empty(cell.shape[0], np.int64)
    fill = start[:-1].copy()
    for j in range(cell.shape[0]):
        members[fill[cell[j]]] = j
        fill[cell[j]] += 1
    return start, members


@njit(cache=True)
def _pairs(match, start, members, limit):
    """(left row, right row) for every left row and each member of the cell it matched (``match``,
    EMPTY for none), and their count; no pairs, only the count, past ``limit``."""
    total = 0
    for i in range(match.shape[0]):
        if match[i] != EMPTY:
            total += start[match[i] + 1] - start[match[i]]
    if total > limit:
        return np.empty(0, np.int64), np.empty(0, np.int64), total
    li = np.empty(total, np.int64)
    ri = np.empty(total, np.int64)
    k = 0
    for i in range(match.shape[0]):
        c = match[i]
        if c != EMPTY:
            for m in range(start[c], start[c + 1]):
                li[k] = i
                ri[k] = members[m]
                k += 1
    return li, ri, total


@njit(cache=True)
def _lookup_codes(keys, table, cells):
    row_of = np.full(cells, EMPTY, np.int64)
    for j in range(table.shape[0] - 1, -1, -1):     # backwards: the first equal row wins
        row_of[table[j]] = j
    found = np.full(keys.shape[0], EMPTY, np.int64)
    for i in range(keys.shape[0]):
        if keys[i] >= 0:
            found[i] = row_of[keys[i]]
    return found


@njit(cache=True)
def _group_sorted(table):
    """Groups of a table whose rows are in lexicographic order (groundings of nested joins
    often come so), by comparing neighbours; ``ok`` is False at the first row out of order."""
    n = table.shape[0]
    group = np.empty(n, np.int64)
    first = np.empty(n, np.int64)
    group[0], first[0] = 0, 0
    groups = 1
    for i in range(1, n):
        order = 0
        for j in range(table.shape[1]):
            if table[i, j] != table[i - 1, j]:
                order = 1 if table[i, j] > table[i - 1, j] else -1
                break
        if order < 0:
            return False, group, first
        if order > 0:
            first[groups] = i
            groups += 1
        group[i] = groups - 1
    return True, group, first[:groups].copy()


# ----------------------------------------------------------------------------- the operations
def group_rows(table: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(group, first)``: the group id of every row (numbered by first appearance) and the
    first row of every group, so ``table[first]`` are the distinct rows in order."""
    table = np.ascontiguousarray(table, dtype=np.int64)
    if table.shape[0] == 0:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    if table.shape[1] == 0:
        return np.zeros(table.shape[0], np.int64), np.zeros(1, np.int64)
    ok, group, first = _group_sorted(table)
    if ok:
        return group, first
    box = _box(table)
    if box is not None:
        low, high, radix, cells = box
        return _group_codes(_codes(table, low, high, radix), cells)
    return _group(table)


@njit(cache=True)
def _join(left, right, limit):
    # Group the right rows by key, then probe every left row (two passes: count, fill; none
    # when the count passes ``limit``).
    rgroup, rfirst = _group(right)
    groups = rfirst.shape[0]
    start, members = _members(rgroup, groups)
    size = capacity(groups)
    mask = np.uint64(size - 1)
    slots = np.full(size, EMPTY, np.int64)
    for g in range(groups):
        s = hash_row(right[rfirst[g]]) & mask
        while slots[s] != EMPTY:
            s = next_slot(s, mask)
        slots[s] = g
    match = np.full(left.shape[0], EMPTY, np.int64)
    for i in range(left.shape[0]):
        s = hash_row(left[i]) & mask
        while True:
            g = slots[s]
            if g == EMPTY:
                break
            if same_row(left[i], right[rfirst[g]]):
                match[i] = g
                break
            s = next_slot(s, mask)
    return _pairs(match, start, members, limit)


#: no limit on a join's rows
UNLIMITED = np.iinfo(np.int64).max


class TooManyRows(Exception):
    """A join would give more pairs (``rows``) than its caller allows; none were made."""

    def __init__(self, rows: int):
        super().__init__(f"{rows} rows")
        self.rows = rows


def join_rows(left: np.ndarray, right: np.ndarray, max_rows: int = UNLIMITED) -> tuple[np.ndarray, np.ndarray]:
    """Every pair ``(i, j)`` with ``left[i] == right[j]`` (as whole rows), ordered by ``i``
    then by ``j``.  Both tables must have the same number of columns.  The pairs are counted
    before they are made: more than ``max_rows`` raise ``TooManyRows``."""
    left = np.ascontiguousarray(left, dtype=np.int64)
    right = np.ascontiguousarray(right, dtype=np.int64)
    if left.shape[0] == 0 or right.shape[0] == 0:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    if left.shape[1] == 0:  # no shared key: the cross product
        if left.shape[0] * right.shape[0] > max_rows:
            raise TooManyRows(left.shape[0] * right.shape[0])
        li = np.repeat(np.arange(left.shape[0]), right.shape[0])
        return li, np.tile(np.arange(right.shape[0]), left.shape[0])
    box = _box(right)
    if box is not None:
        low, high, radix, cells = box
        li, ri, total = _join_codes(_codes(left, low, high, radix), _codes(right, low, high, radix), cells, max_rows)
    else:
        li, ri, total = _join(left, right, max_rows)
    if total > max_rows:
        raise TooManyRows(int(total))
    return li, ri


@njit(cache=True)
def _lookup(keys, table):
    size = capacity(table.shape[0])
    mask = np.uint64(size - 1)
    slots = np.full(size, EMPTY, np.int64)
    for j in range(table.shape[0]):
        s = hash_row(table[j]) & mask
        while True:
            if slots[s] == EMPTY:
                slots[s] = j
                break
            if same_row(table[j], table[slots[s]]):
                break
            s = next_slot(s, mask)
    found = np.full(keys.shape[0], EMPTY, np.int64)
    for i in range(keys.shape[0]):
        s = hash_row(keys[i]) & mask
        while slots[s] != EMPTY:
            if same_row(keys[i], table[slots[s]]):
                found[i] = slots[s]
                break
            s = next_slot(s, mask)
    return found


def lookup_rows(keys: np.ndarray, table: np.ndarray) -> np.ndarray:
    """For every row of ``keys``, the index of the first equal row of ``table`` (or -1)."""
    keys = np.ascontiguousarray(keys, dtype=np.int64)
    table = np.ascontiguousarray(table, dtype=np.int64)
    if keys.shape[0] == 0 or table.shape[0] == 0:
        return np.full(keys.shape[0], EMPTY, np.int64)
    if keys.shape[1] == 0:
        return np.zeros(keys.shape[0], np.int64)
    box = _box(table)
    if box is not None:
        low, high, radix, cells = box
        return _lookup_codes(_codes(keys, low, high, radix), _codes(table, low, high, radix), cells)
    return _lookup(keys, table)
