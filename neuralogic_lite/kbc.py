"""Knowledge-base completion as its users run it: sampled negatives and filtered ranking.

A KB run asks one triple predicate ``p(S, R, O)`` over one example (the KB's facts).  Instead
of grounding every triple (and every corruption written as a 0.0 query), ``prepare`` grounds
and neuralizes the KB part once (the atoms the query rules read: ``entity(e)``,
``relation(r)``, whatever the template derives for them) together with the query rules for one
prototype triple (``network.attach``); ``fit`` then draws K corruptions of every positive each
epoch (``learning.negatives``) and attaches only those triples' query networks to the KB
network, as arrays; ``rank`` scores every candidate entity of each test triple the same way, in
batches, for the filtered MRR and Hits@k.  docs/kb.md says what the mode does.

Triples are handled as candidate indices: subjects and objects index ``entities`` (every
constant in a subject or object position of the queries given to ``prepare``), relations index
``relations``.
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Callable, Sequence

import numpy as np

from .engine import kernels
from .engine.runtime import Network
from .engine.threads import blas_threads
from .errors import NeuraLogicLiteError, TrainingError
from .grounding.ground import GroundingOptions, ground
from .language.ir import Constant, Literal, Query, Sample
from .learning.losses import Loss, resolve_loss
from .learning.negatives import Corruptor, filtered_ranking
from .learning.trainer import TrainResult
from .memory import memory_limit
from .model import Built, Model
from .network.attach import (
    ENTITY_POSITIONS,
    QueryPattern,
    QueryRules,
    attach,
    extract,
    leaf_supports,
    query_rules,
    slot_atoms,
    slot_edges,
    slot_sources,
    slots_of,
    specialize,
)
from .network.neuralize import activation_stated, neuralize


@dataclass
class KnowledgeBase:
    """A KB prepared for a model: the query rules, the prototype and KB network, the candidates."""

    rules: QueryRules
    pattern: QueryPattern
    entities: np.ndarray          # constant ids of the candidate entities, sorted
    relations: np.ndarray         # constant ids of the relations, sorted
    built: Built                  # the KB network as a ``Built`` (its parameters, its program)
    loss: Loss
    identity_outputs: frozenset[int] = frozenset()   # the query predicate, when its atoms were made identity
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def sizes(self) -> dict[int, int]:
        return {0: self.entities.shape[0], 1: self.relations.shape[0], 2: self.entities.shape[0]}

    def indices(self, triples: np.ndarray) -> np.ndarray:
        """Constant-id triples (n, 3) as candidate indices (a constant no candidate: an error)."""
        out = np.empty_like(triples)
        for position, names in ((0, self.entities), (1, self.relations), (2, self.entities)):
            at = np.minimum(np.searchsorted(names, triples[:, position]), names.shape[0] - 1)
            if not (names[at] == triples[:, position]).all():
                raise NeuraLogicLiteError("a triple names a constant that no query of the prepared KB names")
            out[:, position] = at
        return out

    def inputs(self, triples: np.ndarray) -> np.ndarray:
        """(n, slots) the KB neuron each triple's query network reads (-1: not in the KB)."""
        return self.pattern.inputs(triples, self.sizes)

    def answerable(self, triples: np.ndarray) -> np.ndarray:
        """Whether the KB holds every atom the query rules read for each triple."""
        return (self.inputs(triples) >= 0).all(axis=1)

    def parameters(self, model: Model) -> np.ndarray:
        """The model's values with the KB network's own constants after them."""
        return self.built.parameters(model.values, model.embeddings, model.settings.seed)


