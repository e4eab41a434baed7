"""Forward and backward of one neuron, over the flat arrays of a NeuralGraph (numba).

A neuron's inputs become a list of values ``p_0 .. p_k-1``: its offset first (weighted
neurons with an offset), then ``W_i * x_i`` per input edge (``x_i`` alone for unweighted
neurons and unit weights).  The combination (or aggregation) reduces the list to ``pre``,
and the activation maps ``pre`` to the neuron's value.  This is the reference's order of
operations; the offset is therefore an input of the combination (it counts in an average).

Products follow the reference's value algebra: a 1x1 factor scales the other, otherwise
the matrix product.  Gradients are the true ones, also where the reference's are not.
"""
from __future__ import annotations

from collections import namedtuple

import numpy as np
from numba import carray, types
from numba.core import cgutils
from numba.extending import intrinsic

from ..errors import NetworkError
from ..jit import njit
from ..network.graph import Kind
from ..network.shapes import product_shape
from ..ops import Op
from .functions import (
    IDENTITY,
    LAST_ELEMENTWISE,
    SOFTMAX,
    SPARSEMAX,
    TANH,
    TRANSPOSE,
    elementwise,
    elementwise_derivative,
    fast_tanh,
    softmax,
    softmax_backward,
    sparsemax,
    sparsemax_backward,
    transform,
    transform_backward,
)

FACT, NEGATION, AGGREGATION = int(Kind.FACT), int(Kind.NEGATION), int(Kind.AGGREGATION)
WEIGHTED_ATOM, WEIGHTED_RULE = int(Kind.WEIGHTED_ATOM), int(Kind.WEIGHTED_RULE)
ATOM, RULE = int(Kind.ATOM), int(Kind.RULE)
AVG, SUM, MAX, MIN, COUNT = int(Op.AVG), int(Op.SUM), int(Op.MAX), int(Op.MIN), int(Op.COUNT)
CONCAT, PRODUCT, ELPRODUCT, CROSSSUM, COSSIM = int(Op.CONCAT), int(Op.PRODUCT), int(Op.ELPRODUCT), \
    int(Op.CROSSSUM), int(Op.COSSIM)

#: Floating-point freedoms of the hot loops: reassociating sums lets the dot products use SIMD,
#: contracting multiply-adds saves a rounding.  NaN and infinity keep their meaning (training
#: stops on a NaN loss).  Results move in the last bits only.
FAST = {"reassoc", "contract"}
#: Element loops index with unsigned integers: numba checks every signed index for a negative
#: value (Python's wraparound), and that check keeps LLVM from vectorizing the loop.
U = np.uint64

#: The graph arrays the kernels read (see NeuralGraph for dtypes and shapes), plus the edge
#: plan: per edge (input's value start, input's size, weight's parameter start or -1 for the
#: unit weight and for every input of an unweighted neuron, weight rows | cols << 16), so the
#: hot loops read one row per edge instead of chasing ids.  (A matrix input's columns are its
#: size over the weight's columns.)
Net = namedtuple("Net", "kind activation reducer offset rows cols value_start input_start edge_src edge_weight "
                        "edge_plan")
PLAN_XS, PLAN_XN, PLAN_PS, PLAN_SHAPE = 0, 1, 2, 3
#: Parameters: one flat buffer; weight i is the (rows[i], cols[i]) block at start[i].
Params = namedtuple("Params", "values start rows cols")
#: Scratch space: input values p and their gradients gp (with per-input start and shape),
#: prefix products q and gq (for the product combination), and the gradient of ``pre``.
Workspace = namedtuple("Workspace", "p gp p_start p_rows p_cols q gq q_start q_rows q_cols gpre")
#: Products computed ahead by a plan (``engine.plan``): per edge, where its product W x starts
#: in ``y`` (its gradient in ``gy``), or ``INLINE`` (the pass computes it), or ``FOLDED`` (an
#: earlier edge of the same neuron carries it: the row holds W (x1 + x2)).
Products = namedtuple("Products", "edge_row y gy")
INLINE, FOLDED = -1, -2
#: Widths that get their own compiled passes (each one costs a compilation, cached on disk).
MOST_LANES = 8


@intrinsic
def _stack(typingctx, lanes):
    """A pointer to len(lanes) float64s on the stack (at least one), which LLVM keeps in
    registers when every index into them is a constant."""
    count = max(len(lanes), 1)

    def codegen(context, builder, signature, args):
        return cgutils.alloca_once(builder, context.get_value_type(types.float64), size=count)
    return types.CPointer(types.float64)(lanes), codegen


@intrinsic
def borrowed(typingctx, value):
    """``value`` (an array, or a tuple of them, nested) without reference counting: the same
    data, shapes and strides, no owner.  Numba counts references to every array a call takes
    and unpacks, with atomic operations, which cost the per-sample passes a microsecond per
    call (some 80 arrays); on borrowed arrays that bookkeeping is a null test.  Only for arrays
    whose owners outlive the use, such as a kernel's own arguments."""
    def strip(context, builder, ty, val):
        if isinstance(ty, types.Array):
            array = context.make_array(ty)(context, builder, value=val)
            array.meminfo = cgutils.get_null_value(array.meminfo.type)
            array.parent = cgutils.get_null_value(array.parent.type)
            return array._getvalue()
        if isinstance(ty, types.BaseTuple):
            for i, item in enumerate(ty):
                val = builder.insert_value(val, strip(context, builder, item, builder.extract_value(val, i)), i)
        return val

    def codegen(context, builder, signature, args):
        return strip(context, builder, signature.args[0], args[0])
    return value(value), codegen


