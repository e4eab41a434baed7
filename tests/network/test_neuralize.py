"""Neuralization of small programs, checked against networks written out by hand from the
template semantics (docs/semantics.md, "Neurons"): which neurons, their functions, their
inputs and weights, the weight table, value offsets and the samples."""
from __future__ import annotations

import numpy as np

from neuralogic_lite import parse_samples, parse_template
from neuralogic_lite.grounding.ground import ground
from neuralogic_lite.network.graph import Kind, NeuralGraph
from neuralogic_lite.network.neuralize import neuralize
from neuralogic_lite.ops import Op
from neuralogic_lite.settings import profile

SETTINGS = profile("neuralogic")    # atoms and rules tanh, aggregation avg, combinations sum
UNIT = -1                           # the fixed weight 1 on an edge; no offset on a neuron


def _network(template: str, examples: str, queries: str) -> NeuralGraph:
    parsed = parse_template(template)
    return neuralize(ground(parsed, parse_samples(examples, queries)), parsed, SETTINGS)


def _neurons(graph: NeuralGraph) -> dict[str, tuple]:
    """Each neuron by its name: (kind, activation, reducer, offset, (rows, cols), [(input, weight)])."""
    names = [graph.describe(n) for n in range(graph.neuron_count)]
    assert len(set(names)) == len(names)
    return {names[n]: (Kind(graph.kind[n]), Op(graph.activation[n]), Op(graph.reducer[n]), int(graph.offset[n]),
                       (int(graph.rows[n]), int(graph.cols[n])),
                       [(names[s], int(w)) for s, w in zip(graph.inputs(n), graph.edge_weight[
                           graph.input_start[n]:graph.input_start[n + 1]])])
            for n in range(graph.neuron_count)}


def _weights(graph: NeuralGraph) -> list[tuple]:
    table = graph.weights
    return [(name, (rows, cols), learnable, None if initial is None else initial.ravel().tolist())
            for name, rows, cols, learnable, initial in zip(table.names, table.rows, table.cols, table.learnable,
                                                            table.initial)]


def _check_layout(graph: NeuralGraph) -> None:
    """Every neuron after its inputs; values packed one after another in neuron order."""
    for n in range(graph.neuron_count):
        assert (graph.inputs(n) < n).all()
    sizes = graph.rows.astype(np.int64) * graph.cols
    assert graph.value_start.tolist() == [0, *np.cumsum(sizes).tolist()]


def test_a_rule_grounded_twice():
    """``h(a)`` has two groundings (Y = b, c): two rule neurons, weighted by the body weights
    (w1 on e, w2 on f), averaged by one aggregation neuron, weighted into the atom by the head
    weight w0.  f(d) grounds no rule of h(a): no neuron."""
    graph = _network("0.5 h(X) :- 2.0 e(X, Y), 3.0 f(Y).", "e(a, b), e(a, c), f(b), f(c), f(d).", "h(a).")
    fact = (Kind.FACT, Op.IDENTITY, Op.SUM, 3, (1, 1), [])          # value: the constant c3 = 1
    assert _neurons(graph) == {
        "fact e(a, b)": fact, "fact e(a, c)": fact, "fact f(b)": fact, "fact f(c)": fact,
        "weighted rule h(a) :- e(a, b), f(b).": (Kind.WEIGHTED_RULE, Op.TANH, Op.SUM, UNIT, (1, 1),
                                                 [("fact e(a, b)", 1), ("fact f(b)", 2)]),
        "weighted rule h(a) :- e(a, c), f(c).": (Kind.WEIGHTED_RULE, Op.TANH, Op.SUM, UNIT, (1, 1),
                                                 [("fact e(a, c)", 1), ("fact f(c)", 2)]),
        "aggregation of rule 0 for h(a)": (Kind.AGGREGATION, Op.IDENTITY, Op.AVG, UNIT, (1, 1),
                                           [("weighted rule h(a) :- e(a, b), f(b).", UNIT),
                                            ("weighted rule h(a) :- e(a, c), f(c).", UNIT)]),
        "weighted atom h(a)": (Kind.WEIGHTED_ATOM, Op.TANH, Op.SUM, UNIT, (1, 1),
                               [("aggregation of rule 0 for h(a)", 0)]),
    }
    assert _weights(graph) == [("w0", (1, 1), True, [0.5]), ("w1", (1, 1), True, [2.0]),
                               ("w2", (1, 1), True, [3.0]), ("c3", (1, 1), False, [1.0])]
    assert graph.edge_count == 2 + 2 + 2 + 1
    _check_layout(graph)
    assert graph.value_start[-1] == 8                                # eight scalars
    assert graph.output.tolist() == [graph.neuron_count - 1]         # h(a), last in topological order
    assert graph.sample_start.tolist() == [0, 8] and sorted(graph.sample_neurons) == list(range(8))


TWO_RULES = """{2,2} h(X) :- {2,3} v(X), {2,1} ~g(X), [0.5, -0.5]. [activation=sigmoid]
h(X) :- w(X). [aggregation=max]
h/1 [1.0, 2.0]"""


