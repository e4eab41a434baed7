"""The one rewiring step every lifting and pruning mode ends with.

Given a mapping neuron -> kept neuron (never a later one), every input edge that pointed at a
neuron now points at its kept neuron.  Duplicate edges stay, so sums, the denominators of
averages and the accumulated gradients are unchanged.  Then whatever the outputs no longer
reach is dropped, and the rest is renumbered in the same (topological) order.
"""
from __future__ import annotations

import dataclasses

import numpy as np
from numba import njit

from ..network.graph import NeuralGraph
from ..network.topology import supports


@njit(cache=True)
def _resolve(mapping):
    # follow chains (a -> b -> c) to their end; mapping[v] <= v, so one pass in order suffices
    rep = mapping.copy()
    for v in range(rep.shape[0]):
        rep[v] = rep[rep[v]]
    return rep


@njit(cache=True)
def _reachable(input_start, edge_src, rep, roots):
    # parents come after their inputs, so one sweep from the last neuron down marks everything
    n = input_start.shape[0] - 1
    mark = np.zeros(n, np.bool_)
    for r in roots:
        if r >= 0:
            mark[r] = True
    for v in range(n - 1, -1, -1):
        if mark[v]:
            for e in range(input_start[v], input_start[v + 1]):
                mark[rep[edge_src[e]]] = True
    return mark


def resolve(mapping: np.ndarray) -> np.ndarray:
    """The mapping with chains followed to their end (each neuron to a neuron mapped to itself)."""
    mapping = np.ascontiguousarray(mapping, np.int64)
    if (mapping > np.arange(mapping.shape[0])).any():
        raise ValueError("a lifting mapping must send every neuron to itself or to an earlier neuron")
    return _resolve(mapping)


def rewire(graph: NeuralGraph, mapping: np.ndarray) -> NeuralGraph:
    """Apply ``mapping`` (neuron -> kept neuron), drop the unreachable, renumber.

    Returns ``graph`` itself when nothing changes.
    """
    n = graph.neuron_count
    rep = resolve(mapping)
    input_start = graph.input_start.astype(np.int64)
    outputs = graph.output.astype(np.int64)
    roots = np.where(outputs >= 0, rep[np.maximum(outputs, 0)], -1)
    kept = _reachable(input_start, graph.edge_src.astype(np.int64), rep, roots)
    if kept.all() and (rep == np.arange(n)).all():
        return graph

    new_id = np.cumsum(kept) - 1
    fan_in = np.diff(input_start)
    edge_kept = np.repeat(kept, fan_in)
    edge_src = new_id[rep[graph.edge_src[edge_kept]]].astype(np.int32)
    edge_weight = graph.edge_weight[edge_kept]
    new_input_start = np.zeros(int(kept.sum()) + 1, np.int64)
    np.cumsum(fan_in[kept], out=new_input_start[1:])
    rows, cols = graph.rows[kept], graph.cols[kept]
    value_start = np.zeros(rows.shape[0] + 1, np.int64)
    np.cumsum(rows.astype(np.int64) * cols, out=value_start[1:])
    output = np.where(roots >= 0, new_id[np.maximum(roots, 0)], -1).astype(np.int32)
    sample_start, sample_neurons = _sample_supports(graph, new_input_start, edge_src, rep, new_id)
    return dataclasses.replace(
        graph, kind=graph.kind[kept], activation=graph.activation[kept], reducer=graph.reducer[kept],
        offset=graph.offset[kept], rows=rows, cols=cols, value_start=value_start, input_start=new_input_start,
        example=graph.example[kept], origin=graph.origin[kept], edge_src=edge_src, edge_weight=edge_weight,
        sample_start=sample_start, sample_neurons=sample_neurons, output=output)


def _sample_supports(graph: NeuralGraph, input_start, edge_src, rep, new_id):
    """Each sample's network in the new graph: what its roots reach.  A sample's roots are the
    outputs inside its old network (its own output, and the other queries of its example when
    they share one network)."""
    is_output = np.zeros(graph.neuron_count, bool)
    is_output[graph.output[graph.output >= 0]] = True
    neurons = graph.sample_neurons.astype(np.int64)
    selected = is_output[neurons]
    sample_of = np.repeat(np.arange(graph.sample_count), np.diff(graph.sample_start))
    group_start = np.zeros(graph.sample_count + 1, np.int64)
    np.cumsum(np.bincount(sample_of[selected], minlength=graph.sample_count), out=group_start[1:])
    roots = new_id[rep[neurons[selected]]]
    start, members = supports(input_start, edge_src, group_start, roots)
    return start, members.astype(np.int32)
