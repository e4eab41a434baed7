"""The lifting kernels against obviously correct Python versions."""
from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Context, Decimal

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from neuralogic_lite import load_samples
from neuralogic_lite.lifting import chain_mapping, resolve, round_half_up, structural_classes
from neuralogic_lite.lifting.draws import JavaRandom, draw, hashset_order
from neuralogic_lite.lifting.hashcons import intern_rows
from neuralogic_lite.lifting.structural import ORDER_SENSITIVE
from neuralogic_lite.model import Model
from neuralogic_lite.network.graph import Kind
from neuralogic_lite.settings import profile


# ----------------------------------------------------------------------------- naive versions
def naive_structural(graph, across_examples=False):
    first, classes = {}, []
    weighted = {Kind.WEIGHTED_ATOM, Kind.WEIGHTED_RULE}
    for v in range(graph.neuron_count):
        edges = range(graph.input_start[v], graph.input_start[v + 1])
        pairs = [(int(graph.edge_weight[e]) if graph.kind[v] in weighted else -1, classes[graph.edge_src[e]])
                 for e in edges]
        if graph.reducer[v] not in ORDER_SENSITIVE:
            pairs.sort()
        key = (int(graph.kind[v]), int(graph.activation[v]), int(graph.reducer[v]), int(graph.offset[v]),
               int(graph.rows[v]), int(graph.cols[v]), 0 if across_examples else int(graph.example[v]), tuple(pairs))
        classes.append(first.setdefault(key, v))
    return np.array(classes)


def naive_round(x: float, decimals: int) -> float:
    exact = Decimal(x).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP, context=Context(prec=2000))
    return float(exact) + 0.0


@pytest.fixture(scope="module")
def graphs(shared):
    out = []
    for folder, template, examples, queries in [
        ("relational/trains", "template.txt", "examples.txt", "queries.txt"),
        ("neural/xor/naive", "template.txt", "trainExamples.txt", None),
        ("debug/self_loops", "template.txt", "examples.txt", None),
        ("relational/molecules/mutagenesis", "templates/template_gnn.txt", "splits/testExamples.txt", None),
        ("relational/molecules/mutagenesis", "templates/template_product.txt", "splits/testExamples.txt", None),
    ]:
        base = shared / folder
        samples = load_samples(base / examples, base / queries if queries else None)
        model = Model.from_file(base / template, profile("pyneuralogic", lift="none", prune="off"))
        out.append(model.build(samples).graph)
    return out


def test_structural_matches_naive(graphs):
    for graph in graphs:
        np.testing.assert_array_equal(structural_classes(graph), naive_structural(graph))
        np.testing.assert_array_equal(structural_classes(graph, across_examples=True),
                                      naive_structural(graph, across_examples=True))


def test_chain_mapping_points_back(graphs):
    for graph in graphs:
        for mode in ("lossless", "reference"):
            mapping = chain_mapping(graph, mode)
            assert (mapping <= np.arange(graph.neuron_count)).all()
            moved = mapping != np.arange(graph.neuron_count)
            assert (np.diff(graph.input_start)[moved] == 1).all()
            assert not moved[graph.output].any()


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(st.integers(-2, 2), max_size=4), max_size=30))
def test_intern_rows(rows):
    start = np.concatenate([[0], np.cumsum([len(r) for r in rows])]).astype(np.int64)
    keys = np.array([x for r in rows for x in r], np.int64)
    first = {}
    expected = [first.setdefault(tuple(r), i) for i, r in enumerate(rows)]
    assert intern_rows(start, keys).tolist() == expected


def test_resolve_follows_chains():
    assert resolve(np.array([0, 0, 1, 2, 4])).tolist() == [0, 0, 0, 0, 4]
    assert resolve(np.array([1, 3, 2, 3])).tolist() == [3, 3, 2, 3]
    with pytest.raises(ValueError):
        resolve(np.array([1, 0]))


# ----------------------------------------------------------------------------- rounding
@settings(max_examples=300, deadline=None)
@given(st.floats(allow_nan=False, allow_infinity=False, width=64), st.integers(0, 16))
def test_round_half_up_random(x, decimals):
    got = round_half_up(np.array([x]), decimals)[0]
    assert got == np.float64(naive_round(x, decimals)).view(np.int64)


def test_round_half_up_ties_and_signs():
    xs = [0.5, 1.5, 2.5, -2.5, 0.125, -0.125, 1e-13, -1e-13, 4.9999999999995e-13, 5e-13, -5e-13,
          1.0000000000005, 2.0000000000005, 123456.7890123455, 1e300, -1e300, 5e-324, 0.0, -0.0]
    xs += [k / 2 * 1e-12 for k in range(-20, 21)] + [math.nextafter(0.5e-12, 1), math.nextafter(0.5e-12, 0)]
    for decimals in (0, 2, 3, 12, 14, 23):
        got = round_half_up(np.array(xs), decimals)
        expected = np.array([naive_round(x, decimals) for x in xs]).view(np.int64)
        np.testing.assert_array_equal(got, expected, err_msg=f"{decimals} decimals")
    # BigDecimal has no negative zero, and non-finite values keep their bits
    assert round_half_up(np.array([-1e-20]), 12)[0] == 0
    assert np.isnan(round_half_up(np.array([np.nan]), 12).view(np.float64)[0])


# ----------------------------------------------------------------------------- the reference's draws
def test_java_random_is_java():
    rng = JavaRandom(0)
    # new java.util.Random(0).nextDouble(), twice
    assert rng.next_double() == 0.730967787376657
    assert rng.next_double() == 0.24053641567148587
    # the reference's first uniform weight under seed 0 (the oracle's w0)
    assert draw(JavaRandom(0), "uniform", 1, 1)[0, 0] == 0.46193557475331404
    limit = math.sqrt(6.0) / math.sqrt(4)
    assert draw(JavaRandom(0), "glorot", 3, 1)[0, 0] == 0.730967787376657 * (2 * limit) - limit


def test_hashset_order():
    # up to 12 entries: capacity 16, bucket = index mod 16 (-1 and -2 in buckets 0 and 1), ties in
    # insertion order
    assert hashset_order([5, 3, -2, 17, -1, 1]) == [-1, -2, 17, 1, 3, 5]
    # 17 to 24 entries: capacity 32, weight 33 comes right after weight 1 (ties in insertion order)
    weights = list(range(2, 20)) + [33, 1]
    order = hashset_order(weights)
    assert order.index(33) + 1 == order.index(1) and order[0] == 33
