"""Knowledge-base scorers: DistMult, TransE and ComplEx over learnable entity and relation vectors.

The KB is read as triples: a query ``predict(S, R, O)`` asks how true "S is R of O" is, the
relation being a constant (``1.0 predict(ann, parent, bob).`` for a known triple, ``0.0`` for a
corrupted one).  Both are embedding models: the score reads only the embeddings, never the
example's facts, so the data is one example (knowledge-base mode) with the triples as queries.
Every (S, R, O) is grounded, which suits small KBs.
"""
from __future__ import annotations

from typing import Sequence

from .parts import check, header, meta, names

IDENTITY = meta(activation="identity")


def _inputs(entities: tuple[str, ...], relations: tuple[str, ...], dim: int,
            parts: tuple[str, ...] = ("",)) -> tuple[str, ...]:
    vector = "vector" if parts == ("",) else f"vector per part ({', '.join(p.strip('_') for p in parts)})"
    of = lambda kind: " and ".join(f"{kind}{p}/1" for p in parts)  # noqa: E731
    each = "" if parts == ("",) else " each"
    return (f"Input: one learnable {{{dim}}} {vector} per entity ({of('entity')}, {len(entities)} facts{each} "
            "below)",
            f"  and per relation ({of('relation')}, {len(relations)}); the example's facts are not read.",
            "Output query: predict(S, R, O), e.g. `1.0 predict(ann, parent, bob).`; negatives are corrupted",
            "  triples with target 0.0.")


def _embeddings(entities: tuple[str, ...], relations: tuple[str, ...], dim: int, parts: tuple[str, ...] = ("",)) -> str:
    return ("% one learnable vector per entity and per relation" + (" (and part)" if parts != ("",) else "") + "\n"
            + "".join(f"{{{dim}}} entity{p}({e}).\n" for p in parts for e in entities)
            + "".join(f"{{{dim}}} relation{p}({r}).\n" for p in parts for r in relations))


def _row(value: int, dim: int) -> str:
    """A fixed 1 x dim row of ``value``: sums a vector's elements (times ``value``).  Written
    sparse, which the reference engine also reads (its parser rejects dense matrices)."""
    return f"<[1,{dim}|" + ", ".join(f"(0,{j}: {value})" for j in range(dim)) + "]>"


def _scorer(model: str, summary: str, entities: Sequence[str], relations: Sequence[str], dim: int,
            rules: str, parts: tuple[str, ...] = ("",)) -> str:
    """A KB template: header, one learnable vector per entity and relation (per part: ComplEx's
    real and imaginary ones), then ``rules``."""
    check(dim=dim)
    entities, relations = names("entity", entities), names("relation", relations)
    return (header(summary, *_inputs(entities, relations, dim, parts), f"Written by neuralogic_lite.zoo.{model}.")
            + "\n" + _embeddings(entities, relations, dim, parts) + "\n" + rules)


def distmult(entities: Sequence[str], relations: Sequence[str], dim: int = 10) -> str:
    """DistMult (Yang et al. 2015): score(S, R, O) = sum_k e_S[k] r_R[k] e_O[k]."""
    return _scorer("distmult",
                   "DistMult: score(S, R, O) = sum_k e_S[k] r_R[k] e_O[k] (element-wise product, summed).",
                   entities, relations, dim,
                   "% the score of a triple\n"
                   f"{_row(1, dim)} predict(S, R, O) :- entity(S), relation(R), entity(O)."
                   f"{meta(combination='elproduct', activation='identity')}\n")


def transe(entities: Sequence[str], relations: Sequence[str], dim: int = 10) -> str:
    """TransE (Bordes et al. 2013): score(S, R, O) = margin - ||e_S + r_R - e_O||^2, margin learned."""
    return _scorer("transe",
                   "TransE: score(S, R, O) = margin - ||e_S + r_R - e_O||^2 (a relation translates its subject).",
                   entities, relations, dim,
                   "% how far the translated subject lands from the object\n"
                   "translation(S, R, O) :- entity(S), relation(R), <-1> entity(O)." + IDENTITY + "\n"
                   "translation/3" + IDENTITY + "\n"
                   "% minus its squared length, plus a learnable margin\n"
                   f"{_row(-1, dim)} predict(S, R, O) :- translation(S, R, O), translation(S, R, O)."
                   f"{meta(combination='elproduct', activation='identity')}\n"
                   "predict/3 {1}\n")


def complex_(entities: Sequence[str], relations: Sequence[str], dim: int = 10) -> str:
    """ComplEx (Trouillon et al. 2016): score(S, R, O) = Re(sum_k e_S[k] r_R[k] conj(e_O[k])) over
    complex vectors, each a real (``_re``) and an imaginary (``_im``) vector of ``dim`` numbers:
    four real DistMult-style products, the last one subtracted."""
    products = (("re", "re", "re", 1), ("im", "re", "im", 1), ("re", "im", "im", 1), ("im", "im", "re", -1))
    rules = "".join(f"{_row(sign, dim)} predict(S, R, O) :- entity_{s}(S), relation_{r}(R), entity_{o}(O)."
                    f"{meta(combination='elproduct', activation='identity')}\n" for s, r, o, sign in products)
    return _scorer("complex",
                   "ComplEx: score(S, R, O) = Re(sum_k e_S[k] r_R[k] conj(e_O[k])) (complex vectors, as real pairs).",
                   entities, relations, dim,
                   "% the real part of the triple product: a sum of four real element-wise products\n" + rules,
                   ("_re", "_im"))
