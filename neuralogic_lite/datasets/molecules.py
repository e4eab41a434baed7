"""Synthetic molecules with a planted mutagenicity rule, in the mutagenesis schema.

A molecule is 1-3 benzene-like aromatic rings (some pyridine-like, with one ring nitrogen)
joined directly or through a CH2 or an ether O, an optional alkyl chain (sometimes ending as
an aldehyde), substituents on ring carbons (Cl, Br, F, OH, NH2, CH3) and hydrogens filling
every free valence.  Atoms and bonds carry mutagenesis type names (``c_22``, ``b_7``), so
templates written for mutagenesis run on these unchanged.

The label is ``RULE``: mutagenic iff a nitro nitrogen is bonded to an aromatic carbon.  About
half the molecules get a nitro group on a ring; nitro groups on aliphatic carbons (decoys) and
amines on rings keep "has a nitro group" and "N on a ring" from giving the label away.

Random choices are drawn for all molecules at once from ``numpy.random.default_rng(seed)``;
only the assembly of each molecule's atom list runs per molecule.
"""
from __future__ import annotations

import argparse
from dataclasses import replace
from pathlib import Path

import numpy as np

from ..errors import InputError
from .graphs import Graphs

#: the 36 atom types and 6 bond types of the mutagenesis data (for templates that read both)
MUTAGENESIS_ATOM_TYPES = (
    "c_10", "c_14", "c_16", "c_19", "c_21", "c_22", "c_25", "c_26", "c_27", "c_28", "c_29", "c_194", "c_195",
    "c_230", "c_232", "h_1", "h_3", "h_8", "n_31", "n_32", "n_34", "n_35", "n_36", "n_38",
    "o_40", "o_41", "o_42", "o_45", "o_49", "o_50", "o_51", "o_52", "f_92", "cl_93", "br_94", "i_95")
MUTAGENESIS_BOND_TYPES = ("b_1", "b_2", "b_3", "b_4", "b_5", "b_7")

#: the planted rule, as NeuraLogic would write it
RULE = "mutagenic :- n_38(N), bond(N, C, B), c_22(C)."

# Atom types the generator uses: (mutagenesis type, valence, type of its hydrogens), one row each.
ATOMS = (
    ("c_22", 4, "h_3"),    # aromatic ring carbon
    ("n_35", 3, None),     # aromatic ring nitrogen (pyridine-like)
    ("c_10", 4, "h_3"),    # sp3 carbon
    ("c_14", 4, "h_3"),    # carbonyl carbon (aldehyde)
    ("o_41", 2, None),     # carbonyl oxygen
    ("n_38", 5, None),     # nitro nitrogen, N(=O)=O as mutagenesis writes it (pentavalent)
    ("o_40", 2, None),     # nitro oxygen
    ("n_32", 3, "h_1"),    # amine nitrogen
    ("o_45", 2, "h_8"),    # hydroxyl oxygen
    ("o_50", 2, None),     # ether oxygen
    ("cl_93", 1, None), ("br_94", 1, None), ("f_92", 1, None),
    ("h_3", 1, None),      # hydrogen on carbon
    ("h_1", 1, None),      # hydrogen on nitrogen
    ("h_8", 1, None),      # hydrogen on oxygen
)
ATOM_TYPES = tuple(row[0] for row in ATOMS)
BOND_TYPES = ("b_1", "b_2", "b_7")            # single, double, aromatic
_HALF = (2, 4, 3)                             # each bond type's order, in half bonds
_T = {name: i for i, name in enumerate(ATOM_TYPES)}
SINGLE, DOUBLE, AROMATIC = 0, 1, 2

# Groups attached by a single bond: (type, parent within the group or -1 for the anchor, bond).
GROUPS = {
    "nitro": (("n_38", -1, SINGLE), ("o_40", 0, DOUBLE), ("o_40", 0, DOUBLE)),
    "aldehyde": (("c_14", -1, SINGLE), ("o_41", 0, DOUBLE)),
    "methylene": (("c_10", -1, SINGLE),),
    "chloro": (("cl_93", -1, SINGLE),), "bromo": (("br_94", -1, SINGLE),), "fluoro": (("f_92", -1, SINGLE),),
    "hydroxyl": (("o_45", -1, SINGLE),), "amino": (("n_32", -1, SINGLE),), "methyl": (("c_10", -1, SINGLE),),
}
# What a free ring carbon carries (after rings, links, chain and nitro groups are placed).
SUBSTITUENTS = (None, "chloro", "bromo", "fluoro", "hydroxyl", "amino", "methyl")
SUBSTITUENT_P = (0.70, 0.08, 0.02, 0.03, 0.06, 0.06, 0.05)
MAX_RINGS, RING = 3, 6


