"""Regenerate the zoo templates in this folder: ``python templates/make.py``.

The molecule models are written for the mutagenesis types (36 atom types, 6 bond types), which
include every type the molecule generator uses, so they run on mutagenesis and on
``neuralogic_lite.datasets.molecules`` alike.  The knowledge-base scorers are written for the
family KB in ``datasets/family`` (its people, and the relations its link queries ask about).
``xor.txt`` and ``family.txt`` are written by hand and left alone.
"""
from __future__ import annotations

from pathlib import Path

from neuralogic_lite import load_samples, zoo
from neuralogic_lite.datasets.molecules import MUTAGENESIS_ATOM_TYPES, MUTAGENESIS_BOND_TYPES
from neuralogic_lite.datasets.text import atomic_write

HERE = Path(__file__).resolve().parent
FAMILY = HERE.parent / "datasets" / "family"
MOLECULES = {"atom_types": MUTAGENESIS_ATOM_TYPES, "bond_types": MUTAGENESIS_BOND_TYPES}


def family_kb() -> dict[str, tuple[str, ...]]:
    """The entities of the family example and the relations of its link queries."""
    samples = load_samples(FAMILY / "examples.txt", FAMILY / "link_queries.txt")
    entities = {str(term) for fact in samples[0].example.facts for term in fact.literal.terms}
    relations = {str(sample.query.literal.terms[1]) for sample in samples}
    return {"entities": tuple(sorted(entities)), "relations": tuple(sorted(relations))}


def templates() -> dict[str, str]:
    """File name -> text, for every template this script writes (the zoo's defaults otherwise)."""
    kb = family_kb()
    made = {f"{name}.txt": zoo.write(name, **MOLECULES) for name in ("gcn", "graphsage", "gin", "gatv2", "rgcn")}
    made["graphlets.txt"] = zoo.write("graphlets", **MOLECULES)
    made.update({f"{name}.txt": zoo.write(name, **kb, dim=5) for name in zoo.KB_MODELS})
    return made


def main() -> None:
    for name, text in templates().items():
        atomic_write(HERE / name, text)


if __name__ == "__main__":
    main()
