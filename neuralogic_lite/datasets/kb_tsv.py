"""A knowledge base in the common KBC layout (tab-separated triples) to the knowledge-base layout.

The public benchmark sets (FB15k-237, WN18RR, nations, kinships, UMLS, ...) ship a folder with

    train.txt   head<TAB>relation<TAB>tail, one triple a line
    valid.txt   the same (optional)
    test.txt    the same (optional)

``train.txt`` is required; a missing ``valid.txt`` or ``test.txt`` just writes no queries for
that split.  Blank lines are skipped, a trailing ``\\r`` is dropped, names are kept as they are
(spaces included), and a triple listed twice in one split counts once.

The output is the layout ``nlite datasets kb`` writes: ``examples.txt`` is one example (one
statement) holding the train triples as facts ``relation(head, tail)``; ``queries.txt``,
``valQueries.txt`` and ``testQueries.txt`` ask the train, valid and test triples as
``1.0 predict(head, relation, tail).``  No negatives are made here.

Names become constants by ``constant``: a name that already is a NeuraLogic name (a lower-case
ASCII letter, then ASCII letters, digits, ``_`` or ``-``) and does not start with ``q_`` is kept;
any other name becomes ``q_`` followed by the name with every character other than an ASCII
letter, digit or ``-`` written as ``_<hex code point>_`` (``/m/027rn`` is
``q__2f_m_2f_027rn``, ``_hypernym`` is ``q__5f_hypernym``, ``00260881`` is ``q_00260881``).
The mapping is one to one, and ``name`` inverts it.  Quoted strings are not used: the grammar's
STRING has no escape for ``"``, and predicate names (the relations of the facts) cannot be
strings.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from ..errors import InputError
from ..io.atomic import atomic_write
from ..language.sources import read_source

SPLITS = (("train", "queries.txt"), ("valid", "valQueries.txt"), ("test", "testQueries.txt"))
_NAME = re.compile(r"[a-z][A-Za-z0-9_\-]*")
_KEPT = re.compile(r"[A-Za-z0-9\-]")
_ESCAPED = re.compile(r"_([0-9a-f]+)_")
PREFIX = "q_"


def constant(name: str) -> str:
    """The NeuraLogic name of ``name`` (see the module docstring): itself when it is one, else escaped."""
    if _NAME.fullmatch(name) and not name.startswith(PREFIX):
        return name
    return PREFIX + "".join(c if _KEPT.fullmatch(c) else f"_{ord(c):x}_" for c in name)


def name(constant_: str) -> str:
    """The name ``constant`` made ``constant_`` from."""
    if not constant_.startswith(PREFIX):
        return constant_
    return _ESCAPED.sub(lambda m: chr(int(m.group(1), 16)), constant_[len(PREFIX):])


@dataclass(frozen=True)
class Triples:
    """The triples of each split (``train``, ``valid``, ``test``; None when its file is missing),
    as (head, relation, tail) names in file order, each once."""

    splits: dict[str, list[tuple[str, str, str]] | None]

    def entities(self) -> list[str]:
        """Every head and tail of every split, in order of first appearance."""
        seen: dict[str, None] = {}
        for triples in self.splits.values():
            for h, _, t in triples or ():
                seen.setdefault(h)
                seen.setdefault(t)
        return list(seen)

    def relations(self) -> list[str]:
        seen: dict[str, None] = {}
        for triples in self.splits.values():
            for _, r, _ in triples or ():
                seen.setdefault(r)
        return list(seen)


def _read(path: Path) -> list[tuple[str, str, str]]:
    out: dict[tuple[str, str, str], None] = {}
    for number, line in enumerate(read_source(path).split("\n"), 1):
        line = line.rstrip("\r")
        if not line.strip():
            continue
        fields = line.split("\t")
        if len(fields) != 3:
            raise InputError(f"{path}:{number}: a triple is head<TAB>relation<TAB>tail, "
                             f"this line has {len(fields)} tab-separated field(s)")
        if not all(fields):
            raise InputError(f"{path}:{number}: an empty {('head', 'relation', 'tail')[fields.index('')]}")
        out.setdefault(tuple(fields))
    return list(out)


def read_kb_tsv(directory: str | os.PathLike) -> Triples:
    """Read ``train.txt`` (required), ``valid.txt`` and ``test.txt`` from ``directory``."""
    directory = Path(directory)
    if not directory.is_dir():
        raise InputError(f"{directory}: not a directory (a knowledge base is a folder with train.txt, "
                         "valid.txt, test.txt)")
    if not (directory / "train.txt").is_file():
        raise InputError(f"{directory}: has no train.txt (head<TAB>relation<TAB>tail, one triple a line)")
    splits = {split: _read(directory / f"{split}.txt") if (directory / f"{split}.txt").is_file() else None
              for split, _ in SPLITS}
    if not splits["train"]:
        raise InputError(f"{directory / 'train.txt'}: holds no triples")
    return Triples(splits)


def kb_tsv_files(triples: Triples) -> dict[str, str]:
    """The files' texts: ``examples.txt`` and the queries of every split that has a file."""
    train = triples.splits["train"]
    atoms = [f"{constant(r)}({constant(h)}, {constant(t)})" for h, r, t in train]
    about = (f"% A knowledge base read from train.txt: {len(train)} facts, {len(triples.entities())} entities, "
             f"{len(triples.relations())} relations (all splits).  One example (knowledge-base mode).\n"
             "% Names that are not NeuraLogic names are escaped as q_... (neuralogic_lite.datasets.kb_tsv).\n")
    files = {"examples.txt": about + ",\n".join(", ".join(atoms[i:i + 6]) for i in range(0, len(atoms), 6)) + ".\n"}
    for split, file in SPLITS:
        if triples.splits[split] is not None:
            files[file] = (f"% Link prediction: the triples of {split}.txt, each with target 1.0.\n"
                           + "".join(f"1.0 predict({constant(h)}, {constant(r)}, {constant(t)}).\n"
                                     for h, r, t in triples.splits[split]))
    return files


def convert_kb(directory: str | os.PathLike, out: str | os.PathLike) -> tuple[Triples, list[Path]]:
    """Read ``directory`` and write its files into ``out`` (atomically, file by file)."""
    triples = read_kb_tsv(directory)
    return triples, [atomic_write(Path(out) / file, text) for file, text in kb_tsv_files(triples).items()]