def triples(samples: Sequence[Sample]) -> tuple[int, np.ndarray, np.ndarray]:
    """(query predicate, (n, 3) constant ids, targets (n,) with NaN where none) of triple queries."""
    if not samples:
        raise NeuraLogicLiteError("no triple queries")
    predicate = samples[0].query.literal.predicate
    rows, targets = [], []
    for sample in samples:
        literal = sample.query.literal
        if literal.predicate != predicate or len(literal.terms) != 3 or \
                not all(isinstance(t, Constant) for t in literal.terms):
            raise NeuraLogicLiteError(f"sampled negatives need ground triple queries of one predicate, like "
                                      f"{samples[0].query.literal}; found {literal}", sample.query.location)
        rows.append([t.id for t in literal.terms])
        target = sample.query.target
        targets.append(float(target.array().ravel()[0]) if target is not None else math.nan)
    return predicate, np.array(rows, np.int64).reshape(-1, 3), np.array(targets)


def positives_of(samples: Sequence[Sample]) -> np.ndarray:
    """The positive triples (constant ids): the queries with target 1, or with none."""
    _, rows, targets = triples(samples)
    return rows[(targets == 1.0) | np.isnan(targets)]


def prepare(model: Model, samples: Sequence[Sample], others: Sequence[Sequence[Sample]] = ()) -> KnowledgeBase:
    """Ground and neuralize the KB part of ``samples`` (triple queries over one example) once,
    with the query rules for one prototype triple.  The candidate entities and relations are
    the constants of the triples of ``samples`` and of ``others`` (validation and test sets)."""
    settings = model.settings
    start = time.perf_counter()
    samples = list(samples)
    example = samples[0].example if samples else None
    if any(s.example is not example for s in samples):
        raise NeuraLogicLiteError("sampled negatives need one example (the knowledge base) shared by every query")
    predicate, rows, _ = triples(samples)
    every = [rows] + [triples(list(o))[1] for o in others if len(o)]
    everything = np.concatenate(every)
    entities = np.unique(everything[:, list(ENTITY_POSITIONS)])
    relations = np.unique(everything[:, 1])
    rules = query_rules(model.template, predicate)
    prototype = _prototype(positives_of(samples), model, rules)
    candidates = {0: entities, 1: relations, 2: entities}
    slots = slots_of(model.template, rules)
    keys = list(slots)
    atoms = [slot_atoms(slots[key], candidates) for key in keys]
    queries = [Sample(Query(Literal(predicate, tuple(Constant(c) for c in prototype))), example)]
    for slot, table in zip((slots[k] for k in keys), atoms):
        queries.extend(Sample(Query(Literal(slot.predicate, tuple(Constant(int(c)) for c in atom))), example)
                       for atom in table.tolist())
    template = specialize(model.template, rules, prototype)
    options = GroundingOptions(settings.duplicate_facts, "drop", memory_limit(settings.max_memory))
    program = ground(template, queries, options)
    graph = neuralize(program, template, settings)
    if settings.prune != "off":       # e.g. the aggregation of a rule's one grounding: a neuron less per triple
        from .lifting import lift
        graph, _ = lift(graph, settings.replace(lift="none"))
    if graph.weights.template_size != model.weights.template_size:
        raise NeuraLogicLiteError("the knowledge-base network numbers the template's weights differently")
    output_of = np.full(len(queries), -1, np.int64)
    output_of[graph.source] = graph.output
    if output_of[0] < 0:
        raise NeuraLogicLiteError(f"the prototype query {queries[0].query.literal} cannot be derived")
    tables, at = {}, 1
    for key, table in zip(keys, atoms):
        tables[key] = output_of[at:at + table.shape[0]]
        at += table.shape[0]
    loss = _loss(settings)
    logits = loss.logits and settings.output_logits and not activation_stated(model.template, predicate)
    rule_of = [(gr.rule.index, gr.rule.head.predicate, gr.visible) for gr in program.rules]
    pattern = extract(graph, rule_of, rules, int(output_of[0]), slots, tables, logits)
    kb = KnowledgeBase(rules, pattern, entities, relations, Built(queries, program, graph, None, []), loss,
                       frozenset({predicate}) if logits else frozenset())
    proto = kb.indices(np.array([prototype], np.int64))
    _check_prototype(kb, proto)
    kb.seconds["prepare_s"] = time.perf_counter() - start
    return kb


