"""The relational kernels against obviously correct Python versions, on small values (the
rows coded as cells of a small box, addressed directly) and on spread-out ones (hashed)."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from neuralogic_lite.grounding.joins import group_rows, join_rows, lookup_rows

SCALES = pytest.mark.parametrize("scale", [1, 10 ** 9], ids=["direct", "hashed"])


def tables(columns, scale=1):
    return st.integers(0, 40).flatmap(lambda n: arrays(np.int64, (n, columns), elements=st.integers(-3, 3))
                                      .map(lambda a: a * scale))


def check_groups(table):
    group, first = group_rows(table)
    seen: dict = {}
    for i, row in enumerate(map(tuple, table)):
        seen.setdefault(row, len(seen))
        assert group[i] == seen[row]
    assert [tuple(table[f]) for f in first] == list(seen)


@SCALES
@settings(max_examples=200, deadline=None)
@given(data=st.data())
def test_group_rows(scale, data):
    check_groups(data.draw(st.integers(0, 3).flatmap(lambda c: tables(c, scale))))


@settings(max_examples=100, deadline=None)
@given(st.integers(1, 3).flatmap(tables))
def test_group_rows_in_order(table):
    check_groups(table[np.lexsort(table.T[::-1])])


@SCALES
@settings(max_examples=200, deadline=None)
@given(data=st.data())
def test_join_rows(scale, data):
    left, right = data.draw(st.integers(0, 3).flatmap(lambda c: st.tuples(tables(c, scale), tables(c, scale))))
    li, ri = join_rows(left, right)
    expected = [(i, j) for i in range(len(left)) for j in range(len(right)) if tuple(left[i]) == tuple(right[j])]
    assert list(zip(li.tolist(), ri.tolist())) == expected


@SCALES
@settings(max_examples=200, deadline=None)
@given(data=st.data())
def test_lookup_rows(scale, data):
    keys, table = data.draw(st.integers(0, 3).flatmap(lambda c: st.tuples(tables(c, scale), tables(c, scale))))
    found = lookup_rows(keys, table)
    rows = [tuple(r) for r in table]
    for i, key in enumerate(map(tuple, keys)):
        assert found[i] == (rows.index(key) if key in rows else -1)


def test_both_ways_give_the_same_on_knowledge_base_atoms():
    rng = np.random.default_rng(0)
    atoms = np.stack([np.zeros(3000, np.int64), *rng.integers(0, 30, (3, 3000))], axis=1)
    spread = atoms * 10 ** 9
    for a, b in ((group_rows(atoms), group_rows(spread)), (join_rows(atoms[:500, :3], atoms[:, :3]),
                                                           join_rows(spread[:500, :3], spread[:, :3])),
                 ((lookup_rows(atoms[::7], atoms[1000:]),), (lookup_rows(spread[::7], spread[1000:]),))):
        assert all(np.array_equal(x, y) for x, y in zip(a, b))
