"""The Python API: a template with settings and parameters, built against samples and trained.

    model = Model.from_file("template.txt", profile("neuralogic", epochs=100))
    result = model.fit(load_samples("examples.txt", "queries.txt"))
    outputs = model.predict(load_samples("test.txt"))

``build`` runs the pipeline (ground, neuralize, lift) once per sample set; ``Built`` keeps
the stages' results, so the ground program, the neural graph and its values and gradients
are all reachable as numpy arrays.
"""
from __future__ import annotations

import dataclasses
import functools
import hashlib
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

from .engine.runtime import Network, evaluator
from .engine.threads import blas_threads
from .errors import NeuraLogicLiteError
from .grounding.ground import GroundingOptions, GroundProgram, ground
from .io import model_file
from .io.model_file import export_template
from .language import Sample, Template, load_template, parse_template
from .learning.losses import Loss, resolve_loss
from .learning.parameters import initial_parameters, load_state_dict, state_dict
from .learning.trainer import Evaluation, TrainResult, evaluate, optimizer_state, shape_mismatch, train
from .memory import cycle_collection_paused, large_arrays_apart, memory_limit, trim
from .network.concat import Chunk, concatenate
from .network.graph import NeuralGraph
from .network.neuralize import logit_outputs, neuralize
from .network.weights import number_template_weights, written_array
from .settings import Settings, profile


def targets_of(samples: Sequence[Sample], graph: NeuralGraph, exact: bool) -> list[np.ndarray]:
    """The target of every graph sample (NaN where the query has no target)."""
    out = []
    for s in graph.source:
        target = samples[int(s)].query.target
        out.append(np.array([np.nan]) if target is None else written_array(target, exact).ravel())
    return out


