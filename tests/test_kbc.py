"""Knowledge-base completion: sampled negatives against exhaustive grounding, filtered ranking
against brute force, and the templates the attaching path refuses."""
from __future__ import annotations

import itertools

import numpy as np
import pytest

from neuralogic_lite import kbc, load_samples
from neuralogic_lite.datasets.kb import kb_files
from neuralogic_lite.engine import kernels
from neuralogic_lite.errors import SettingError, TemplateError
from neuralogic_lite.language.symbols import CONSTANTS
from neuralogic_lite.model import Model
from neuralogic_lite.settings import profile
from neuralogic_lite.zoo import complex_, transe


@pytest.fixture(scope="module")
def small_kb(tmp_path_factory):
    """A generated KB of 12 entities, 3 relations and 30 facts (DistMult of width 4), and the
    same entities under TransE and ComplEx."""
    folder = tmp_path_factory.mktemp("kb")
    files = kb_files(12, 3, 30, seed=0, dim=4)
    for name, text in files.items():
        (folder / name).write_text(text)
    names = [f"e{i}" for i in range(12)]
    (folder / "transe.txt").write_text(transe(names, ["r0", "r1", "r2"], dim=4))
    (folder / "complex.txt").write_text(complex_(names, ["r0", "r1", "r2"], dim=4))
    positives = "".join(line.split("  ")[0].strip() + "\n" for line in files["queries.txt"].splitlines()
                        if line.startswith("1.0"))
    (folder / "positives.txt").write_text(positives)
    return folder


def _samples(folder, queries="positives.txt"):
    return load_samples(folder / "examples.txt", folder / queries)


def _exhaustive_queries(samples, corrupt: str) -> str:
    """Every positive at 1.0 and every corruption (of the side asked) that is no positive, once
    each, at 0.0: the queries file today's exhaustive grounding takes.  Brute-force loops."""
    triples = [tuple(CONSTANTS[t.id] for t in s.query.literal.terms) for s in samples]
    known = set(triples)
    entities = sorted({t[0] for t in triples} | {t[2] for t in triples})
    lines = [f"1.0 predict({s}, {r}, {o})." for s, r, o in triples]
    seen = set()
    for s, r, o in triples:
        for e in entities:
            for c in ([(e, r, o)] if corrupt in ("head", "both") else []) + \
                     ([(s, r, e)] if corrupt in ("tail", "both") else []):
                if c not in known and c not in seen:
                    seen.add(c)
                    lines.append(f"0.0 predict({c[0]}, {c[1]}, {c[2]}).")
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("template,corrupt", [("template.txt", "both"), ("template.txt", "tail"),
                                              ("template.txt", "head"), ("transe.txt", "both")])
def test_every_corruption_equals_exhaustive_grounding(small_kb, tmp_path, template, corrupt):
    """negatives="all": the loss and every gradient equal those of today's pipeline with every
    corruption written as a 0.0 query, to 1e-12."""
    samples = _samples(small_kb)
    settings = profile(negatives="all", corrupt=corrupt, seed=3)
    model = Model.from_file(small_kb / template, settings)
    kb = kbc.prepare(model, samples)
    positives = kbc.positives_of(samples)
    network, made = kbc.epoch_network(model, kb, kbc.corruptor(kb, positives, positives, corrupt), 1)
    values = kb.parameters(model)
    grad, _, losses = network.gradients(values, kb.loss.code, kb.loss.factor)

    (tmp_path / "all.txt").write_text(_exhaustive_queries(samples, corrupt))
    reference = Model.from_file(small_kb / template, profile(seed=3))
    built = reference.build(load_samples(small_kb / "examples.txt", tmp_path / "all.txt"))
    assert built.loss.code == kb.loss.code
    assert np.array_equal(reference.values, model.values)
    ref_grad, _, ref_losses = built.network.gradients(built.parameters(reference.values), built.loss.code,
                                                      built.loss.factor)
    assert network.graph.sample_count == built.graph.sample_count
    assert made.targets[0].sum() == len(samples)
    size = model.weights.template_size
    assert abs(losses.sum() - ref_losses.sum()) <= 1e-12 * max(1.0, abs(ref_losses.sum()))
    np.testing.assert_allclose(np.sort(losses), np.sort(ref_losses), rtol=0, atol=1e-12)
    assert np.abs(ref_grad[:size]).max() > 1e-3           # something to compare
    np.testing.assert_allclose(grad[:size], ref_grad[:size], rtol=0, atol=1e-12)


