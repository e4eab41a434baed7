"""The grouped passes: a built plan (``engine.plan``) run forward and backward.

Per stage, forward: each block gathers its rows X (sums of input values), computes
``Y = X @ W.T`` in one BLAS call, then the stage's neurons run the per-neuron pass, which
adds each planned product from its row.  Backward, last stage first: the per-neuron pass
leaves dL/dY in the rows; each block adds ``dY.T @ X`` to dL/dW and scatters ``dY @ W`` to
its inputs (with the X the forward pass left in ``plan.x``).
"""
from __future__ import annotations

import numpy as np

from ..jit import njit
from .neuron import U, backward_neurons, forward_neurons


@njit(cache=True)
def _gather(plan, b, values, value_start, wc):
    """The block's inputs X (rows x wc, kept in ``plan.x``): each row the sum of its input
    neurons' values."""
    a = plan.block_row_start[b]
    count = plan.block_row_start[b + 1] - a
    x = plan.x[plan.block_x[b]:plan.block_x[b] + count * wc]
    columns = U(wc)
    for r in range(count):
        row = a + r
        base = U(r * wc)
        s0 = plan.row_src_start[row]
        xs = U(value_start[plan.row_src[s0]])
        for j in range(columns):
            x[base + j] = values[xs + j]
        for s in range(s0 + 1, plan.row_src_start[row + 1]):
            xs = U(value_start[plan.row_src[s]])
            for j in range(columns):
                x[base + j] += values[xs + j]
    return x.reshape(count, wc)


@njit(cache=True)
def _weight(params, w):
    """Weight ``w`` as its (rows, cols) matrix, a view of the parameters."""
    ps = params.start[w]
    return params.values[ps:ps + params.rows[w] * params.cols[w]].reshape(params.rows[w], params.cols[w])


@njit(cache=True)
def forward(plan, net, params, values, pre, ws, learns, general):
    """Run the built plan: each stage's blocks (one product each), then its neurons."""
    products = plan.products
    for d in range(plan.size[0]):
        for b in range(plan.block_start[d], plan.block_start[d + 1]):
            weight = _weight(params, plan.block_weight[b])
            wr, wc = weight.shape
            x = _gather(plan, b, values, net.value_start, wc)
            y0 = plan.block_y[b]
            y = products.y[y0:y0 + x.shape[0] * wr].reshape(x.shape[0], wr)
            np.dot(x, weight.T, y)
        forward_neurons(plan.order, plan.stage_start[d], plan.stage_start[d + 1], net, params, values, pre, ws, learns,
                        None, products, general)


@njit(cache=True)
def backward(plan, net, params, values, pre, grads, pgrad, ws, learns, consume, general):
    """Push the gradients of the built plan's neurons, last stage first; each stage's blocks
    turn the dL/dY its neurons left in their rows into dL/dW and dL/dinputs (with the X the
    forward pass left)."""
    products = plan.products
    gy = products.gy
    for i in range(plan.size[4]):
        gy[i] = 0.0
    for d in range(plan.size[0] - 1, -1, -1):
        backward_neurons(plan.order, plan.stage_start[d], plan.stage_start[d + 1], net, params, values, pre, grads,
                         pgrad, ws, learns, consume, None, products, general)
        for b in range(plan.block_start[d], plan.block_start[d + 1]):
            w = plan.block_weight[b]
            weight = _weight(params, w)
            wr, wc = weight.shape
            a = plan.block_row_start[b]
            count = plan.block_row_start[b + 1] - a
            x = plan.x[plan.block_x[b]:plan.block_x[b] + count * wc].reshape(count, wc)
            y0 = plan.block_y[b]
            dy = gy[y0:y0 + count * wr].reshape(count, wr)
            gw = plan.gw[:wr * wc].reshape(wr, wc)
            np.dot(dy.T, x, gw)
            p0 = U(params.start[w])
            for j in range(U(wr * wc)):
                pgrad[p0 + j] += plan.gw[j]
            gx = plan.gx[:count * wc].reshape(count, wc)
            np.dot(dy, weight, gx)
            columns = U(wc)
            for r in range(count):
                row = a + r
                base = U(r * wc)
                for s in range(plan.row_src_start[row], plan.row_src_start[row + 1]):
                    x_neuron = plan.row_src[s]
                    if learns[x_neuron]:
                        xs = U(net.value_start[x_neuron])
                        for j in range(columns):
                            grads[xs + j] += plan.gx[base + j]
