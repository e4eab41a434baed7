"""Stage 3, neuralize: a ground program to a NeuralGraph, as array operations.

Only the support of the queries becomes neurons ("supervised neuralization"):
  * an atom neuron for every ground atom derived by some ground rule,
  * a fact neuron for every other atom used (its value is a parameter: a constant or a
    learnable embedding),
  * an aggregation neuron per (rule, ground head) and a rule neuron per ground rule,
  * a negation neuron per soft-negated (``~p``) input of a rule neuron.
Neurons are created in blocks (one per predicate or rule), never one Python object each.
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass, field, replace

import numpy as np

from ..errors import NetworkError, NeuraLogicLiteWarning, TemplateError
from ..grounding.ground import EMBEDDING, NOT_A_FACT, UNIT, GroundProgram
from ..language.ir import Metadata, Negation, Rule, Template, Value
from ..language.symbols import CONSTANTS, PREDICATES
from ..ops import AGGREGATION, COMBINATION, TRANSFORMATION, Op, lookup, split_legacy
from ..settings import Settings
from .graph import Kind, Labels, NeuralGraph
from .shapes import COSSIM_INPUTS, PRODUCT_MISMATCH, infer_shapes
from .topology import cut_back_edges, find_cycle, input_order, levels, renumbered, supports
from .weights import WeightTable, number_template_weights, weight_shape, written_array


def neuralize(program: GroundProgram, template: Template, settings: Settings) -> NeuralGraph:
    """Build the neural networks of all samples of ``program`` as one NeuralGraph."""
    heads = {rule.head.predicate for rule in template.rules}
    weights = number_template_weights(template, heads, settings.exact_literals)
    functions = _Functions(template, settings)
    outputs, source, group_start, group_atoms = _expand_queries(program)
    needed = _support(program, outputs)
    blocks = _Blocks()
    neuron_of = _atoms_and_facts(program, needed, weights, functions, blocks)
    weighted_atoms = _rules(program, needed, neuron_of, weights, functions, blocks)
    neurons = blocks.neuron_arrays()
    _weight_atoms(neurons, neuron_of, weighted_atoms, weights, functions)
    return _assemble(program, neurons, blocks.edge_arrays(), weights, _neurons_of(neuron_of, outputs), source,
                     (group_start, _neurons_of(neuron_of, group_atoms)), settings)


def logit_outputs(graph: NeuralGraph, template: Template, settings: Settings,
                  logits: bool) -> tuple[NeuralGraph, frozenset[int]]:
    """The graph with its output neurons made identity where the template states no activation
    for their predicate, when the loss works on ``logits`` and ``settings.output_logits`` asks
    (a classifier's output is then a logit, as the reference's BCE with logits has it).
    Returns the graph (``graph`` itself when nothing changes) and the predicates changed."""
    if not (logits and settings.output_logits):
        return graph, frozenset()
    activation = graph.activation.copy()
    changed = set()
    for neuron in np.unique(graph.output[graph.output >= 0]):
        predicate = int(graph.origin[neuron, 0])
        if not activation_stated(template, predicate):
            activation[neuron] = Op.IDENTITY
            changed.add(predicate)
    return (replace(graph, activation=activation), frozenset(changed)) if changed else (graph, frozenset())


def activation_stated(template: Template, predicate: int) -> bool:
    """Whether the template states the activation of ``predicate``'s atoms (for its name and
    arity, or for its name alone)."""
    name, arity, _ = PREDICATES[predicate]
    return any(m.name == name and m.arity in (arity, None) and
               (m.metadata.get("activation") is not None or m.metadata.get("transformation") is not None)
               for m in template.predicate_metadata)


# ----------------------------------------------------------------------------- functions per neuron
class _Functions:
    """Which activation, aggregation and combination each rule and predicate asks for."""

    def __init__(self, template: Template, settings: Settings):
        self.settings = settings
        self.warned: set[str] = set()
        self.offsets = {o.predicate: o.weight for o in template.predicate_offsets}
        self.predicates: dict[tuple[str, int | None], list] = {}
        for statement in template.predicate_metadata:
            self.predicates.setdefault((statement.name, statement.arity), []).extend(statement.metadata.pairs)
        self.defaults = {
            "atom": lookup(settings.atom_activation, TRANSFORMATION),
            "rule": lookup(settings.rule_activation, TRANSFORMATION),
            "aggregation": lookup(settings.aggregation, AGGREGATION),
            "rule_combination": lookup(settings.rule_combination, COMBINATION),
            "atom_combination": lookup(settings.atom_combination, COMBINATION),
        }

    def predicate_metadata(self, predicate: int) -> Metadata:
        name, arity, _ = PREDICATES[predicate]
        return Metadata(tuple(self.predicates.get((name, None), [])) + tuple(self.predicates.get((name, arity), [])))

    KNOWN_KEYS = frozenset({"activation", "transformation", "aggregation", "combination", "offset", "learnable",
                            "value", "initvalue"})

    def warn_unknown(self, metadata: Metadata, where: str) -> None:
        unknown = [key for key, _ in metadata if key.lower() not in self.KNOWN_KEYS]
        if unknown and where not in self.warned:
            self.warned.add(where)
            warnings.warn(f"metadata {', '.join(unknown)} of {where} means nothing to the engine and is ignored",
                          NeuraLogicLiteWarning, stacklevel=3)

    @staticmethod
    def _pick(metadata: Metadata, where) -> tuple[Op | None, Op | None]:
        """(transformation, combination) from ``activation``/``transformation``/``combination``."""
        combination = metadata.get("combination")
        activation = metadata.get("activation", metadata.get("transformation"))
        if isinstance(activation, str):
            legacy, activation = split_legacy(activation)
            combination = combination if combination is not None else legacy
        act = lookup(activation, TRANSFORMATION, where) if isinstance(activation, str) else None
        comb = lookup(combination, COMBINATION, where) if isinstance(combination, str) else None
        return act, comb

    def rule(self, rule: Rule) -> tuple[Op, Op, Op]:
        """(activation, combination, aggregation) of a rule's neurons."""
        where = (rule.location, str(rule))
        self.warn_unknown(rule.metadata, f"rule '{rule}'")
        act, comb = self._pick(rule.metadata, where)
        aggregation = rule.metadata.get("aggregation")
        agg = lookup(aggregation, AGGREGATION, where) if isinstance(aggregation, str) else None
        return (act if act is not None else self.defaults["rule"],
                comb if comb is not None else self.defaults["rule_combination"],
                agg if agg is not None else self.defaults["aggregation"])

    def atom(self, predicate: int) -> tuple[Op, Op]:
        """(activation, combination) of a predicate's atom neurons."""
        name, arity, _ = PREDICATES[predicate]
        self.warn_unknown(self.predicate_metadata(predicate), f"{name}/{arity}")
        act, comb = self._pick(self.predicate_metadata(predicate), (None, f"{name}/{arity}"))
        return (act if act is not None else self.defaults["atom"],
                comb if comb is not None else self.defaults["atom_combination"])

    def metadata_offset(self, predicate: int) -> Value | None:
        value = self.predicate_metadata(predicate).get("offset")
        return value if isinstance(value, Value) else None


