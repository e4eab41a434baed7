"""Data-parallel building and training on a Dask cluster (``pip install "neuralogic_lite[dask]"``).

    with Cluster(workers=2) as cluster:                 # or Cluster(scheduler="tcp://host:8786")
        data = cluster.build(model, SampleFiles("examples.txt"))
        model.fit(data)

The samples are cut into shards (between examples; a single example, as in knowledge-base
mode, between its queries).  Each worker parses the input (sent once), grounds, neuralizes and
lifts its shards and keeps them in its memory as Dask futures; a lost worker's shards are
rebuilt elsewhere from their lineage.  Interned ids are per process, so only text (the
template, the files) and arrays (parameters, gradients, outputs) travel, never parsed objects.

Training is synchronous: for each minibatch the driver (this process, which holds the
parameters and the optimizer) sends the parameter vector, each shard returns the gradient sum
of its part of the batch, and the driver adds the parts in shard order and takes the step
the single-process epoch takes (``kernels.step``).  Sample orders are drawn on the driver
from the seed as before, so the result is the single-process result up to the order of
additions.  ``Shards`` stands in for ``model.Built`` wherever ``Model.fit`` and
``Model.evaluate`` take one.
"""
from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import logging
import os
import pickle
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np

from .engine import kernels
from .engine.runtime import params_of
from .engine.threads import blas_threads
from .errors import ClusterError, NeuraLogicLiteError
from .language.sources import read_source

#: seconds to wait for a scheduler before saying it cannot be reached
CONNECT_TIMEOUT_S = 5.0
#: the layout of saved shards (``Cluster.save``): shards saved in another are built again
SHARD_FORMAT = 1
#: the file in a folder of saved shards that says what they are
MANIFEST = "shards.json"
#: settings that change how a model learns, not what a shard holds (saved shards ignore them)
TRAINING_SETTINGS = frozenset({"optimizer", "learning_rate", "epochs", "batch_size", "shuffle", "init", "init_value",
                               "seed", "select_every", "threads", "max_memory"})


@dataclass(frozen=True)
class SampleFiles:
    """An examples file and an optional queries file, read by the cluster rather than here."""

    examples: str | os.PathLike
    queries: str | os.PathLike | None = None


def _digest(template) -> str:
    return hashlib.sha256(str(template).encode()).hexdigest()


def _build_settings(settings) -> dict:
    """The settings a built shard depends on."""
    return {k: v for k, v in dataclasses.asdict(settings).items() if k not in TRAINING_SETTINGS}


def _distributed():
    try:
        import distributed
    except ImportError:
        raise ClusterError("running on a cluster needs Dask: pip install 'neuralogic_lite[dask]'") from None
    return distributed


