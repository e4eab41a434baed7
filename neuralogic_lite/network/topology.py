"""Graph kernels over the CSR input lists: topological levels, reachability, cycle cutting."""
from __future__ import annotations

import numpy as np

from ..heapsort import heapsort
from ..jit import njit


@njit(cache=True)
def _levels(input_start, edge_src, succ_start, succ):
    n = input_start.shape[0] - 1
    remaining = np.empty(n, np.int64)
    level = np.zeros(n, np.int64)
    queue = np.empty(n, np.int64)
    head = 0
    tail = 0
    for v in range(n):
        remaining[v] = input_start[v + 1] - input_start[v]
        if remaining[v] == 0:
            queue[tail] = v
            tail += 1
    while head < tail:
        v = queue[head]
        head += 1
        for k in range(succ_start[v], succ_start[v + 1]):
            w = succ[k]
            if level[v] + 1 > level[w]:
                level[w] = level[v] + 1
            remaining[w] -= 1
            if remaining[w] == 0:
                queue[tail] = w
                tail += 1
    for v in range(n):
        if remaining[v] > 0:
            level[v] = -1
    return level


def input_order(target: np.ndarray, position: np.ndarray, n: int) -> np.ndarray:
    """The edges in CSR order: by target, each target's inputs by ``position``, ties in edge
    order (what ``np.lexsort((position, target))`` gives, in linear time for small fan-ins)."""
    start = np.zeros(n + 1, np.int64)
    np.cumsum(np.bincount(target, minlength=n), out=start[1:])
    return _input_order(target, position, start)


@njit(cache=True)
def _input_order(target, position, start):
    order = np.empty(target.shape[0], np.int64)
    fill = start[:-1].copy()
    for e in range(target.shape[0]):      # a stable counting sort by target
        order[fill[target[e]]] = e
        fill[target[e]] += 1
    for v in range(start.shape[0] - 1):   # then each target's inputs by position, stably
        a, b = start[v], start[v + 1]
        if b - a > 32:   # stably: by (position, rank in edge order), one integer each
            m = b - a
            keys = np.empty(m, np.int64)
            for i in range(m):
                keys[i] = np.int64(position[order[a + i]]) * m + i
            heapsort(keys, 0, m)
            ranked = order[a:b].copy()
            for i in range(m):
                order[a + i] = ranked[keys[i] % m]
            continue
        for i in range(a + 1, b):
            e = order[i]
            j = i - 1
            while j >= a and position[order[j]] > position[e]:
                order[j + 1] = order[j]
                j -= 1
            order[j + 1] = e
    return order


@njit(cache=True)
def renumbered(perm, input_start, edge_src, edge_weight):
    """The CSR inputs after renumbering neuron ``perm[i]`` to ``i``: ``(new id of each old
    neuron, input_start, edge_src (int32), edge_weight (int32))``, each neuron's inputs kept in
    their order."""
    n = perm.shape[0]
    new_id = np.empty(n, np.int64)
    start = np.zeros(n + 1, np.int64)
    for i in range(n):
        new_id[perm[i]] = i
        start[i + 1] = start[i] + input_start[perm[i] + 1] - input_start[perm[i]]
    src = np.empty(edge_src.shape[0], np.int32)
    weight = np.empty(edge_src.shape[0], np.int32)
    for i in range(n):
        k = start[i]
        for e in range(input_start[perm[i]], input_start[perm[i] + 1]):
            src[k] = new_id[edge_src[e]]
            weight[k] = edge_weight[e]
            k += 1
    return new_id, start, src, weight


