"""Whole passes over many samples in one numba call: evaluation and training epochs.

``train_epoch`` runs forward, loss, backward and (every ``batch_size`` samples) an optimizer
step for every sample in the given order, so a whole epoch of online learning is one call.
"""
from __future__ import annotations

import math
from collections import namedtuple

import numpy as np

from ..heapsort import heapsort
from ..jit import njit
from .dense import backward as plan_backward
from .dense import forward as plan_forward
from .functions import sigmoid
from .neuron import FACT, WEIGHTED_ATOM, WEIGHTED_RULE, U, backward_neurons, borrowed, forward_neurons
from .plan import build

#: Samples: each one's support (CSR over neurons, topological) and output neuron, and its
#: target (CSR over a flat float64 array; a 1-element target broadcasts over a vector output).
Samples = namedtuple("Samples", "start neurons output target_start targets")
#: Optimizer state: code, learning rate, Adam's betas/eps/moments, the global step counter,
#: and which weights may change.
Optimizer = namedtuple("Optimizer", "code lr beta1 beta2 eps m v step learnable")

SGD, ADAM = 0, 1
MSE, SOFTENTROPY, CROSSENTROPY = 0, 1, 2


@njit(cache=True)
def forward(neurons, first, last, net, params, values, pre, ws, learns, lanes, plan, general):
    """Evaluate ``neurons[first:last]`` (ascending): neuron by neuron, or, given a ``plan``
    (``engine.plan``), planned as stages of products first.  ``general``: ``neuron.general_of``."""
    if plan is None:
        forward_neurons(neurons, first, last, net, params, values, pre, ws, learns, lanes, None, general)
    else:
        build(plan, neurons, first, last, learns, net.input_start, net.edge_src, net.edge_weight, params.rows,
              params.cols)
        plan_forward(plan, net, params, values, pre, ws, learns, general)


@njit(cache=True)
def backward(neurons, first, last, net, params, values, pre, grads, pgrad, ws, learns, consume, lanes, plan, general):
    """Push the gradients of the neurons the last ``forward`` evaluated (same arguments)."""
    if plan is None:
        backward_neurons(neurons, first, last, net, params, values, pre, grads, pgrad, ws, learns, consume, lanes, None,
                         general)
    else:
        plan_backward(plan, net, params, values, pre, grads, pgrad, ws, learns, consume, general)


@njit(cache=True)
def _range(neurons):
    """(0, len(neurons)) as run-time integers.  The passes are called with int32 neuron lists
    and run-time bounds from everywhere: a literal 0 or an int64 list would make numba compile
    another copy of them (some seconds each, on a fresh install)."""
    bounds = np.zeros(2, np.int64)
    bounds[1] = neurons.shape[0]
    return bounds[0], bounds[1]


@njit(cache=True)
def forward_all(net, params, values, pre, ws, plan, general):
    """Evaluate every neuron once, in topological order."""
    n = net.kind.shape[0]
    everything = np.arange(n).astype(np.int32)
    first, last = _range(everything)
    forward(everything, first, last, net, params, values, pre, ws, np.ones(n, np.int8), None, plan, general)


@njit(cache=True)
def forward_constants(net, params, values, pre, ws, learns, general):
    """Evaluate the neurons that depend on no learnable parameter (the epochs then skip them)."""
    constant = np.flatnonzero(learns == 0).astype(np.int32)
    first, last = _range(constant)
    forward_neurons(constant, first, last, net, params, values, pre, ws, np.ones(learns.shape[0], np.int8),
                    None, None, general)


@njit(cache=True)
def forward_sample(s, samples, net, params, values, pre, ws, general):
    n = net.kind.shape[0]
    forward_neurons(samples.neurons, samples.start[s], samples.start[s + 1], net, params, values, pre, ws,
                    np.ones(n, np.int8), None, None, general)


# ----------------------------------------------------------------------------- losses
@njit(cache=True)
def _scalar_loss(code, factor, y, t):
    """(loss, dL/dy) of one output number y against one target t: the squared error, or the
    logistic loss on a logit (SOFTENTROPY) or on a probability."""
    if code == MSE:
        d = y - t
        return d * d, factor * d
    if code == SOFTENTROPY:
        return math.log1p(math.exp(-abs(y))) + max(y, 0.0) - y * t, sigmoid(y) - t
    p = min(max(y, 1e-12), 1.0 - 1e-12)
    return -(t * math.log(p) + (1.0 - t) * math.log(1.0 - p)), (p - t) / (p * (1.0 - p))


