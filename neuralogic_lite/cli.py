"""The ``nlite`` command line: parse the arguments, call one stage function, print."""
from __future__ import annotations

import functools
import sys
from pathlib import Path

import click

from . import __version__
from .errors import NeuraLogicLiteError
from .language import load_template, parse_statements_file
from .language.sources import guess_role, standard_files
from .language.summary import summarize_examples, summarize_queries, summarize_template


def _clean_errors(command):
    """Print a library error as one message (no traceback) and exit 1."""
    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except NeuraLogicLiteError as error:
            click.echo(f"error: {error}", err=True)
            sys.exit(1)
    return wrapper


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="nlite")
def main() -> None:
    """Learning with weighted logic programs (NeuraLogic templates)."""


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--as", "role", type=click.Choice(["template", "examples", "queries"]),
              help="Read every FILE in this role (default: guessed from the file name).")
def check(files: tuple[Path, ...], role: str | None) -> None:
    """Parse templates, examples and queries files and summarise them.

    A directory stands for its standard files (template.txt, trainExamples.txt, ...).
    The role of a file is guessed from its name: '*quer*' is a queries file, '*exampl*' an
    examples file, anything else a template.

    \b
    Example:
        nlite check templates/gcn.txt datasets/xor/examples.txt
    """
    failed = 0
    for path, file_role in _expand(files, role):
        try:
            click.echo(f"{path}: ok, {_summary(path, file_role)}")
        except NeuraLogicLiteError as error:
            click.echo(f"error: {error}", err=True)
            failed += 1
    if failed:
        click.echo(f"{failed} of {len(files)} file(s) failed", err=True)
        sys.exit(1)


def _expand(files, role):
    for path in files:
        if path.is_dir():
            found = standard_files(path)
            for file_role, file in (("template", found.template), ("examples", found.train_examples),
                                    ("queries", found.train_queries), ("examples", found.test_examples),
                                    ("queries", found.test_queries)):
                if file is not None:
                    yield file, file_role
        else:
            yield path, role or guess_role(path)


def _summary(path: Path, role: str) -> str:
    if role == "template":
        return str(summarize_template(load_template(path)))
    statements = parse_statements_file(path)
    return summarize_examples(statements) if role == "examples" else summarize_queries(statements)


if __name__ == "__main__":
    main()
