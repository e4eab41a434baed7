"""Query networks attached to a knowledge-base network that is built once.

Knowledge-base completion asks one query predicate ``p(S, R, O)`` about many triples, and
changes the triples (the sampled negatives) every epoch.  The network of a triple has two
parts: the *query part*, the neurons of the query rules instantiated with the triple
(``predict(s, r, o) :- entity(s), relation(r), entity(o)``: a rule neuron, an aggregation and
the atom), and the *KB part* its body atoms reach (``entity(s)`` ...), shared by all triples.
The KB part is grounded and neuralized once; the query parts are copies of one *prototype*
(the query rules grounded for one triple by the normal pipeline), made for a whole batch of
triples at once with array operations, their body inputs found in per-literal tables of KB
neurons (``Slot``).

Which templates (``query_rules``): the query rules are the rules of the query predicate and of
the predicates their bodies use with *all* the head's variables (TransE's
``translation(S, R, O)``), recursively.  Every body variable of a query rule must occur in its
head (so one triple grounds each query rule once, and the same way for every triple); their
literals may not be built-ins, hidden or hard-negated (those make a rule fire for some
triples and not others); and no other rule may use a query predicate.  Another template is
refused with an error naming the rule: train it with every triple as a query instead.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from ..errors import NetworkError, TemplateError
from ..language.ir import Constant, Literal, Negation, Rule, Template, Variable
from ..language.symbols import PREDICATES
from ..ops import Op
from .graph import Kind, NeuralGraph

#: positions of a triple query p(S, R, O): which hold entities (corrupted) and which the relation
ENTITY_POSITIONS, RELATION_POSITION = (0, 2), 1
#: the most KB atoms one body literal's table may hold (a literal of two head variables over
#: every pair of entities would hold entities squared)
MAX_SLOT_ATOMS = 50_000_000


@dataclass(frozen=True)
class QueryRules:
    """The query predicate, the predicates of the query part with the triple position each of
    their arguments stands for (``predict``: (0, 1, 2)), and the template indices of the query
    rules (the rules whose heads are query-part predicates)."""

    predicate: int
    positions: dict[int, tuple[int, ...]]
    rules: tuple[int, ...]

    @property
    def derived(self) -> frozenset[int]:
        return frozenset(self.positions)

    def head_positions(self, rule) -> dict[str, int]:
        """Each head variable of a query rule -> the triple position it stands for."""
        return {t.name: self.positions[rule.head.predicate][i] for i, t in enumerate(rule.head.terms)
                if isinstance(t, Variable)}


def _refuse(rule, why: str) -> TemplateError:
    return TemplateError(f"sampled negatives cannot attach this rule's groundings per triple: {why}; train with "
                         "every triple as a query instead (negatives 0)", rule.location, str(rule))


def query_rules(template: Template, predicate: int) -> QueryRules:
    """The query rules of ``predicate`` (arity 3), checked; a ``TemplateError`` names the rule
    that cannot be attached per triple."""
    name, arity, _ = PREDICATES[predicate]
    if arity != 3:
        raise TemplateError(f"sampled negatives need triple queries p(S, R, O); {name}/{arity} has {arity} arguments")
    rules = template.rules
    heads = {r.head.predicate for r in rules}
    positions: dict[int, tuple[int, ...]] = {predicate: (0, 1, 2)}
    grew = True
    while grew:        # a body literal with every head variable, of a derived predicate, joins the query part
        grew = False
        for rule in rules:
            if rule.head.predicate not in positions:
                continue
            at = {t.name: positions[rule.head.predicate][i] for i, t in enumerate(rule.head.terms)
                  if isinstance(t, Variable)}
            for literal in rule.body:
                names = {t.name for t in literal.terms if isinstance(t, Variable)}
                if literal.predicate not in heads or not at or names != set(at):
                    continue
                order = tuple(at[t.name] if isinstance(t, Variable) else -1 for t in literal.terms)
                if literal.predicate in positions:
                    if positions[literal.predicate] != order:
                        raise _refuse(rule, f"{literal} takes the triple's arguments in another order than elsewhere")
                    continue
                positions[literal.predicate] = order
                grew = True
    chosen = []
    for index, rule in enumerate(rules):
        if rule.head.predicate not in positions:
            if any(lit.predicate in positions for lit in rule.body):
                raise _refuse(rule, "it uses a query-part predicate in a rule outside the query part")
            continue
        head_vars = [t.name for t in rule.head.terms if isinstance(t, Variable)]
        if len(set(head_vars)) != len(head_vars) or len(head_vars) != len(rule.head.terms):
            raise _refuse(rule, "its head must hold distinct variables only")
        for literal in rule.body:
            if literal.special or literal.hidden or literal.negation is Negation.HARD:
                raise _refuse(rule, f"its literal {literal} filters groundings (a built-in, hidden or '!' literal)")
            free = [t.name for t in literal.terms if isinstance(t, Variable) and t.name not in head_vars]
            if free:
                raise _refuse(rule, f"the variable {free[0]} of its body does not occur in its head")
        chosen.append(index)
    return QueryRules(predicate, positions, tuple(chosen))


def specialize(template: Template, rules: QueryRules, triple: tuple[int, int, int]) -> Template:
    """The template with the query rules' head variables bound to the constants of ``triple``
    (the prototype), so that grounding it grounds the query part of that triple only."""
    chosen = set(rules.rules)
    statements, index = [], 0
    for statement in template.statements:
        if isinstance(statement, Rule):
            if index in chosen:
                at = rules.head_positions(statement)
                statement = dataclasses.replace(statement, head=_bind(statement.head, at, triple),
                                                body=tuple(_bind(lit, at, triple) for lit in statement.body))
            index += 1
        statements.append(statement)
    return dataclasses.replace(template, statements=tuple(statements))


def _bind(literal: Literal, at: dict[str, int], triple: tuple[int, int, int]) -> Literal:
    return dataclasses.replace(literal, terms=tuple(Constant(triple[at[t.name]]) if isinstance(t, Variable) else t
                                                    for t in literal.terms))


@dataclass(frozen=True)
class Slot:
    """A body literal of a query rule read from the KB part: its predicate and, per argument,
    the triple position it takes (>= 0) or a constant id (``-1 - id``)."""

    predicate: int
    arguments: tuple[int, ...]

    @property
    def positions(self) -> tuple[int, ...]:
        """The distinct triple positions it reads, in order."""
        return tuple(sorted({a for a in self.arguments if a >= 0}))


def slots_of(template: Template, rules: QueryRules) -> dict:
    """``{(rule index, body position): Slot}`` for every body literal of a query rule that the
    KB part answers."""
    out = {}
    for index in rules.rules:
        rule = template.rules[index]
        at = rules.head_positions(rule)
        for j, literal in enumerate(rule.body):
            if literal.predicate in rules.derived:
                continue
            out[(index, j)] = Slot(literal.predicate, tuple(at[t.name] if isinstance(t, Variable) else -1 - t.id
                                                             for t in literal.terms))
    return out


def slot_atoms(slot: Slot, candidates: dict[int, np.ndarray]) -> np.ndarray:
    """(n, arity) constant ids: the slot's atoms for every combination of candidates of its
    positions (``candidates[position]``: constant ids), the first position varying slowest,
    so that ``slot_index`` finds a triple's atom."""
    positions = slot.positions
    sizes = [candidates[p].shape[0] for p in positions]
    total = int(np.prod(sizes)) if sizes else 1
    if total > MAX_SLOT_ATOMS:
        name, arity, _ = PREDICATES[slot.predicate]
        raise NetworkError(f"the body literal {name}/{arity} of a query rule would need {total} atoms in the "
                           f"knowledge-base network (more than {MAX_SLOT_ATOMS}); it reads too many of the "
                           "triple's arguments to be tabled")
    grids = np.indices(sizes).reshape(len(sizes), -1) if sizes else np.zeros((0, 1), np.int64)
    out = np.empty((total, len(slot.arguments)), np.int64)
    for k, a in enumerate(slot.arguments):
        out[:, k] = candidates[a][grids[positions.index(a)]] if a >= 0 else -1 - a
    return out


