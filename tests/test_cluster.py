"""Data-parallel training on a local Dask cluster of 2 workers equals the single process.

Exactness (to 1e-12, the only difference being the order of additions) for full-batch
gradient descent and for minibatches with shuffling, on the mutagenesis GNN (examples
sharded) and on a knowledge-base template (one example, its queries sharded); a worker killed
mid-training changes nothing; an unreachable scheduler and a shard's error are one message.
"""
from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import numpy as np
import pytest

from neuralogic_lite.errors import ClusterError
from neuralogic_lite.language import load_samples
from neuralogic_lite.model import Model
from neuralogic_lite.settings import profile

from support import ROOT, unavailable

try:
    import distributed  # noqa: F401

    from neuralogic_lite.cluster import Cluster, SampleFiles, _cut
except ImportError:   # pragma: no cover - the test extra installs Dask
    distributed = None

MUTAGENESIS = "relational/molecules/mutagenesis/"
FAMILY = (ROOT / "templates/distmult.txt", ROOT / "datasets/family/examples.txt",
          ROOT / "datasets/family/link_queries.txt")


@pytest.fixture(scope="module")
def cluster():
    if distributed is None:
        unavailable("Dask is not installed (pip install '.[dask]')")
    with Cluster(workers=2) as c:
        yield c


def _settings(batch: int, **changes):
    return profile("neuralogic", epochs=5, batch_size=batch, shuffle=True, select_every=0, seed=3, **changes)


def _both(cluster, template: Path, examples: Path, queries: Path | None, settings, on_data=None):
    """The weights after training in this process and on the cluster, same settings."""
    alone = Model.from_file(template, settings)
    alone.fit(load_samples(examples, queries))
    spread = Model.from_file(template, settings)
    data = cluster.build(spread, SampleFiles(examples, queries))
    if on_data is not None:
        on_data(data)
    spread.fit(data)
    return alone, spread, data


@pytest.mark.parametrize("batch", [10**6, 32], ids=["full-batch", "minibatch-32"])
def test_mutagenesis_gnn_trains_on_two_workers_as_in_one_process(cluster, shared, batch):
    m = shared / MUTAGENESIS
    alone, spread, data = _both(cluster, m / "templates/template_gnn.txt", m / "examples.txt", m / "queries.txt",
                                _settings(batch))
    assert len(data.futures) == 2 and data.sizes()["samples"] == 188
    assert not np.array_equal(alone.values, Model.from_file(m / "templates/template_gnn.txt",
                                                            _settings(batch)).values)   # it learned
    np.testing.assert_allclose(spread.values, alone.values, rtol=0, atol=1e-12)
    np.testing.assert_allclose(np.concatenate(spread.predict(data)),
                               np.concatenate(alone.predict(load_samples(m / "examples.txt", m / "queries.txt"))),
                               rtol=0, atol=1e-12)


@pytest.mark.parametrize("batch", [10**6, 8], ids=["full-batch", "minibatch-8"])
def test_a_knowledge_base_with_its_queries_sharded_trains_as_in_one_process(cluster, batch):
    alone, spread, data = _both(cluster, *FAMILY, _settings(batch, learning_rate=0.05))
    queries = data.queries()
    assert len(queries) == 64 and queries[0] == "predict(george, parent, tom)"
    np.testing.assert_allclose(spread.values, alone.values, rtol=0, atol=1e-12)
    evaluation = spread.evaluate(data)
    assert evaluation.metrics["loss"] == pytest.approx(alone.evaluate(load_samples(*FAMILY[1:])).metrics["loss"],
                                                       abs=1e-12)


def test_a_worker_killed_in_epoch_3_changes_nothing(cluster, shared):
    m = shared / MUTAGENESIS
    files = (m / "templates/template_gnn.txt", m / "examples.txt", m / "queries.txt")
    settings = _settings(32)
    calm = Model.from_file(files[0], settings)
    calm.fit(cluster.build(calm, SampleFiles(*files[1:])))

    hit = Model.from_file(files[0], settings)
    data = cluster.build(hit, SampleFiles(*files[1:]))
    network, killed = data.network, []
    run = network._run

    def run_and_kill(function, per_shard):       # epoch 3 (steps 13..18 of 6 per epoch): its second step
        network.calls = getattr(network, "calls", 0) + 1
        if network.calls == 14:
            holder = next(iter(cluster.client.who_has(data.futures[0])[data.futures[0].key]))
            pid = cluster.client.run(os.getpid, workers=[holder])[holder]
            os.kill(pid, signal.SIGKILL)
            killed.append(pid)
        return run(function, per_shard)
    network._run = run_and_kill
    hit.fit(data)
    assert killed, "no worker was killed"
    np.testing.assert_allclose(hit.values, calm.values, rtol=0, atol=1e-12)


