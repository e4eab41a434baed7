"""The datasets the project ships or generates, by name: ``xor``, ``family``, ``molecules-<n>``, ``kb``.

Shipped datasets are the files under the top-level ``datasets/`` folder of the source tree;
generated ones are made on request from a seed.  Each names the template (under
``templates/``) it is meant for.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from ..errors import InputError
from .text import atomic_write

ROOT = Path(__file__).resolve().parents[2]     # the source tree, holding datasets/ and templates/


@dataclass(frozen=True)
class Builtin:
    """A built-in dataset: what it is, the template it goes with, and how to get its files."""

    name: str
    description: str
    template: str                                     # file name under templates/
    files: Callable[..., dict[str, str]]              # (seed, n, **sizes) -> {file name: text}
    sizes: tuple[str, ...] = ()                       # the size keywords it takes besides n

    @property
    def template_path(self) -> Path:
        return ROOT / "templates" / self.template


def _shipped(folder: str) -> Callable[[int, int], dict[str, str]]:
    """The ``.txt`` files of ``datasets/<folder>`` (seed and size do not apply)."""
    def files(seed: int, n: int) -> dict[str, str]:
        directory = ROOT / "datasets" / folder
        if not directory.is_dir():
            raise InputError(f"{directory}: not found; the shipped datasets live in the source tree")
        return {path.name: path.read_text(encoding="utf-8") for path in sorted(directory.glob("*.txt"))}
    return files


def _molecules(seed: int, n: int) -> dict[str, str]:
    from .molecules import generate
    from .text import examples_text
    return {"examples.txt": examples_text(generate(n, seed))}


def _kb(seed: int, n: int, entities: int = 135, relations: int = 46, facts: int = 6700) -> dict[str, str]:
    from .kb import kb_files
    return kb_files(entities, relations, facts, seed)


DATASETS: dict[str, Builtin] = {b.name: b for b in (
    Builtin("xor", "the XOR truth table: 4 labelled examples", "xor.txt", _shipped("xor")),
    Builtin("family", "a 16-person family KB in one example; queries.txt asks aunt(X, Z) (templates/family.txt), "
            "link_queries.txt asks predict(S, R, O) triples (templates/distmult.txt, transe.txt)", "family.txt",
            _shipped("family")),
    Builtin("molecules-<n>", "n synthetic molecules in the mutagenesis schema, mutagenic iff a nitro group sits "
            "on an aromatic carbon (datasets.molecules.RULE)", "gcn.txt", _molecules),
    Builtin("kb", "a synthetic knowledge base (entities, relations, facts: 135, 46, 6700 by default) with planted "
            "symmetric, inverse and composed relations (datasets.kb), one example; queries.txt asks predict(S, R, O) "
            "triples; its own template.txt is templates/distmult.txt over its entities and relations", "distmult.txt",
            _kb, ("entities", "relations", "facts")),
)}


def _lookup(name: str) -> tuple[Builtin, int]:
    sized = re.fullmatch(r"([a-z]+)-(\d+)", name)
    key, n = (f"{sized.group(1)}-<n>", int(sized.group(2))) if sized else (name, 0)
    if key not in DATASETS:
        raise InputError(f"no built-in dataset named '{name}'; choose from {', '.join(DATASETS)}")
    return DATASETS[key], n


def dataset_files(name: str, seed: int = 0, **sizes: int) -> dict[str, str]:
    """The files of built-in dataset ``name`` (``molecules-500`` is 500 molecules; ``kb`` takes
    ``entities``, ``relations`` and ``facts``): file name -> text."""
    builtin, n = _lookup(name)
    wrong = sorted(set(sizes) - set(builtin.sizes))
    if wrong:
        takes = f"it takes {', '.join(builtin.sizes)}" if builtin.sizes else "it has no such sizes"
        raise InputError(f"dataset '{name}' does not take {', '.join(wrong)}; {takes}")
    return builtin.files(seed, n, **sizes)


def write_dataset(name: str, directory: str | os.PathLike, seed: int = 0, **sizes: int) -> list[Path]:
    """Write built-in dataset ``name`` into ``directory`` (atomically, file by file); the paths written."""
    return [atomic_write(Path(directory) / file, text) for file, text in dataset_files(name, seed, **sizes).items()]
