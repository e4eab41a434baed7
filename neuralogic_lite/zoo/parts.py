"""The pieces every zoo template shares: the header, type embeddings, metadata, the readout.

Zoo templates read molecules in the mutagenesis schema: atom type facts ``c_22(A)``,
``bond(A, B, Id)`` listed in both directions, and bond type facts ``b_7(Id)``.  Layer 0 is
``atom_embed(A)`` (one learnable vector per atom type) and, when bond types are given,
``bond_embed(B)`` (one per bond type); the graph-level output is the query ``predict``.
"""
from __future__ import annotations

from typing import Sequence

from ..errors import InputError
from ..ops import AGGREGATION, COMBINATION, TRANSFORMATION, lookup

ATOM, BOND = "atom_embed", "bond_embed"


def check(**settings) -> None:
    """Reject sizes below 1 and unknown function names before any text is written.

    Keyword names say what a value is: ``hidden=10``, ``activation="tanh"``,
    ``aggregation="avg"``, ``combination="crosssum"``.
    """
    for key, value in settings.items():
        role = {"activation": TRANSFORMATION, "aggregation": AGGREGATION, "readout": AGGREGATION,
                "combination": COMBINATION}.get(key)
        if role is not None:
            lookup(value, role)
        elif not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise InputError(f"{key} must be a positive integer, not {value!r}")


def names(kind: str, values: Sequence[str], required: bool = True) -> tuple[str, ...]:
    """Type or entity names as a tuple, checked to be usable as NeuraLogic predicate or constant names."""
    values = tuple(values)
    if required and not values:
        raise InputError(f"a zoo template needs at least one {kind}")
    for value in values:
        if not (isinstance(value, str) and value[:1].islower() and value.replace("_", "a").replace("-", "a").isalnum()):
            raise InputError(f"{kind} {value!r} is not a NeuraLogic name (a lower-case letter, then letters, "
                             "digits, '_' or '-')")
    return values


def header(title: str, *lines: str) -> str:
    """The ``%`` comment block that opens every template: what it is, its inputs, its output."""
    return "".join(f"% {line}\n" if line else "%\n" for line in (title, *lines))


def molecule_inputs(atom_types: Sequence[str], bond_types: Sequence[str]) -> tuple[str, ...]:
    """Header lines describing the mutagenesis-schema input predicates."""
    def listing(types):
        shown = ", ".join(f"{t}/1" for t in types[:3])
        return f"{shown}, ... ({len(types)} types)" if len(types) > 3 else shown
    bonds = f"bond types {listing(bond_types)} on Id" if bond_types else "no bond types"
    return (f"Input predicates: atom type facts {listing(atom_types)};",
            f"  bond(A, B, Id), listed in both directions; {bonds}.",
            "Output query: predict (one value per molecule).")


def meta(**pairs: str) -> str:
    """Rule or predicate metadata: `` [key=value, ...]``."""
    return " [" + ", ".join(f"{key}={value}" for key, value in pairs.items()) + "]"


def embeddings(atom_types: Sequence[str], bond_types: Sequence[str], dim: int) -> str:
    """One learnable ``{dim,1}`` vector per atom type (and bond type): layer 0 of every model."""
    lines = ["% layer 0: one learnable vector per atom type" + (" and per bond type" if bond_types else "")]
    lines += [f"{{{dim},1}} {ATOM}(A) :- {t}(A)." for t in atom_types]
    lines += [f"{{{dim},1}} {BOND}(B) :- {t}(B)." for t in bond_types]
    return "\n".join(lines) + "\n"


def neighbour(features: str, bond_types: Sequence[str]) -> str:
    """The body of a message from neighbour Y to X: ``h(Y) + e_B`` over each bond X-Y.

    The bond is hidden (``*``): it only selects the neighbours.  With bond types, the bond's
    embedding is added to the message (as GINE does), so every model sees bond types.
    """
    bond = f", {BOND}(B)" if bond_types else ""
    return f"{features}(Y), *bond(X, Y, B){bond}"


def readout(features: str, dim: int, aggregation: str) -> str:
    """``predict``: a learnable linear map of the pooled atom vectors of the last layer."""
    return (f"% readout: {aggregation} over the atoms, then a linear map to one value\n"
            f"{{1,{dim}}} predict :- {features}(X).{meta(activation='identity', aggregation=aggregation)}\n")


def layer_name(k: int) -> str:
    """The predicate of layer ``k`` (0 is the atom embedding)."""
    return ATOM if k == 0 else f"l{k}_embed"