def test_softmax_over_every_corruption_is_the_softmax_of_the_exhaustive_logits(small_kb, tmp_path):
    """loss="softmax": per positive, -log softmax over it and its corruptions, from the logits
    today's pipeline computes; gradients against central differences."""
    samples = _samples(small_kb)
    model = Model.from_file(small_kb / "template.txt", profile(negatives="all", corrupt="tail", loss="softmax"))
    kb = kbc.prepare(model, samples)
    positives = kbc.positives_of(samples)
    network, _ = kbc.epoch_network(model, kb, kbc.corruptor(kb, positives, positives, "tail"), 1)
    values = kb.parameters(model)
    grad, _, losses = network.gradients(values, kb.loss.code, kb.loss.factor)

    (tmp_path / "all.txt").write_text(_exhaustive_queries(samples, "tail"))
    built = Model.from_file(small_kb / "template.txt").build(load_samples(small_kb / "examples.txt",
                                                                          tmp_path / "all.txt"))
    logit = {q: float(o[0]) for q, o in zip(built.queries(), built.network.outputs(built.parameters(model.values)))}
    known = {tuple(CONSTANTS[t.id] for t in s.query.literal.terms) for s in samples}
    entities = sorted({t[0] for t in known} | {t[2] for t in known})
    expected = []
    for s, r, o in (tuple(CONSTANTS[t.id] for t in x.query.literal.terms) for x in samples):
        group = [logit[f"predict({s}, {r}, {o})"]] + [logit[f"predict({s}, {r}, {e})"] for e in entities
                                                     if (s, r, e) not in known]
        expected.append(np.logaddexp.reduce(group) - group[0])
    np.testing.assert_allclose(losses, expected, rtol=0, atol=1e-12)

    rng = np.random.default_rng(0)
    learnable = np.flatnonzero(np.repeat(np.array(kb.pattern.base.weights.learnable, bool),
                                         np.diff(kb.pattern.base.weights.start)))
    for j in rng.choice(learnable, 8, replace=False):
        step = np.zeros_like(values)
        step[j] = 1e-6
        up = network.gradients(values + step, kb.loss.code, kb.loss.factor)[2].sum()
        down = network.gradients(values - step, kb.loss.code, kb.loss.factor)[2].sum()
        assert grad[j] == pytest.approx((up - down) / 2e-6, abs=1e-6)


def test_sampled_negatives_train_and_change_every_epoch(small_kb):
    samples = _samples(small_kb)
    model = Model.from_file(small_kb / "template.txt", profile(negatives=3, epochs=30, learning_rate=0.05,
                                                               batch_size=4))
    kb = kbc.prepare(model, samples)
    positives = kbc.positives_of(samples)
    corruptions = kbc.corruptor(kb, positives, positives, "both")
    first, _ = kbc.epoch_network(model, kb, corruptions, 1)
    second, _ = kbc.epoch_network(model, kb, corruptions, 2)
    assert first.graph.sample_count == second.graph.sample_count == 4 * len(samples)
    assert not np.array_equal(first.graph.edge_src, second.graph.edge_src)
    # epoch 2 by rewiring epoch 1's network in place computes what a fresh network does
    values = kb.parameters(model)
    fresh = second.gradients(values, kb.loss.code, kb.loss.factor)
    rewired, _ = kbc.epoch_network(model, kb, corruptions, 2, (first, kbc._epoch(kb, corruptions, model.settings, 1)))
    assert rewired is first
    again = rewired.gradients(values, kb.loss.code, kb.loss.factor)
    np.testing.assert_array_equal(again[0], fresh[0])
    np.testing.assert_array_equal(again[2], fresh[2])
    before = model.values.copy()
    result = kbc.fit(model, kb, positives, positives)
    assert not np.array_equal(before, model.values)
    losses = [h["loss"] for h in result.history[1:]]
    assert np.mean(losses[-5:]) < np.mean(losses[:5])


