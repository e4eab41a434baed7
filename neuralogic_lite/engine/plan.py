"""The execution plan: a set of neurons grouped into stages of dense matrix products.

Per-neuron passes multiply a weight matrix by an input once per edge; at GNN widths that is
almost all the time, in many small products.  A plan runs the same neurons as PyG runs a
layer: gather, transform once, reduce.

- Neurons are grouped into *stages* (``levels``): each neuron's stage comes after its inputs',
  so every input of a stage is ready before the stage runs.
- In each stage, the *product edges* (a matrix weight W times a column input, into a neuron
  that sums or averages) are grouped by weight into *blocks*.  A block's products are one
  BLAS call, ``Y = X @ W.T``, over its *rows*, picked per block for the fewer products:
  - one row per distinct input neuron (a neighbour used by many neurons is multiplied once);
  - or one row per neuron, holding the sum of that neuron's inputs under W
    (``W x1 + W x2 = W (x1 + x2)``: a GCN's self and neighbour terms cost one product).
- The neurons of the stage then run the per-neuron pass, which reads a product edge's
  result from its row (``Products.edge_row``) instead of multiplying, and everything else
  (offsets, unit edges, scalar weights, other combinations, activations) as always.
- Backward mirrors it: the per-neuron pass leaves dL/dY in the rows, and each block adds
  ``dY.T @ X`` to dL/dW and scatters ``dY @ W`` to its inputs.

This module builds plans; ``engine.dense`` runs them.

Which edges are product edges is decided once per graph (``product_edges``): weights with
fewer than ``PRODUCT_MIN`` elements (``PRODUCT_MIN_BATCHED`` for minibatches) stay in the
per-neuron pass, where small products are faster than a BLAS call.  A graph without product
edges keeps the per-neuron passes with their width specialization (``neuron.lanes_of``).
"""
from __future__ import annotations

from collections import namedtuple

import numpy as np

from ..jit import njit
from .neuron import AVG, FOLDED, INLINE, SUM, WEIGHTED_ATOM, WEIGHTED_RULE, Products

#: A weight takes part in product blocks from this many elements on; below, the per-neuron
#: passes' products are faster.  Measured on the zoo GCN over mutagenesis (widths 6 to 16,
#: float64, one thread): online epochs (a plan per sample) gain from 14 x 14 on, minibatches
#: of 32 from 8 x 8.  (Evaluation follows online epochs: one compiled way per network.)
PRODUCT_MIN, PRODUCT_MIN_BATCHED = 196, 64

#: The plan of one set of neurons (arrays sized for the whole graph, reused by every plan):
#:  level (N,) int32, static: each neuron's stage (``levels``); product_edge (E,) int8, static:
#:  1 for edges that run in blocks; order: the planned neurons by stage; stage_start (L+2,);
#:  block_start (L+2,): the blocks of each stage; block_weight, block_row_start (B+1),
#:  block_y, block_x (where the block's Y and X start in ``products.y`` and ``x``; the forward
#:  pass's X stays for the backward pass); row_src_start (R+1,), row_src: the inputs summed
#:  into each row; products: edge_row, y, gy (``neuron.Products``); x; gx, gw: scratch;
#:  stamp, row_of, weight_stamp, weight_count, weight_pos, touched, bucket, bucket_dst: the
#:  builder's scratch; size: [stages used, blocks, rows, row inputs, y used, stamp counter].
Plan = namedtuple("Plan", "level product_edge order stage_start block_start block_weight block_row_start block_y "
                          "block_x row_src_start row_src products x gx gw stamp row_of weight_stamp weight_count "
                          "weight_pos touched bucket bucket_dst size")


def product_edges(net, wrows, wcols, least: int = PRODUCT_MIN) -> np.ndarray:
    """int8 per edge of ``net`` (``neuron.Net``): 1 where a matrix weight (``least`` elements or
    more) multiplies a column input into a neuron that sums or averages: the per-neuron pass's
    matrix-times-vector case.  (A loop, not array expressions: no per-edge temporaries.)"""
    return _product_edges(net.kind, net.reducer, net.value_start, net.input_start, net.edge_src, net.edge_weight,
                          wrows, wcols, max(least, 2))


