"""The relational kernels against obviously correct Python versions."""
from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from neuralogic_lite.grounding.joins import group_rows, join_rows, lookup_rows


def tables(columns):
    return st.integers(0, 40).flatmap(lambda n: arrays(np.int64, (n, columns), elements=st.integers(-3, 3)))


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 3).flatmap(tables))
def test_group_rows(table):
    group, first = group_rows(table)
    seen: dict = {}
    for i, row in enumerate(map(tuple, table)):
        seen.setdefault(row, len(seen))
        assert group[i] == seen[row]
    assert [tuple(table[f]) for f in first] == list(seen)


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 3).flatmap(lambda c: st.tuples(tables(c), tables(c))))
def test_join_rows(pair):
    left, right = pair
    li, ri = join_rows(left, right)
    expected = [(i, j) for i in range(len(left)) for j in range(len(right)) if tuple(left[i]) == tuple(right[j])]
    assert list(zip(li.tolist(), ri.tolist())) == expected


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 3).flatmap(lambda c: st.tuples(tables(c), tables(c))))
def test_lookup_rows(pair):
    keys, table = pair
    found = lookup_rows(keys, table)
    rows = [tuple(r) for r in table]
    for i, key in enumerate(map(tuple, keys)):
        assert found[i] == (rows.index(key) if key in rows else -1)