def slot_index(slot: Slot, triples: np.ndarray, sizes: dict[int, int]) -> np.ndarray:
    """Row of each triple's atom in ``slot_atoms`` (``triples``: candidate indices per position)."""
    if len(slot.positions) == 1:      # the usual slot, entity(S): the candidate index itself
        return triples[:, slot.positions[0]]
    index = np.zeros(triples.shape[0], np.int64)
    for p in slot.positions:
        index = index * sizes[p] + triples[:, p]
    return index


@dataclass(frozen=True)
class QueryPattern:
    """A prototype query part and what a copy of it needs (``q`` neurons, ``e`` edges).

    ``base`` is the built graph (the KB part, with the prototype in it); per query-part neuron
    (topological order) ``kind``, ``activation``, ``reducer``, ``offset``, ``rows``, ``cols``,
    ``origin``; its edges (CSR ``input_start`` (q+1,), grouped by target, in input order):
    ``local`` (the query-part input, or -1) and ``slot`` (otherwise the index of the slot
    whose table holds the input), ``weight``; ``output`` the query neuron among them;
    ``tables[k]`` the KB neuron of each atom of slot k (-1: the atom is not in the KB)."""

    base: NeuralGraph
    kind: np.ndarray
    activation: np.ndarray
    reducer: np.ndarray
    offset: np.ndarray
    rows: np.ndarray
    cols: np.ndarray
    origin: np.ndarray
    input_start: np.ndarray
    local: np.ndarray
    slot: np.ndarray
    weight: np.ndarray
    output: int
    slots: tuple[Slot, ...]
    tables: tuple[np.ndarray, ...]
    leaf_slots: bool          # every KB neuron a slot reads is a leaf (a fact): supports are the inputs
    prototype: np.ndarray     # the prototype's query-part neurons in ``base``, in the copies' order

    @property
    def size(self) -> int:
        return int(self.kind.shape[0])

    def prototype_inputs(self) -> np.ndarray:
        """The inputs of the prototype's query part as its grounding made them, in the copies'
        terms: ``-1 - k`` for the k-th query-part neuron, else the KB neuron."""
        base = self.base
        local = np.full(base.neuron_count, 0, np.int64)
        local[self.prototype] = -1 - np.arange(self.size)
        edges = np.concatenate([np.arange(base.input_start[v], base.input_start[v + 1]) for v in self.prototype])
        src = base.edge_src[edges].astype(np.int64)
        return np.where(local[src] < 0, local[src], src)

    def inputs(self, triples: np.ndarray, sizes: dict[int, int]) -> np.ndarray:
        """(T, slots) the KB neuron each triple's copy reads from each slot (-1: missing)."""
        out = np.empty((triples.shape[0], len(self.slots)), np.int64)
        for k, (slot, table) in enumerate(zip(self.slots, self.tables)):
            out[:, k] = table[slot_index(slot, triples, sizes)]
        return out


