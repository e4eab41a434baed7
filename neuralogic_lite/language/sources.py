"""Reading source files, and the reference engine's standard file names for a directory."""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from ..errors import InputError


def read_source(path: str | os.PathLike) -> str:
    """The text of ``path``, or an ``InputError`` that says why it cannot be read."""
    path = Path(path)
    if not path.exists():
        raise InputError(f"{path}: no such file")
    if path.is_dir():
        raise InputError(f"{path}: is a directory, expected a file")
    try:
        data = path.read_bytes()
    except OSError as e:
        raise InputError(f"{path}: cannot be read ({e.strerror})") from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise InputError(f"{path}: not UTF-8 text (byte {e.start})") from None


# Each role and the names it may have, in the order they are tried (".txt" is optional).
_STANDARD_NAMES = {
    "template": ("template", "templates/template"),
    "train_examples": ("trainExamples", "examples"),
    "train_queries": ("trainQueries", "queries"),
    "test_examples": ("testExamples",),
    "test_queries": ("testQueries",),
    "val_examples": ("valExamples",),
    "val_queries": ("valQueries",),
}


@dataclass(frozen=True)
class StandardFiles:
    """The files of a dataset directory laid out as the reference engine expects."""

    directory: Path
    template: Path | None = None
    train_examples: Path | None = None
    train_queries: Path | None = None
    test_examples: Path | None = None
    test_queries: Path | None = None
    val_examples: Path | None = None
    val_queries: Path | None = None

    @property
    def folds(self) -> list[Path]:
        """Cross-validation fold directories (``fold_*``), sorted by their number."""
        def key(p: Path):
            suffix = p.name[5:]
            return (0, int(suffix), "") if suffix.isdigit() else (1, 0, suffix)
        return sorted((p for p in self.directory.glob("fold_*") if p.is_dir()), key=key)


def standard_files(directory: str | os.PathLike) -> StandardFiles:
    """Find ``template.txt``, ``trainExamples.txt``, ... in ``directory`` (suffix optional)."""
    directory = Path(directory)
    if not directory.is_dir():
        raise InputError(f"{directory}: not a directory")
    found = {}
    for role, names in _STANDARD_NAMES.items():
        for name in names:
            for candidate in (directory / f"{name}.txt", directory / name):
                if candidate.is_file():
                    found.setdefault(role, candidate)
    return StandardFiles(directory, **found)


#: the roles a file can have, and a part of the file name that says it
ROLES = {"template": "templ", "examples": "exampl", "queries": "quer"}


def role_in_name(path: str | os.PathLike) -> str | None:
    """``template``, ``examples`` or ``queries`` when the file name says so (``trainQueries.txt``), else None."""
    name = Path(path).name.lower()
    return next((role for role in ("queries", "examples", "template") if ROLES[role] in name), None)


def guess_role(path: str | os.PathLike) -> str:
    """The role the file name says, else ``template``."""
    return role_in_name(path) or "template"