class Cluster:
    """A Dask client: a local cluster of ``workers`` processes, or a running ``scheduler``."""

    def __init__(self, workers: int | None = None, scheduler: str | None = None,
                 timeout: float = CONNECT_TIMEOUT_S):
        distributed = _distributed()
        self._local = None
        if scheduler is not None:
            if not isinstance(scheduler, str) or not scheduler.strip():   # Dask would start a cluster of its own
                raise ClusterError(f"a scheduler is an address like tcp://host:8786, not {scheduler!r}")
            try:
                self.client = distributed.Client(scheduler, timeout=timeout)
            except (OSError, TimeoutError, ValueError) as e:
                raise ClusterError(f"cannot reach the Dask scheduler at {scheduler} (waited {timeout:g} s): "
                                   f"{e}") from None
        else:
            if workers is None or workers < 1:
                raise ClusterError(f"a local cluster needs at least 1 worker, not {workers}")
            import dask
            # Shards stay where they were built: stealing a gradient task would move a shard
            with dask.config.set({"distributed.scheduler.work-stealing": False}):
                self._local = distributed.LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                                       dashboard_address=":0", memory_limit=0,
                                                       silence_logs=logging.ERROR)
                self.client = distributed.Client(self._local)
        try:   # a cluster that is up but has no workers (yet): wait for them rather than build on fewer
            self.client.wait_for_workers(workers or 1, timeout=timeout if scheduler is not None else None)
        except (OSError, TimeoutError) as e:
            self.close()
            raise ClusterError(f"the Dask scheduler at {scheduler} has no workers (waited {timeout:g} s): "
                               f"{e}") from None

    def __enter__(self) -> "Cluster":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.client.close()
        if self._local is not None:
            with contextlib.suppress(Exception):
                self._local.close()

    @property
    def workers(self) -> list[str]:
        """The addresses of the workers now in the cluster."""
        return sorted(self.client.scheduler_info()["workers"])

    def build(self, model, files: SampleFiles, shards: int | None = None,
              progress: Callable[[int, int], None] | None = None) -> "Shards":
        """Build ``files`` on the cluster for ``model`` in ``shards`` pieces (default: one per
        worker).  ``progress(shards built, shards)`` is told as each one is done.  A folder of
        saved shards (``save``) in place of the examples file is loaded instead."""
        if (Path(files.examples) / MANIFEST).is_file():
            if files.queries is not None:
                raise ClusterError(f"{files.examples} holds built shards, their queries included: give no queries "
                                   "file with it")
            return self.load(model, files.examples, progress)
        count = shards or max(1, len(self.workers))
        texts = (read_source(files.examples), read_source(files.queries) if files.queries is not None else None)
        names = (str(files.examples), str(files.queries) if files.queries is not None else None)
        inputs = self.client.scatter(texts, broadcast=True, hash=False)   # a copy on every worker: survives losing one
        loss = model.loss
        if loss is None:   # decided from every target before any shard is built, as Model.build does
            parts = self.client.map(_targets, [inputs] * count, [names] * count, range(count), [count] * count,
                                    pure=False)
            loss = model._loss([t for part in self._gather(parts) for t in part])
        template = str(model.template)
        # each shard's lineage is the inputs alone: a lost shard is read and built again
        built = [self.client.submit(_build, inputs, names, k, count, template, model.settings, loss, pure=False,
                                    **self._spread(k)) for k in range(count)]
        return self._settled(model, loss, built, inputs, progress)

    def save(self, shards: "Shards", directory: str | os.PathLike) -> Path:
        """Write every shard into ``directory`` (which the workers write to and share), with a
        manifest naming the template and settings they were built for; ``build`` (and the CLI,
        given the folder as examples) loads them instead of building again."""
        from .io.atomic import atomic_write
        directory = Path(directory).absolute()
        directory.mkdir(parents=True, exist_ok=True)
        paths = [str(directory / f"shard-{k:05d}.pkl") for k in range(len(shards.futures))]
        self._gather([self.client.submit(_save, f, path, pure=False) for f, path in zip(shards.futures, paths)])
        manifest = {"format": SHARD_FORMAT, "shards": len(paths), "samples": shards.graph.sample_count,
                    "template_sha256": _digest(shards.template), "settings": _build_settings(shards.settings),
                    "loss": dataclasses.asdict(shards.loss)}
        atomic_write(directory / MANIFEST, json.dumps(manifest, indent=1) + "\n")
        return directory

    def load(self, model, directory: str | os.PathLike, progress: Callable[[int, int], None] | None = None
             ) -> "Shards":
        """The shards ``save`` wrote into ``directory``, for ``model`` (the same template and
        building settings, else an error saying what differs)."""
        from .learning.losses import Loss
        directory = Path(directory).absolute()
        try:
            manifest = json.loads((directory / MANIFEST).read_text(encoding="utf-8"))
            count, loss = int(manifest["shards"]), Loss(**manifest["loss"])
        except (OSError, ValueError, KeyError, TypeError) as e:
            raise ClusterError(f"{directory / MANIFEST}: not a manifest of saved shards ({e})") from None
        if manifest.get("format") != SHARD_FORMAT:
            raise ClusterError(f"{directory}: shards saved in format {manifest.get('format')}, not {SHARD_FORMAT}; "
                               "build them again")
        if manifest.get("template_sha256") != _digest(model.template):
            raise ClusterError(f"{directory}: the shards were built from another template")
        ours = _build_settings(model.settings)
        differ = sorted(k for k in set(ours) | set(manifest.get("settings", {}))
                        if ours.get(k) != manifest["settings"].get(k))
        if differ:
            raise ClusterError(f"{directory}: the shards were built with other settings: " + ", ".join(
                f"{k} {manifest['settings'].get(k)!r} (now {ours.get(k)!r})" for k in differ))
        loaded = [self.client.submit(_load, str(directory / f"shard-{k:05d}.pkl"), k, model.settings, pure=False,
                                     **self._spread(k)) for k in range(count)]
        return self._settled(model, loss, loaded, None, progress)

    def _spread(self, k: int) -> dict:
        """Where shard ``k`` is built: the workers in turn (Dask may put every shard on one
        worker otherwise).  Not pinned: a restarted worker has a new address, so a lost shard
        is rebuilt wherever there is room."""
        workers = self.workers
        return {"workers": [workers[k % len(workers)]], "allow_other_workers": True} if workers else {}

    def _settled(self, model, loss, futures: list, lineage, progress) -> "Shards":
        """The ``Shards`` of ``futures`` once every one is built (told to ``progress``)."""
        distributed = _distributed()
        for done, _ in enumerate(distributed.as_completed(futures), 1):
            if progress is not None:
                progress(done, len(futures))
        summaries = self._gather([self.client.submit(_summary, f, pure=False) for f in futures])
        size = model.weights.template_size
        for k, summary in enumerate(summaries):
            if summary.template_size != size:
                raise ClusterError(f"shard {k}: the template read back on the worker has {summary.template_size} "
                                   f"parameter values, not {size}")
        return Shards(self, model, loss, futures, summaries, lineage)

    def _gather(self, futures):
        try:
            return self.client.gather(futures)
        except NeuraLogicLiteError:
            raise
        except Exception as e:   # KilledWorker, a lost connection: Dask's own failures
            raise ClusterError(f"the cluster failed: {type(e).__name__}: {e}") from None


