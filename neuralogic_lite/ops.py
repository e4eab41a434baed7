"""One vocabulary for every function a neuron applies: transformations, aggregations, combinations.

``Op`` numbers them for the kernels; ``NAMES`` maps what users write in metadata (with the
reference's aliases) to an op and the roles it may play.  The numerics live in
``engine.functions``, forward and derivative side by side.
"""
from __future__ import annotations

import difflib
import enum

from .errors import TemplateError


class Op(enum.IntEnum):
    # element-wise transformations
    IDENTITY = 0
    SIGMOID = 1
    TANH = 2
    RELU = 3
    LEAKYRELU = 4
    SIGNUM = 5
    LUKASIEWICZ = 6
    EXP = 7
    LOG = 8
    SQRT = 9
    INVERSE = 10
    REVERSE = 11
    # transformations of a whole value
    SOFTMAX = 12
    SPARSEMAX = 13
    NORM = 14
    TRANSPOSE = 15
    # over several inputs: aggregations (over groundings) and combinations (over a body)
    AVG = 16
    SUM = 17
    MAX = 18
    MIN = 19
    COUNT = 20
    CONCAT = 21
    PRODUCT = 22
    ELPRODUCT = 23
    CROSSSUM = 24
    COSSIM = 25


TRANSFORMATION, AGGREGATION, COMBINATION = "transformation", "aggregation", "combination"

# name as written -> (op, roles it may play).  SOFTMAX/SPARSEMAX as combinations apply to the
# concatenated inputs; MAX/MIN as transformations reduce a vector to its extreme element.
NAMES: dict[str, tuple[Op, frozenset[str]]] = {}


def _name(op: Op, roles: str, *aliases: str) -> None:
    for name in (op.name.lower(), *aliases):
        NAMES[name] = (op, frozenset(roles.split()))


_name(Op.IDENTITY, TRANSFORMATION, "linear", "line")
_name(Op.SIGMOID, TRANSFORMATION, "sigm")
_name(Op.TANH, TRANSFORMATION)
_name(Op.RELU, TRANSFORMATION)
_name(Op.LEAKYRELU, TRANSFORMATION)
_name(Op.SIGNUM, TRANSFORMATION)
_name(Op.LUKASIEWICZ, TRANSFORMATION)
_name(Op.EXP, TRANSFORMATION)
_name(Op.LOG, TRANSFORMATION, "logarithm")
_name(Op.SQRT, TRANSFORMATION)
_name(Op.INVERSE, TRANSFORMATION)
_name(Op.REVERSE, TRANSFORMATION)
_name(Op.SOFTMAX, f"{TRANSFORMATION} {COMBINATION} {AGGREGATION}")
_name(Op.SPARSEMAX, f"{TRANSFORMATION} {COMBINATION}")
_name(Op.NORM, TRANSFORMATION, "layernorm")
_name(Op.TRANSPOSE, TRANSFORMATION, "transp")
_name(Op.AVG, f"{AGGREGATION} {COMBINATION}", "average", "mean")
_name(Op.SUM, f"{AGGREGATION} {COMBINATION}")
_name(Op.MAX, f"{AGGREGATION} {COMBINATION} {TRANSFORMATION}", "maximum")
_name(Op.MIN, f"{AGGREGATION} {COMBINATION} {TRANSFORMATION}", "minimum")
_name(Op.COUNT, f"{AGGREGATION} {COMBINATION}")
_name(Op.CONCAT, f"{AGGREGATION} {COMBINATION}")
_name(Op.PRODUCT, COMBINATION)
_name(Op.ELPRODUCT, COMBINATION, "elementproduct")
_name(Op.CROSSSUM, COMBINATION, "crossproduct")  # legacy name, read as crosssum
_name(Op.COSSIM, COMBINATION)

#: combinations whose result depends on the order of the inputs (softmax and sparsemax
#: permute their output with their inputs)
ORDERED = frozenset({Op.CONCAT, Op.PRODUCT, Op.CROSSSUM, Op.COSSIM, Op.SOFTMAX, Op.SPARSEMAX})


def lookup(name: str, role: str, where=None) -> Op:
    """The op named ``name`` for ``role``, or a TemplateError suggesting the closest name."""
    key = name.strip().lower()
    found = NAMES.get(key)
    if found is None or role not in found[1]:
        valid = sorted(n for n, (_, roles) in NAMES.items() if role in roles)
        close = difflib.get_close_matches(key, valid, n=1)
        hint = f"; did you mean '{close[0]}'?" if close else f"; known: {', '.join(valid)}"
        what = "unknown" if found is None else "not a"
        raise TemplateError(f"{what} {role} function '{name}'{hint}", *(where or ()))
    return found[0]


def split_legacy(name: str) -> tuple[str | None, str]:
    """``crosssum-sigmoid`` -> (``crosssum``, ``sigmoid``): old files name a combination and an
    activation in one word.  Plain names come back as (None, name)."""
    head, _, tail = name.partition("-")
    if tail and head.lower() in NAMES and COMBINATION in NAMES[head.lower()][1] and tail.lower() in NAMES:
        return head, tail
    return None, name