def successors(input_start: np.ndarray, edge_src: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """The transposed CSR: for every neuron, the neurons that take it as an input (in the
    order of their edges: a counting sort)."""
    start = np.zeros(n + 1, np.int64)
    np.cumsum(np.bincount(edge_src, minlength=n), out=start[1:])
    return start, _transpose(input_start, edge_src, start)


@njit(cache=True)
def _transpose(input_start, edge_src, start):
    succ = np.empty(edge_src.shape[0], np.int64)
    fill = start[:-1].copy()
    for v in range(input_start.shape[0] - 1):
        for k in range(input_start[v], input_start[v + 1]):
            u = edge_src[k]
            succ[fill[u]] = v
            fill[u] += 1
    return succ


def levels(input_start: np.ndarray, edge_src: np.ndarray) -> np.ndarray:
    """Longest path from an input-less neuron to each neuron; -1 for neurons on or after a cycle."""
    n = input_start.shape[0] - 1
    succ_start, succ = successors(input_start, edge_src, n)
    return _levels(input_start, edge_src.astype(np.int64), succ_start, succ)


@njit(cache=True)
def _find_cycle(input_start, edge_src, stuck):
    # follow inputs that are stuck (on or after a cycle) until a neuron repeats
    n = input_start.shape[0] - 1
    seen = np.full(n, -1, np.int64)
    path = np.empty(n + 1, np.int64)
    v = -1
    for u in range(n):
        if stuck[u]:
            v = u
            break
    length = 0
    while v >= 0 and seen[v] < 0:
        seen[v] = length
        path[length] = v
        length += 1
        nxt = -1
        for k in range(input_start[v], input_start[v + 1]):
            if stuck[edge_src[k]]:
                nxt = edge_src[k]
                break
        v = nxt
    if v < 0:
        return path[:0]
    return path[seen[v]:length].copy()


def find_cycle(input_start: np.ndarray, edge_src: np.ndarray, level: np.ndarray) -> np.ndarray:
    """Neurons forming one cycle (each an input of the previous one), given ``levels``' -1 marks."""
    return _find_cycle(input_start, edge_src.astype(np.int64), level < 0)


@njit(cache=True)
def _cut_back_edges(input_start, edge_src, starts):
    # depth-first from each start, inputs in order; an input that is still open is a back edge
    n = input_start.shape[0] - 1
    state = np.zeros(n, np.int8)   # 0 new, 1 open, 2 done
    keep = np.ones(edge_src.shape[0], np.bool_)
    stack = np.empty(n + 1, np.int64)
    cursor = np.empty(n + 1, np.int64)
    for s in starts:
        if s < 0 or state[s] != 0:
            continue
        top = 0
        stack[0] = s
        cursor[0] = input_start[s]
        state[s] = 1
        while top >= 0:
            v = stack[top]
            k = cursor[top]
            if k == input_start[v + 1]:
                state[v] = 2
                top -= 1
                continue
            cursor[top] = k + 1
            w = edge_src[k]
            if state[w] == 1:
                keep[k] = False
            elif state[w] == 0:
                state[w] = 1
                top += 1
                stack[top] = w
                cursor[top] = input_start[w]
    return keep


def cut_back_edges(input_start: np.ndarray, edge_src: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """A mask of the edges to keep: the reference's cycle breaking (DFS from ``starts``)."""
    return _cut_back_edges(input_start, edge_src.astype(np.int64), starts.astype(np.int64))


@njit(cache=True)
def _supports(input_start, edge_src, group_start, group_outputs):
    # for each group of outputs, every neuron reachable from them, in id (topological) order
    n = input_start.shape[0] - 1
    groups = group_start.shape[0] - 1
    stamp = np.full(n, -1, np.int64)
    stack = np.empty(n, np.int64)
    start = np.zeros(groups + 1, np.int64)
    out = np.empty(max(n, 16), np.int64)
    size = 0
    for g in range(groups):
        top = 0
        for i in range(group_start[g], group_start[g + 1]):
            o = group_outputs[i]
            if o >= 0 and stamp[o] != g:
                stamp[o] = g
                stack[top] = o
                top += 1
        first = size
        while top > 0:
            top -= 1
            v = stack[top]
            if size == out.shape[0]:
                bigger = np.empty(2 * out.shape[0], np.int64)
                for i in range(size):   # not a slice assignment: that compiles numba's broadcasting
                    bigger[i] = out[i]
                out = bigger
            out[size] = v
            size += 1
            for k in range(input_start[v], input_start[v + 1]):
                w = edge_src[k]
                if stamp[w] != g:
                    stamp[w] = g
                    stack[top] = w
                    top += 1
        heapsort(out, first, size)
        start[g + 1] = size
    return start, out[:size].copy()


def supports(input_start: np.ndarray, edge_src: np.ndarray, group_start: np.ndarray,
             group_outputs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """CSR of the neurons reachable from each group of outputs, in id (topological) order."""
    return _supports(input_start, edge_src.astype(np.int64), group_start.astype(np.int64),
                     group_outputs.astype(np.int64))