# ----------------------------------------------------------------------------- on the workers
def _where() -> str:
    with contextlib.suppress(Exception):
        from distributed import get_worker
        return get_worker().address
    return "this process"


@contextlib.contextmanager
def _shard_errors(index: int):
    """Any failure on a worker as one message naming the shard and the worker (the error
    itself may not survive the trip back: interned objects, custom constructors)."""
    try:
        yield
    except NeuraLogicLiteError as e:
        raise ClusterError(f"shard {index} (worker {_where()}): {e}") from None
    except Exception as e:
        raise ClusterError(f"shard {index} (worker {_where()}): {type(e).__name__}: {e}") from None


def _cut(examples: list[int], count: int) -> np.ndarray:
    """Shard bounds over the samples (``examples``: each sample's example): between examples
    when there are at least ``count`` of them, balanced by samples; else between samples."""
    n = len(examples)
    starts = [i for i in range(n) if i == 0 or examples[i] != examples[i - 1]]
    if len(starts) < count:
        starts = list(range(n))
    bounds = [0]
    for k in range(1, count):
        goal = k * n / count
        bounds.append(max(bounds[-1], min((s for s in starts if s >= goal), default=n)))
    return np.array([*bounds, n])


def _read(inputs, names, index: int, count: int) -> list:
    """The samples of shard ``index`` of ``count`` (each worker reads the whole input; parsing
    is a small part of building)."""
    from .language import parse_samples
    samples = parse_samples(inputs[0], inputs[1], names[0], names[1])
    bounds = _cut([id(s.example) for s in samples], count)
    return samples[bounds[index]:bounds[index + 1]]


def _targets(inputs, names, index: int, count: int) -> list[np.ndarray]:
    from .network.weights import written_array
    with _shard_errors(index):
        return [written_array(s.query.target, False).ravel() for s in _read(inputs, names, index, count)
                if s.query.target is not None]