class _Molecule:
    """One molecule under construction: atom types, free valence (half bonds), bonds (src, dst, kind)."""

    def __init__(self) -> None:
        self.types: list[int] = []
        self.free: list[int] = []
        self.src: list[int] = []
        self.dst: list[int] = []
        self.kind: list[int] = []

    def atom(self, kind: str) -> int:
        self.types.append(_T[kind])
        self.free.append(2 * ATOMS[_T[kind]][1])
        return len(self.types) - 1

    def bond(self, a: int, b: int, kind: int) -> None:
        self.src.append(a)
        self.dst.append(b)
        self.kind.append(kind)
        self.free[a] -= _HALF[kind]
        self.free[b] -= _HALF[kind]

    def ring(self, nitrogen: bool) -> list[int]:
        """Six aromatic atoms in a cycle; a pyridine-like ring has its nitrogen opposite atom 0."""
        ring = [self.atom("n_35" if nitrogen and i == 3 else "c_22") for i in range(RING)]
        for i in range(RING):
            self.bond(ring[i], ring[(i + 1) % RING], AROMATIC)
        return ring

    def group(self, anchor: int, name: str) -> list[int]:
        """Attach group ``name`` to ``anchor``; its atoms, in order."""
        atoms: list[int] = []
        for kind, parent, bond in GROUPS[name]:
            atoms.append(self.atom(kind))
            self.bond(anchor if parent < 0 else atoms[parent], atoms[-1], bond)
        return atoms

    def open_ring_carbons(self) -> list[int]:
        """Ring carbons still carrying a hydrogen's place."""
        return [i for i, (t, f) in enumerate(zip(self.types, self.free)) if t == _T["c_22"] and f >= 2]

    def hydrogens(self) -> None:
        """Fill every free valence with hydrogens of the right type."""
        for a in range(len(self.types)):
            hydrogen = ATOMS[self.types[a]][2]
            while self.free[a] >= 2 and hydrogen is not None:
                self.bond(a, self.atom(hydrogen), SINGLE)


def _pick(candidates: list[int], u: float) -> int:
    return candidates[min(int(u * len(candidates)), len(candidates) - 1)]


def _draw(rng: np.random.Generator, n: int, positive_fraction: float) -> dict[str, list]:
    """Every random choice for ``n`` molecules, drawn at once; one list entry per molecule."""
    want = rng.random(n) < positive_fraction
    choices = {
        "rings": rng.choice(np.arange(1, MAX_RINGS + 1), n, p=(0.55, 0.3, 0.15)),
        "pyridine": rng.random((n, MAX_RINGS)) < 0.15,
        "link": rng.integers(0, 3, (n, MAX_RINGS)),           # 0 direct bond, 1 CH2, 2 ether O
        "link_site": rng.random((n, MAX_RINGS)),
        "chain": rng.choice(4, n, p=(0.35, 0.3, 0.2, 0.15)),   # alkyl carbons
        "chain_site": rng.random(n),
        "aldehyde": rng.random(n) < 0.3,
        "nitro": want * (1 + (rng.random(n) < 0.3)),            # nitro groups on the ring: 0, 1 or 2
        "nitro_site": rng.random((n, 2)),
        "decoy": rng.random(n) < np.where(want, 0.25, 0.6),    # a nitro group on an aliphatic carbon
        "decoy_site": rng.random(n),
        "substituent": rng.choice(len(SUBSTITUENTS), (n, MAX_RINGS * RING), p=SUBSTITUENT_P),
    }
    return {key: value.tolist() for key, value in choices.items()}