@pytest.mark.parametrize("template", ["template.txt", "transe.txt"])
def test_a_network_rewired_twice_equals_a_fresh_one_and_lists_its_weights_as_the_kernel(small_kb, template):
    """The second rewiring rewrites only the KB inputs of the kept neuron lists, and hands the
    network its samples' weights (``kernels.leaf_sample_weights``) instead of a pass over them."""
    samples = _samples(small_kb)
    model = Model.from_file(small_kb / template, profile(negatives=3, batch_size=4))
    kb = kbc.prepare(model, samples)
    positives = kbc.positives_of(samples)
    corruptions = kbc.corruptor(kb, positives, positives, "both")
    assert kb.pattern.leaf_slots
    network, made = kbc.epoch_network(model, kb, corruptions, 1)
    network, made = kbc.epoch_network(model, kb, corruptions, 2, (network, made))
    assert made.edges is not None
    rewired, _ = kbc.epoch_network(model, kb, corruptions, 3, (network, made))
    fresh, _ = kbc.epoch_network(model, kb, corruptions, 3)
    assert rewired is network
    np.testing.assert_array_equal(rewired.graph.sample_neurons, fresh.graph.sample_neurons)
    values = kb.parameters(model)
    np.testing.assert_array_equal(rewired.gradients(values, kb.loss.code, kb.loss.factor)[0],
                                  fresh.gradients(values, kb.loss.code, kb.loss.factor)[0])
    net = rewired.net
    listed = kernels.sample_weights(rewired.samples, net.kind, net.offset, net.input_start, net.edge_weight,
                                    len(rewired.graph.weights))
    kept = rewired._ready(values, np.ones(len(rewired.graph.weights), np.int8))[2]
    np.testing.assert_array_equal(kept[0], listed[0])
    np.testing.assert_array_equal(kept[1], listed[1])


def test_filtered_ranking_equals_brute_force_distmult(small_kb):
    """Every candidate scored by numpy from the learned embeddings, ranked by loops."""
    samples = _samples(small_kb)
    model = Model.from_file(small_kb / "template.txt", profile(negatives=2, epochs=3, learning_rate=0.05))
    kb = kbc.prepare(model, samples)
    positives = kbc.positives_of(samples)
    kbc.fit(model, kb, positives, positives)
    test = positives[::3]
    report, ranks = kbc.rank(model, kb, test, positives, batch=4)

    vector = _fact_vectors(kb, kb.parameters(model))     # entity(e) and relation(r)
    triples = [tuple(CONSTANTS[int(c)] for c in t) for t in positives.tolist()]
    known = set(triples)
    entities = sorted({t[0] for t in triples} | {t[2] for t in triples})
    brute = []
    for side in (0, 2):
        for t in (tuple(CONSTANTS[int(c)] for c in row) for row in test.tolist()):
            def score(c):
                return float(np.sum(vector[f"entity({c[0]})"] * vector[f"relation({c[1]})"] *
                                    vector[f"entity({c[2]})"]))
            true = score(t)
            above = equal = 0
            for e in entities:
                c = list(t)
                c[side] = e
                if tuple(c) in known:
                    continue
                above += score(c) > true + 1e-12
                equal += abs(score(c) - true) <= 1e-12
            brute.append(1 + above + equal / 2)
    assert np.array_equal(ranks.ravel(), brute)
    assert report["mrr"] == pytest.approx(np.mean(1 / np.array(brute)))
    for k in (1, 3, 10):
        assert report[f"hits@{k}"] == pytest.approx(np.mean(np.array(brute) <= k))