def check_functions(template: Template, settings: Settings) -> None:
    """Resolve every function the template's rules and predicates name, as neuralizing does: an
    unknown activation, aggregation or combination is the same error, found without examples."""
    functions = _Functions(template, settings)
    for rule in template.rules:
        functions.rule(rule)
    for statement in template.predicate_metadata:
        arity = "" if statement.arity is None else f"/{statement.arity}"
        functions._pick(statement.metadata, (statement.location, f"{statement.name}{arity}"))


# ----------------------------------------------------------------------------- queries and support
def _expand_queries(program: GroundProgram):
    """``(outputs, source, group_start, group_atoms)``: one output atom per matched query atom
    (rows ``(predicate, row)``), the input sample it answers, and the atoms whose union is its
    network (output i's are ``group_atoms[group_start[i]:group_start[i + 1]]``).  A query with
    variables yields one sample per match; in independent mode (several examples) those
    samples share the union of their networks, as in the reference; in knowledge-base mode each
    has its own support.  Arrays throughout: a knowledge base asks many thousand queries."""
    per_sample = np.fromiter(map(len, program.queries), np.int64, len(program.queries))
    outputs = np.array([atom for atoms in program.queries for atom in atoms], np.int64).reshape(-1, 2)
    source = np.repeat(np.arange(per_sample.shape[0]), per_sample)
    if len(program.examples) == 1:
        return outputs, source, np.arange(outputs.shape[0] + 1), outputs
    sizes = per_sample[source]                  # output i's group: every atom of its sample
    group_start = np.zeros(sizes.shape[0] + 1, np.int64)
    np.cumsum(sizes, out=group_start[1:])
    sample_first = np.cumsum(per_sample) - per_sample
    within = np.arange(group_start[-1]) - np.repeat(group_start[:-1], sizes)
    return outputs, source, group_start, outputs[np.repeat(sample_first[source], sizes) + within]


