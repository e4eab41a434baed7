"""Every file the reference engine's own repository ships must parse, and templates round-trip."""
from __future__ import annotations

from pathlib import Path

import pytest

from neuralogic_lite import load_template, parse_template
from neuralogic_lite.errors import ParseError
from neuralogic_lite.language import parse_statements_file
from neuralogic_lite.language.sources import guess_role

from support import SHARED

# The input of the reference's ANTLR "hello world" grammar test, not a NeuraLogic file.
NOT_NEURALOGIC = {"simple/parsing/hello_test_input"}


def shared_files() -> list[str]:
    if not SHARED.is_dir():
        return ["<shared datasets missing>"]
    return sorted(str(p.relative_to(SHARED)) for p in SHARED.rglob("*") if p.is_file())


def shared_templates() -> list[str]:
    return [f for f in shared_files() if guess_role(f) == "template" and f not in NOT_NEURALOGIC]


@pytest.mark.parametrize("name", shared_files())
def test_every_shared_file_parses(shared: Path, name: str):
    path = shared / name
    if name in NOT_NEURALOGIC:
        with pytest.raises(ParseError) as info:
            parse_statements_file(path)
        assert (info.value.location.line, info.value.location.column) == (1, 1)
        return
    if guess_role(name) == "template":
        assert load_template(path).statements
    else:
        assert parse_statements_file(path)


def test_the_walk_covers_the_whole_collection(shared: Path):
    files = shared_files()
    assert len(files) >= 90, files


@pytest.mark.parametrize("name", shared_templates())
def test_templates_round_trip(shared: Path, name: str):
    template = load_template(shared / name)
    text = str(template)
    again = parse_template(text)
    assert again == template
    assert str(again) == text
