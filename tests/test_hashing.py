"""The shared hash table pieces against obvious Python versions."""
from __future__ import annotations

import numpy as np

from neuralogic_lite.hashing import capacity, group_keys, hash_row, same_row


def naive_groups(rows: list[tuple]) -> tuple[list[int], list[int]]:
    ids: dict[tuple, int] = {}
    first = []
    for i, row in enumerate(rows):
        if row not in ids:
            ids[row] = len(first)
            first.append(i)
    return [ids[row] for row in rows], first


def test_group_keys_numbers_groups_by_first_appearance_for_rows_of_any_length():
    rng = np.random.default_rng(0)
    lengths = rng.integers(0, 4, 500)
    start = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
    keys = rng.integers(-2, 2, int(start[-1])).astype(np.int64)   # few values: many equal rows, negatives
    group, first = group_keys(start, keys)
    expected_group, expected_first = naive_groups([tuple(keys[a:b]) for a, b in zip(start[:-1], start[1:])])
    assert group.tolist() == expected_group and first.tolist() == expected_first


def test_pieces():
    assert [capacity(n) for n in (0, 8, 9, 100)] == [16, 16, 32, 256]
    a, b = np.array([1, -5, 7], np.int64), np.array([1, -5, 7, 0], np.int64)
    assert hash_row(a) == hash_row(a.copy()) != hash_row(b)
    assert same_row(a, b[:3]) and not same_row(a, b) and not same_row(a, b[1:])