def _neurons_of(neuron_of: dict[int, np.ndarray], atoms: np.ndarray) -> np.ndarray:
    """The neuron of every ``(predicate, row)`` in ``atoms``."""
    out = np.empty(atoms.shape[0], np.int64)
    for predicate in np.unique(atoms[:, 0]):
        mask = atoms[:, 0] == predicate
        out[mask] = neuron_of[int(predicate)][atoms[mask, 1]]
    return out


def _support(program: GroundProgram, roots: np.ndarray) -> dict[int, np.ndarray]:
    """Every ground atom reachable from ``roots`` (rows ``(predicate, row)``) through the ground rules."""
    needed = {p: np.zeros(t.shape[0], bool) for p, t in program.tables.items()}
    for predicate in np.unique(roots[:, 0]):
        needed[int(predicate)][roots[roots[:, 0] == predicate, 1]] = True
    counts = None
    while True:
        for gr in program.rules:
            kept = needed[gr.rule.head.predicate][gr.head]
            if not kept.any():
                continue
            for j, position in enumerate(gr.visible):
                needed[gr.rule.body[position].predicate][gr.body[kept, j]] = True
        now = [int(m.sum()) for m in needed.values()]
        if now == counts:
            return needed
        counts = now


# ----------------------------------------------------------------------------- neuron and edge blocks
@dataclass
class _Blocks:
    """Neurons and edges, appended block by block, then concatenated once."""

    count: int = 0
    neurons: list[tuple] = field(default_factory=list)
    edges: list[tuple] = field(default_factory=list)

    def add(self, n: int, kind, activation, reducer, offset, example, origin) -> np.ndarray:
        """``n`` new neurons; scalars apply to all of them.  Returns their ids."""
        ids = np.arange(self.count, self.count + n, dtype=np.int64)
        self.count += n
        self.neurons.append(tuple(np.broadcast_to(np.asarray(a, np.int64), shape).copy() for a, shape in
                                  ((kind, (n,)), (activation, (n,)), (reducer, (n,)), (offset, (n,)),
                                   (example, (n,)), (origin, (n, 3)))))
        return ids

    def connect(self, target, source, weight, position) -> None:
        """Edges ``source -> target``; ``position`` orders the inputs of each target."""
        n = np.broadcast_shapes(np.shape(target), np.shape(source), np.shape(position))
        self.edges.append(tuple(np.broadcast_to(np.asarray(a, np.int64), n).copy()
                                for a in (target, source, weight, position)))

    def neuron_arrays(self) -> dict[str, np.ndarray]:
        names = ("kind", "activation", "reducer", "offset", "example", "origin")
        if not self.neurons:
            return {name: np.empty((0, 3) if name == "origin" else 0, np.int64) for name in names}
        return {name: np.concatenate([b[i] for b in self.neurons]) for i, name in enumerate(names)}

    def edge_arrays(self) -> tuple[np.ndarray, ...]:
        if not self.edges:
            return tuple(np.empty(0, np.int64) for _ in range(4))
        return tuple(np.concatenate([e[i] for e in self.edges]) for i in range(4))


def _origin(a, b, c, n: int) -> np.ndarray:
    out = np.empty((n, 3), np.int64)
    out[:, 0], out[:, 1], out[:, 2] = a, b, c
    return out