def extract(graph: NeuralGraph, rule_of: list[tuple[int, int, tuple[int, ...]]], rules: QueryRules, output: int,
            slots: dict, tables: dict, logits: bool) -> QueryPattern:
    """The prototype's query part out of ``graph`` (the specialized template's network, whose
    sample ``output`` neuron is the prototype query).  ``rule_of[k]``: the template rule index,
    head predicate and visible body positions of ground rule k (``program.rules``); ``slots``/``tables``:
    per (rule index, body position) its ``Slot`` and the KB neuron of each of its atoms.
    ``logits``: the query neuron computes a logit (``neuralize.logit_outputs`` says so)."""
    kind = graph.kind.astype(np.int64)
    origin = graph.origin.astype(np.int64)
    is_atom = np.isin(kind, (Kind.FACT, Kind.ATOM, Kind.WEIGHTED_ATOM))
    rule_heads = np.array([head for _, head, _ in rule_of] or [-1], np.int64)
    in_query = np.where(is_atom, np.isin(origin[:, 0], list(rules.derived)),
                        np.isin(rule_heads[np.where(is_atom, 0, origin[:, 0])], list(rules.derived)))
    neurons = np.flatnonzero(in_query)
    if output not in set(neurons.tolist()):
        raise NetworkError("the prototype query's neuron is not in the query part")
    local_of = np.full(graph.neuron_count, -1, np.int64)
    local_of[neurons] = np.arange(neurons.shape[0])
    keys = list(slots)
    slot_number = {key: k for k, key in enumerate(keys)}
    fan = np.diff(graph.input_start)[neurons]
    input_start = np.zeros(neurons.shape[0] + 1, np.int64)
    np.cumsum(fan, out=input_start[1:])
    local = np.full(input_start[-1], -1, np.int64)
    slot = np.full(input_start[-1], -1, np.int64)
    weight = np.empty(input_start[-1], np.int64)
    for i, v in enumerate(neurons.tolist()):
        first = graph.input_start[v]
        for k in range(int(fan[i])):
            src = int(graph.edge_src[first + k])
            weight[input_start[i] + k] = graph.edge_weight[first + k]
            if local_of[src] >= 0:
                local[input_start[i] + k] = local_of[src]
                continue
            which = Kind(int(kind[v]))
            if which in (Kind.RULE, Kind.WEIGHTED_RULE):
                index, _, visible = rule_of[int(origin[v, 0])]
                position = visible[k]
            elif which is Kind.NEGATION:
                index, position = rule_of[int(origin[v, 0])][0], int(origin[v, 2])
            else:
                raise NetworkError(f"the {graph.describe(v)} of the query part reads a KB neuron directly")
            key = (index, position)
            if key not in slot_number:
                raise NetworkError(f"the {graph.describe(v)} reads a query-part atom from the KB part")
            slot[input_start[i] + k] = slot_number[key]
    activation = graph.activation[neurons].copy()
    out_local = int(local_of[output])
    if logits:
        activation[out_local] = Op.IDENTITY
    used = [tables[key] for key in keys]
    leaf = all(bool((np.diff(graph.input_start)[t[t >= 0]] == 0).all()) for t in used)
    return QueryPattern(graph, kind[neurons].astype(np.int8), activation.astype(np.int8),
                        graph.reducer[neurons].copy(), graph.offset[neurons].copy(), graph.rows[neurons].copy(),
                        graph.cols[neurons].copy(), origin[neurons].astype(np.int32), input_start, local, slot,
                        weight, out_local, tuple(slots[key] for key in keys), tuple(used), leaf, neurons)



