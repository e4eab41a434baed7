"""Building a ``Template`` from text or a file, with ``import`` lines spliced in place."""
from __future__ import annotations

import os
from pathlib import Path

from ..errors import InputError, ParseError
from .facts import scan_statements
from .ir import Fact, Rule, Template
from .parser import Clause, Conjunction, Import, parse_statements
from .sources import read_source


def parse_template(text: str, file: str | None = None, base: str | os.PathLike | None = None,
                   imports_anywhere: bool = False) -> Template:
    """Parse template text; ``import`` paths are relative to ``base`` (default: the file's folder,
    else the current directory) and stay inside that folder's tree unless ``imports_anywhere``
    (a template should not read what lies beside or above it, such as a home folder)."""
    base_dir = Path(base) if base is not None else (Path(file).parent if file else Path.cwd())
    chain = (Path(file).resolve(),) if file else ()
    root = None if imports_anywhere else Path(os.path.abspath(base_dir))
    statements = _template_statements(text, file, base_dir, chain, root)
    return Template(tuple(statements), source=file)


def load_template(path: str | os.PathLike, imports_anywhere: bool = False) -> Template:
    """Read and parse the template file at ``path`` (imports relative to its directory)."""
    path = Path(path)
    return parse_template(read_source(path), file=str(path), base=path.parent, imports_anywhere=imports_anywhere)


def _template_statements(text: str, file: str | None, base: Path, chain: tuple[Path, ...],
                         root: Path | None) -> list:
    out = []
    for statement in parse_statements(text, file):
        if isinstance(statement, Import):
            for name in statement.paths:
                out.extend(_imported(base / name, statement, chain, root))
        elif isinstance(statement, Clause):
            out.append(_rule(statement))
        elif isinstance(statement, Conjunction):
            out.extend(Fact(lit, loc) for lit, loc in zip(statement.literals, statement.locations))
        else:
            out.append(statement)
    return out


def _imported(path: Path, statement: Import, chain: tuple[Path, ...], root: Path | None) -> list:
    """The statements of an imported file.  Its syntax errors name the place but never quote
    the text: the file may be anything the template pointed at."""
    if root is not None and not Path(os.path.abspath(path)).is_relative_to(root):
        raise InputError(f"cannot import {path}: it is outside the template's folder {root} (imports_anywhere=True, "
                         "or nlite --allow-imports-anywhere, allows it)", statement.location)
    resolved = path.resolve()
    if resolved in chain:
        cycle = " -> ".join(p.name for p in (*chain, resolved))
        raise InputError(f"import cycle: {cycle}", statement.location)
    if not path.is_file():
        raise InputError(f"imported file {path} does not exist", statement.location)
    try:
        return _template_statements(read_source(path), str(path), path.parent, (*chain, resolved), root)
    except ParseError as error:
        at = error.location
        raise InputError(f"cannot import {path}: not a valid template at line {at.line}, column {at.column} (its "
                         "text is not quoted here; check that file alone to see why)", statement.location) from None


def _rule(clause: Clause) -> Rule:
    if clause.label is not None:
        raise ParseError("a template rule has one ':-'", clause.location)
    if len(clause.heads) != 1:
        raise ParseError(f"a template rule has one head literal, this one has {len(clause.heads)}",
                         clause.location)
    return Rule(clause.heads[0], clause.body, clause.offset, clause.metadata, clause.location)


def parse_statements_file(path: str | os.PathLike) -> list:
    """The raw statements of an examples or queries file (roles are not interpreted; statements
    of ground facts come as ``facts.FactStatement``, read by the scanner)."""
    return scan_statements(read_source(path), str(path))