def _atoms_and_facts(program, needed, weights: WeightTable, functions: _Functions, blocks: _Blocks):
    """Neuron ids of every needed atom: atom neurons for derived atoms, fact neurons for the rest."""
    unit = weights.constant(np.ones((1, 1)))
    value_param = np.array([unit] + [weights.value_of(w) for w in program.values[1:]], np.int64)
    neuron_of: dict[int, np.ndarray] = {}
    for predicate, table in program.tables.items():
        need = needed[predicate]
        if not need.any():
            continue
        ids = np.full(table.shape[0], -1, np.int64)
        derived = program.derived[predicate]
        rows = np.flatnonzero(need & derived)
        if rows.shape[0]:
            activation, combination = functions.atom(predicate)
            ids[rows] = blocks.add(rows.shape[0], Kind.ATOM, activation, combination, -1, table[rows, 0],
                                   _origin(predicate, rows, -1, rows.shape[0]))
        rows = np.flatnonzero(need & ~derived)
        if rows.shape[0]:
            value = program.facts[predicate][rows]
            if (value == NOT_A_FACT).any():
                bad = rows[value == NOT_A_FACT][0]
                raise NetworkError(f"atom {_atom_text(program, predicate, bad)} is used but is neither a fact nor "
                                   "derived by a rule")
            params = value_param[np.where((value == UNIT) | (value == EMBEDDING), 0, value)]
            if (value == EMBEDDING).any():
                shape = weight_shape(program.embeddings[predicate].value) if program.embeddings[predicate] else (1, 1)
                for k in np.flatnonzero(value == EMBEDDING):
                    params[k] = weights.embedding(_atom_text(program, predicate, int(rows[k])), shape)
            ids[rows] = blocks.add(rows.shape[0], Kind.FACT, Op.IDENTITY, Op.SUM, params, table[rows, 0],
                                   _origin(predicate, rows, -1, rows.shape[0]))
        neuron_of[predicate] = ids
    return neuron_of


def _rule_order(program: GroundProgram) -> dict[int, int]:
    """Rank of each rule among an atom's inputs: the first occurrence of its logical clause
    (weights and metadata ignored), then file order, as the reference orders them."""
    first: dict[str, int] = {}
    rank = {}
    for gr in sorted(program.rules, key=lambda g: g.rule.index):
        rule = gr.rule.rule
        clause = f"{rule.head.atom_text()}:-{','.join(l.atom_text() for l in rule.body)}"
        first.setdefault(clause, gr.rule.index)
        rank[gr.rule.index] = first[clause] * (1 << 20) + gr.rule.index
    return rank


def _rules(program, needed, neuron_of, weights: WeightTable, functions: _Functions, blocks: _Blocks):
    """Aggregation, rule and negation neurons of every needed ground rule, and their edges."""
    rank = _rule_order(program)
    weighted_atoms: dict[int, list[np.ndarray]] = {}
    for index, gr in enumerate(program.rules):
        rule = gr.rule.rule
        head_predicate = gr.rule.head.predicate
        kept = np.flatnonzero(needed[head_predicate][gr.head])
        if kept.shape[0] == 0:
            continue
        activation, combination, aggregation = functions.rule(rule)
        literals = [gr.rule.body[p].literal for p in gr.visible]
        body_weights = [_weight_id(weights, lit.weight, rule) for lit in literals]
        weighted = rule.offset is not None or \
            any(lit.weight is not None for lit in rule.body)
        table = program.tables[head_predicate]
        heads, agg_of = np.unique(gr.head[kept], return_inverse=True)
        n, m = kept.shape[0], heads.shape[0]
        examples = table[heads, 0]
        aggs = blocks.add(m, Kind.AGGREGATION, Op.IDENTITY, aggregation, -1, examples,
                          _origin(index, heads, head_predicate, m))
        rule_ids = blocks.add(n, Kind.WEIGHTED_RULE if weighted else Kind.RULE, activation, combination,
                              _weight_id(weights, rule.offset, rule) if weighted else -1, table[gr.head[kept], 0],
                              _origin(index, kept, -1, n))
        for j, literal in enumerate(literals):
            inputs = neuron_of[literal.predicate][gr.body[kept, j]]
            if literal.negation is Negation.SOFT:
                negations = blocks.add(n, Kind.NEGATION, Op.REVERSE, Op.SUM, -1, table[gr.head[kept], 0],
                                       _origin(index, kept, gr.visible[j], n))
                blocks.connect(negations, inputs, -1, 0)
                inputs = negations
            blocks.connect(rule_ids, inputs, body_weights[j] if weighted else -1, j)
        blocks.connect(aggs[agg_of], rule_ids, -1, np.arange(n))
        atoms = neuron_of[head_predicate][heads]
        head_weight = _weight_id(weights, rule.head.weight, rule)
        blocks.connect(atoms, aggs, head_weight, rank[gr.rule.index])
        if head_weight >= 0:
            weighted_atoms.setdefault(head_predicate, []).append(heads)
    return weighted_atoms


