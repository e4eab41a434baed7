"""The one rewiring step every lifting and pruning mode ends with.

Given a mapping neuron -> kept neuron, every input edge that pointed at a neuron now points
at its kept neuron.  Duplicate edges stay, so sums, the denominators of averages and the
accumulated gradients are unchanged.  Then whatever the outputs no longer reach is dropped,
and the rest is renumbered in the same (topological) order.
"""
from __future__ import annotations

import dataclasses

import numpy as np

from ..jit import njit
from ..network.graph import NeuralGraph
from ..network.topology import levels, supports


@njit(cache=True)
def _resolve(mapping):
    # follow chains (a -> b -> c) to their end; an empty result marks a cycle
    n = mapping.shape[0]
    rep = mapping.copy()
    for v in range(n):
        r = rep[v]
        steps = 0
        while rep[r] != r and steps <= n:
            r = rep[r]
            steps += 1
        if steps > n:
            return rep[:0]
        u = v
        while rep[u] != r:     # path compression
            w = rep[u]
            rep[u] = r
            u = w
    return rep


@njit(cache=True)
def _reachable(input_start, edge_src, rep, roots):
    # the neurons the roots reach once every input is replaced by its kept neuron.  When each
    # neuron is kept by itself or an earlier one (pruning, structural lifting), inputs come
    # before the neurons that read them, so one sweep from the last neuron down finds them all,
    # in memory order; otherwise a depth-first search.
    n = input_start.shape[0] - 1
    mark = np.zeros(n, np.bool_)
    earlier = True
    for v in range(n):
        if rep[v] > v:
            earlier = False
            break
    if earlier:
        for r in roots:
            if r >= 0:
                mark[r] = True
        for v in range(n - 1, -1, -1):
            if mark[v]:
                for e in range(input_start[v], input_start[v + 1]):
                    mark[rep[edge_src[e]]] = True
        return mark
    stack = np.empty(n, np.int64)
    top = 0
    for r in roots:
        if r >= 0 and not mark[r]:
            mark[r] = True
            stack[top] = r
            top += 1
    while top > 0:
        top -= 1
        v = stack[top]
        for e in range(input_start[v], input_start[v + 1]):
            w = rep[edge_src[e]]
            if not mark[w]:
                mark[w] = True
                stack[top] = w
                top += 1
    return mark


def kept_size(graph: NeuralGraph, mapping: np.ndarray) -> tuple[int, int]:
    """(neurons, edges) that ``rewire(graph, mapping)`` would keep, without building it."""
    rep = resolve(mapping)
    outputs = graph.output.astype(np.int64)
    kept = _reachable(graph.input_start, graph.edge_src, rep, np.where(outputs >= 0, rep[np.maximum(outputs, 0)], -1))
    return int(kept.sum()), int(np.diff(graph.input_start)[kept].sum())


def resolve(mapping: np.ndarray) -> np.ndarray:
    """The mapping with chains followed to their end (each neuron to a neuron mapped to itself)."""
    rep = _resolve(np.ascontiguousarray(mapping, np.int64))
    if rep.shape[0] != mapping.shape[0]:
        raise ValueError("a lifting mapping must not map neurons in a cycle")
    return rep


@njit(cache=True)
def _edges_in(input_start, edge_src, edge_weight, rep, kept, new_id):
    # the input lists of the neurons ``kept`` (old ids, in their new order), inputs renumbered
    edges = 0
    for v in kept:
        edges += input_start[v + 1] - input_start[v]
    start = np.zeros(kept.shape[0] + 1, np.int64)
    src = np.empty(edges, np.int32)
    weight = np.empty(edges, np.int32)
    e = 0
    for k in range(kept.shape[0]):
        v = kept[k]
        for i in range(input_start[v], input_start[v + 1]):
            src[e] = new_id[rep[edge_src[i]]]
            weight[e] = edge_weight[i]
            e += 1
        start[k + 1] = e
    return start, src, weight