def test_an_unreachable_scheduler_is_one_error_within_10_s():
    if distributed is None:
        unavailable("Dask is not installed (pip install '.[dask]')")
    start = time.monotonic()
    with pytest.raises(ClusterError, match="cannot reach the Dask scheduler at tcp://127.0.0.1:9"):
        Cluster(scheduler="tcp://127.0.0.1:9", timeout=3)
    assert time.monotonic() - start < 10


def test_a_shard_error_names_the_shard_and_the_worker(cluster, tmp_path):
    (tmp_path / "t.txt").write_text("{2,2} h(X) :- {2,2} a(X).\n")
    (tmp_path / "e.txt").write_text("1.0 h(x) :- a(x).\n1.0 h(y) :- b(y).\n")
    model = Model.from_file(tmp_path / "t.txt", profile("neuralogic"))
    with pytest.raises(ClusterError, match=r"shard 1 \(worker tcp://[0-9.:]+\): .*e\.txt:2"):
        cluster.build(model, SampleFiles(tmp_path / "e.txt"))


def test_shards_are_cut_between_examples_or_else_between_queries():
    if distributed is None:
        unavailable("Dask is not installed (pip install '.[dask]')")
    assert _cut([0, 0, 1, 1, 2, 2, 3, 3], 2).tolist() == [0, 4, 8]
    assert _cut([0, 0, 0, 1, 2, 3], 2).tolist() == [0, 3, 6]
    assert _cut([5] * 7, 3).tolist() == [0, 3, 5, 7]
    assert _cut([0, 1], 3).tolist() == [0, 1, 2, 2]


def test_saved_shards_load_and_train_as_the_built_ones(cluster, tmp_path):
    settings = _settings(8, learning_rate=0.05)
    built = Model.from_file(FAMILY[0], settings)
    data = cluster.build(built, SampleFiles(*FAMILY[1:]))
    cluster.save(data, tmp_path / "shards")
    assert sorted(p.name for p in (tmp_path / "shards").iterdir()) == ["shard-00000.pkl", "shard-00001.pkl",
                                                                        "shards.json"]
    built.fit(data)
    loaded = Model.from_file(FAMILY[0], settings.replace(epochs=5, seed=3))
    again = cluster.build(loaded, SampleFiles(tmp_path / "shards"))      # the folder in place of the examples
    assert again.queries() == data.queries() and again.loss == data.loss
    loaded.fit(again)
    np.testing.assert_array_equal(loaded.values, built.values)


def test_saved_shards_refuse_another_template_or_other_settings(cluster, tmp_path):
    model = Model.from_file(FAMILY[0], _settings(8))
    cluster.save(cluster.build(model, SampleFiles(*FAMILY[1:])), tmp_path / "shards")
    other = Model.from_file(ROOT / "templates/transe.txt", _settings(8))
    with pytest.raises(ClusterError, match="built from another template"):
        cluster.build(other, SampleFiles(tmp_path / "shards"))
    with pytest.raises(ClusterError, match=r"built with other settings: lift 'structural' \(now 'none'\)"):
        cluster.build(Model.from_file(FAMILY[0], _settings(8, lift="none")), SampleFiles(tmp_path / "shards"))
    with pytest.raises(ClusterError, match="holds built shards, their queries included"):
        cluster.build(model, SampleFiles(tmp_path / "shards", FAMILY[2]))
    trainer = Model.from_file(FAMILY[0], _settings(4, learning_rate=0.5, optimizer="sgd"))   # training may differ
    assert cluster.build(trainer, SampleFiles(tmp_path / "shards")).graph.sample_count == 64