def _weight_id(weights: WeightTable, weight, rule: Rule) -> int:
    """A rule's weight id.  Weights of example-local rules are not template parameters: fixed
    values become constants; a learnable one is an error (the reference silently zeroes it)."""
    if weight is None:
        return -1
    try:
        return weights.of(weight)
    except KeyError:
        if weight.fixed:
            return weights.constant(written_array(weight.value, weights.exact))
        raise TemplateError(f"the weight {weight} of an example's own rule cannot be learned (only template "
                            f"weights are parameters); write a fixed value such as <{weight.value}>",
                            rule.location, str(rule)) from None


def _weight_atoms(neurons, neuron_of, weighted_atoms, weights: WeightTable, functions: _Functions) -> None:
    """Atom neurons with some rule weight are weighted and take their predicate's offset
    (unweighted atom neurons ignore it, as in the reference)."""
    for predicate in functions.offsets:
        if predicate in neuron_of and predicate not in weighted_atoms:
            name, arity, _ = PREDICATES[predicate]
            warnings.warn(f"the offset of {name}/{arity} is ignored: none of its rules has a rule weight, so its "
                          "atom neurons are unweighted (as in the reference engine)", NeuraLogicLiteWarning,
                          stacklevel=2)
    for predicate, rows_list in weighted_atoms.items():
        ids = neuron_of[predicate][np.concatenate(rows_list)]
        neurons["kind"][ids] = Kind.WEIGHTED_ATOM
        declared = functions.offsets.get(predicate)
        meta = functions.metadata_offset(predicate)
        if declared is not None:
            neurons["offset"][ids] = weights.of(declared)
        elif meta is not None:
            neurons["offset"][ids] = weights.constant(written_array(meta, weights.exact))


# ----------------------------------------------------------------------------- assembly
def _csr(target: np.ndarray, n: int) -> np.ndarray:
    start = np.zeros(n + 1, np.int64)
    np.cumsum(np.bincount(target, minlength=n), out=start[1:])
    return start


def _assemble(program, neurons, edges, weights: WeightTable, outputs, source, groups, settings) -> NeuralGraph:
    n = neurons["kind"].shape[0]
    target, src, weight, position = edges
    order = input_order(target, position, n)
    src, weight = src[order], weight[order]
    input_start = _csr(target, n)

    level = levels(input_start, src)
    if (level < 0).any():
        target, position = target[order], position[order]
        if settings.cycles != "cut":
            cycle = find_cycle(input_start, src, level)
            describe = labels(program).describe
            names = " <- ".join(describe(Kind(int(neurons["kind"][v])), neurons["origin"][v]) for v in cycle[:6])
            raise NetworkError(f"the ground network has a cycle: {names}{' <- ...' if len(cycle) > 6 else ''}; "
                               "recursive rules feed their own groundings back (the setting cycles='cut', "
                               "--cycles cut on the command line, drops the back edges, as the reference does)")
        keep = cut_back_edges(input_start, src, outputs)
        target, src, weight, position = target[keep], src[keep], weight[keep], position[keep]
        input_start = _csr(target, n)
        level = levels(input_start, src)

    # renumber in a topological order that keeps each example's neurons together
    perm = np.lexsort((np.arange(n), level, neurons["example"]))
    new_id, input_start, src, weight = renumbered(perm, input_start, src, weight)
    kind, activation, reducer = (neurons[k][perm].astype(np.int8) for k in ("kind", "activation", "reducer"))
    offset, example = neurons["offset"][perm].astype(np.int32), neurons["example"][perm].astype(np.int32)
    origin = neurons["origin"][perm].astype(np.int32)
    outputs = new_id[outputs].astype(np.int32)
    group_start, group_outputs = groups[0], new_id[groups[1]]

    rows, cols, failed, code, shapes = infer_shapes(kind, reducer, activation, offset, input_start, src, weight,
                                                    weights.rows, weights.cols)
    if failed >= 0:
        _shape_error(program, kind, origin, failed, code, shapes)
    value_start = np.zeros(n + 1, np.int64)
    np.cumsum(rows.astype(np.int64) * cols, out=value_start[1:])
    sample_start, sample_neurons = _sample_networks(input_start, src, example, outputs, group_start, group_outputs)
    return NeuralGraph(kind, activation, reducer, offset, rows, cols, value_start, input_start, example, origin,
                       src, weight, sample_start, sample_neurons, outputs, source, weights, labels(program))