def attach(pattern: QueryPattern, inputs: np.ndarray, group_start: np.ndarray | None = None,
           supports_needed: bool = True) -> NeuralGraph:
    """The KB graph with a copy of the query part for each of T triples, and the samples.

    ``inputs`` (T, slots) is ``pattern.inputs`` of the triples (no -1: leave out the triples
    the KB cannot answer first).  Without ``group_start`` each triple is a sample, its output
    its query neuron; with it (G+1,), triples ``group_start[g]:group_start[g+1]`` are sample g,
    whose output is a concatenation neuron of their query neurons (one logit each, for a
    softmax over a positive and its negatives).  ``supports_needed=False`` leaves each
    sample's support as its output alone (enough for ``Network.outputs``, not for training).
    Copies are laid out triple by triple after the KB neurons, each in the prototype's order."""
    base = pattern.base
    inputs = np.asarray(inputs, np.int64)
    if inputs.size and inputs.min() < 0:
        raise NetworkError("a triple reads an atom that the knowledge-base network does not hold")
    t_count, q = inputs.shape[0], pattern.size
    n0, e0, v0 = base.neuron_count, base.edge_count, int(base.value_start[-1])
    first = n0 + np.arange(t_count, dtype=np.int64) * q                       # each copy's first neuron
    ne = pattern.local.shape[0]
    local = pattern.local[None, :]
    src = np.where(local >= 0, first[:, None] + local,
                   inputs[:, np.maximum(pattern.slot, 0)] if pattern.slots else 0).ravel()
    fan = np.diff(pattern.input_start)
    groups = group_start is not None
    g_count = group_start.shape[0] - 1 if groups else 0
    out = first + pattern.output
    if groups:
        if int(pattern.rows[pattern.output]) * int(pattern.cols[pattern.output]) != 1:
            raise NetworkError("a softmax over a triple's group needs one number per query (a scalar output)")
        sizes = np.diff(group_start)
        concat = n0 + t_count * q + np.arange(g_count, dtype=np.int64)
    else:
        sizes = np.zeros(0, np.int64)
    kind = np.concatenate([base.kind, np.tile(pattern.kind, t_count), np.full(g_count, Kind.ATOM, np.int8)])
    activation = np.concatenate([base.activation, np.tile(pattern.activation, t_count),
                                 np.full(g_count, Op.IDENTITY, np.int8)])
    reducer = np.concatenate([base.reducer, np.tile(pattern.reducer, t_count), np.full(g_count, Op.CONCAT, np.int8)])
    offset = np.concatenate([base.offset, np.tile(pattern.offset, t_count), np.full(g_count, -1, np.int32)])
    rows = np.concatenate([base.rows, np.tile(pattern.rows, t_count), sizes.astype(np.int32)])
    cols = np.concatenate([base.cols, np.tile(pattern.cols, t_count), np.ones(g_count, np.int32)])
    origin = np.concatenate([base.origin, np.tile(pattern.origin, (t_count, 1)),
                             np.tile(pattern.origin[pattern.output], (g_count, 1))])
    value_start = np.empty(kind.shape[0] + 1, np.int64)
    value_start[:n0 + 1] = base.value_start
    np.cumsum(rows[n0:].astype(np.int64) * cols[n0:], out=value_start[n0 + 1:])
    value_start[n0 + 1:] += v0
    input_start = np.empty(kind.shape[0] + 1, np.int64)
    input_start[:n0 + 1] = base.input_start
    np.cumsum(np.concatenate([np.tile(fan, t_count), sizes]), out=input_start[n0 + 1:])
    input_start[n0 + 1:] += e0
    edge_src = np.concatenate([base.edge_src, src.astype(np.int32), out.astype(np.int32)])
    edge_weight = np.concatenate([base.edge_weight, np.tile(pattern.weight, t_count).astype(np.int32),
                                  np.full(out.shape[0] if groups else 0, -1, np.int32)])
    if not groups:
        edge_src = edge_src[:e0 + t_count * ne]
    outputs = concat if groups else out
    count = outputs.shape[0]
    if not supports_needed:
        sample_start, sample_neurons = np.arange(count + 1, dtype=np.int64), outputs.astype(np.int32)
    elif pattern.leaf_slots and not groups:
        sample_start, sample_neurons = leaf_supports(inputs, first, q)
    else:
        from .topology import supports
        sample_start, sample_neurons = supports(input_start, edge_src, np.arange(count + 1), outputs)
        sample_neurons = sample_neurons.astype(np.int32)
    example = np.zeros(kind.shape[0], np.int32)
    example[:n0] = base.example
    return NeuralGraph(kind, activation, reducer, offset, rows, cols, value_start, input_start, example, origin,
                       edge_src, edge_weight, sample_start, sample_neurons, outputs.astype(np.int32),
                       np.arange(count, dtype=np.int64), base.weights, base.labels)


