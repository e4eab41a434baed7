"""Datasets: a molecule generator and converters, all meeting in ``Graphs`` (flat arrays).

Graphs are written as NeuraLogic examples in the mutagenesis schema (``text``): type facts
``c_22(m3_1)``, ``bond(m3_1, m3_2, 17), bond(m3_2, m3_1, 17)`` and bond type facts ``b_7(17)``,
with the target on the query ``predict``.  Sources: ``molecules.generate`` (synthetic),
``tu.read_tu`` (TU format), ``pyg.from_pyg`` (PyTorch Geometric), ``edges_csv.read_csv``.
``kb.generate`` makes a synthetic knowledge base (triples with planted structure);
``kb_tsv.read_kb_tsv`` reads one in the KBC layout (tab-separated train/valid/test triples).
``DATASETS`` lists the built-in datasets (xor, family, molecules-<n>, kb).

Names are imported on first use, so ``python -m neuralogic_lite.datasets.molecules`` does not
find its own module already imported by this package.
"""
from __future__ import annotations

from importlib import import_module

_EXPORTS = {
    "Graphs": "graphs", "class_targets": "graphs",
    "examples_text": "text", "examples_and_queries_text": "text", "save": "text", "load": "text",
    "from_samples": "text", "atomic_write": "text",
    "generate": "molecules", "planted_rule": "molecules", "RULE": "molecules",
    "read_tu": "tu", "write_tu": "tu", "tu_to_neuralogic": "tu", "neuralogic_to_tu": "tu",
    "from_pyg": "pyg", "pyg_dataset": "pyg",
    "read_csv": "edges_csv",
    "KnowledgeBase": "kb", "kb_files": "kb",
    "read_kb_tsv": "kb_tsv", "convert_kb": "kb_tsv",
    "DATASETS": "builtin", "Builtin": "builtin", "dataset_files": "builtin", "write_dataset": "builtin",
}


def __getattr__(name: str):
    if name not in _EXPORTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(f".{_EXPORTS[name]}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_EXPORTS})


__all__ = sorted(_EXPORTS)