def _sample_networks(input_start, src, example, outputs, group_start, group_outputs):
    """Each sample's network: its output's support (or its group's union, see ``_expand_queries``).
    When an example has one sample, that is every neuron of the example: a contiguous range."""
    per_example = np.bincount(example[outputs], minlength=int(example.max()) + 1 if example.size else 0) \
        if outputs.size else np.zeros(0, np.int64)
    if outputs.size and (per_example[example[outputs]] == 1).all():
        start = _csr(example.astype(np.int64), int(example.max()) + 1)
        first, last = start[example[outputs]], start[example[outputs] + 1]
        sample_start = np.concatenate([[0], np.cumsum(last - first)]).astype(np.int64)
        neurons = np.arange(sample_start[-1]) + np.repeat(first - sample_start[:-1], last - first)
        return sample_start, neurons.astype(np.int32)
    sample_start, neurons = supports(input_start, src, group_start, group_outputs)
    return sample_start, neurons.astype(np.int32)


# ----------------------------------------------------------------------------- messages
def _atom_text(program: GroundProgram, predicate: int, row: int) -> str:
    name, arity, special = PREDICATES[predicate]
    args = program.tables[predicate][row, 1:]
    text = ("@" if special else "") + name
    return f"{text}({', '.join(CONSTANTS[int(a)] for a in args)})" if arity else text


def _rule_text(program: GroundProgram, rule_index: int, grounding: int) -> str:
    gr = program.rules[rule_index]
    head = _atom_text(program, gr.rule.head.predicate, int(gr.head[grounding]))
    body = [("~" if gr.rule.body[p].literal.negation is Negation.SOFT else "")
            + _atom_text(program, gr.rule.body[p].predicate, int(gr.body[grounding, j]))
            for j, p in enumerate(gr.visible)]
    return f"{head} :- {', '.join(body)}."


def labels(program: GroundProgram) -> Labels:
    """Names for the neurons built from ``program`` (it stays referenced)."""
    return Labels(lambda p, r: _atom_text(program, p, r), lambda i, g: _rule_text(program, i, g))


def _shape_error(program, kind, origin, failed: int, code: int, shapes) -> None:
    a, b, c = (int(x) for x in origin[failed])
    k = Kind(int(kind[failed]))
    if k in (Kind.RULE, Kind.WEIGHTED_RULE):
        rule = program.rules[a].rule.rule
        where, text = rule.location, str(rule)
    else:
        where, text = None, _atom_text(program, a, b) if k != Kind.AGGREGATION else _atom_text(program, c, b)
    if code == PRODUCT_MISMATCH:
        message = (f"cannot multiply a {shapes[0]}x{shapes[1]} weight (or value) by a {shapes[2]}x{shapes[3]} "
                   "value: the inner dimensions differ")
    elif code == COSSIM_INPUTS:
        message = f"cossim combines exactly 2 inputs, this neuron has {shapes[0]}"
    else:
        message = (f"cannot combine a {shapes[0]}x{shapes[1]} value with a {shapes[2]}x{shapes[3]} value "
                   "element-wise")
    raise TemplateError(f"{message} (in the neuron of {labels(program).describe(k, origin[failed])})", where, text)