def rewire(graph: NeuralGraph, mapping: np.ndarray) -> NeuralGraph:
    """Apply ``mapping`` (neuron -> kept neuron), drop the unreachable, renumber.

    The kept neurons keep their relative order when that is still topological (a mapping to
    earlier neurons only: pruning, structural lifting); otherwise they are sorted again by
    example and depth.  Returns ``graph`` itself when nothing changes.
    """
    n = graph.neuron_count
    rep = resolve(mapping)
    input_start, edge_src = graph.input_start, graph.edge_src
    outputs = graph.output.astype(np.int64)
    roots = np.where(outputs >= 0, rep[np.maximum(outputs, 0)], -1)
    kept = _reachable(input_start, edge_src, rep, roots)
    if kept.all() and (rep == np.arange(n)).all():
        return graph

    kept = np.flatnonzero(kept)
    edge_weight = graph.edge_weight
    new_id = np.full(n, -1, np.int64)
    new_id[kept] = np.arange(kept.shape[0])
    new_input_start, new_src, new_weight = _edges_in(input_start, edge_src, edge_weight, rep, kept, new_id)
    targets = np.repeat(np.arange(kept.shape[0]), np.diff(new_input_start))
    if (new_src >= targets).any():   # kept neurons that come after their parents: sort again
        level = levels(new_input_start, new_src)
        kept = kept[np.lexsort((np.arange(kept.shape[0]), level, graph.example[kept]))]
        new_id[kept] = np.arange(kept.shape[0])
        new_input_start, new_src, new_weight = _edges_in(input_start, edge_src, edge_weight, rep, kept, new_id)
    rows, cols = graph.rows[kept], graph.cols[kept]
    value_start = np.zeros(rows.shape[0] + 1, np.int64)
    np.cumsum(rows.astype(np.int64) * cols, out=value_start[1:])
    output = np.where(roots >= 0, new_id[np.maximum(roots, 0)], -1).astype(np.int32)
    example = graph.example[kept]
    sample_start, sample_neurons = _sample_supports(graph, new_input_start, new_src, example, output, rep, new_id)
    return dataclasses.replace(
        graph, kind=graph.kind[kept], activation=graph.activation[kept], reducer=graph.reducer[kept],
        offset=graph.offset[kept], rows=rows, cols=cols, value_start=value_start, input_start=new_input_start,
        example=example, origin=graph.origin[kept], edge_src=new_src, edge_weight=new_weight,
        sample_start=sample_start, sample_neurons=sample_neurons, output=output)


def _sample_supports(graph: NeuralGraph, input_start, edge_src, example, output, rep, new_id):
    """Each sample's network in the new graph: what its roots reach.  A sample's roots are the
    outputs inside its old network (its own output, and the other queries of its example when
    they share one network).  When every sample is alone in its example and no edge crosses
    examples, each network is its example's (contiguous) range of neurons."""
    counts = np.bincount(example, minlength=int(example.max()) + 1 if example.size else 0)
    if output.size and (output >= 0).all():
        mine = example[output]
        alone = (np.bincount(mine, minlength=counts.shape[0])[mine] == 1).all()
        targets = np.repeat(example, np.diff(input_start))
        if alone and (example[edge_src] == targets).all() and (np.diff(example) >= 0).all():
            start = np.zeros(counts.shape[0] + 1, np.int64)
            np.cumsum(counts, out=start[1:])
            sizes = counts[mine]
            sample_start = np.zeros(output.shape[0] + 1, np.int64)
            np.cumsum(sizes, out=sample_start[1:])
            if (np.diff(mine) == 1).all() and mine[0] == 0 and mine[-1] == counts.shape[0] - 1:
                return sample_start, np.arange(example.shape[0], dtype=np.int32)
            return sample_start, np.concatenate([np.arange(start[x], start[x + 1]) for x in mine]).astype(np.int32)
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