def _loss(settings) -> Loss:
    """BCE on logits per triple (``auto`` and ``bce``), or the softmax over each positive's group."""
    name = "softmax" if settings.loss == "softmax" else "bce"
    if settings.loss not in ("auto", "bce", "softentropy", "softmax"):
        raise NeuraLogicLiteError(f"sampled negatives train with the loss bce or softmax, not {settings.loss}")
    return resolve_loss(name, settings.mse_factor, [np.ones(1), np.zeros(1)])


def _prototype(positives: np.ndarray, model: Model, rules: QueryRules) -> tuple[int, int, int]:
    """A positive triple of three distinct constants that no query rule names (so each of its
    constants in a grounded query rule stands for exactly one head variable)."""
    named = {t.id for index in rules.rules for lit in (model.template.rules[index].head,
                                                       *model.template.rules[index].body)
             for t in lit.terms if isinstance(t, Constant)}
    for s, r, o in positives.tolist():
        if len({s, r, o}) == 3 and not named & {s, r, o}:
            return s, r, o
    raise NeuraLogicLiteError("sampled negatives need a positive triple of three distinct constants that the query "
                              "rules do not name (to ground as the prototype)")


def _check_prototype(kb: KnowledgeBase, proto: np.ndarray) -> None:
    """The prototype's copy, made by ``attach``, reads exactly the neurons its grounding read."""
    n0 = kb.pattern.base.neuron_count
    copy = attach(kb.pattern, kb.inputs(proto), supports_needed=False)
    made = copy.edge_src[kb.pattern.base.edge_count:].astype(np.int64)
    made = np.where(made >= n0, -1 - (made - n0), made)
    if not np.array_equal(made, kb.pattern.prototype_inputs()):
        raise NeuraLogicLiteError("internal: the prototype's copy does not read the neurons its grounding read")


def known_indices(kb: KnowledgeBase, rows: np.ndarray) -> np.ndarray:
    """Constant-id triples as candidate indices, leaving out those that name a non-candidate
    (they can be no candidate's corruption, so they filter nothing)."""
    rows = np.asarray(rows, np.int64).reshape(-1, 3)
    keep = np.ones(rows.shape[0], bool)
    for position, names in ((0, kb.entities), (1, kb.relations), (2, kb.entities)):
        at = np.minimum(np.searchsorted(names, rows[:, position]), names.shape[0] - 1)
        keep &= names[at] == rows[:, position]
    return kb.indices(rows[keep])


@dataclass
class _Epoch:
    """One epoch's samples: the KB inputs of its triples, flat targets, and how to walk them."""

    inputs: np.ndarray             # (T, slots): the KB neurons each triple's query network reads
    targets: tuple[np.ndarray, np.ndarray]
    group_start: np.ndarray        # the samples of each positive's group (consecutive samples)
    batch: int                     # samples per optimizer step
    softmax: np.ndarray | None     # the triples of each sample (softmax), else None: a sample per triple
    edges: np.ndarray | None = None     # once rewired: the edges that read the KB,
    supports: np.ndarray | None = None  # and the samples' neuron lists (T, slots + copy)