@dataclass
class _Summary:
    """What the driver learns of a shard once: sizes, targets, queries, names of things."""

    template_size: int
    outputs: np.ndarray               # each sample's output neuron exists
    targets: list[np.ndarray]
    queries: list[str]
    sizes: dict
    sample_sizes: tuple[np.ndarray, np.ndarray]   # neurons and edges of each sample's network
    graph_sizes: tuple[int, int]
    timings: dict
    problem: str | None               # why a target cannot be learned from (the first such)
    groups: list | None
    identity: list                    # output predicates made identity, by (name, arity, hidden)


def _summary_of(built, template_size: int) -> _Summary:
    """A built shard's summary, names spelled out (ids mean nothing in another process)."""
    from .language.symbols import CONSTANTS, PREDICATES
    if built is None:
        nothing = np.zeros(0, np.int64)
        return _Summary(template_size, np.zeros(0, bool), [], [], {"samples": 0, "neurons": 0, "edges": 0},
                        (nothing, nothing), (0, 0), {}, None, [], [])
    problem = None
    if built.target_problem is not None:
        bad, why = built.target_problem
        query = built.samples[int(built.graph.source[bad])].query
        problem = f"{query.location}: query {query.literal} {why}" if query.location else f"query {query.literal} {why}"
    groups = built.ranking_groups()
    if groups is not None:
        groups = [None if g is None else (PREDICATES[g[0]], *(CONSTANTS[c] for c in g[1:])) for g in groups]
    timings = {k: v for k, v in built.timings.items() if isinstance(v, float)}
    return _Summary(template_size, built.graph.output >= 0, built.targets, built.queries(), built.sizes(),
                    built.sample_sizes(), built.graph_sizes(), timings, problem, groups,
                    [PREDICATES[p] for p in built.identity_outputs])


class Shard:
    """One shard as a worker keeps it: its network, the parameter values that are the graph's
    own (its constants, which the driver never sees) and its summary.  ``network`` is None for
    a shard without samples (more shards than samples)."""

    def __init__(self, index: int, settings, network, tail: np.ndarray, tail_learnable: np.ndarray,
                 template_count: int, summary: _Summary):
        if tail_learnable.any():
            raise ClusterError(f"shard {index}: learnable @embed vectors are not trained on a cluster yet "
                               "(their gradients would have to be gathered by atom)")
        self.index, self.settings, self.network = index, settings, network
        self.tail, self.tail_learnable, self.template_count = tail, tail_learnable, template_count
        self.summary = summary
        self.template_size = summary.template_size

    @classmethod
    def of(cls, model, built, index: int) -> "Shard":
        """The shard of ``built`` (None: no samples) for ``model``."""
        weights = built.graph.weights if built is not None else model.weights
        size = weights.template_size
        tail = built.parameters(np.zeros(size), None, model.settings.seed)[size:] if built is not None else np.zeros(0)
        return cls(index, model.settings, built.network if built is not None else None, tail,
                   np.array(weights.learnable[weights.template_count:], np.int8), weights.template_count,
                   _summary_of(built, size))

    @property
    def nbytes(self) -> int:
        if self.network is None:
            return 0
        arrays = [a for a in vars(self.network.graph).values() if isinstance(a, np.ndarray)]
        buffers = (self.network.values, self.network.pre, self.network.grads)
        return int(sum(a.nbytes for a in arrays) + 4 * sum(b.nbytes for b in buffers))

    def values(self, template_values: np.ndarray) -> np.ndarray:
        return np.concatenate([template_values, self.tail])

    def threads(self):
        return blas_threads(self.settings.threads or 1)   # one worker per core: no BLAS threads of its own

    def saved(self) -> bytes:
        """The shard as bytes (``loaded`` reads them back): the graph's arrays without its
        labels (which read the ground program), the tail of constants and the summary."""
        graph = None
        if self.network is not None:
            graph = dataclasses.replace(self.network.graph, labels=None)
        return pickle.dumps({"format": SHARD_FORMAT, "graph": graph, "tail": self.tail,
                             "tail_learnable": self.tail_learnable, "template_count": self.template_count,
                             "summary": self.summary}, protocol=5)

    @classmethod
    def loaded(cls, data: bytes, index: int, settings) -> "Shard":
        from .engine.runtime import Network
        saved = pickle.loads(data)
        if not isinstance(saved, dict) or saved.get("format") != SHARD_FORMAT:
            raise ClusterError(f"shard {index} was saved in another format (not {SHARD_FORMAT}); build it again")
        graph, summary = saved["graph"], saved["summary"]
        network = Network(graph, summary.targets, settings.dtype) if graph is not None else None
        return cls(index, settings, network, saved["tail"], saved["tail_learnable"], saved["template_count"],
                   summary)