@dataclass
class Built:
    """A sample set taken through the pipeline, with the time each stage took."""

    samples: list[Sample]
    program: GroundProgram
    graph: NeuralGraph
    network: Network
    targets: list[np.ndarray]
    timings: dict[str, float] = field(default_factory=dict)
    loss: Loss | None = None                 # the loss the targets call for (decided once, when built)
    identity_outputs: frozenset[int] = frozenset()   # output predicates made identity (``logit_outputs``)

    @property
    def template_size(self) -> int:
        return self.graph.weights.template_size

    def output_shapes(self) -> list[np.ndarray]:
        """A zero array shaped like each sample's output (empty when it has no output neuron)."""
        graph = self.graph
        return [np.zeros(int(graph.rows[o] * graph.cols[o])) if o >= 0 else np.zeros(0) for o in graph.output]

    @functools.cached_property
    def target_problem(self) -> tuple[int, str] | None:
        """The first sample whose target cannot be learned from, and why (checked once: a
        built set's targets and output shapes do not change)."""
        for i, t in enumerate(self.targets):
            if np.isnan(t).any():
                return i, "has no target value to learn from"
        bad = shape_mismatch(self.output_shapes(), self.targets)
        if bad is not None:
            return bad, (f"has a target of {self.targets[bad].size} values, but the template's output for it "
                         "has a different size")
        return None

    def require_targets(self) -> None:
        """An error naming the first query whose target cannot be learned from (training needs them all)."""
        if self.target_problem is not None:
            bad, why = self.target_problem
            query = self.samples[int(self.graph.source[bad])].query
            raise NeuraLogicLiteError(f"query {query.literal} {why}", query.location)

    def ranking_groups(self) -> list | None:
        """Knowledge-base mode (one example, many queries): the group each sample's answer is
        ranked in: its predicate and all its arguments but the last (a triple ``p(S, R, O)``
        ranks O among the candidates for S and R); None otherwise."""
        graph, program = self.graph, self.program
        if len(program.examples) != 1 or graph.sample_count < 2:
            return None
        groups = []
        for neuron in graph.output:
            if neuron < 0:
                groups.append(None)
                continue
            predicate, row = int(graph.origin[neuron, 0]), int(graph.origin[neuron, 1])
            groups.append((predicate, *program.tables[predicate][row, 1:-1].tolist()))
        return groups

    def sample_sizes(self) -> tuple[np.ndarray, np.ndarray]:
        """The neurons and the edges of every sample's network."""
        return self.graph.sample_sizes(), self.graph.sample_edge_counts()

    def graph_sizes(self) -> tuple[int, int]:
        """The neurons and the edges of the whole graph (samples share some)."""
        return self.graph.neuron_count, self.graph.edge_count

    def sizes(self) -> dict:
        """Samples, neurons and edges of the sample networks (and the lifting report)."""
        neurons, edges = self.sample_sizes()
        out = {"samples": self.graph.sample_count, "neurons": int(neurons.sum()), "edges": int(edges.sum())}
        lifting = self.timings.get("lift")
        if lifting:
            out["lifting"] = lifting
        return out

    def queries(self) -> list[str]:
        """The ground query atom of every graph sample (a query with variables shows its match)."""
        graph = self.graph
        out = []
        for s, neuron in enumerate(graph.output):
            if neuron >= 0:
                out.append(graph.labels.atom(int(graph.origin[neuron, 0]), int(graph.origin[neuron, 1])))
            else:
                out.append(str(self.samples[int(graph.source[s])].query.literal))
        return out

    def parameters(self, template_values: np.ndarray, embeddings: dict[str, np.ndarray] | None = None,
                   seed: int = 0) -> np.ndarray:
        """The full parameter vector of this graph: the model's values, then the graph's own
        entries: constants, and ``@embed`` vectors (from ``embeddings``, else drawn from a seed
        and the atom, so the same atom always starts the same)."""
        weights = self.graph.weights
        tail = []
        for w in range(weights.template_count, len(weights)):
            atom = weights.embeddings.get(w)
            if atom is None:
                tail.append(np.asarray(weights.initial[w], np.float64).ravel())
            elif embeddings is not None and atom in embeddings:
                tail.append(np.asarray(embeddings[atom], np.float64).ravel())
            else:
                digest = int.from_bytes(hashlib.sha256(f"{seed}:{atom}".encode()).digest()[:8], "little")
                tail.append(np.random.default_rng(digest).uniform(-1, 1, weights.rows[w] * weights.cols[w]))
        return np.concatenate([template_values, *tail]) if tail else template_values.copy()