def leaf_supports(inputs: np.ndarray, first: np.ndarray, q: int) -> tuple[np.ndarray, np.ndarray]:
    """Each triple's support when its KB inputs are leaves: those, then its copy.  Leaves need
    no order among themselves, and an input read twice (s = o) is listed twice: computing a
    leaf twice gives its value twice, and the backward pass, which consumes a neuron's gradient,
    passes it on once; so every epoch's lists have the same lengths (``Network.rewire``)."""
    t_count, k = inputs.shape
    table = np.empty((t_count, k + q), np.int32)
    table[:, :k] = inputs
    table[:, k:] = first[:, None] + np.arange(q)
    return np.arange(t_count + 1, dtype=np.int64) * (k + q), table.ravel()


def slot_edges(pattern: QueryPattern, t_count: int) -> np.ndarray:
    """The ids, in a graph ``attach`` made for ``t_count`` triples, of the edges that read the KB
    (triple by triple, in ``slot_sources``' order)."""
    per = np.flatnonzero(pattern.local < 0)
    return (pattern.base.edge_count + np.arange(t_count, dtype=np.int64)[:, None] * pattern.local.shape[0]
            + per).ravel()


def slot_sources(pattern: QueryPattern, inputs: np.ndarray) -> np.ndarray:
    """The KB neurons those edges read for the triples of ``inputs`` (``QueryPattern.inputs``)."""
    return inputs[:, pattern.slot[pattern.local < 0]].ravel()
