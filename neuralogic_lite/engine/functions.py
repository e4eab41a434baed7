"""The numerics of every op: forward and derivative side by side (numba, scalar loops).

Element-wise transformations work on one number; the joint ones (softmax, sparsemax, norm,
transpose) on a whole value block.  Formulas follow the reference engine (docs/semantics.md,
"Functions"): sigmoid saturates at |z| > 100, signum has a zero derivative.  Where the
reference's derivative is wrong (lukasiewicz lacks the factor 6) we use the true one.
"""
from __future__ import annotations

import math

from ..heapsort import heapsort
from ..jit import njit
from ..ops import Op

IDENTITY, SIGMOID, TANH, RELU, LEAKYRELU = int(Op.IDENTITY), int(Op.SIGMOID), int(Op.TANH), int(Op.RELU), \
    int(Op.LEAKYRELU)
SIGNUM, LUKASIEWICZ, EXP, LOG, SQRT = int(Op.SIGNUM), int(Op.LUKASIEWICZ), int(Op.EXP), int(Op.LOG), int(Op.SQRT)
INVERSE, REVERSE, SOFTMAX, SPARSEMAX = int(Op.INVERSE), int(Op.REVERSE), int(Op.SOFTMAX), int(Op.SPARSEMAX)
NORM, TRANSPOSE = int(Op.NORM), int(Op.TRANSPOSE)
LAST_ELEMENTWISE = int(Op.REVERSE)
NORM_EPSILON = 1e-10


@njit(cache=True)
def sigmoid(z):
    if z > 100.0:
        return 1.0
    if z < -100.0:
        return 0.0
    return 1.0 / (1.0 + math.exp(-z))


#: ln 2 split in two, so that k ln 2 is exact for the k tanh needs (|k| <= 58)
LN2_HIGH, LN2_LOW = 0.6931471803691238, 1.9082149292705877e-10
#: adding and subtracting 1.5 * 2**52 rounds a double below 2**51 to the nearest integer
ROUND = 6755399441055744.0


@njit(cache=True, error_model="numpy")
def fast_tanh(x):
    """tanh(x) within a few units in the last place (measured: relative error under 5e-16),
    in arithmetic only, so that a loop over it vectorizes (libm's tanh is a call per element,
    13 ns; this is about 1 ns in a loop).  tanh|x| = -m / (2 + m) with m = expm1(-2|x|);
    -2|x| = -k ln 2 + r, |r| <= ln 2 / 2, expm1(-2|x|) = 2^-k expm1(r) + 2^-k - 1, expm1(r)
    by its Taylor series to r^13, and 2^-k from the bits of k by selects (no integer
    conversion, no division check: numba's error model here is numpy's)."""
    a = min(abs(x), 20.0)                        # tanh(20) is 1 to double precision
    k = (a * 2.8853900817779268 + ROUND) - ROUND  # round(2a / ln 2)
    r = (k * LN2_HIGH - 2.0 * a) + k * LN2_LOW
    m = r * (1.0 + r * (1 / 2 + r * (1 / 6 + r * (1 / 24 + r * (1 / 120 + r * (1 / 720 + r * (
        1 / 5040 + r * (1 / 40320 + r * (1 / 362880 + r * (1 / 3628800 + r * (1 / 39916800 + r * (
            1 / 479001600 + r * (1 / 6227020800)))))))))))))
    scale = 1.0
    for bit in (32.0, 16.0, 8.0, 4.0, 2.0, 1.0):   # unrolled by numba: a tuple of constants
        if k >= bit:
            scale *= 0.5 ** bit
            k -= bit
    m = scale * m + (scale - 1.0)
    t = -m / (2.0 + m) + 0.0                     # + 0.0: tanh(0) is 0.0, not -0.0
    return -t if x < 0.0 else t


@njit(cache=True)
def elementwise(op, z):
    """f(z) of an element-wise transformation."""
    if op == IDENTITY:
        return z
    if op == SIGMOID:
        return sigmoid(z)
    if op == TANH:
        return math.tanh(z)
    if op == RELU:
        return z if z > 0.0 else 0.0
    if op == LEAKYRELU:
        return z if z > 0.0 else 0.01 * z
    if op == SIGNUM:
        return 1.0 if z > 0.0 else 0.0
    if op == LUKASIEWICZ:
        return sigmoid(6.0 * z + 0.5)
    if op == EXP:
        return math.exp(z)
    if op == LOG:
        return math.log(z) if z > 0.0 else (-math.inf if z == 0.0 else math.nan)
    if op == SQRT:
        return math.sqrt(z) if z >= 0.0 else math.nan
    if op == INVERSE:
        return 1.0 / z if z != 0.0 else math.inf
    return 1.0 - z  # REVERSE