def _register_sizeof() -> None:
    """Tell Dask what a shard weighs, so it keeps tasks where their shard is."""
    with contextlib.suppress(ImportError):
        from dask.sizeof import sizeof
        sizeof.register(Shard)(lambda shard: shard.nbytes)


_register_sizeof()


def _build(inputs, names, index: int, count: int, template_text: str, settings, loss) -> Shard:
    from .language import parse_template
    from .model import Model
    with _shard_errors(index):
        part = _read(inputs, names, index, count)
        model = Model(parse_template(template_text), settings)
        model.loss = loss
        with blas_threads(settings.threads or 1):
            return Shard.of(model, model.build(part) if part else None, index)


def _summary(shard: Shard) -> _Summary:
    return shard.summary


def _save(shard: Shard, path: str) -> str:
    from .io.atomic import atomic_write
    with _shard_errors(shard.index):
        atomic_write(path, shard.saved())
        return path


def _load(path: str, index: int, settings) -> Shard:
    with _shard_errors(index):
        with open(path, "rb") as f:
            return Shard.loaded(f.read(), index, settings)


def _gradient(shard: Shard, template_values: np.ndarray, members: np.ndarray, learnable: np.ndarray, loss_code: int,
              loss_factor: float):
    """Shard's part of a minibatch: (gradient of the template's parameters, weights used,
    target elements, the members' losses)."""
    with _shard_errors(shard.index), shard.threads():
        pgrad, touched, elements, losses = shard.network.batch_gradient(
            shard.values(template_values), members, np.concatenate([learnable, shard.tail_learnable]), loss_code,
            loss_factor)
        template_weights = touched[touched < shard.template_count]    # the driver steps those only
        return pgrad[:shard.template_size], template_weights, elements, losses


def _outputs(shard: Shard, template_values: np.ndarray) -> list[np.ndarray]:
    if shard.network is None:
        return []
    with _shard_errors(shard.index), shard.threads():
        return shard.network.outputs(shard.values(template_values))


# ----------------------------------------------------------------------------- on the driver
class _Graph:
    """What the trainer reads of a graph: sample count, which samples have outputs, weights."""

    def __init__(self, weights, outputs: np.ndarray):
        self.weights = weights
        self.output = np.where(outputs, 0, -1)
        self.sample_count = int(outputs.shape[0])