@njit(cache=True)
def _product_edges(kind, reducer, value_start, input_start, edge_src, edge_weight, wrows, wcols, least):
    out = np.zeros(edge_src.shape[0], np.int8)
    for v in range(kind.shape[0]):
        if not ((kind[v] == WEIGHTED_ATOM or kind[v] == WEIGHTED_RULE) and (reducer[v] == SUM or reducer[v] == AVG)):
            continue
        size = value_start[v + 1] - value_start[v]
        for e in range(input_start[v], input_start[v + 1]):
            w = edge_weight[e]
            if w < 0:
                continue
            x = edge_src[e]
            xn = value_start[x + 1] - value_start[x]
            if wrows[w] * wcols[w] >= least and xn != 1 and xn == wcols[w] and wrows[w] == size:
                out[e] = 1
    return out


@njit(cache=True)
def levels(input_start, edge_src):
    """Each neuron's stage: as late as its consumers allow (outputs last).  Later than its
    depth where it can be: a layer's neurons then share a stage even where pruning left some
    of them a shorter path from the inputs, so its products are one block, not several."""
    n = input_start.shape[0] - 1
    depth = np.zeros(n, np.int32)
    for v in range(n):
        for e in range(input_start[v], input_start[v + 1]):
            depth[v] = max(depth[v], depth[edge_src[e]] + 1)
    last = depth.max() if n else 0
    level = np.full(n, last, np.int32)
    for v in range(n - 1, -1, -1):
        for e in range(input_start[v], input_start[v + 1]):
            x = edge_src[e]
            level[x] = min(level[x], level[v] - 1)
    return level


def plan_space(net, wrows, wcols, least: int = PRODUCT_MIN, dtype=np.float64) -> Plan | None:
    """The plan's arrays for ``net`` (``neuron.Net``), or None when no edge runs in blocks
    (``least``: the fewest elements of a weight whose products run in blocks; ``dtype``: the
    neuron values' type, which the products are computed in)."""
    product = product_edges(net, wrows, wcols, least)
    if not product.any():
        return None
    n, e = net.kind.shape[0], net.edge_src.shape[0]
    level = levels(net.input_start, net.edge_src)
    depth = int(level.max()) + 2 if n else 2
    used = np.flatnonzero(product)
    w = net.edge_weight[used].astype(np.int64)
    y_size = int(wrows[w].sum())                       # every product edge its own row, at most
    x_size = int(wcols[w].sum())
    weights = wrows.shape[0]
    z = lambda k, t=np.int64: np.zeros(max(int(k), 1), t)  # noqa: E731
    rows = used.shape[0]
    products = Products(np.full(e, INLINE, np.int64), z(y_size, dtype), z(y_size, dtype))
    return Plan(level=level, product_edge=product, order=z(n, np.int32), stage_start=z(depth + 1),
                block_start=z(depth + 1), block_weight=z(rows), block_row_start=z(rows + 1), block_y=z(rows),
                block_x=z(rows), row_src_start=z(rows + 1), row_src=z(rows), products=products,
                x=z(x_size, dtype), gx=z(x_size, dtype), gw=z(int((wrows * wcols).max()), dtype),
                stamp=np.full(n, -1, np.int64), row_of=z(n), weight_stamp=np.full(weights, -1, np.int64),
                weight_count=z(weights), weight_pos=z(weights), touched=z(weights), bucket=z(rows),
                bucket_dst=z(rows), size=z(6))