def _epoch(kb: KnowledgeBase, corruptor: Corruptor, settings, epoch: int,
           rng: np.random.Generator | None = None) -> _Epoch:
    """The triples of one epoch: every positive followed by its negatives (a group), or with
    ``negatives="all"`` and BCE the positives and every corruption once each; with ``rng``,
    the groups in a shuffled order (``_shuffled``)."""
    positives = corruptor.positives
    if settings.negatives == "all" and settings.loss != "softmax":
        triples = np.concatenate([positives, corruptor.all_corruptions()])
        inputs = kb.inputs(triples)
        keep = (inputs >= 0).all(axis=1)           # corruptions the KB cannot answer are no candidates
        keep[:positives.shape[0]] = True
        target = np.zeros(triples.shape[0])
        target[:positives.shape[0]] = 1.0
        inputs, target = inputs[keep], target[keep]
        every = np.arange(target.shape[0] + 1)
        made = _Epoch(inputs, (target, every), every, settings.batch_size, None)
        return made if rng is None else _shuffled(made, rng)
    if settings.negatives == "all":
        start, negatives = corruptor.groups()
    else:
        k = int(settings.negatives)
        negatives = corruptor.sample(k, settings.seed, epoch).reshape(-1, 3)
        start = np.arange(positives.shape[0] + 1, dtype=np.int64) * k
    inputs = kb.inputs(negatives)
    p = positives.shape[0]
    uniform = settings.negatives != "all" and (inputs.size == 0 or inputs.min() >= 0)
    if uniform:     # each positive, then its K negatives: the groups shuffled by one gather of P rows
        counts = np.diff(start)
        grouped = np.concatenate([kb.inputs(positives)[:, None, :], inputs.reshape(p, int(settings.negatives), -1)],
                                 axis=1)
        all_inputs = (grouped[rng.permutation(p)] if rng is not None else grouped).reshape(-1, inputs.shape[1])
    else:
        keep = (inputs >= 0).all(axis=1)           # corruptions the KB cannot answer are no candidates
        groups = np.repeat(np.arange(p), np.diff(start))[keep]
        counts = np.bincount(groups, minlength=p)
        order = np.argsort(np.concatenate([np.arange(p), groups]), kind="stable")
        all_inputs = np.concatenate([kb.inputs(positives), inputs[keep]])[order]
    group_start = np.zeros(p + 1, np.int64)
    np.cumsum(1 + counts, out=group_start[1:])
    target = np.zeros(group_start[-1])
    target[group_start[:-1]] = 1.0
    if settings.loss == "softmax":     # a sample per group: the softmax over its logits, the positive's first
        made = _Epoch(all_inputs, (target, group_start), np.arange(p + 1), settings.batch_size, group_start)
    else:
        per_step = settings.batch_size * (1 + int(settings.negatives))
        made = _Epoch(all_inputs, (target, np.arange(target.shape[0] + 1)), group_start, per_step, None)
    return made if rng is None or uniform else _shuffled(made, rng)


def _order(group_start: np.ndarray, rng: np.random.Generator | None) -> np.ndarray:
    """The samples group by group, the groups shuffled (``rng``) or in order."""
    count = group_start.shape[0] - 1
    return _members(group_start, rng.permutation(count) if rng is not None else np.arange(count))


def _members(group_start: np.ndarray, groups: np.ndarray) -> np.ndarray:
    """The members of ``groups`` (indices into the CSR ``group_start``), group after group."""
    sizes = np.diff(group_start)[groups]
    first = np.repeat(group_start[groups], sizes)
    within = np.arange(sizes.sum()) - np.repeat(np.cumsum(sizes) - sizes, sizes)
    return first + within


def _shuffled(made: _Epoch, rng: np.random.Generator) -> _Epoch:
    """The epoch's triples laid out in the order they train in, their groups shuffled by
    ``rng`` (as ``_order`` shuffles them): attached so, each minibatch's neurons are next to
    each other in memory and the epoch walks the network in order.  (Walking a shuffled order
    over a network of 200,000 triples took twice as long: every group was a cache and TLB miss.)"""
    count = made.group_start.shape[0] - 1
    groups = rng.permutation(count)
    triple_groups = made.softmax if made.softmax is not None else made.group_start
    triples = _members(triple_groups, groups)
    start = np.zeros(count + 1, np.int64)
    np.cumsum(np.diff(triple_groups)[groups], out=start[1:])
    targets = (made.targets[0][triples], start if made.softmax is not None else made.targets[1])
    if made.softmax is not None:      # a sample per group
        return _Epoch(made.inputs[triples], targets, made.group_start, made.batch, start)
    return _Epoch(made.inputs[triples], targets, start, made.batch, None)