def _build(c: dict[str, list], i: int) -> _Molecule:
    """Molecule ``i`` from its drawn choices: rings, links, chain, nitro groups, substituents, hydrogens."""
    m = _Molecule()
    m.ring(c["pyridine"][i][0])
    for r in range(1, c["rings"][i]):
        anchor = _pick(m.open_ring_carbons(), c["link_site"][i][r])
        ring = m.ring(c["pyridine"][i][r])
        if c["link"][i][r] == 0:
            m.bond(anchor, ring[0], SINGLE)
        else:
            bridge = m.atom("c_10" if c["link"][i][r] == 1 else "o_50")
            m.bond(anchor, bridge, SINGLE)
            m.bond(bridge, ring[0], SINGLE)
    chain = [_pick(m.open_ring_carbons(), c["chain_site"][i])]     # the ring carbon, then the alkyl carbons
    for _ in range(c["chain"][i]):
        chain += m.group(chain[-1], "methylene")
    if c["aldehyde"][i]:
        m.group(chain[-1], "aldehyde")
    for k in range(c["nitro"][i]):
        m.group(_pick(m.open_ring_carbons(), c["nitro_site"][i][k]), "nitro")
    if c["decoy"][i]:      # on an alkyl carbon, or on a new CH2 on the ring when there is none
        carbons = [a for a in chain[1:] if m.free[a] >= 2]
        if not carbons:
            carbons = m.group(_pick(m.open_ring_carbons(), c["decoy_site"][i]), "methylene")
        m.group(_pick(carbons, c["decoy_site"][i]), "nitro")
    for k, anchor in enumerate(m.open_ring_carbons()):
        if SUBSTITUENTS[c["substituent"][i][k]] is not None:
            m.group(anchor, SUBSTITUENTS[c["substituent"][i][k]])
    m.hydrogens()
    return m


def generate(n: int, seed: int = 0, positive_fraction: float = 0.5, prefix: str = "m") -> Graphs:
    """``n`` molecules labelled by ``RULE``, reproducible from ``seed``.

    About ``positive_fraction`` of them are mutagenic.  Atom i of molecule g is the constant
    ``{prefix}{g}_{i}`` (both from 1) when written out with ``text.save``.
    """
    if not isinstance(n, (int, np.integer)) or n < 0:
        raise InputError(f"the number of molecules must be a non-negative integer, not {n!r}")
    if not 0.0 <= positive_fraction <= 1.0:
        raise InputError(f"positive_fraction must be between 0 and 1, not {positive_fraction}")
    choices = _draw(np.random.default_rng(seed), int(n), positive_fraction)
    types, src, dst, kind, atoms, bonds = [], [], [], [], [], []
    for i in range(n):
        m = _build(choices, i)
        types += m.types
        src += m.src
        dst += m.dst
        kind += m.kind
        atoms.append(len(m.types))
        bonds.append(len(m.src))
    atoms, bonds = np.array(atoms, np.int64), np.array(bonds, np.int64)
    start = np.repeat(np.cumsum(atoms) - atoms, bonds)        # each bond's molecule's first atom
    unlabelled = Graphs(np.repeat(np.arange(n), atoms), np.array(types, np.int64), np.array(src, np.int64) + start,
                        np.array(dst, np.int64) + start, np.array(kind, np.int64), np.zeros(n), ATOM_TYPES,
                        BOND_TYPES, (0, 1), prefix)
    return replace(unlabelled, target=planted_rule(unlabelled).astype(np.float64))


def planted_rule(graphs: Graphs) -> np.ndarray:
    """bool (G,): which graphs satisfy ``RULE`` (any graph in the mutagenesis schema, real data too)."""
    names = np.array(graphs.node_types)[graphs.node_type] if graphs.node_types else np.empty(0, str)
    nitro, aromatic = names == "n_38", names == "c_22"
    s, d = graphs.edge_src, graphs.edge_dst
    hit = (nitro[s] & aromatic[d]) | (nitro[d] & aromatic[s])
    return np.bincount(graphs.node_graph[s[hit]], minlength=graphs.graph_count) > 0


def main(argv: list[str] | None = None) -> None:
    """``python -m neuralogic_lite.datasets.molecules --n 1000 --seed 0 --out DIR``."""
    from .text import save

    parser = argparse.ArgumentParser(prog="python -m neuralogic_lite.datasets.molecules",
                                     description=f"Write synthetic molecules labelled by: {RULE}")
    parser.add_argument("--n", type=int, default=1000, help="number of molecules (default 1000)")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument("--out", type=Path, default=Path("."), help="output directory (default: here)")
    parser.add_argument("--queries", action="store_true",
                        help="write examples.txt and queries.txt instead of labelled examples.txt")
    args = parser.parse_args(argv)
    molecules = generate(args.n, args.seed)
    paths = save(molecules, args.out, queries=args.queries)
    print(f"{args.n} molecules ({int(molecules.target.sum())} mutagenic): {', '.join(map(str, paths))}")


if __name__ == "__main__":
    main()