@njit(cache=True)
def loss_and_gradient(code, factor, y, t, g):
    """Loss of output y against target t, and g = dL/dy (t may have 1 element: broadcast)."""
    n = y.shape[0]
    if n == 1:
        loss, d = _scalar_loss(code, factor, y[0], t[0])
        g[0] = d
        return loss
    loss = 0.0
    if code == MSE:
        for i in range(n):
            d = y[i] - (t[i] if t.shape[0] == n else t[0])
            loss += d * d
            g[i] = factor * d
        return loss
    if code == SOFTENTROPY:   # softmax cross-entropy on logits
        m = y[0]
        for i in range(1, n):
            m = max(m, y[i])
        total = 0.0
        for i in range(n):
            total += math.exp(y[i] - m)
        log_total = math.log(total) + m
        for i in range(n):
            ti = t[i] if t.shape[0] == n else t[0]
            loss -= ti * (y[i] - log_total)
            g[i] = math.exp(y[i] - log_total) - ti
        return loss
    for i in range(n):   # cross-entropy on probabilities
        ti = t[i] if t.shape[0] == n else t[0]
        p = max(y[i], 1e-12)
        loss -= ti * math.log(p)
        g[i] = -ti / p
    return loss


@njit(cache=True)
def sample_losses(outputs, output_start, targets, target_start, code, factor):
    """The loss of every sample, from flat outputs and targets (CSR)."""
    count = output_start.shape[0] - 1
    losses = np.empty(count)
    for s in range(count):
        y = outputs[output_start[s]:output_start[s + 1]]
        losses[s] = loss_and_gradient(code, factor, y, targets[target_start[s]:target_start[s + 1]],
                                      np.empty(y.shape[0]))
    return losses


# ----------------------------------------------------------------------------- optimizer
@njit(cache=True)
def sample_weights(samples, kinds, offsets, input_start, edge_weight, weight_count):
    """CSR of the weights each sample's network uses (the optimizer updates exactly those, as
    the reference does: zero gradients included, absent weights untouched).  Two passes: the
    first bounds the size, so the second writes without growing a buffer."""
    count = samples.output.shape[0]
    bound = 0
    for position in range(samples.neurons.shape[0]):
        v = samples.neurons[position]
        kind = kinds[v]
        if kind == FACT:
            bound += 1
        elif kind == WEIGHTED_ATOM or kind == WEIGHTED_RULE:
            bound += 1 + input_start[v + 1] - input_start[v]
    seen = np.full(weight_count, -1, np.int64)
    start = np.zeros(count + 1, np.int64)
    out = np.empty(bound, np.int64)
    size = 0
    for s in range(count):
        for position in range(samples.start[s], samples.start[s + 1]):
            v = samples.neurons[position]
            kind = kinds[v]
            if kind != FACT and kind != WEIGHTED_ATOM and kind != WEIGHTED_RULE:
                continue
            w = offsets[v]
            if w >= 0 and seen[w] != s:
                seen[w] = s
                out[size] = w
                size += 1
            if kind == FACT:
                continue
            for e in range(input_start[v], input_start[v + 1]):
                w = edge_weight[e]
                if w >= 0 and seen[w] != s:
                    seen[w] = s
                    out[size] = w
                    size += 1
        start[s + 1] = size
    return start, out[:size].copy()


@njit(cache=True)
def leaf_sample_weights(inputs, kinds, offsets, own):
    """``sample_weights`` of samples that are each a row of leaf ``inputs`` followed by a copy
    of one network whose weights are ``own`` (as ``sample_weights`` lists that network's): the
    row's leaves' weights, then ``own``, each once.  A knowledge base rewires its triples to
    new leaves every epoch; this lists their weights without a pass over the samples."""
    t_count, k = inputs.shape
    start = np.zeros(t_count + 1, np.int64)
    out = np.empty(t_count * (k + own.shape[0]), np.int64)
    size = 0
    for t in range(t_count):
        row = size
        for c in range(k + own.shape[0]):
            if c < k:
                v = inputs[t, c]
                if kinds[v] != FACT and kinds[v] != WEIGHTED_ATOM and kinds[v] != WEIGHTED_RULE:
                    continue
                w = offsets[v]
            else:
                w = own[c - k]
            listed = w < 0
            for i in range(row, size):
                listed |= out[i] == w
            if not listed:
                out[size] = w
                size += 1
        start[t + 1] = size
    return start, out[:size]