class Model:
    """A template, its settings and its current parameter values.  ``Model(template)`` takes a
    parsed ``Template``; ``Model.from_file`` and ``Model.from_text`` read one (a string alone
    could be either, so it is refused, never guessed)."""

    def __init__(self, template: Template, settings: Settings | None = None, **changes):
        if not isinstance(template, Template):
            raise NeuraLogicLiteError(f"Model takes a Template, not a {type(template).__name__}: read a template "
                                      "file with Model.from_file(path), template text with Model.from_text(text)")
        self.template = template
        self.settings = (settings or profile()).replace(**changes) if changes else (settings or profile())
        heads = {rule.head.predicate for rule in self.template.rules}
        self.weights = number_template_weights(self.template, heads, self.settings.exact_literals,
                                               memory_limit(self.settings.max_memory))
        self.values = initial_parameters(self.weights, self.settings.init, self.settings.seed,
                                         self.settings.init_value)
        self.loss: Loss | None = None
        self.identity_outputs: frozenset[int] = frozenset()   # output predicates trained as logits (``save``)
        self.embeddings: dict[str, np.ndarray] = {}            # @embed vectors by ground atom
        self._moments = (np.zeros(self.values.size), np.zeros(self.values.size), np.zeros(1, np.int64))

    @classmethod
    def from_file(cls, path: str | os.PathLike, settings: Settings | None = None, **changes) -> "Model":
        """The model of the template file at ``path`` (its imports read relative to its folder)."""
        return cls(load_template(path), settings, **changes)

    @classmethod
    def from_text(cls, text: str, settings: Settings | None = None, **changes) -> "Model":
        """The model of template ``text`` (its imports read relative to the current directory)."""
        return cls(parse_template(text), settings, **changes)

    # -- parameters
    def reset_parameters(self, seed: int | None = None) -> None:
        """Draw fresh random weights (written values are restored)."""
        self.values = initial_parameters(self.weights, self.settings.init,
                                         self.settings.seed if seed is None else seed, self.settings.init_value)
        self._moments[0][:] = 0.0
        self._moments[1][:] = 0.0   # the step counter goes on, as in the reference

    def state_dict(self) -> dict[int, float | list]:
        """Learnable weights by reference index, shaped as PyNeuraLogic shows them."""
        return state_dict(self.weights, self.values)

    def load_state_dict(self, values: dict) -> None:
        """Load ``{index: value}`` (a PyNeuraLogic ``state_dict()['weights']``)."""
        load_state_dict(self.weights, self.values, values)

    # -- files
    def save(self, path: str | os.PathLike, about: dict | None = None) -> tuple[Path, Path]:
        """Write the model: the template with its learned values in place (readable by the
        reference engine) and, beside it, ``path.npz`` with the exact parameters and settings.
        ``about`` (the epoch kept and its metrics, ``Report.about()``) goes into its header."""
        text = export_template(self.template, self.weights, self.values, self.settings, self.identity_outputs)
        loss = self.loss.name if self.loss is not None else None
        embeddings = {atom: vector.tolist() for atom, vector in self.embeddings.items()}
        return model_file.save(path, text, self.values, self.weights, self.settings,
                               {"loss": loss, "embeddings": embeddings}, about)

    @classmethod
    def load(cls, path: str | os.PathLike, settings: Settings | None = None) -> "Model":
        """Read a model written by ``save`` (or any template: its written values are the parameters)."""
        stored = model_file.load_parameters(path)
        if settings is None and stored is not None:
            known = {f.name for f in dataclasses.fields(Settings)}
            settings = Settings(**{k: v for k, v in stored[1]["settings"].items() if k in known})
        model = cls(load_template(path), settings)
        if stored is not None:
            values, meta = stored
            if values.size != model.values.size:
                raise NeuraLogicLiteError(f"{path}.npz holds {values.size} parameter values but the template "
                                          f"has {model.values.size}; the two files do not belong together")
            model.values = values.copy()
            if meta.get("loss"):
                model.loss = resolve_loss(meta["loss"], model.settings.mse_factor, [])
            model.embeddings = {atom: np.array(v) for atom, v in meta.get("embeddings", {}).items()}
        return model

    # -- the pipeline
    def build(self, samples: Sequence[Sample], progress: Callable[[str, int, int], None] | None = None) -> Built:
        """Ground, neuralize (and lift) ``samples``, a chunk of examples at a time (see
        ``CHUNK_EXAMPLES``): the peak memory is the built graph plus one chunk's program.
        ``progress(stage, examples done, examples)`` is told as each chunk passes each stage.
        The model is left as it was: what the build decides (the loss, the outputs made
        identity) is in the ``Built``, and ``fit`` takes it over."""
        samples = list(samples)
        if not samples:
            raise NeuraLogicLiteError("no samples to build")
        large_arrays_apart()
        options = GroundingOptions(self.settings.duplicate_facts, self.settings.missing_queries,
                                   memory_limit(self.settings.max_memory))
        pieces = _pieces(samples, self.settings)
        loss = self.loss
        if loss is None and len(pieces) > 1:   # decided from every target before any chunk is built
            exact = self.settings.exact_literals
            loss = self._loss([written_array(s.query.target, exact).ravel() for s in samples
                               if s.query.target is not None])
        timings = {"ground_s": 0.0, "neuralize_s": 0.0}
        identity: frozenset[int] = frozenset()
        chunks, reports, batch = [], [], None
        report = progress or (lambda stage, done, total: None)
        total, done = _example_count(samples), 0
        for piece in pieces:
            with cycle_collection_paused():
                start = time.perf_counter()
                program = ground(self.template, piece, options)
                timings["ground_s"] += time.perf_counter() - start
                report("ground", done, total)
                start = time.perf_counter()
                graph = neuralize(program, self.template, self.settings)
                timings["neuralize_s"] += time.perf_counter() - start
                report("neuralize", done, total)
            if loss is None:
                loss = self._loss(targets_of(samples, graph, self.settings.exact_literals))
            graph, changed = logit_outputs(graph, self.template, self.settings, loss.logits)
            identity |= changed
            graph, lifted = _lift(graph, self.settings, across_examples=None if len(pieces) == 1 else False)
            reports.append(lifted)
            done += len(program.examples)
            report("lift", done, total)
            trim()
            chunks.append(Chunk(graph, program, len(piece)) if len(pieces) > 1 else (graph, program))
            del program, graph
        if len(pieces) > 1:
            graph, program = concatenate(chunks)
            chunks.clear()
            trim()
            if self.settings.batch_lift:      # merges across examples, so across chunks: on the joined graph
                graph, batch = _lift(graph, dataclasses.replace(self.settings, prune="off", lift="none"))
        else:
            graph, program = chunks[0]
        timings["lift"] = _joined_reports(reports, batch)
        targets = targets_of(samples, graph, self.settings.exact_literals)
        return Built(samples, program, graph, Network(graph, targets, self.settings.dtype), targets, timings, loss,
                     identity)

    def _loss(self, targets: list[np.ndarray]) -> Loss:
        known = [t for t in targets if not np.isnan(t).any()]
        return resolve_loss(self.settings.loss, self.settings.mse_factor, known)

    # -- learning
    def _built(self, samples) -> Built:
        """``samples`` built, unless they are already (a ``Built``, or ``cluster.Shards``)."""
        return samples if hasattr(samples, "network") else self.build(samples)

    def fit(self, train_samples: Sequence[Sample] | Built, validation: Sequence[Sample] | Built | None = None,
            on_epoch: Callable[[dict], None] | None = None) -> TrainResult:
        """Train on ``train_samples`` (model selection on ``validation`` if given).  Built
        sets are taken as they are: a ``Built``, or ``cluster.Shards`` to train on a cluster."""
        built = self._built(train_samples)
        built.require_targets()
        self.loss = built.loss or self._loss(built.targets)
        self.identity_outputs = self.identity_outputs | built.identity_outputs   # trained as logits
        values = self._parameters(built)
        val = None
        if validation is not None:
            vbuilt = self._built(validation)
            val = (vbuilt.network, self._parameters(vbuilt), vbuilt.targets)
        optimizer = self.optimizer_for(built.graph.weights, values.size)
        with blas_threads(self.settings.threads):
            result = train(built.network, values, built.targets, self.settings, self.loss, val, on_epoch, optimizer)
        self.take(result.values, built.graph.weights, optimizer)
        return result

    def predict(self, samples: Sequence[Sample] | Built) -> list[np.ndarray]:
        """Outputs of every sample (probabilities for a classification model)."""
        return self.evaluate(samples).outputs

    def evaluate(self, samples: Sequence[Sample] | Built) -> Evaluation:
        """Outputs and metrics of ``samples`` at the current parameters."""
        built = self._built(samples)
        loss = self.loss or self._loss(built.targets)
        targets = [t if not np.isnan(t).any() else np.zeros_like(t) for t in built.targets]
        with blas_threads(self.settings.threads):
            return evaluate(built.network, self._parameters(built), targets, loss, built.ranking_groups())

    def _parameters(self, built: Built) -> np.ndarray:
        return built.parameters(self.values, self.embeddings, self.settings.seed)

    # -- the optimizer state goes on from run to run (``fit``, and ``kbc``'s own loop), the result comes back
    def optimizer_for(self, weights, size: int):
        """A fresh optimizer for a graph's parameter vector of ``size`` values (``weights``: its
        ``WeightTable``) that continues this model's Adam moments and step counter."""
        optimizer = optimizer_state(self.settings, np.array(weights.learnable, bool), size)
        template = self.weights.template_size
        optimizer.m[:template], optimizer.v[:template] = self._moments[0], self._moments[1]
        optimizer.step[0] = self._moments[2][0]
        return optimizer

    def take(self, values: np.ndarray, weights, optimizer, loss: Loss | None = None) -> None:
        """Keep trained ``values`` (a graph's parameter vector, ``weights`` its table) and the
        optimizer's moments, as ``fit`` does."""
        size = self.weights.template_size
        self.values = values[:size].copy()
        for w, atom in weights.embeddings.items():
            self.embeddings[atom] = values[weights.start[w]:weights.start[w + 1]].copy()
        self._moments = (optimizer.m[:size].copy(), optimizer.v[:size].copy(), optimizer.step.copy())
        if loss is not None:
            self.loss = loss