# ----------------------------------------------------------------------------- products
@njit(cache=True)
def product(a, ar, ac, b, br, bc, out):
    """out = a * b: scaling if either is 1x1, else the matrix product."""
    if ar * ac == 1:
        s = a[0]
        for i in range(br * bc):
            out[i] = s * b[i]
    elif br * bc == 1:
        s = b[0]
        for i in range(ar * ac):
            out[i] = a[i] * s
    else:
        for i in range(ar):
            for j in range(bc):
                acc = 0.0
                for k in range(ac):
                    acc += a[i * ac + k] * b[k * bc + j]
                out[i * bc + j] = acc


@njit(cache=True)
def product_backward(a, ar, ac, b, br, bc, g, ga, gb):
    """ga += dL/da and gb += dL/db for out = a * b with dL/dout = g."""
    if ar * ac == 1:
        s = a[0]
        acc = 0.0
        for i in range(br * bc):
            acc += g[i] * b[i]
            gb[i] += s * g[i]
        ga[0] += acc
    elif br * bc == 1:
        s = b[0]
        acc = 0.0
        for i in range(ar * ac):
            acc += g[i] * a[i]
            ga[i] += g[i] * s
        gb[0] += acc
    else:
        for i in range(ar):
            for k in range(ac):
                acc = 0.0
                for j in range(bc):
                    acc += g[i * bc + j] * b[k * bc + j]
                ga[i * ac + k] += acc
        for k in range(br):
            for j in range(bc):
                acc = 0.0
                for i in range(ar):
                    acc += a[i * ac + k] * g[i * bc + j]
                gb[k * bc + j] += acc


# ----------------------------------------------------------------------------- gathering the inputs
@njit(cache=True)
def _gather(v, net, params, values, ws):
    """Fill ws.p with the neuron's input list; return its length."""
    weighted = net.kind[v] == WEIGHTED_ATOM or net.kind[v] == WEIGHTED_RULE
    k = 0
    pos = 0
    if weighted and net.offset[v] >= 0:
        w = net.offset[v]
        s = params.start[w]
        size = params.rows[w] * params.cols[w]
        for i in range(size):
            ws.p[pos + i] = params.values[s + i]
        ws.p_start[k] = pos
        ws.p_rows[k] = params.rows[w]
        ws.p_cols[k] = params.cols[w]
        pos += size
        k += 1
    for e in range(net.input_start[v], net.input_start[v + 1]):
        x = net.edge_src[e]
        xs = net.value_start[x]
        xr = net.rows[x]
        xc = net.cols[x]
        w = net.edge_weight[e]
        ws.p_start[k] = pos
        if w < 0 or not weighted:
            for i in range(xr * xc):
                ws.p[pos + i] = values[xs + i]
            ws.p_rows[k] = xr
            ws.p_cols[k] = xc
        else:
            s = params.start[w]
            wr = params.rows[w]
            wc = params.cols[w]
            r, c = product_shape(wr, wc, xr, xc)
            product(params.values[s:s + wr * wc], wr, wc, values[xs:xs + xr * xc], xr, xc, ws.p[pos:pos + r * c])
            ws.p_rows[k] = r
            ws.p_cols[k] = c
        pos += ws.p_rows[k] * ws.p_cols[k]
        k += 1
    ws.p_start[k] = pos
    return k


@njit(cache=True)
def _element_sum(ws, i):
    acc = 0.0
    for j in range(ws.p_start[i], ws.p_start[i + 1]):
        acc += ws.p[j]
    return acc


@njit(cache=True)
def _extreme(ws, k, largest):
    """The input whose element sum is largest (smallest); ties keep the first."""
    best = 0
    best_sum = _element_sum(ws, 0)
    for i in range(1, k):
        s = _element_sum(ws, i)
        if (largest and s > best_sum) or (not largest and s < best_sum):
            best = i
            best_sum = s
    return best


# ----------------------------------------------------------------------------- combinations
@njit(cache=True)
def _cosine_terms(ws):
    """(x.y, x.x, y.y, paired length) of the two inputs of a cossim neuron."""
    a0, a1 = ws.p_start[0], ws.p_start[1]
    m = min(ws.p_start[1] - a0, ws.p_start[2] - a1)
    dot = 0.0
    la = 0.0
    lb = 0.0
    for j in range(m):
        x = ws.p[a0 + j]
        y = ws.p[a1 + j]
        dot += x * y
        la += x * x
        lb += y * y
    return dot, la, lb, m


@njit(cache=True)
def _combine(op, k, ws, out, n):
    """out[:n] = op(p_0, ..., p_k-1)."""
    if k == 1 and (op == COUNT or op == SOFTMAX or op == SPARSEMAX):
        out[0] = 1.0
        return
    if k == 1 or op == SUM or op == AVG:
        for i in range(n):
            out[i] = 0.0
        for i in range(k):
            a = ws.p_start[i]
            size = ws.p_start[i + 1] - a
            if size == n:
                for j in range(n):
                    out[j] += ws.p[a + j]
            else:
                for j in range(n):
                    out[j] += ws.p[a]
        if op == AVG and k > 1:
            inverse = 1.0 / k
            for j in range(n):
                out[j] *= inverse
    elif op == MAX or op == MIN:
        best = _extreme(ws, k, op == MAX)
        a = ws.p_start[best]
        size = ws.p_start[best + 1] - a
        for j in range(n):
            out[j] = ws.p[a + j] if size == n else ws.p[a]
    elif op == COUNT:
        out[0] = k
    elif op == CONCAT:
        for j in range(n):
            out[j] = ws.p[j]
    elif op == SOFTMAX:
        softmax(ws.p, out, n)
    elif op == SPARSEMAX:
        sparsemax(ws.p, out, n)
    elif op == ELPRODUCT:
        for j in range(n):
            out[j] = 1.0
        for i in range(k):
            a = ws.p_start[i]
            size = ws.p_start[i + 1] - a
            for j in range(n):
                out[j] *= ws.p[a + j] if size == n else ws.p[a]
    elif op == CROSSSUM:
        for o in range(n):
            rest = o
            acc = 0.0
            for i in range(k - 1, -1, -1):
                a = ws.p_start[i]
                size = ws.p_start[i + 1] - a
                acc += ws.p[a + rest % size]
                rest //= size
            out[o] = acc
    elif op == COSSIM:
        dot, la, lb, _ = _cosine_terms(ws)
        out[0] = dot / (np.sqrt(la) * np.sqrt(lb))
    else:  # PRODUCT: a left fold, prefixes kept in ws.q for the backward pass
        _product_fold(k, ws, out, n)