@njit(cache=True)
def _touch(s, weight_start, weight_ids, touched, touched_ids, count):
    for i in range(weight_start[s], weight_start[s + 1]):
        w = weight_ids[i]
        if touched[w] == 0:
            touched[w] = 1
            touched_ids[count] = w
            count += 1
    return count


@njit(cache=True, error_model="numpy")
def _step(opt, params, pgrad, touched, touched_ids, count, scale):
    """One update of every weight the batch touched; then clear their gradients.  (Unsigned
    indices and numpy's error model, which drops the division's zero check, let the loops
    vectorize: online learning takes a step after every sample, over every weight it used.)"""
    opt.step[0] += 1
    fix1 = fix2 = 1.0
    if opt.code == ADAM:   # the bias corrections (two powers: a tenth of a small sample's step)
        t = opt.step[0]
        fix1 = 1.0 / (1.0 - opt.beta1 ** t)
        fix2 = 1.0 / (1.0 - opt.beta2 ** t)
    lr, beta1, beta2, eps = opt.lr, opt.beta1, opt.beta2, opt.eps
    values, m, v = params.values, opt.m, opt.v
    for i in range(count):
        w = touched_ids[i]
        touched[w] = 0
        s = U(params.start[w])
        end = s + U(params.rows[w] * params.cols[w])
        if opt.learnable[w]:
            if opt.code == SGD:
                for j in range(s, end):
                    values[j] -= pgrad[j] * scale * lr
            else:   # written in the reference's order of operations
                for j in range(s, end):
                    g = pgrad[j] * scale
                    m[j] = m[j] * beta1 + g * (1.0 - beta1)
                    v[j] = v[j] * beta2 + g * g * (1.0 - beta2)
                    values[j] += m[j] * fix1 * (-1.0 / (math.sqrt(v[j] * fix2) + eps)) * lr
        for j in range(s, end):
            pgrad[j] = 0.0


# ----------------------------------------------------------------------------- epochs
@njit(cache=True, inline="always")   # a call passing the graph's arrays cost more than the seeding
def _seed_output(s, samples, net, values, grads, outputs, output_start, losses, loss_code, loss_factor, scratch):
    """Record sample s's output and loss and add dL/doutput to its neuron's gradient; return the
    number of target elements (-1 when the loss is not finite).  ``scratch``: room for dL/doutput
    (at least the output's size; no allocation per sample).  One number against one target (a
    triple's score, a class) takes no slices."""
    out = samples.output[s]
    vs = net.value_start[out]
    n = net.value_start[out + 1] - vs
    first = samples.target_start[s]
    if n == 1 and samples.target_start[s + 1] - first == 1:
        y = values[vs]
        outputs[output_start[s]] = y
        loss, g = _scalar_loss(loss_code, loss_factor, y, samples.targets[first])
        losses[s] = loss
        if not math.isfinite(loss):
            return -1
        grads[vs] += g
        return 1
    y = values[vs:vs + n]
    for j in range(n):
        outputs[output_start[s] + j] = y[j]
    t = samples.targets[first:samples.target_start[s + 1]]
    g = scratch[:n]
    losses[s] = loss_and_gradient(loss_code, loss_factor, y, t, g)
    if not math.isfinite(losses[s]):
        return -1
    for j in range(n):
        grads[vs + j] += g[j]
    return t.shape[0] if t.shape[0] == n else n