# ----------------------------------------------------------------------------- building
@njit(cache=True)
def build(plan, neurons, first, last, active, input_start, edge_src, edge_weight, prows, pcols):
    """Plan ``neurons[first:last]`` (ascending ids) whose ``active`` flag is set: sorted into
    stages (``levels``), then each stage's product edges as blocks of rows.  Linear in the
    neurons' edges."""
    level = plan.level
    depth = plan.stage_start.shape[0] - 2
    count = plan.stage_start
    for d in range(depth + 2):
        count[d] = 0
    for p in range(first, last):
        v = neurons[p]
        if active[v]:
            count[level[v] + 1] += 1
    for d in range(depth + 1):
        count[d + 1] += count[d]
    fill = plan.block_start      # borrowed as the fill pointers; rewritten below
    for d in range(depth + 1):
        fill[d] = count[d]
    for p in range(first, last):
        v = neurons[p]
        if active[v]:
            plan.order[fill[level[v]]] = v
            fill[level[v]] += 1
    size = plan.size
    stamp = size[5]
    blocks = 0
    rows = 0
    inputs = 0
    y = 0
    x_used = 0
    for d in range(depth + 1):
        plan.block_start[d] = blocks
        # this stage's product edges, bucketed by weight (stable: a neuron's edges stay together)
        stamp += 1
        touched = 0
        for p in range(count[d], count[d + 1]):
            v = plan.order[p]
            for e in range(input_start[v], input_start[v + 1]):
                if plan.product_edge[e]:
                    w = edge_weight[e]
                    if plan.weight_stamp[w] != stamp:
                        plan.weight_stamp[w] = stamp
                        plan.weight_count[w] = 0
                        plan.touched[touched] = w
                        touched += 1
                    plan.weight_count[w] += 1
        if touched == 0:
            continue
        position = 0
        for i in range(touched):
            w = plan.touched[i]
            plan.weight_pos[w] = position
            position += plan.weight_count[w]
        for p in range(count[d], count[d + 1]):
            v = plan.order[p]
            for e in range(input_start[v], input_start[v + 1]):
                if plan.product_edge[e]:
                    w = edge_weight[e]
                    plan.bucket[plan.weight_pos[w]] = e
                    plan.bucket_dst[plan.weight_pos[w]] = v
                    plan.weight_pos[w] += 1
        end = 0
        for i in range(touched):
            w = plan.touched[i]
            start = end
            end = start + plan.weight_count[w]
            # rows per distinct input, or per neuron: whichever makes fewer products
            stamp += 1
            distinct = 0
            neurons_here = 0
            previous = -1
            for b in range(start, end):
                x = edge_src[plan.bucket[b]]
                if plan.stamp[x] != stamp:
                    plan.stamp[x] = stamp
                    distinct += 1
                if plan.bucket_dst[b] != previous:
                    previous = plan.bucket_dst[b]
                    neurons_here += 1
            wr = prows[w]
            plan.block_weight[blocks] = w
            plan.block_row_start[blocks] = rows
            plan.block_y[blocks] = y
            plan.block_x[blocks] = x_used
            first_row = rows
            stamp += 1
            previous = -1
            for b in range(start, end):
                e = plan.bucket[b]
                x = edge_src[e]
                if distinct <= neurons_here:
                    if plan.stamp[x] != stamp:
                        plan.stamp[x] = stamp
                        plan.row_of[x] = rows
                        plan.row_src_start[rows] = inputs
                        plan.row_src[inputs] = x
                        inputs += 1
                        rows += 1
                    plan.products.edge_row[e] = y + (plan.row_of[x] - first_row) * wr
                else:
                    if plan.bucket_dst[b] != previous:
                        previous = plan.bucket_dst[b]
                        plan.row_src_start[rows] = inputs
                        plan.products.edge_row[e] = y + (rows - first_row) * wr
                        rows += 1
                    else:
                        plan.products.edge_row[e] = FOLDED
                    plan.row_src[inputs] = x
                    inputs += 1
            y += (rows - first_row) * wr
            x_used += (rows - first_row) * pcols[w]
            blocks += 1
    plan.block_start[depth + 1] = blocks
    plan.block_row_start[blocks] = rows
    plan.row_src_start[rows] = inputs
    size[0] = depth + 1
    size[1] = blocks
    size[2] = rows
    size[3] = inputs
    size[4] = y
    size[5] = stamp