@njit(cache=True)
def _product_fold(k, ws, out, n):
    # q_i = p_0 * ... * p_i; q_0 is p_0 itself
    pos = 0
    r = ws.p_rows[0]
    c = ws.p_cols[0]
    a = ws.p_start[0]
    for j in range(r * c):
        ws.q[j] = ws.p[a + j]
    ws.q_start[0] = 0
    ws.q_rows[0] = r
    ws.q_cols[0] = c
    for i in range(1, k):
        pr = ws.p_rows[i]
        pc = ws.p_cols[i]
        b = ws.p_start[i]
        nr, nc = product_shape(r, c, pr, pc)
        start = pos + r * c
        product(ws.q[pos:pos + r * c], r, c, ws.p[b:b + pr * pc], pr, pc, ws.q[start:start + nr * nc])
        pos = start
        r = nr
        c = nc
        ws.q_start[i] = pos
        ws.q_rows[i] = r
        ws.q_cols[i] = c
    for j in range(n):
        out[j] = ws.q[pos + j]


@njit(cache=True)
def _combine_backward(op, k, ws, out, g, n):
    """ws.gp[p_i] = dL/dp_i given dL/dout = g[:n] (overwrites ws.gp)."""
    total = ws.p_start[k]
    for j in range(total):
        ws.gp[j] = 0.0
    if k == 1 and (op == COUNT or op == SOFTMAX or op == SPARSEMAX):
        return
    if k == 1 or op == SUM or op == AVG:
        scale = 1.0 / k if (op == AVG and k > 1) else 1.0
        for i in range(k):
            a = ws.p_start[i]
            size = ws.p_start[i + 1] - a
            if size == n:
                for j in range(n):
                    ws.gp[a + j] = scale * g[j]
            else:
                acc = 0.0
                for j in range(n):
                    acc += g[j]
                ws.gp[a] = scale * acc
    elif op == MAX or op == MIN:
        best = _extreme(ws, k, op == MAX)
        a = ws.p_start[best]
        size = ws.p_start[best + 1] - a
        for j in range(n):
            if size == n:
                ws.gp[a + j] = g[j]
            else:
                ws.gp[a] += g[j]
    elif op == COUNT:
        return
    elif op == CONCAT:
        for j in range(n):
            ws.gp[j] = g[j]
    elif op == SOFTMAX:
        softmax_backward(out, g, ws.gp, n)
    elif op == SPARSEMAX:
        sparsemax_backward(out, g, ws.gp, n)
    elif op == ELPRODUCT:
        for i in range(k):
            a = ws.p_start[i]
            size = ws.p_start[i + 1] - a
            for j in range(n):
                others = g[j]
                for h in range(k):
                    if h != i:
                        b = ws.p_start[h]
                        others *= ws.p[b + j] if ws.p_start[h + 1] - b == n else ws.p[b]
                if size == n:
                    ws.gp[a + j] = others
                else:
                    ws.gp[a] += others
    elif op == CROSSSUM:
        for o in range(n):
            rest = o
            for i in range(k - 1, -1, -1):
                a = ws.p_start[i]
                size = ws.p_start[i + 1] - a
                ws.gp[a + rest % size] += g[o]
                rest //= size
    elif op == COSSIM:
        dot, la, lb, m = _cosine_terms(ws)
        a0, a1 = ws.p_start[0], ws.p_start[1]
        lens = np.sqrt(la) * np.sqrt(lb)
        cos = dot / lens
        for j in range(m):
            x = ws.p[a0 + j]
            y = ws.p[a1 + j]
            ws.gp[a0 + j] = g[0] * (y / lens - cos * x / la)
            ws.gp[a1 + j] = g[0] * (x / lens - cos * y / lb)
    else:  # PRODUCT: recompute the prefixes (another neuron may have used ws.q since)
        _product_fold(k, ws, out, n)
        _product_fold_backward(k, ws, g, n)


@njit(cache=True)
def _product_fold_backward(k, ws, g, n):
    # q_i = q_{i-1} * p_i, so dq_{i-1} and dp_i follow from dq_i, from the last prefix down
    last = ws.q_start[k - 1]
    for j in range(n):
        ws.gq[last + j] = g[j]
    for i in range(k - 1, 0, -1):
        qs = ws.q_start[i - 1]
        qr = ws.q_rows[i - 1]
        qc = ws.q_cols[i - 1]
        for j in range(qr * qc):
            ws.gq[qs + j] = 0.0
        b = ws.p_start[i]
        pr = ws.p_rows[i]
        pc = ws.p_cols[i]
        cs = ws.q_start[i]
        size = ws.q_rows[i] * ws.q_cols[i]
        product_backward(ws.q[qs:qs + qr * qc], qr, qc, ws.p[b:b + pr * pc], pr, pc, ws.gq[cs:cs + size],
                         ws.gq[qs:qs + qr * qc], ws.gp[b:b + pr * pc])
    a = ws.p_start[0]
    for j in range(ws.p_start[1] - a):
        ws.gp[a + j] = ws.gq[j]


