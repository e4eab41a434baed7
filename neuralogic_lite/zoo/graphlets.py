"""The lifted relational network of the lifting paper: one neuron per two-bond path A-B-C.

This is mutagenesis ``template.txt`` (``crosssum``) and ``template_graphlets.txt`` (``sum``)
written for any atom and bond types.  The bonds are hidden (``*bond``), so the offset is the
reference's -7 plus the +1 each of its two visible bond facts added: -5 computes the same.
"""
from __future__ import annotations

from typing import Sequence

from ..errors import InputError
from .parts import ATOM, BOND, check, embeddings, header, meta, molecule_inputs, names

#: combinations that make sense over the path's embedding vectors
COMBINATIONS = ("crosssum", "sum", "elproduct", "concat", "avg", "max", "min")


def _bond(a: str, b: str, bond: str, bond_types: tuple[str, ...]) -> str:
    """One step of the path: the hidden bond, and its type's embedding when there are bond types."""
    return f"*bond({a}, {b}, {bond})" + (f", {BOND}({bond})" if bond_types else "")


def graphlets(atom_types: Sequence[str], bond_types: Sequence[str] = (), dim: int = 3,
              combination: str = "crosssum", activation: str = "sigmoid", readout: str = "avg",
              offset: float = -5) -> str:
    """The path-of-two-bonds template: ``predict`` pools act(C(embeddings on the path) + offset).

    With ``crosssum`` every combination of one element per embedding is a feature, so the
    readout weight has ``dim ** n`` columns (n = 5 embeddings with bond types, 3 without).
    """
    check(dim=dim, combination=combination, activation=activation, readout=readout)
    if combination not in COMBINATIONS:
        raise InputError(f"graphlets combines the path's embeddings with one of {', '.join(COMBINATIONS)}, "
                         f"not {combination!r}")
    atom_types, bond_types = names("atom type", atom_types), names("bond type", bond_types, required=False)
    body = ", ".join((f"{ATOM}(A)", _bond("A", "B", "P", bond_types), f"{ATOM}(B)", _bond("B", "C", "Q", bond_types),
                      f"{ATOM}(C)"))
    count = 5 if bond_types else 3
    width = {"crosssum": dim ** count, "concat": dim * count}.get(combination, dim)
    shift = f"- {-offset:g}" if offset < 0 else f"+ {offset:g}"
    text = header(f"Graphlets (LRNN): paths A-B-C of two bonds, their {count} embeddings combined by {combination}, "
                  f"{activation}, {readout} readout.",
                  f"  predict = W {readout}_paths {activation}({combination}(embeddings on the path) {shift}).",
                  *molecule_inputs(atom_types, bond_types),
                  "Written by neuralogic_lite.zoo.graphlets.")
    text += "\n" + embeddings(atom_types, bond_types, dim) + "\n"
    rule_meta = meta(combination=combination, activation=activation, aggregation=readout)
    return text + (f"% one neuron per path, pooled into the output\n"
                   f"{{1,{width}}} predict :- {body}, <{offset:g}>.{rule_meta}\n")
