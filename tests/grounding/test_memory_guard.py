"""The memory limit: sizes as written, joins counted before they are made, and the rule named
when grounding or the weights would pass the limit."""
from __future__ import annotations

import numpy as np
import pytest

from neuralogic_lite import Model
from neuralogic_lite.errors import MemoryLimitError, NeuraLogicLiteError
from neuralogic_lite.grounding.ground import GroundingOptions, ground
from neuralogic_lite.grounding.joins import TooManyRows, join_rows
from neuralogic_lite.language import parse_samples, parse_template
from neuralogic_lite.memory import memory_limit, parse_size, physical_memory, size_text
from neuralogic_lite.network.weights import PARAMETER_BYTES, number_template_weights
from neuralogic_lite.settings import profile


# ----------------------------------------------------------------------------- sizes
@pytest.mark.parametrize("text, size", [("4G", 4 << 30), ("500M", 500 << 20), ("1.5GiB", 3 << 29), ("64k", 64 << 10),
                                        ("2 TB", 2 << 40), ("1000", 1000), (" 8M ", 8 << 20)])
def test_sizes_as_written(text, size):
    assert parse_size(text) == size


@pytest.mark.parametrize("text", ["", "G", "0", "-1G", "4X", "4 G B", "1e9"])
def test_a_bad_size_is_refused_with_the_form_expected(text):
    with pytest.raises(NeuraLogicLiteError, match="like 4G or 500M"):
        parse_size(text)


def test_sizes_read_back():
    assert [size_text(s) for s in (512, 1536, 100 << 20, 80_000_000_000, 3 << 40)] == \
        ["512 B", "1.5 KiB", "100.0 MiB", "74.5 GiB", "3.0 TiB"]


def test_the_default_limit_is_half_the_physical_memory():
    assert physical_memory() > 0
    assert memory_limit(0) == physical_memory() // 2
    assert memory_limit("4G") == memory_limit(4 << 30) == 4 << 30
    with pytest.raises(NeuraLogicLiteError, match="max_memory"):
        memory_limit(-1)


# ----------------------------------------------------------------------------- joins
def _pairs(left, right):
    return [(i, j) for i in range(len(left)) for j in range(len(right)) if tuple(left[i]) == tuple(right[j])]


@pytest.mark.parametrize("scale", [1, 10 ** 9], ids=["direct", "hashed"])
@pytest.mark.parametrize("columns", [0, 1, 2])
def test_a_join_is_counted_before_it_is_made(scale, columns):
    rng = np.random.default_rng(0)
    left, right = (rng.integers(0, 3, (n, columns)) * scale for n in (30, 40))
    size = len(_pairs(left, right))
    li, ri = join_rows(left, right, max_rows=size)                  # exactly at the limit: made
    assert list(zip(li.tolist(), ri.tolist())) == _pairs(left, right)
    with pytest.raises(TooManyRows) as caught:
        join_rows(left, right, max_rows=size - 1)
    assert caught.value.rows == size


# ----------------------------------------------------------------------------- grounding
CYCLE = "h :- e(A,B), e(B,C), e(C,D), e(D,E), e(E,A).\nq :- h.\n"


def _complete(n: int) -> str:
    return "q :- " + ", ".join(f"e(c{i}, c{j})" for i in range(n) for j in range(n)) + "."


def test_grounding_stops_at_the_first_join_past_the_limit():
    template, samples = parse_template(CYCLE, "cycle.txt"), parse_samples(_complete(6))
    # 6^4 walks of three edges at e(C, D): each substitution holds its example, 5 variables,
    # 5 atoms and 2 indices
    size = 6 ** 4 * 8 * (1 + 5 + 5 + 2)
    with pytest.raises(MemoryLimitError) as caught:
        ground(template, samples, GroundingOptions(max_memory=size - 1))
    error = str(caught.value)
    assert error.startswith("cycle.txt:1:1: grounding this rule makes 1,296 substitutions at its literal e(C, D)")
    assert f"({size:,} bytes)" in error and "in: h :- e(A, B), e(B, C), e(C, D), e(D, E), e(E, A)." in error
    program = ground(template, samples, GroundingOptions(max_memory=6 * size))   # e(D, E) makes 6^5
    assert len(program.rules[0]) == 6 ** 5    # the closed walks of length 5 in a complete graph with loops


def test_a_recursion_is_bounded_by_the_table_it_derives():
    template = parse_template("path(X, Y) :- edge(X, Y).\npath(X, Y) :- edge(X, Z), path(Z, Y).\nq :- path(X, Y).\n",
                              "paths.txt")
    samples = parse_samples("q :- " + ", ".join(f"edge(c{i}, c{i + 1})" for i in range(20)) + ".")
    paths = 20 * 21 // 2
    program = ground(template, samples, GroundingOptions(max_memory=1 << 20))
    assert program.tables[program.rules[0].rule.head.predicate].shape[0] == paths
    with pytest.raises(MemoryLimitError, match="^paths.txt:2:1: this rule adds"):   # rows (example, X, Y)
        ground(template, samples, GroundingOptions(max_memory=paths * 3 * 8 - 1))


def test_the_model_grounds_within_its_settings():
    samples = parse_samples(_complete(6))
    with pytest.raises(MemoryLimitError, match="memory limit of 64.0 KiB"):
        Model.from_text(CYCLE, max_memory="64K").build(samples)
    assert Model.from_text(CYCLE, max_memory="1M").build(samples).graph.sample_count == 1


# ----------------------------------------------------------------------------- weights
def test_weights_are_measured_statement_by_statement():
    template = parse_template("{10,10} h(X) :- a(X).\n{1,10} q :- h(X).\n{5,5} r :- a(X).\n", "w.txt")
    fits = (100 + 10 + 25) * PARAMETER_BYTES
    assert number_template_weights(template, set(), max_memory=fits).template_size == 135
    with pytest.raises(MemoryLimitError) as caught:
        number_template_weights(template, set(), max_memory=fits - 1)
    error = str(caught.value)
    assert error.startswith("w.txt:3:") and "135 values" in error and f"({fits:,} bytes)" in error
    assert "in: {5,5} r :- a(X)." in error


def test_a_model_stops_before_allocating_a_huge_weight():
    with pytest.raises(MemoryLimitError, match=r"10,000,000,000 values.*298\.0 GiB"):
        Model.from_text("{100000,100000} h(X) :- a(X).\n", profile(max_memory="4G"))


@pytest.mark.parametrize("bad", ["lots", -5, 1.5j])
def test_settings_reject_a_memory_limit_that_is_no_size(bad):
    from neuralogic_lite.errors import SettingError
    with pytest.raises(SettingError, match="max_memory"):
        profile(max_memory=bad)
