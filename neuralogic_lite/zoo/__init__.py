"""Template generators: GNNs, graphlet LRNNs and KB scorers written as NeuraLogic rules.

Each function returns template text (a string) for given types, sizes and functions, e.g.
``gcn(atom_types, bond_types, hidden=10, layers=3, activation="tanh", aggregation="avg")``.
``MODELS`` names them all; ``write(name, **kwargs)`` calls one by name (for the CLI).
"""
from __future__ import annotations

import difflib
import inspect
from typing import Callable

from ..errors import InputError
from .gnn import gatv2, gcn, gin, graphsage, rgcn
from .graphlets import graphlets
from .kb import complex_, distmult, transe

MODELS: dict[str, Callable[..., str]] = {
    "gcn": gcn, "graphsage": graphsage, "gin": gin, "gatv2": gatv2, "rgcn": rgcn,   # molecules, message passing
    "graphlets": graphlets,                                                          # molecules, two-bond paths
    "distmult": distmult, "transe": transe, "complex": complex_,                     # knowledge-base triples
}
#: the models over knowledge-base triples (they take entities and relations)
KB_MODELS = ("distmult", "transe", "complex")


def write(name: str, **kwargs) -> str:
    """The template text of zoo model ``name`` (a key of ``MODELS``) for ``kwargs``."""
    if name not in MODELS:
        close = difflib.get_close_matches(name, MODELS, n=1)
        hint = f"did you mean '{close[0]}'?" if close else f"choose from {', '.join(MODELS)}"
        raise InputError(f"no zoo model named '{name}'; {hint}")
    signature = inspect.signature(MODELS[name])
    try:
        signature.bind(**kwargs)
    except TypeError as e:
        raise InputError(f"zoo model '{name}': {e}; it takes {', '.join(signature.parameters)}") from None
    return MODELS[name](**kwargs)


__all__ = ["KB_MODELS", "MODELS", "complex_", "distmult", "gatv2", "gcn", "gin", "graphlets", "graphsage", "rgcn",
           "transe", "write"]