def test_two_rules_negation_offsets_and_vectors():
    """Two rules derive h: the first weighted (matrices w1, w2 on its inputs, learnable offset w3,
    sigmoid), its negated literal through a negation neuron (1 - g); the second unweighted, its
    aggregation max.  The atom sums both aggregations, the first through the head weight w0,
    and adds the predicate offset w4.  Two examples, one network each."""
    examples = "[1, 2, 3] v(a), 0.5 g(a), [0.1, 0.2] w(a).\n[4, 5, 6] v(b), 0.25 g(b), [0.3, 0.4] w(b)."
    graph = _network(TWO_RULES, examples, "h(a).\nh(b).")
    expected = {}
    for x, facts in (("a", (6, 7, 8)), ("b", (9, 10, 11))):        # the constants holding v(x), g(x), w(x)
        weighted, plain = f"h({x}) :- v({x}), ~g({x}).", f"h({x}) :- w({x})."
        expected |= {
            f"fact v({x})": (Kind.FACT, Op.IDENTITY, Op.SUM, facts[0], (3, 1), []),
            f"fact g({x})": (Kind.FACT, Op.IDENTITY, Op.SUM, facts[1], (1, 1), []),
            f"fact w({x})": (Kind.FACT, Op.IDENTITY, Op.SUM, facts[2], (2, 1), []),
            f"negation of body literal 2 in {weighted}": (Kind.NEGATION, Op.REVERSE, Op.SUM, UNIT, (1, 1),
                                                          [(f"fact g({x})", UNIT)]),
            f"weighted rule {weighted}": (Kind.WEIGHTED_RULE, Op.SIGMOID, Op.SUM, 3, (2, 1),
                                          [(f"fact v({x})", 1), (f"negation of body literal 2 in {weighted}", 2)]),
            f"rule {plain}": (Kind.RULE, Op.TANH, Op.SUM, UNIT, (2, 1), [(f"fact w({x})", UNIT)]),
            f"aggregation of rule 0 for h({x})": (Kind.AGGREGATION, Op.IDENTITY, Op.AVG, UNIT, (2, 1),
                                                  [(f"weighted rule {weighted}", UNIT)]),
            f"aggregation of rule 1 for h({x})": (Kind.AGGREGATION, Op.IDENTITY, Op.MAX, UNIT, (2, 1),
                                                  [(f"rule {plain}", UNIT)]),
            f"weighted atom h({x})": (Kind.WEIGHTED_ATOM, Op.TANH, Op.SUM, 4, (2, 1),
                                      [(f"aggregation of rule 0 for h({x})", 0),
                                       (f"aggregation of rule 1 for h({x})", UNIT)]),
        }
    assert _neurons(graph) == expected
    assert _weights(graph) == [
        ("w0", (2, 2), True, None), ("w1", (2, 3), True, None), ("w2", (2, 1), True, None),   # drawn at random
        ("w3", (2, 1), True, [0.5, -0.5]), ("w4", (2, 1), True, [1.0, 2.0]), ("c5", (1, 1), False, [1.0]),
        ("c6", (3, 1), False, [1.0, 2.0, 3.0]), ("c7", (1, 1), False, [0.5]), ("c8", (2, 1), False, [0.1, 0.2]),
        ("c9", (3, 1), False, [4.0, 5.0, 6.0]), ("c10", (1, 1), False, [0.25]), ("c11", (2, 1), False, [0.3, 0.4])]
    assert graph.edge_count == 2 * (1 + 2 + 1 + 1 + 1 + 2)
    _check_layout(graph)
    assert graph.value_start[-1] == 2 * (3 + 1 + 2 + 1 + 2 + 2 + 2 + 2 + 2)
    # each example's neurons together, the first's first; each sample is its example's network
    assert graph.example.tolist() == [0] * 9 + [1] * 9
    assert graph.sample_start.tolist() == [0, 9, 18]
    assert [graph.describe(int(n)) for n in graph.output] == ["weighted atom h(a)", "weighted atom h(b)"]
    networks = np.split(graph.sample_neurons, graph.sample_start[1:-1])
    assert [sorted(network) for network in networks] == [list(range(9)), list(range(9, 18))]


def test_a_query_with_a_variable_is_one_sample_per_answer():
    graph = _network("h(X) :- f(X).", "f(a), f(b), g(c).", "h(X).")
    assert sorted(_neurons(graph)) == sorted([
        "fact f(a)", "rule h(a) :- f(a).", "aggregation of rule 0 for h(a)", "atom h(a)",
        "fact f(b)", "rule h(b) :- f(b).", "aggregation of rule 0 for h(b)", "atom h(b)"])
    assert graph.source.tolist() == [0, 0]                     # both answer the one query
    assert sorted(graph.describe(int(n)) for n in graph.output) == ["atom h(a)", "atom h(b)"]
    assert graph.sample_sizes().tolist() == [4, 4]             # fact, rule, aggregation, atom each