# ----------------------------------------------------------------------------- many neurons
# The two passes below are the hot loops.  Almost every neuron sums (or averages) weighted
# inputs, so that case is written out inline, straight from the value and parameter buffers;
# everything else calls the general routines above.  (Calls that pass arrays cost reference
# counting in numba, which is why the common case makes none.)
#
# Both passes are compiled once per lane width W = len(lanes) (``lanes_of``).  The neurons of
# width W that sum or average run with W a compile-time constant: the loops over elements
# unroll and the accumulators live in registers (``_stack``; LLVM keeps them there only while
# every index into them is a constant), which takes a third off both passes on the mutagenesis
# GNN.  Scalar sums (outputs, usually) run there too, in the same W lanes: every lane holds the
# scalar, and the backward pass's dL/dpre is (g, 0, ..., 0), so each element-wise rule below
# gives the scalar's result.  Every other neuron is handed, one call each, to the same pass
# compiled with ``lanes=None``, where widths are read at run time.

def _forward_neurons(neurons, first, last, net, params, values, pre, ws, learns, lanes, products, general):
    """Evaluate ``neurons[first:last]`` (topologically ordered) from their inputs' values.

    Neurons with ``learns[v] == 0`` depend on no learnable parameter: their values are
    constants, computed once (pass all ones to compute everything).  ``lanes``: see above
    (None: run-time widths only).  ``products``: None, or the products a plan computed ahead
    (only with ``lanes=None``).  ``general``: None when the network has sums and averages with
    element-wise activations only (``general_of``): the other neurons' code is left out."""
    kinds, offsets, reducers, activations = net.kind, net.offset, net.reducer, net.activation
    value_start, input_start, edge_src, plan = net.value_start, net.input_start, net.edge_src, net.edge_plan
    pvalues, pstart, prows, pcols = params.values, params.start, params.rows, params.cols
    if lanes is None:   # numba prunes these branches by the argument's type
        W = 0
        lane = values
    else:
        W = len(lanes)
        lane = carray(_stack(lanes), (W,))
    for position in range(first, last):
        v = neurons[position]
        if not learns[v]:
            continue
        kind = kinds[v]
        vs = value_start[v]
        n = value_start[v + 1] - vs
        if kind == FACT:
            s = pstart[offsets[v]]
            for i in range(n):
                values[vs + i] = pvalues[s + i]
            continue
        if kind == NEGATION:
            xs = value_start[edge_src[input_start[v]]]
            for i in range(n):
                pre[vs + i] = values[xs + i]
                values[vs + i] = 1.0 - values[xs + i]
            continue
        op = reducers[v]
        act = activations[v]
        # the combination goes straight into the value; a non-identity activation then keeps it
        # as the pre-activation and replaces the value (no array variable is rebound in this
        # loop: in numba that would cost reference counting per neuron)
        summing = op == SUM or op == AVG
        if lanes is not None and ((n != W and n != 1) or not summing or act > LAST_ELEMENTWISE):
            _forward_any(neurons, position, position + 1, net, params, values, pre, ws, learns, None, None, general)
            continue
        if summing:   # into lane[base:base + m]: the registers, or the value itself when W = 0
            m = W if W > 0 else n
            base = 0 if W > 0 else vs
            um, ub = U(m), U(base)   # unsigned copies for the element loops (see U)
            weighted = kind == WEIGHTED_ATOM or kind == WEIGHTED_RULE
            for j in range(um):
                lane[ub + j] = 0.0
            k = 0
            if weighted and offsets[v] >= 0:
                w = offsets[v]
                ps = pstart[w]
                if prows[w] * pcols[w] == m:
                    for j in range(m):
                        lane[base + j] += pvalues[ps + j]
                else:
                    for j in range(m):
                        lane[base + j] += pvalues[ps]
                k += 1
            for e in range(input_start[v], input_start[v + 1]):
                xs = plan[e, PLAN_XS]
                xn = plan[e, PLAN_XN]
                ps = plan[e, PLAN_PS]
                k += 1
                if products is not None:
                    r = products.edge_row[e]
                    if r != INLINE:
                        if r >= 0:
                            ur = U(r)
                            for j in range(um):
                                lane[ub + j] += products.y[ur + j]
                        continue
                if ps < 0:
                    if xn == m:
                        ux = U(xs)
                        for j in range(um):
                            lane[ub + j] += values[ux + j]
                    else:
                        t = values[xs]
                        for j in range(m):
                            lane[base + j] += t
                    continue
                shape = plan[e, PLAN_SHAPE]
                wr = shape & 0xFFFF
                wc = (shape >> 16) & 0xFFFF
                if wr * wc == 1:
                    t = pvalues[ps]
                    if xn == m:
                        for j in range(m):
                            lane[base + j] += t * values[xs + j]
                    else:
                        t *= values[xs]
                        for j in range(m):
                            lane[base + j] += t
                elif xn == 1:
                    t = values[xs]
                    if wr * wc == m:
                        for j in range(m):
                            lane[base + j] += pvalues[ps + j] * t
                    else:
                        t *= pvalues[ps]
                        for j in range(m):
                            lane[base + j] += t
                else:
                    if W > 0 and xn == m and wr == m and wc == m:   # square matrix times vector
                        for i in range(m):
                            acc = 0.0
                            for q in range(m):
                                acc += pvalues[ps + i * m + q] * values[xs + q]
                            lane[i] += acc
                    elif xn == wc and wr == m:   # matrix times column vector, the usual case
                        # unsigned indices spare numba's negative-index checks, so the dot
                        # products vectorize
                        row = U(ps)
                        columns = U(wc)
                        for i in range(m):
                            acc = 0.0
                            for q in range(columns):
                                acc += pvalues[row + q] * values[U(xs) + q]
                            lane[base + i] += acc
                            row += columns
                    elif wr * (xn // wc) == m:   # matrix times matrix: x is wc x (xn / wc)
                        xc = xn // wc
                        for o in range(m):   # output element o = (i, j)
                            i = o // xc
                            j = o - i * xc
                            acc = 0.0
                            for q in range(wc):
                                acc += pvalues[ps + i * wc + q] * values[xs + q * xc + j]
                            lane[base + o] += acc
                    else:   # a 1x1 product (row times column) added to every element
                        acc = 0.0
                        for q in range(wc):
                            acc += pvalues[ps + q] * values[xs + q]
                        for j in range(m):
                            lane[base + j] += acc
            scale = 1.0 / k if op == AVG and k > 1 else 1.0
            if W > 0 and n != W:   # a scalar: every lane holds it
                values[vs] = lane[0] * scale
            elif W > 0 or scale != 1.0:   # (with W = 0 the lanes are the value: a sum is in place)
                uv = U(vs)
                for j in range(um):
                    values[uv + j] = lane[ub + j] * scale
        elif lanes is None and op == ELPRODUCT and (kind == RULE or kind == ATOM):
            # an unweighted element-wise product (the score of KB embedding models, one per
            # triple): inline, in the order ``_combine`` multiplies, without gathering the inputs
            uv, un = U(vs), U(n)
            e0 = input_start[v]
            if input_start[v + 1] - e0 == 3 and plan[e0, PLAN_XN] == n and plan[e0 + 1, PLAN_XN] == n and \
                    plan[e0 + 2, PLAN_XN] == n:   # three vectors (DistMult's): one pass, the same products
                a, b, c = U(plan[e0, PLAN_XS]), U(plan[e0 + 1, PLAN_XS]), U(plan[e0 + 2, PLAN_XS])
                for j in range(un):
                    values[uv + j] = values[a + j] * values[b + j] * values[c + j]
            else:
                for j in range(un):
                    values[uv + j] = 1.0
                for e in range(e0, input_start[v + 1]):
                    xs = plan[e, PLAN_XS]
                    if plan[e, PLAN_XN] == n:
                        ux = U(xs)
                        for j in range(un):
                            values[uv + j] *= values[ux + j]
                    else:
                        t = values[xs]
                        for j in range(un):
                            values[uv + j] *= t
        elif lanes is None and general is not None:   # numba leaves this out of the width-W pass (which
            count = _gather(v, net, params, values, ws)   # hands such neurons over) and of sums-only networks
            _combine(op, count, ws, values[vs:vs + n], n)
        if act == IDENTITY:
            continue
        uv, un = U(vs), U(n)
        if products is not None and act == TANH and summing:
            # planned (wide) neurons: a tanh that vectorizes, in place (the backward pass of a
            # sum's tanh reads its value only, so ``pre`` is not kept)
            for i in range(un):
                values[uv + i] = fast_tanh(values[uv + i])
            continue
        for i in range(un):
            pre[uv + i] = values[uv + i]
        if act <= LAST_ELEMENTWISE:
            for i in range(un):
                values[uv + i] = elementwise(act, pre[uv + i])
        elif lanes is None and general is not None:
            r, c = _pre_shape(v, net)
            transform(act, pre[vs:vs + n], values[vs:vs + n], r, c)


forward_neurons = njit(cache=True, fastmath=FAST)(_forward_neurons)
#: The same pass as a second dispatcher, for the neurons the width-W pass hands over: a call
#: into the dispatcher being compiled would be numba's recursion, which its cache cannot load.
_forward_any = njit(cache=True, fastmath=FAST)(_forward_neurons)


@njit(cache=True)
def learning_neurons(net, learnable):
    """1 for the neurons whose gradient reaches a learnable parameter (through themselves or
    their inputs), 0 for the rest: the backward pass skips those, and never pushes gradients
    into them (constant facts, and rules over constant facts only)."""
    n = net.kind.shape[0]
    learns = np.zeros(n, np.int8)
    for v in range(n):
        kind = net.kind[v]
        if kind == FACT:
            learns[v] = learnable[net.offset[v]]
            continue
        weighted = kind == WEIGHTED_ATOM or kind == WEIGHTED_RULE
        if weighted and net.offset[v] >= 0 and learnable[net.offset[v]]:
            learns[v] = 1
            continue
        for e in range(net.input_start[v], net.input_start[v + 1]):
            w = net.edge_weight[e]
            if learns[net.edge_src[e]] or (weighted and w >= 0 and learnable[w]):
                learns[v] = 1
                break
    return learns


def _backward_neurons(neurons, first, last, net, params, values, pre, grads, pgrad, ws, learns, consume, lanes,
                      products, general):
    """Push the gradients of ``neurons[first:last]``, last to first, to inputs and weights.

    Neurons with ``learns[v] == 0`` are skipped, and receive no gradient.  With ``consume``,
    each neuron's gradient is reset to zero once pushed, so training leaves the gradient
    buffer clean for the next sample without a separate sweep.  ``lanes`` as in the forward pass:
    dL/dpre of a width-W sum is kept in registers.  ``products``: as in the forward pass; a
    planned product's dL/dY is added to its row (the plan's blocks take it from there)."""
    kinds, offsets, reducers, activations = net.kind, net.offset, net.reducer, net.activation
    value_start, input_start, edge_src, plan = net.value_start, net.input_start, net.edge_src, net.edge_plan
    pvalues, pstart, prows, pcols = params.values, params.start, params.rows, params.cols
    if lanes is None:
        W = 0
        g = ws.gpre
    else:
        W = len(lanes)
        g = carray(_stack(lanes), (W,))
    for position in range(last - 1, first - 1, -1):
        v = neurons[position]
        if not learns[v]:
            continue
        kind = kinds[v]
        vs = value_start[v]
        n = value_start[v + 1] - vs
        op = reducers[v]
        plain = kind == FACT or kind == NEGATION or op == SUM or op == AVG
        if lanes is not None and ((n != W and n != 1) or not plain or activations[v] > LAST_ELEMENTWISE):
            _backward_any(neurons, position, position + 1, net, params, values, pre, grads, pgrad, ws, learns,
                          consume, None, None, general)
            continue
        m = W if W > 0 else n   # a compile-time constant when W > 0
        if kind == FACT:
            s = pstart[offsets[v]]
            for i in range(n):
                pgrad[s + i] += grads[vs + i]
        elif kind == NEGATION:
            x = edge_src[input_start[v]]
            if learns[x]:
                xs = value_start[x]
                for i in range(n):
                    grads[xs + i] -= grads[vs + i]
        else:
            act = activations[v]
            # dL/dpre, with an average's 1/k folded in (a sum's inputs then all take g as it is)
            has_offset = (kind == WEIGHTED_ATOM or kind == WEIGHTED_RULE) and offsets[v] >= 0
            k = input_start[v + 1] - input_start[v] + (1 if has_offset else 0)
            scale = 1.0 / k if op == AVG and k > 1 else 1.0
            if W > 0 and n != W:   # a scalar: g = (dL/dpre, 0, ..., 0)
                for i in range(m):
                    g[i] = 0.0
                g[0] = grads[vs] * elementwise_derivative(act, pre[vs], values[vs]) * scale
            elif act == IDENTITY:
                uv = U(vs)
                for i in range(U(m)):
                    g[i] = grads[uv + i] * scale
            elif act == TANH:   # 1 - y^2, written out so that the loop vectorizes (0 where |z| > 100: y = +-1)
                uv = U(vs)
                for i in range(U(m)):
                    y = values[uv + i]
                    g[i] = grads[uv + i] * (1.0 - y * y) * scale
            elif act <= LAST_ELEMENTWISE:
                for i in range(m):
                    g[i] = grads[vs + i] * elementwise_derivative(act, pre[vs + i], values[vs + i]) * scale
            elif lanes is None and general is not None:   # left out as in the forward pass
                r, c = _pre_shape(v, net)
                transform_backward(act, pre[vs:vs + n], values[vs:vs + n], grads[vs:vs + n], g, r, c)
                if scale != 1.0:
                    for i in range(n):
                        g[i] *= scale
        if consume:
            if W > 0 and n != W:
                grads[vs] = 0.0
            else:
                uv = U(vs)
                for i in range(U(m)):
                    grads[uv + i] = 0.0
        if kind == FACT or kind == NEGATION:
            continue
        if lanes is None and op == ELPRODUCT and (kind == RULE or kind == ATOM):
            # the inline product of the forward pass: each input gets g times the others, multiplied
            # in the order ``_combine_backward`` multiplies them
            # (the product of the others goes through ws.gp, which holds at least this neuron's
            # inputs, so that each loop over the elements vectorizes)
            others = ws.gp
            un = U(n)
            e0 = input_start[v]
            if input_start[v + 1] - e0 == 3 and plan[e0, PLAN_XN] == n and plan[e0 + 1, PLAN_XN] == n and \
                    plan[e0 + 2, PLAN_XN] == n:   # three vectors, as in the forward pass: one pass
                a, b, c = U(plan[e0, PLAN_XS]), U(plan[e0 + 1, PLAN_XS]), U(plan[e0 + 2, PLAN_XS])
                for j in range(un):
                    gj, xa, xb, xc = g[j], values[a + j], values[b + j], values[c + j]
                    grads[a + j] += gj * xb * xc
                    grads[b + j] += gj * xa * xc
                    grads[c + j] += gj * xa * xb
                continue
            for e in range(e0, input_start[v + 1]):
                for j in range(un):
                    others[j] = g[j]
                for h in range(input_start[v], input_start[v + 1]):
                    if h != e:
                        hs = U(plan[h, PLAN_XS])
                        if plan[h, PLAN_XN] == n:
                            for j in range(un):
                                others[j] *= values[hs + j]
                        else:
                            t = values[hs]
                            for j in range(un):
                                others[j] *= t
                xs = U(plan[e, PLAN_XS])
                if plan[e, PLAN_XN] == n:
                    for j in range(un):
                        grads[xs + j] += others[j]
                else:
                    acc = 0.0
                    for j in range(un):
                        acc += others[j]
                    grads[xs] += acc
            continue
        if op != SUM and op != AVG:
            if lanes is None and general is not None:
                _backward_general(v, net, params, values, pre, grads, pgrad, ws)
            continue
        if has_offset:
            w = offsets[v]
            ps = pstart[w]
            if prows[w] * pcols[w] == m:
                for j in range(m):
                    pgrad[ps + j] += g[j]
            else:
                for j in range(m):
                    pgrad[ps] += g[j]
        for e in range(input_start[v], input_start[v + 1]):
            x = edge_src[e]
            xs = plan[e, PLAN_XS]
            xn = plan[e, PLAN_XN]
            ps = plan[e, PLAN_PS]
            if products is not None:
                r = products.edge_row[e]
                if r != INLINE:
                    if r >= 0:
                        ur = U(r)
                        for j in range(U(m)):
                            products.gy[ur + j] += g[j]
                    continue
            learner = learns[x] != 0
            if ps < 0:
                if not learner:
                    continue
                if xn == m:
                    ux = U(xs)
                    for j in range(U(m)):
                        grads[ux + j] += g[j]
                else:
                    acc = 0.0
                    for j in range(m):
                        acc += g[j]
                    grads[xs] += acc
                continue
            shape = plan[e, PLAN_SHAPE]
            wr = shape & 0xFFFF
            wc = (shape >> 16) & 0xFFFF
            if wr * wc == 1:
                t = pvalues[ps]
                if xn == m:
                    acc = 0.0
                    for j in range(m):
                        acc += g[j] * values[xs + j]
                    pgrad[ps] += acc
                    if learner:
                        for j in range(m):
                            grads[xs + j] += t * g[j]
                else:
                    total = 0.0
                    for j in range(m):
                        total += g[j]
                    pgrad[ps] += total * values[xs]
                    if learner:
                        grads[xs] += total * t
            elif xn == 1:
                t = values[xs]
                if wr * wc == m:
                    acc = 0.0
                    for j in range(m):
                        pgrad[ps + j] += g[j] * t
                        acc += pvalues[ps + j] * g[j]
                    if learner:
                        grads[xs] += acc
                else:
                    total = 0.0
                    for j in range(m):
                        total += g[j]
                    pgrad[ps] += total * t
                    if learner:
                        grads[xs] += total * pvalues[ps]
            else:
                if W > 0 and xn == m and wr == m and wc == m:   # square matrix times vector
                    for i in range(m):
                        gi = g[i]
                        for q in range(m):
                            pgrad[ps + i * m + q] += gi * values[xs + q]
                    if learner:
                        for q in range(m):
                            acc = 0.0
                            for i in range(m):
                                acc += pvalues[ps + i * m + q] * g[i]
                            grads[xs + q] += acc
                elif xn == wc and wr == m:   # matrix times column vector, the usual case
                    row = U(ps)
                    columns = U(wc)
                    for i in range(m):
                        gi = g[i]
                        for q in range(columns):
                            pgrad[row + q] += gi * values[U(xs) + q]
                        if learner:
                            for q in range(columns):
                                grads[U(xs) + q] += pvalues[row + q] * gi
                        row += columns
                elif wr * (xn // wc) == m:   # matrix times matrix
                    xc = xn // wc
                    for o in range(m):   # output element o = (i, j)
                        i = o // xc
                        j = o - i * xc
                        go = g[o]
                        for q in range(wc):
                            pgrad[ps + i * wc + q] += go * values[xs + q * xc + j]
                            if learner:
                                grads[xs + q * xc + j] += pvalues[ps + i * wc + q] * go
                else:
                    total = 0.0
                    for j in range(m):
                        total += g[j]
                    for q in range(wc):
                        pgrad[ps + q] += total * values[xs + q]
                        if learner:
                            grads[xs + q] += total * pvalues[ps + q]


backward_neurons = njit(cache=True, fastmath=FAST)(_backward_neurons)
_backward_any = njit(cache=True, fastmath=FAST)(_backward_neurons)   # as _forward_any


# ----------------------------------------------------------------------------- one neuron
@njit(cache=True)
def _pre_shape(v, net):
    if net.activation[v] == TRANSPOSE:
        return net.cols[v], net.rows[v]
    return net.rows[v], net.cols[v]


@njit(cache=True)
def _backward_general(v, net, params, values, pre, grads, pgrad, ws):
    """Backward of a neuron with any combination, given dL/dpre in ws.gpre."""
    vs = net.value_start[v]
    n = net.value_start[v + 1] - vs
    k = _gather(v, net, params, values, ws)
    combined = values if net.activation[v] == IDENTITY else pre   # where the forward pass left C(inputs)
    _combine_backward(net.reducer[v], k, ws, combined[vs:vs + n], ws.gpre, n)
    weighted = net.kind[v] == WEIGHTED_ATOM or net.kind[v] == WEIGHTED_RULE
    i = 0
    if weighted and net.offset[v] >= 0:
        w = net.offset[v]
        s = params.start[w]
        for j in range(params.rows[w] * params.cols[w]):
            pgrad[s + j] += ws.gp[j]
        i = 1
    for e in range(net.input_start[v], net.input_start[v + 1]):
        x = net.edge_src[e]
        xs = net.value_start[x]
        xr = net.rows[x]
        xc = net.cols[x]
        a = ws.p_start[i]
        w = net.edge_weight[e]
        if w < 0 or not weighted:
            for j in range(xr * xc):
                grads[xs + j] += ws.gp[a + j]
        else:
            s = params.start[w]
            wr = params.rows[w]
            wc = params.cols[w]
            size = ws.p_start[i + 1] - a
            product_backward(params.values[s:s + wr * wc], wr, wc, values[xs:xs + xr * xc], xr, xc,
                             ws.gp[a:a + size], pgrad[s:s + wr * wc], grads[xs:xs + xr * xc])
        i += 1


# ----------------------------------------------------------------------------- the edge plan
def edge_plan(kind, value_start, input_start, edge_src, edge_weight, wstart, wrows, wcols) -> np.ndarray:
    """The (E, 4) plan of ``Net.edge_plan`` (built once per graph, in place: no per-edge
    temporaries): int32, which halves the passes' memory traffic for it, unless the graph is
    too big for that."""
    if len(wrows) and max(int(np.max(wrows)), int(np.max(wcols))) >= 1 << 15:
        raise NetworkError("a weight has 32768 or more rows or columns; the engine supports fewer")
    small = value_start[-1] < 2 ** 31 and (wstart.shape[0] == 0 or wstart[-1] < 2 ** 31)
    plan = np.empty((edge_src.shape[0], 4), np.int32 if small else np.int64)
    _fill_plan(kind, value_start, input_start, edge_src, edge_weight, wstart, wrows, wcols, plan)
    return plan


@njit(cache=True)
def repoint(edge_src, plan, value_start, edges, sources):
    """Point ``edges`` at ``sources`` in ``edge_src`` and the plan, in place; False, with
    nothing changed, if a source's size differs from the input it replaces."""
    for i in range(edges.shape[0]):
        x = sources[i]
        if value_start[x + 1] - value_start[x] != plan[edges[i], PLAN_XN]:
            return False
    for i in range(edges.shape[0]):
        edge_src[edges[i]] = sources[i]
        plan[edges[i], PLAN_XS] = value_start[sources[i]]
    return True


@njit(cache=True)
def _fill_plan(kind, value_start, input_start, edge_src, edge_weight, wstart, wrows, wcols, plan):
    for v in range(kind.shape[0]):
        weighted = kind[v] == WEIGHTED_ATOM or kind[v] == WEIGHTED_RULE
        for e in range(input_start[v], input_start[v + 1]):
            x = edge_src[e]
            plan[e, PLAN_XS] = value_start[x]
            plan[e, PLAN_XN] = value_start[x + 1] - value_start[x]
            w = edge_weight[e] if weighted else -1
            if w >= 0:
                plan[e, PLAN_PS] = wstart[w]
                plan[e, PLAN_SHAPE] = wrows[w] | (wcols[w] << 16)
            else:
                plan[e, PLAN_PS] = -1
                plan[e, PLAN_SHAPE] = 0


# ----------------------------------------------------------------------------- workspace
@njit(cache=True)
def _workspace_sizes(net, params):
    # the largest input list (values and count) and product prefix chain over all neurons
    most_p = 1
    most_q = 1
    most_k = 2
    most_v = 1
    for v in range(net.kind.shape[0]):
        most_v = max(most_v, net.value_start[v + 1] - net.value_start[v])
        if net.kind[v] == FACT or net.kind[v] == NEGATION:
            continue
        weighted = net.kind[v] == WEIGHTED_ATOM or net.kind[v] == WEIGHTED_RULE
        total = 0
        k = 0
        qr = 0
        qc = 0
        q_total = 0
        if weighted and net.offset[v] >= 0:
            w = net.offset[v]
            total += params.rows[w] * params.cols[w]
            qr = params.rows[w]
            qc = params.cols[w]
            q_total += qr * qc
            k += 1
        for e in range(net.input_start[v], net.input_start[v + 1]):
            x = net.edge_src[e]
            r = net.rows[x]
            c = net.cols[x]
            w = net.edge_weight[e]
            if w >= 0 and weighted:
                r, c = product_shape(params.rows[w], params.cols[w], r, c)
            total += r * c
            if k == 0:
                qr = r
                qc = c
            else:
                qr, qc = product_shape(qr, qc, r, c)
            q_total += qr * qc
            k += 1
        most_p = max(most_p, total)
        most_q = max(most_q, q_total)
        most_k = max(most_k, k + 1)
    return most_p, most_q, most_k, most_v


def lanes_of(net: Net):
    """The ``lanes`` argument of the passes for this graph: the most common width among the
    neurons that sum or average, or None (run-time widths only) when there are none or it is
    above ``MOST_LANES``."""
    summing = np.isin(net.reducer, (SUM, AVG)) & ~np.isin(net.kind, (FACT, NEGATION))
    summing |= (net.reducer == ELPRODUCT) & np.isin(net.kind, (RULE, ATOM))   # inline in the run-time-width pass
    widths = np.diff(net.value_start)[summing]
    if (widths > 1).any():      # scalars run in any width's lanes: they choose it only when alone
        widths = widths[widths > 1]
    common = int(np.bincount(widths).argmax()) if widths.size else 0
    return (0.0,) * common if 0 < common <= MOST_LANES else None


def general_of(net: Net):
    """The ``general`` argument of the passes for this graph: None when every neuron is a fact, a
    negation, or a sum or average with an element-wise activation (the passes then compile
    without the code for the others, seconds of a first run), else True."""
    other = ~np.isin(net.kind, (FACT, NEGATION)) & (~np.isin(net.reducer, (SUM, AVG))
                                                     | (net.activation > LAST_ELEMENTWISE))
    return True if other.any() else None


def workspace(net: Net, params: Params) -> Workspace:
    """Scratch arrays big enough for every neuron of ``net``."""
    most_p, most_q, most_k, most_v = _workspace_sizes(net, params)
    ints = lambda: np.zeros(most_k, np.int64)  # noqa: E731
    return Workspace(np.zeros(most_p), np.zeros(most_p), ints(), ints(), ints(), np.zeros(most_q),
                     np.zeros(most_q), ints(), ints(), ints(), np.zeros(most_v))