class ShardedNetwork:
    """``engine.runtime.Network`` over shards: the same ``epoch`` and ``outputs``, computed
    by the workers, stepped here."""

    def __init__(self, cluster: Cluster, futures: list, summaries: list[_Summary], weights):
        self.cluster, self.futures = cluster, futures
        self.graph = _Graph(weights, np.concatenate([s.outputs for s in summaries]))
        counts = [s.outputs.shape[0] for s in summaries]
        self.shard_of = np.repeat(np.arange(len(counts)), counts)
        self.local = np.concatenate([np.arange(c) for c in counts]) if counts else np.zeros(0, np.int64)

    def _run(self, function, per_shard: dict[int, tuple]) -> dict[int, object]:
        client = self.cluster.client
        futures = {k: client.submit(function, self.futures[k], *args, pure=False) for k, args in per_shard.items()}
        results = self.cluster._gather(list(futures.values()))
        return dict(zip(futures, results))

    def epoch(self, values: np.ndarray, optimizer: kernels.Optimizer, order: np.ndarray, batch_size: int,
              loss_code: int, loss_factor: float) -> tuple[np.ndarray, np.ndarray, bool]:
        """One epoch of synchronous steps (updates ``values`` in place): (losses, no outputs, finite?)."""
        weights = self.graph.weights
        params = params_of(weights, values)
        losses = np.zeros(self.graph.sample_count)
        learnable = np.asarray(optimizer.learnable, np.int8)
        touched = np.zeros(len(weights), np.int8)
        order = np.asarray(order, np.int64)
        for first in range(0, order.shape[0], batch_size):
            members = order[first:first + batch_size]
            shards = self.shard_of[members]
            parts = self._run(_gradient, {int(k): (values, self.local[members[shards == k]], learnable, loss_code,
                                                   loss_factor) for k in np.unique(shards)})
            pgrad, used, elements = np.zeros(values.shape), [], 0
            for k in sorted(parts):                 # a fixed order of additions
                grad, ids, count, part_losses = parts[k]
                if count < 0:
                    return losses, np.zeros(0), False
                pgrad += grad
                used.append(ids)
                elements += count
                losses[members[shards == k]] = part_losses
            if elements > 0:
                ids = np.unique(np.concatenate(used)).astype(np.int64)
                kernels.step(optimizer, params, pgrad, touched, ids, ids.shape[0], 1.0 / elements)
        return losses, np.zeros(0), True

    def outputs(self, values: np.ndarray) -> list[np.ndarray]:
        """Every sample's output at parameters ``values``."""
        parts = self._run(_outputs, {k: (values,) for k in range(len(self.futures))})
        return [o for k in sorted(parts) for o in parts[k]]


class Shards:
    """A sample set built on a cluster: what ``Model.fit`` and ``Model.evaluate`` take in
    place of a ``Built``."""

    def __init__(self, cluster: Cluster, model, loss, futures: list, summaries: list[_Summary], lineage):
        from .language.symbols import PREDICATES
        self.futures, self.summaries, self.loss = futures, summaries, loss
        self.lineage = lineage      # the scattered input: kept while the shards may have to be rebuilt
        self.template, self.settings = model.template, model.settings
        self.network = ShardedNetwork(cluster, futures, summaries, model.weights)
        self.graph = self.network.graph
        self.targets = [t for s in summaries for t in s.targets]
        self.identity_outputs = frozenset(PREDICATES(key) for s in summaries for key in s.identity)
        self.timings = {}
        for s in summaries:
            for key, seconds in s.timings.items():
                self.timings[key] = self.timings.get(key, 0.0) + seconds

    @property
    def template_size(self) -> int:
        return self.graph.weights.template_size

    def require_targets(self) -> None:
        for s in self.summaries:
            if s.problem is not None:
                raise NeuraLogicLiteError(s.problem)

    def parameters(self, template_values: np.ndarray, embeddings=None, seed: int = 0) -> np.ndarray:
        """The driver's parameters are the template's (each shard adds its own constants)."""
        return template_values.copy()

    def queries(self) -> list[str]:
        return [q for s in self.summaries for q in s.queries]

    def ranking_groups(self) -> list | None:
        groups = [s.groups for s in self.summaries]
        if any(g is None for g in groups):
            return None
        return [x for g in groups for x in g]

    def sample_sizes(self) -> tuple[np.ndarray, np.ndarray]:
        return tuple(np.concatenate([s.sample_sizes[i] for s in self.summaries]) for i in (0, 1))

    def graph_sizes(self) -> tuple[int, int]:
        """The neurons and the edges of all shards' graphs."""
        return tuple(sum(s.graph_sizes[i] for s in self.summaries) for i in (0, 1))

    def sizes(self) -> dict:
        """Samples, neurons and edges of all shards."""
        parts = [s.sizes for s in self.summaries]
        out = {key: sum(p[key] for p in parts) for key in ("samples", "neurons", "edges")}
        out["shards"] = len(parts)
        return out