@njit(cache=True)
def train_epoch(order, batch_size, samples, net, params, opt, loss_code, loss_factor,
                values, pre, grads, pgrad, ws, weight_start, weight_ids, touched, touched_ids, losses, outputs,
                output_start, learns, lanes, plan, general):
    """One epoch over ``order``: per sample forward, loss, backward; a step every batch.

    Outputs and losses are recorded as seen during training (before the sample's own update
    in online learning).  Gradients are averaged over the target elements of the batch, as
    the reference does.  Returns False if a value became NaN (the epoch stops there).  The
    values of the constant neurons (``learns == 0``) must be in place (``forward_constants``).
    ``lanes``: the passes' width specialization (``neuron.lanes_of``); only the epochs take
    one, so that each new width compiles two kernels, not all of them.  ``plan``: None, or
    the arrays to run each sample as a plan of products in (``engine.plan``).  ``general``:
    ``neuron.general_of``.
    """
    samples, net, params, opt, values, pre, grads, pgrad, ws, weight_start, weight_ids, touched, touched_ids, \
        losses, outputs, output_start, learns, plan = borrowed((samples, net, params, opt, values, pre, grads, pgrad,
                                                                ws, weight_start, weight_ids, touched, touched_ids,
                                                                losses, outputs, output_start, learns, plan))
    grads[:] = 0.0
    count = 0
    elements = 0
    in_batch = 0
    for pos in range(order.shape[0]):
        s = order[pos]
        if samples.output[s] < 0:
            continue
        first = samples.start[s]
        last = samples.start[s + 1]
        forward(samples.neurons, first, last, net, params, values, pre, ws, learns, lanes, plan, general)
        seeded = _seed_output(s, samples, net, values, grads, outputs, output_start, losses, loss_code, loss_factor,
                              ws.gpre)
        if seeded < 0:
            return False
        elements += seeded
        count = _touch(s, weight_start, weight_ids, touched, touched_ids, count)
        backward(samples.neurons, first, last, net, params, values, pre, grads, pgrad, ws, learns, True, lanes, plan,
                 general)
        in_batch += 1
        if in_batch == batch_size:
            _step(opt, params, pgrad, touched, touched_ids, count, 1.0 / elements)
            count = 0
            elements = 0
            in_batch = 0
    if in_batch > 0:
        _step(opt, params, pgrad, touched, touched_ids, count, 1.0 / elements)
    return True


@njit(cache=True)
def _union(members, samples, stamp, mark, buffer, ascending):
    """The neurons of several samples' networks, once each, in a topological order: as first
    met (each sample's list is topological and holds its neurons' inputs, so every input is
    met before the neurons reading it), or sorted by id with ``ascending`` (a plan's stages
    are built from ascending ids).  The sort cost a quarter of a knowledge-base epoch."""
    size = 0
    for s in members:
        for position in range(samples.start[s], samples.start[s + 1]):
            v = samples.neurons[position]
            if stamp[v] != mark:
                stamp[v] = mark
                buffer[size] = v
                size += 1
    if ascending:
        heapsort(buffer, 0, size)
    return buffer[:size].copy()


@njit(cache=True)
def _batch_gradient(members, samples, net, params, loss_code, loss_factor, values, pre, grads, pgrad, ws,
                    weight_start, weight_ids, touched, touched_ids, losses, outputs, output_start, learns, lanes, plan,
                    general, stamp, mark, buffer):
    """One minibatch's networks evaluated once as one graph (neurons that batch lifting merged
    across samples are computed once), all outputs seeded, one backward pass: the gradient
    sum lands in ``pgrad`` and the weights the batch used in ``touched``.  Returns (target
    elements, weights touched), elements -1 when a loss is not finite."""
    union = _union(members, samples, stamp, mark, buffer, plan is not None)
    first_neuron, last_neuron = _range(union)
    forward(union, first_neuron, last_neuron, net, params, values, pre, ws, learns, lanes, plan, general)
    count = 0
    elements = 0
    for s in members:
        if samples.output[s] < 0:
            continue
        seeded = _seed_output(s, samples, net, values, grads, outputs, output_start, losses, loss_code,
                              loss_factor, ws.gpre)
        if seeded < 0:
            return -1, count
        elements += seeded
        count = _touch(s, weight_start, weight_ids, touched, touched_ids, count)
    backward(union, first_neuron, last_neuron, net, params, values, pre, grads, pgrad, ws, learns, True, lanes,
             plan, general)
    return elements, count


