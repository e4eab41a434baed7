"""Shape inference: the (rows, cols) of every neuron's value, or the first product that cannot be.

Products follow the reference's value algebra: a 1x1 factor scales the other; otherwise the
matrix product, which needs the inner dimensions to agree (so a row times a column is a
scalar, a column times a row an outer product, a column times a column an error).
Element-wise combinations broadcast 1x1 values; the result takes the shape of the first
input of full size.
"""
from __future__ import annotations

import numpy as np

from ..jit import njit
from ..ops import Op
from .graph import Kind

_FACT, _NEGATION, _AGGREGATION = int(Kind.FACT), int(Kind.NEGATION), int(Kind.AGGREGATION)
_WEIGHTED_ATOM, _WEIGHTED_RULE = int(Kind.WEIGHTED_ATOM), int(Kind.WEIGHTED_RULE)
_CONCAT, _CROSSSUM, _PRODUCT, _COSSIM, _COUNT = (int(Op.CONCAT), int(Op.CROSSSUM), int(Op.PRODUCT),
                                                 int(Op.COSSIM), int(Op.COUNT))
_SOFTMAX, _SPARSEMAX, _TRANSPOSE = int(Op.SOFTMAX), int(Op.SPARSEMAX), int(Op.TRANSPOSE)

#: error codes of ``infer_shapes`` (0: none)
PRODUCT_MISMATCH, ELEMENTWISE_MISMATCH, COSSIM_INPUTS = 1, 2, 3


@njit(cache=True)
def product_shape(ar, ac, br, bc):
    """Shape of a @ b under the reference's rules, or (-1, -1)."""
    if ar * ac == 1:
        return br, bc
    if br * bc == 1:
        return ar, ac
    if ac == br:
        return ar, bc
    return -1, -1


@njit(cache=True)
def _infer(kind, reducer, activation, offset, input_start, edge_src, edge_weight, wrows, wcols, rows, cols):
    n = kind.shape[0]
    er = np.zeros(4, np.int64)   # scratch: shapes involved in an error
    for v in range(n):
        k = kind[v]
        if k == _FACT:
            rows[v] = wrows[offset[v]]
            cols[v] = wcols[offset[v]]
            continue
        first = input_start[v]
        last = input_start[v + 1]
        if k == _NEGATION:
            rows[v] = rows[edge_src[first]]
            cols[v] = cols[edge_src[first]]
            continue
        weighted = k == _WEIGHTED_ATOM or k == _WEIGHTED_RULE
        count = last - first
        has_offset = weighted and offset[v] >= 0
        if has_offset:
            count += 1
        op = reducer[v]
        # fold the inputs' shapes (after their weights), offset first
        out_r = 0
        out_c = 0
        total = 0       # elements, for concat
        cross = 1       # product of sizes, for crosssum
        big = 1         # the largest size seen, for element-wise broadcasting
        for i in range(-1 if has_offset else 0, last - first):
            if i < 0:
                r = wrows[offset[v]]
                c = wcols[offset[v]]
            else:
                e = first + i
                r = rows[edge_src[e]]
                c = cols[edge_src[e]]
                w = edge_weight[e]
                if w >= 0 and weighted:
                    pr, pc = product_shape(wrows[w], wcols[w], r, c)
                    if pr < 0:
                        er[0] = wrows[w]
                        er[1] = wcols[w]
                        er[2] = r
                        er[3] = c
                        return v, PRODUCT_MISMATCH, er
                    r = pr
                    c = pc
            size = r * c
            total += size
            cross *= size
            if out_r == 0:
                out_r = r
                out_c = c
                big = size
                continue
            if op == _PRODUCT and count > 1:
                pr, pc = product_shape(out_r, out_c, r, c)
                if pr < 0:
                    er[0] = out_r
                    er[1] = out_c
                    er[2] = r
                    er[3] = c
                    return v, PRODUCT_MISMATCH, er
                out_r = pr
                out_c = pc
            elif op != _CONCAT and op != _CROSSSUM and op != _COUNT and op != _COSSIM and \
                    op != _SOFTMAX and op != _SPARSEMAX:
                if size != big and size != 1 and big != 1:
                    er[0] = out_r
                    er[1] = out_c
                    er[2] = r
                    er[3] = c
                    return v, ELEMENTWISE_MISMATCH, er
                if size > big:
                    big = size
                    out_r = r
                    out_c = c
        if count == 1:
            if op == _COUNT or op == _SOFTMAX or op == _SPARSEMAX:
                out_r = 1
                out_c = 1
        elif op == _CONCAT or op == _SOFTMAX or op == _SPARSEMAX:
            out_r = total
            out_c = 1
        elif op == _CROSSSUM:
            out_r = cross
            out_c = 1
        elif op == _COUNT:
            out_r = 1
            out_c = 1
        elif op == _COSSIM:
            if count != 2:
                er[0] = count
                return v, COSSIM_INPUTS, er
            out_r = 1
            out_c = 1
        act = activation[v]
        if act == _TRANSPOSE:
            out_r, out_c = out_c, out_r
        elif (act == _SOFTMAX or act == _SPARSEMAX) and out_r * out_c > 1:
            out_r = out_r * out_c
            out_c = 1
        rows[v] = out_r
        cols[v] = out_c
    return -1, 0, er


def infer_shapes(kind, reducer, activation, offset, input_start, edge_src, edge_weight, wrows, wcols):
    """``(rows, cols, failed_neuron, error_code, shapes)``; ``failed_neuron`` is -1 when all fit."""
    rows = np.zeros(kind.shape[0], np.int32)
    cols = np.zeros(kind.shape[0], np.int32)
    failed, code, involved = _infer(kind, reducer, activation, offset, input_start, edge_src, edge_weight,
                                    np.asarray(wrows, np.int64), np.asarray(wcols, np.int64), rows, cols)
    return rows, cols, int(failed), int(code), tuple(int(x) for x in involved)