#: Examples grounded, neuralized and lifted together by ``Model.build``.  A larger set is built
#: in chunks of this many and joined (``network.concat``), when that gives the same graph: its
#: examples' samples are contiguous, no example has rules of its own, and lifting merges
#: nothing across examples before the join (``lift="value"`` may, so it builds in one piece).
CHUNK_EXAMPLES = 4096


def _example_count(samples: list[Sample]) -> int:
    return len({id(s.example) for s in samples})


def _pieces(samples: list[Sample], settings: Settings) -> list[list[Sample]]:
    """``samples`` cut between examples into chunks of at most ``CHUNK_EXAMPLES`` examples (or whole)."""
    if settings.lift == "value":
        return [samples]
    cuts, seen, last = [], set(), None
    for i, sample in enumerate(samples):
        example = sample.example
        if example is last:
            continue
        if id(example) in seen or example.rules:
            return [samples]
        seen.add(id(example))
        if i and (len(seen) - 1) % CHUNK_EXAMPLES == 0:
            cuts.append(i)
        last = example
    return [samples[a:b] for a, b in zip([0, *cuts], [*cuts, len(samples)])]


def _joined_reports(reports: list[dict], batch: dict | None = None) -> dict:
    """The chunks' lifting reports as one (counts and seconds added, step by step), then the
    joined graph's batch lifting, if any."""
    if len(reports) == 1 and batch is None:
        return reports[0]

    def added(pairs):
        return [sum(p[0] for p in pairs), sum(p[1] for p in pairs)]
    steps = [dict(first, neurons=added([r["steps"][k]["neurons"] for r in reports]),
                  edges=added([r["steps"][k]["edges"] for r in reports]),
                  seconds=sum(r["steps"][k]["seconds"] for r in reports))
             for k, first in enumerate(reports[0]["steps"])]
    last = [batch] if batch is not None else reports
    joined = {"steps": steps + (batch["steps"] if batch is not None else [])}
    for key in ("neurons", "edges", "sample_neurons"):
        joined[key] = [sum(r[key][0] for r in reports), sum(r[key][1] for r in last)]
    joined["seconds"] = sum(r["seconds"] for r in reports) + (batch["seconds"] if batch is not None else 0.0)
    return joined


def _lift(graph: NeuralGraph, settings: Settings, across_examples: bool | None = None) -> tuple[NeuralGraph, dict]:
    """Compress the graph as the settings ask (``prune``, then ``lift``); value lifting
    evaluates the graphs with the engine.  Returns the graph and the lifting report."""
    from .lifting import lift

    return lift(graph, settings, evaluator(), across_examples)
