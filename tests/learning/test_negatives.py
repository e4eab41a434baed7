"""Corrupted triples and filtered ranking against brute-force loops."""
from __future__ import annotations

import itertools

import numpy as np
import pytest

from neuralogic_lite.errors import InputError
from neuralogic_lite.learning.negatives import Corruptor, filtered_ranking

E, R = 7, 3


def kb(seed=0, count=25):
    rng = np.random.default_rng(seed)
    keys = rng.choice(E * R * E, count, replace=False)
    r, so = np.divmod(keys, E * E)
    s, o = np.divmod(so, E)
    return np.stack([s, r, o], axis=1)


@pytest.mark.parametrize("corrupt", ["head", "tail", "both"])
def test_sampled_negatives_are_filtered_corruptions_of_their_positive(corrupt):
    known = kb()
    positives = known[:15]
    c = Corruptor(positives, E, R, known, corrupt)
    drawn = c.sample(6, seed=3, epoch=1)
    assert drawn.shape == (15, 6, 3)
    known_set = set(map(tuple, known.tolist()))
    sides = set()
    for i, j in itertools.product(range(15), range(6)):
        neg, pos = tuple(drawn[i, j].tolist()), tuple(positives[i].tolist())
        assert neg not in known_set
        assert neg[1] == pos[1]
        changed = {k for k in (0, 2) if neg[k] != pos[k]}
        assert len(changed) == 1
        sides |= changed
    assert sides == {"head": {0}, "tail": {2}, "both": {0, 2}}[corrupt]


def test_draws_follow_seed_and_epoch():
    known = kb()
    c = Corruptor(known, E, R, known, "both")
    assert np.array_equal(c.sample(4, 0, 1), c.sample(4, 0, 1))
    assert not np.array_equal(c.sample(4, 0, 1), c.sample(4, 0, 2))
    assert not np.array_equal(c.sample(4, 0, 1), c.sample(4, 1, 1))


def test_crowded_positive_still_gets_its_only_corruption():
    # every object of (0, 0, .) is known but 5: each tail draw must end on 5
    known = np.array([[0, 0, o] for o in range(E) if o != 5])
    c = Corruptor(known[:1], E, 1, known, "tail")
    assert (c.sample(40, 0)[0, :, 2] == 5).all()
    full = np.array([[0, 0, o] for o in range(E)])
    with pytest.raises(InputError, match="no corruption"):
        Corruptor(full[:1], E, 1, full, "tail").sample(1, 0)


@pytest.mark.parametrize("corrupt", ["head", "tail", "both"])
def test_all_corruptions_are_every_filtered_corruption(corrupt):
    known = kb(1)
    positives = known[:10]
    c = Corruptor(positives, E, R, known, corrupt)
    known_set = set(map(tuple, known.tolist()))
    start, triples = c.groups()
    for i, (s, r, o) in enumerate(positives.tolist()):
        expected = []
        if corrupt in ("head", "both"):
            expected += [(e, r, o) for e in range(E) if (e, r, o) not in known_set]
        if corrupt in ("tail", "both"):
            expected += [(s, r, e) for e in range(E) if (s, r, e) not in known_set]
        assert list(map(tuple, triples[start[i]:start[i + 1]].tolist())) == expected
    union = {t for i in range(10) for t in map(tuple, triples[start[i]:start[i + 1]].tolist())}
    assert set(map(tuple, c.all_corruptions().tolist())) == union
    assert c.all_corruptions().shape[0] == len(union)


def test_filtered_ranking_equals_a_brute_force_loop():
    known = kb(2, 40)
    test = known[:12]
    rng = np.random.default_rng(5)
    table = np.round(rng.normal(size=(E, R, E)), 1)    # rounded: ties happen

    def score(triples):
        return table[triples[:, 0], triples[:, 1], triples[:, 2]]
    report, ranks = filtered_ranking(score, test, known, E, R, batch=5)
    known_set = set(map(tuple, known.tolist()))
    expected = []
    for column in (0, 2):
        for t in test.tolist():
            true = table[t[0], t[1], t[2]]
            above = equal = 0
            for e in range(E):
                c = list(t)
                c[column] = e
                if tuple(c) in known_set:    # the other known triples, and the test triple itself
                    continue
                above += table[c[0], c[1], c[2]] > true
                equal += table[c[0], c[1], c[2]] == true
            expected.append(1 + above + equal / 2)
    assert np.array_equal(ranks.ravel(), expected)
    assert report["mrr"] == pytest.approx(np.mean(1 / np.array(expected)))
    for k in (1, 3, 10):
        assert report[f"hits@{k}"] == pytest.approx(np.mean(np.array(expected) <= k))
