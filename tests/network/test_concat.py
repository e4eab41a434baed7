"""A sample set built a chunk at a time is the graph built at once: arrays, names, values."""
from __future__ import annotations

import numpy as np
import pytest

from neuralogic_lite import load_samples, parse_samples
from neuralogic_lite import model as model_module
from neuralogic_lite.datasets.molecules import generate
from neuralogic_lite.datasets.text import examples_and_queries_text
from neuralogic_lite.model import Model
from neuralogic_lite.settings import profile

from support import ROOT

#: Every array but ``origin``, whose rows number atoms in another order (a chunk's tables hold
#: its examples' atoms only); the neurons' names are compared instead.
STRUCTURE = ("kind", "activation", "reducer", "rows", "cols", "value_start", "input_start", "example", "edge_src",
             "sample_start", "sample_neurons", "output", "source")


def _both(template, samples, settings, chunk, monkeypatch):
    whole = Model.from_file(template, settings)
    at_once = whole.build(samples)
    monkeypatch.setattr(model_module, "CHUNK_EXAMPLES", chunk)
    parts = Model.from_file(template, settings)
    chunked = parts.build(samples)
    monkeypatch.undo()
    return (whole, at_once), (parts, chunked)


def _weight_values(built, ids):
    """Each weight id as what it holds: template weights by id, constants by value."""
    weights = built.graph.weights
    return [int(w) if w < weights.template_count else tuple(np.ravel(weights.initial[w])) for w in ids]


@pytest.fixture(scope="module")
def molecules():
    examples, queries = examples_and_queries_text(generate(40, 3))
    return parse_samples(examples, queries)


@pytest.mark.parametrize("lift,batch", [("structural", False), ("none", False), ("structural", True)])
def test_chunks_build_the_same_graph(molecules, lift, batch, monkeypatch):
    template = ROOT / "templates" / "gcn.txt"
    settings = profile("neuralogic", lift=lift, batch_lift=batch, epochs=3, seed=2)
    (whole, a), (parts, b) = _both(template, molecules, settings, 7, monkeypatch)
    for name in STRUCTURE:
        np.testing.assert_array_equal(getattr(a.graph, name), getattr(b.graph, name), err_msg=name)
    assert _weight_values(a, a.graph.edge_weight) == _weight_values(b, b.graph.edge_weight)
    assert _weight_values(a, a.graph.offset) == _weight_values(b, b.graph.offset)
    assert [a.graph.describe(n) for n in range(a.graph.neuron_count)] == \
        [b.graph.describe(n) for n in range(b.graph.neuron_count)]
    assert a.queries() == b.queries()
    assert a.timings["lift"]["neurons"] == b.timings["lift"]["neurons"]
    ra, rb = whole.fit(a), parts.fit(b)
    np.testing.assert_allclose(ra.values, rb.values, rtol=0, atol=1e-12)


def test_fact_values_merge_by_value(monkeypatch):
    """Example fact values are each chunk's constants: the join keeps one per value."""
    text = (ROOT / "datasets" / "xor" / "examples.txt").read_text()
    samples = parse_samples(text)
    template = (ROOT / "templates" / "xor.txt")
    (whole, a), (parts, b) = _both(template, samples, profile("neuralogic", epochs=5), 1, monkeypatch)
    assert len(a.graph.weights) == len(b.graph.weights)
    np.testing.assert_array_equal(np.concatenate(whole.predict(a)), np.concatenate(parts.predict(b)))


def test_what_cannot_be_chunked_is_built_whole(monkeypatch):
    """Example-local rules, samples of one example apart, and value lifting: one piece."""
    monkeypatch.setattr(model_module, "CHUNK_EXAMPLES", 1)
    pieces = model_module._pieces
    local = parse_samples("1 q :- s(X) :- a(X). a(1).\n0 q :- b(2).")
    assert len(pieces(local, profile("neuralogic"))) == 1
    plain = parse_samples("1 q :- a(1).\n0 q :- b(2).\n1 q :- a(3).")
    assert [len(p) for p in pieces(plain, profile("neuralogic"))] == [1, 1, 1]
    assert len(pieces(plain, profile("neuralogic", lift="value"))) == 1
    interleaved = [plain[0], plain[1], plain[0]]
    assert len(pieces(interleaved, profile("neuralogic"))) == 1


def test_shared_mutagenesis_in_chunks(shared, monkeypatch):
    folder = shared / "relational" / "molecules" / "mutagenesis"
    samples = load_samples(folder / "examples.txt", folder / "queries.txt")
    settings = profile("neuralogic", epochs=2)
    (whole, a), (parts, b) = _both(folder / "templates" / "template_gnn.txt", samples, settings, 50, monkeypatch)
    for name in STRUCTURE:
        np.testing.assert_array_equal(getattr(a.graph, name), getattr(b.graph, name), err_msg=name)
    np.testing.assert_allclose(whole.fit(a).values, parts.fit(b).values, rtol=0, atol=1e-12)


def test_progress_is_told_every_stage_of_every_chunk(molecules, monkeypatch):
    monkeypatch.setattr(model_module, "CHUNK_EXAMPLES", 16)
    told = []
    Model.from_file(ROOT / "templates" / "gcn.txt", profile("neuralogic")).build(molecules, lambda *a: told.append(a))
    assert [stage for stage, _, _ in told] == ["ground", "neuralize", "lift"] * 3
    assert [done for stage, done, _ in told if stage == "lift"] == [16, 32, 40]
    assert {total for _, _, total in told} == {40}


def test_reading_progress_ends_at_the_file_size(tmp_path, monkeypatch):
    from neuralogic_lite.language import facts
    monkeypatch.setattr(facts, "PIECE_BYTES", 1000)
    monkeypatch.setattr(facts, "SCAN_FROM_BYTES", 0)   # the scanner, which tells progress, compiled or not
    examples, queries = examples_and_queries_text(generate(10, 0))
    (tmp_path / "e.txt").write_text(examples)
    (tmp_path / "q.txt").write_text(queries)
    told = []
    load_samples(tmp_path / "e.txt", tmp_path / "q.txt", lambda done, total: told.append((done, total)))
    assert len(told) > 1 and told[-1] == (len(examples), len(examples))
    assert [d for d, _ in told] == sorted(d for d, _ in told)