def corruptor(kb: KnowledgeBase, positives: np.ndarray, known: np.ndarray, corrupt: str) -> Corruptor:
    """The corruptions of ``positives`` (constant ids) filtered by them and ``known`` (constant ids)."""
    pos = kb.indices(np.asarray(positives, np.int64).reshape(-1, 3))
    missing = ~kb.answerable(pos)
    if missing.any():
        raise NeuraLogicLiteError(f"the positive triple {tuple(np.asarray(positives)[np.argmax(missing)].tolist())} "
                                  "reads an atom the knowledge base does not hold")
    return Corruptor(pos, kb.entities.shape[0], kb.relations.shape[0],
                     np.concatenate([pos, known_indices(kb, known)]), corrupt)


def epoch_network(model: Model, kb: KnowledgeBase, corruptions: Corruptor, epoch: int,
                  last: tuple[Network, _Epoch] | None = None,
                  rng: np.random.Generator | None = None) -> tuple[Network, _Epoch]:
    """The network of one epoch's triples (the positives and that epoch's negatives) and how
    to walk its samples; with ``rng``, its groups shuffled (``_shuffled``).  ``last``, the
    previous epoch's, is rewired in place when the new triples have its form (the same
    groups, one sample per triple, leaf KB inputs): no new Network each epoch."""
    made = _epoch(kb, corruptions, model.settings, epoch, rng)
    pattern = kb.pattern
    if last is not None and made.softmax is None and last[1].softmax is None and pattern.leaf_slots and \
            last[0].rewirable and last[1].inputs.shape == made.inputs.shape and \
            np.array_equal(last[1].group_start, made.group_start) and np.array_equal(last[1].targets[0],
                                                                                     made.targets[0]):
        network = last[0]
        t_count = made.inputs.shape[0]
        if last[1].edges is None:
            first = pattern.base.neuron_count + np.arange(t_count, dtype=np.int64) * pattern.size
            made.edges = slot_edges(pattern, t_count)
            made.supports = leaf_supports(made.inputs, first, pattern.size)[1].reshape(t_count, -1)
        else:      # the same copies: only their KB inputs change
            made.edges, made.supports = last[1].edges, last[1].supports
            made.supports[:, :made.inputs.shape[1]] = made.inputs
        network.rewire(made.edges, slot_sources(pattern, made.inputs), made.supports.ravel(),
                       _leaf_weights(network, pattern, made.inputs))
        return network, made
    graph = attach(pattern, made.inputs, made.softmax)
    return Network(graph, made.targets, model.settings.dtype), made