@njit(cache=True)
def elementwise_derivative(op, z, y):
    """f'(z), given z and y = f(z)."""
    if op == IDENTITY:
        return 1.0
    if op == SIGMOID:
        return 0.0 if abs(z) > 100.0 else y * (1.0 - y)
    if op == TANH:
        return 0.0 if abs(z) > 100.0 else 1.0 - y * y
    if op == RELU:
        return 1.0 if z > 0.0 else 0.0
    if op == LEAKYRELU:
        return 1.0 if z > 0.0 else 0.01
    if op == SIGNUM:
        return 0.0
    if op == LUKASIEWICZ:
        return 6.0 * y * (1.0 - y)
    if op == EXP:
        return y
    if op == LOG:
        return 1.0 / z
    if op == SQRT:
        return 0.5 / y if y > 0.0 else math.inf
    if op == INVERSE:
        return -1.0 / (z * z)
    return -1.0  # REVERSE


@njit(cache=True)
def _moments(x, n):
    """Mean and standard deviation (population, plus NORM_EPSILON) of x[:n], for layer norm."""
    mean = 0.0
    for i in range(n):
        mean += x[i]
    mean /= n
    var = 0.0
    for i in range(n):
        var += (x[i] - mean) ** 2
    return mean, math.sqrt(var / n + NORM_EPSILON)


@njit(cache=True)
def transform(op, pre, out, rows, cols):
    """out = f(pre) for a whole (rows, cols) block, row-major."""
    n = rows * cols
    if op <= LAST_ELEMENTWISE:
        for i in range(n):
            out[i] = elementwise(op, pre[i])
    elif op == TRANSPOSE:
        for i in range(rows):
            for j in range(cols):
                out[j * rows + i] = pre[i * cols + j]
    elif op == SOFTMAX:
        softmax(pre, out, n)
    elif op == SPARSEMAX:
        sparsemax(pre, out, n)
    else:  # NORM
        mean, std = _moments(pre, n)
        for i in range(n):
            out[i] = (pre[i] - mean) / std


@njit(cache=True)
def transform_backward(op, pre, out, grad_out, grad_pre, rows, cols):
    """grad_pre = J_f(pre)^T grad_out for a whole block (overwrites grad_pre)."""
    n = rows * cols
    if op <= LAST_ELEMENTWISE:
        for i in range(n):
            grad_pre[i] = grad_out[i] * elementwise_derivative(op, pre[i], out[i])
    elif op == TRANSPOSE:
        for i in range(rows):
            for j in range(cols):
                grad_pre[i * cols + j] = grad_out[j * rows + i]
    elif op == SOFTMAX:
        softmax_backward(out, grad_out, grad_pre, n)
    elif op == SPARSEMAX:
        sparsemax_backward(out, grad_out, grad_pre, n)
    else:  # NORM
        _, std = _moments(pre, n)
        # y = (x - mean) / std: dx = (g - mean(g) - y * mean(g * y)) / std
        g_mean = 0.0
        gy_mean = 0.0
        for i in range(n):
            g_mean += grad_out[i]
            gy_mean += grad_out[i] * out[i]
        g_mean /= n
        gy_mean /= n
        for i in range(n):
            grad_pre[i] = (grad_out[i] - g_mean - out[i] * gy_mean) / std


@njit(cache=True)
def softmax(z, out, n):
    if n == 1:
        out[0] = 1.0
        return
    m = z[0]
    for i in range(1, n):
        if z[i] > m:
            m = z[i]
    total = 0.0
    for i in range(n):
        out[i] = math.exp(z[i] - m)
        total += out[i]
    for i in range(n):
        out[i] = out[i] / total


@njit(cache=True)
def softmax_backward(p, grad_out, grad_in, n):
    dot = 0.0
    for i in range(n):
        dot += p[i] * grad_out[i]
    for i in range(n):
        grad_in[i] = p[i] * (grad_out[i] - dot)


@njit(cache=True)
def sparsemax(z, out, n):
    if n == 1:
        out[0] = 1.0
        return
    order = z[:n].copy()
    heapsort(order, 0, n)
    cumulative = 0.0
    support_sum = 0.0
    k = 0
    for l in range(n):   # largest first
        cumulative += order[n - 1 - l]
        if order[n - 1 - l] * (l + 1) + 1.0 > cumulative:
            k = l + 1
            support_sum = cumulative
    tau = (support_sum - 1.0) / k
    for i in range(n):
        v = z[i] - tau
        out[i] = v if v > 0.0 else 0.0


@njit(cache=True)
def sparsemax_backward(p, grad_out, grad_in, n):
    support = 0
    total = 0.0
    for i in range(n):
        if p[i] > 0.0:
            support += 1
            total += grad_out[i]
    mean = total / support if support > 0 else 0.0
    for i in range(n):
        grad_in[i] = grad_out[i] - mean if p[i] > 0.0 else 0.0