def _fact_vectors(kb, values) -> dict[str, np.ndarray]:
    """The value of every fact neuron of the KB network by its atom, e.g. ``entity_re(e3)``."""
    graph = kb.pattern.base
    out = {}
    for v in np.flatnonzero(graph.kind == 0):
        w = int(graph.offset[v])
        out[graph.labels.atom(int(graph.origin[v, 0]), int(graph.origin[v, 1]))] = \
            values[graph.weights.start[w]:graph.weights.start[w + 1]]
    return out


def test_complex_trains_with_negatives_and_scores_the_real_part_of_the_triple_product(small_kb):
    """The zoo's ComplEx (four real products, one subtracted) attached per triple: its score is
    Re(sum_k e_s[k] r[k] conj(e_o[k])) computed in numpy from the learned parts."""
    samples = _samples(small_kb)
    model = Model.from_file(small_kb / "complex.txt", profile(negatives=3, epochs=4, learning_rate=0.05))
    kb = kbc.prepare(model, samples)
    positives = kbc.positives_of(samples)
    result = kbc.fit(model, kb, positives, positives)
    assert np.isfinite(result.history[-1]["loss"])
    vector = _fact_vectors(kb, kb.parameters(model))

    def part(kind, name):
        return vector[f"{kind}_re({name})"] + 1j * vector[f"{kind}_im({name})"]
    corrupted = positives.copy()
    corrupted[:, 2] = np.roll(corrupted[:, 2], 1)
    triples = np.concatenate([positives, corrupted])
    expected = [np.sum(part("entity", CONSTANTS[s]) * part("relation", CONSTANTS[r]) *
                       np.conj(part("entity", CONSTANTS[o]))).real for s, r, o in triples.tolist()]
    np.testing.assert_allclose(kbc.scores(model, kb, kb.indices(triples)), expected, rtol=1e-12, atol=1e-12)


def test_settings_check_negatives_corrupt_and_softmax():
    assert profile(negatives="all").negatives == "all"
    for bad in (-1, "some", 2.5, True):
        with pytest.raises(SettingError, match="negatives"):
            profile(negatives=bad)
    with pytest.raises(SettingError, match="corrupt"):
        profile(corrupt="middle")
    with pytest.raises(SettingError, match="softmax"):
        profile(loss="softmax")


@pytest.mark.parametrize("rule,why", [
    ("predict(S, R, O) :- entity(S), relation(R), entity(Y).", "variable Y"),
    ("predict(S, R, O) :- entity(S), relation(R), entity(O), @neq(S, O).", "filters groundings"),
])
def test_templates_that_cannot_attach_are_refused_naming_the_rule(small_kb, rule, why):
    text = "{2} entity(e0).\n{2} relation(r0).\n" + rule + "\n"
    model = Model.from_text(text, profile(negatives=2))
    samples = _samples(small_kb)
    with pytest.raises(TemplateError, match=why) as error:
        kbc.prepare(model, samples)
    assert "predict(S, R, O)" in str(error.value)


def test_rank_of_every_triple_pair_is_symmetric_for_distmult(small_kb):
    """DistMult scores (s, r, o) and (o, r, s) alike: the attached networks agree."""
    samples = _samples(small_kb)
    model = Model.from_file(small_kb / "template.txt", profile(negatives=1))
    kb = kbc.prepare(model, samples)
    pairs = np.array(list(itertools.product(range(4), range(3), range(4))), np.int64)
    forward = kbc.scores(model, kb, pairs)
    backward = kbc.scores(model, kb, pairs[:, ::-1].copy())
    np.testing.assert_allclose(forward, backward, rtol=0, atol=1e-12)