@njit(cache=True)
def train_epoch_batched(order, batch_size, samples, net, params, opt, loss_code, loss_factor, values, pre, grads,
                        pgrad, ws, weight_start, weight_ids, touched, touched_ids, losses, outputs, output_start,
                        learns, lanes, plan, general, stamp):
    """An epoch of minibatches (``_batch_gradient``), one step after each.  Same results as
    per-sample passes at fixed weights."""
    samples, net, params, opt, values, pre, grads, pgrad, ws, weight_start, weight_ids, touched, touched_ids, \
        losses, outputs, output_start, learns, plan, stamp = borrowed((samples, net, params, opt, values, pre, grads,
                                                                       pgrad, ws, weight_start, weight_ids, touched,
                                                                       touched_ids, losses, outputs, output_start,
                                                                       learns, plan, stamp))
    grads[:] = 0.0
    buffer = np.empty(net.kind.shape[0], np.int32)
    mark = 0
    for first in range(0, order.shape[0], batch_size):
        mark += 1
        elements, count = _batch_gradient(order[first:first + batch_size], samples, net, params, loss_code,
                                          loss_factor, values, pre, grads, pgrad, ws, weight_start, weight_ids,
                                          touched, touched_ids, losses, outputs, output_start, learns, lanes, plan,
                                          general, stamp, mark, buffer)
        if elements < 0:
            return False
        if elements > 0:
            _step(opt, params, pgrad, touched, touched_ids, count, 1.0 / elements)
    return True


@njit(cache=True)
def batch_gradient(members, samples, net, params, loss_code, loss_factor, values, pre, grads, pgrad, ws,
                   weight_start, weight_ids, touched, touched_ids, losses, outputs, output_start, learns, lanes,
                   plan, general, stamp, mark, buffer):
    """The gradient sum of one minibatch without a step (data-parallel training: each worker's
    part of a batch; the driver adds the parts and steps, ``step``).  Returns (target elements,
    weights touched: ``touched_ids[:count]``, their ``touched`` flags cleared).  ``grads`` must
    be zero (the backward pass leaves it so); ``stamp`` holds marks below ``mark`` and
    ``buffer`` room for every neuron: kept by the caller, so a step costs its batch only."""
    elements, count = _batch_gradient(members, samples, net, params, loss_code, loss_factor, values, pre, grads,
                                      pgrad, ws, weight_start, weight_ids, touched, touched_ids, losses, outputs,
                                      output_start, learns, lanes, plan, general, stamp, mark, buffer)
    for i in range(count):
        touched[touched_ids[i]] = 0
    return elements, count


@njit(cache=True, error_model="numpy")
def step(opt, params, pgrad, touched, touched_ids, count, scale):
    """``_step`` called from Python: the driver's update from the workers' gradient sums."""
    _step(opt, params, pgrad, touched, touched_ids, count, scale)


@njit(cache=True)
def evaluate(samples, net, params, values, pre, ws, outputs, output_start, plan, general):
    """Outputs of all samples at the current weights: every neuron is evaluated once (samples
    that share a neuron share its value)."""
    forward_all(net, params, values, pre, ws, plan, general)
    for s in range(samples.output.shape[0]):
        out = samples.output[s]
        if out < 0:
            continue
        vs = net.value_start[out]
        for j in range(net.value_start[out + 1] - vs):
            outputs[output_start[s] + j] = values[vs + j]


@njit(cache=True)
def gradients(samples, which, net, params, loss_code, loss_factor, values, pre, grads, pgrad, ws, losses, plan,
              general):
    """dL/dweights summed over the samples ``which`` (into pgrad) and dL/dneuron (grads), at
    the current weights, without updating anything: for gradient checks and for users."""
    n = net.kind.shape[0]
    everything = np.arange(n).astype(np.int32)
    every = np.ones(n, np.int8)
    first, last = _range(everything)
    forward(everything, first, last, net, params, values, pre, ws, every, None, plan, general)
    for i in range(grads.shape[0]):
        grads[i] = 0.0
    for s in which:
        out = samples.output[s]
        if out < 0:
            continue
        vs = net.value_start[out]
        size = net.value_start[out + 1] - vs
        t = samples.targets[samples.target_start[s]:samples.target_start[s + 1]]
        g = np.zeros(size)
        losses[s] = loss_and_gradient(loss_code, loss_factor, values[vs:vs + size], t, g)
        for j in range(size):
            grads[vs + j] += g[j]
    backward(everything, first, last, net, params, values, pre, grads, pgrad, ws, every, False, None, plan, general)