def _leaf_weights(network: Network, pattern: QueryPattern, inputs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The weight lists of ``network``'s samples once rewired to ``inputs`` (leaf KB neurons):
    each triple's leaves' weights, then its copy's, which are the prototype's (in the network
    too, among the KB neurons), as ``kernels.sample_weights`` lists them."""
    net = network.net
    prototype = kernels.Samples(np.array([0, pattern.size], np.int64), pattern.prototype.astype(np.int32),
                                np.zeros(1, np.int64), np.zeros(2, np.int64), np.zeros(0))
    own = kernels.sample_weights(prototype, net.kind, net.offset, net.input_start, net.edge_weight,
                                 len(network.graph.weights))[1]
    return kernels.leaf_sample_weights(np.ascontiguousarray(inputs, np.int64), net.kind, net.offset, own)


def fit(model: Model, kb: KnowledgeBase, positives: np.ndarray, known: np.ndarray,
        on_epoch: Callable[[dict], None] | None = None) -> TrainResult:
    """Train ``model`` on ``positives`` (constant-id triples) with negatives drawn every epoch
    (``settings.negatives``, ``corrupt``), filtered against ``known`` (constant ids; the
    positives are added).  The last epoch's values are kept (no model selection: the loss of
    fresh negatives is no error measure to select by)."""
    settings = model.settings
    if settings.negatives == 0:
        raise NeuraLogicLiteError("kbc.fit trains with sampled negatives: set negatives to a number or all")
    corruptions = corruptor(kb, positives, known, settings.corrupt)
    values = kb.parameters(model)
    weights = kb.pattern.base.weights
    optimizer = model.optimizer_for(weights, values.size)
    rng = np.random.default_rng(settings.seed)
    history: list[dict] = [{"epoch": 0}]
    shuffle = rng if settings.shuffle else None
    # every corruption: the same triples each epoch, attached once and walked in a shuffled
    # order; else each epoch's triples are attached in the shuffled order and walked in order
    fixed = settings.negatives == "all"
    stopped, network, built = None, None, None
    try:
        with blas_threads(settings.threads):
            for epoch in range(1, settings.epochs + 1):
                start = time.perf_counter()
                if built is None or not fixed:
                    network, built = epoch_network(model, kb, corruptions, epoch,
                                                   (network, built) if built is not None else None,
                                                   None if fixed else shuffle)
                attach_s = time.perf_counter() - start
                order = _order(built.group_start, shuffle if fixed else None)
                losses, _, finite = network.epoch(values, optimizer, order, built.batch, kb.loss.code,
                                                  kb.loss.factor)
                if not finite or not np.isfinite(values).all():
                    raise TrainingError(f"the loss became NaN or infinite in epoch {epoch} (try a smaller learning "
                                        f"rate than {settings.learning_rate})")
                record = {"epoch": epoch, "loss": float(losses.mean()) if losses.size else 0.0,
                          "samples": int(losses.size), "attach_s": attach_s, "epoch_s": time.perf_counter() - start}
                history.append(record)
                if on_epoch is not None:
                    on_epoch(record)
    except KeyboardInterrupt:
        stopped = "interrupted"
    model.take(values, weights, optimizer, kb.loss)
    model.identity_outputs = model.identity_outputs | kb.identity_outputs     # saved models score as trained
    return TrainResult(values.copy(), len(history) - 1, history, stopped)


class Scorer:
    """Scores candidate triples (candidate indices) at ``values``: the query's output (a logit
    under BCE), -inf where the KB cannot answer one.  The network of the last call is kept and
    rewired when the next call has as many answerable triples (ranking scores batches of one
    size: building a network per batch cost half of it)."""

    def __init__(self, model: Model, kb: KnowledgeBase, values: np.ndarray | None = None):
        self.kb, self.dtype = kb, model.settings.dtype
        self.values = kb.parameters(model) if values is None else values
        self.network: Network | None = None
        self.edges: np.ndarray | None = None

    def __call__(self, candidates: np.ndarray) -> np.ndarray:
        pattern = self.kb.pattern
        inputs = self.kb.inputs(candidates)
        ok = (inputs >= 0).all(axis=1)
        out = np.full(candidates.shape[0], -np.inf)
        if not ok.any():
            return out
        inputs = inputs[ok]
        network = self.network
        if network is not None and network.rewirable and network.graph.sample_count == inputs.shape[0]:
            network.rewire(self.edges, slot_sources(pattern, inputs), network.samples.neurons)
        else:
            network = self.network = Network(attach(pattern, inputs, supports_needed=False), None, self.dtype)
            self.edges = slot_edges(pattern, inputs.shape[0])
        out[ok] = network.flat_outputs(self.values)
        return out


def scores(model: Model, kb: KnowledgeBase, candidates: np.ndarray, values: np.ndarray | None = None) -> np.ndarray:
    """The query's output (a logit under BCE) for every candidate triple (candidate indices);
    -inf where the KB cannot answer it."""
    return Scorer(model, kb, values)(candidates)


def rank(model: Model, kb: KnowledgeBase, test: np.ndarray, known: np.ndarray,
         batch: int = 64) -> tuple[dict[str, float], np.ndarray]:
    """Filtered ranking of ``test`` triples (constant ids) against every candidate entity, as
    subject and as object, the ``known`` triples (constant ids: train, valid and test
    positives) filtered: ({"mrr", "hits@1", "hits@3", "hits@10"}, ranks (2, n): heads, tails).
    ``batch`` test triples are scored at a time (times every entity)."""
    test_idx = kb.indices(np.asarray(test, np.int64).reshape(-1, 3))
    values = kb.parameters(model)
    known_idx = np.concatenate([test_idx, known_indices(kb, known)])
    with blas_threads(model.settings.threads):
        return filtered_ranking(Scorer(model, kb, values), test_idx, known_idx,
                                kb.entities.shape[0], kb.relations.shape[0], batch=batch)


def run(template, train: Sequence[Sample], settings, validation: Sequence[Sample] | None = None,
        test: Sequence[Sample] | None = None, on_epoch: Callable[[dict], None] | None = None,
        eval_ranking: bool = True, rank_batch: int = 64):
    """A KB training run as ``nlite train --negatives K --eval-ranking`` does it: prepare the KB
    once (candidates from every set), train with sampled negatives (or, with ``negatives`` 0,
    through the normal pipeline on the queries as written), and rank the validation and test
    positives (the training positives when there is neither) filtered by every set's
    positives.  Returns an ``experiment.Report``: per set the metrics ``mrr``, ``hits@1``,
    ``hits@3``, ``hits@10`` (and the training loss), the test queries' outputs as predictions."""
    from .experiment import Predictions, Report
    from .jit import compiling

    report = Report(settings)
    compiled_before = compiling.seconds
    model = Model(template, settings)
    report.model = model
    sets = {name: list(s) for name, s in (("train", train), ("validation", validation), ("test", test))
            if s is not None}
    for name, samples in sets.items():
        if not samples:
            raise NeuraLogicLiteError(f"the {name} set has no samples")
    kb = prepare(model, sets["train"], [s for name, s in sets.items() if name != "train"])
    report.timings["prepare_s"] = kb.seconds["prepare_s"]
    report.sizes["train"] = {"kb_neurons": kb.pattern.base.neuron_count, "query_neurons": kb.pattern.size,
                             "entities": int(kb.entities.shape[0]), "relations": int(kb.relations.shape[0])}
    positives = {name: positives_of(s) for name, s in sets.items()}
    known = np.concatenate(list(positives.values()))
    start, compiled = time.perf_counter(), compiling.seconds
    if settings.negatives == 0:
        result = model.fit(sets["train"], sets.get("validation"), on_epoch)
    else:
        result = fit(model, kb, positives["train"], positives["train"], on_epoch)
    report.timings["train_s"] = time.perf_counter() - start - (compiling.seconds - compiled)
    report.history, report.best_epoch, report.stopped = result.history, result.best_epoch, result.stopped
    last = [h["loss"] for h in result.history if "loss" in h]
    report.metrics["train"] = {"loss": last[-1]} if last else {}
    ranked = [name for name in ("validation", "test") if name in sets] or ["train"]
    if eval_ranking:
        start = time.perf_counter()
        for name in ranked:
            metrics, _ = rank(model, kb, positives[name], known, rank_batch)
            report.metrics.setdefault(name, {}).update(metrics)
        report.timings["rank_s"] = time.perf_counter() - start
    values = kb.parameters(model)
    for name, samples in sets.items():
        if name == "train" and len(sets) > 1:
            continue
        _, rows, targets = triples(samples)
        logit = scores(model, kb, kb.indices(rows), values)
        report.predictions[name] = Predictions([str(s.query.literal) for s in samples],
                                               [np.array([t]) for t in targets.tolist()],
                                               [np.array([kb.loss.squash(np.array([y]))[0]]) for y in logit.tolist()])
    report.timings["compile_s"] = compiling.seconds - compiled_before
    return report
