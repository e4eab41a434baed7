"""The documentation tells the truth: its Python examples run, its tables match the code."""
from __future__ import annotations

import dataclasses
import re
import warnings
from pathlib import Path

import pytest

from neuralogic_lite.errors import NeuraLogicLiteWarning
from neuralogic_lite.settings import PROFILES

ROOT = Path(__file__).resolve().parent.parent
DOCS = sorted((ROOT / "docs").glob("*.md"))
_BLOCK = re.compile(r"^```python\n(.*?)^```", re.S | re.M)


def python_blocks() -> list[tuple[str, str]]:
    """(id, code) of every ```python block in docs/*.md."""
    out = []
    for page in DOCS:
        text = page.read_text(encoding="utf-8")
        for m in _BLOCK.finditer(text):
            line = text.count("\n", 0, m.start()) + 1
            out.append((f"{page.name}:{line}", m.group(1)))
    return out


BLOCKS = python_blocks()


def test_there_are_examples():
    assert len(BLOCKS) >= 10
    assert {name.split(":")[0] for name, _ in BLOCKS} >= {"index.md", "language.md", "api.md", "semantics.md"}


@pytest.mark.parametrize("code", [code for _, code in BLOCKS], ids=[name for name, _ in BLOCKS])
def test_example_runs(code, monkeypatch):
    monkeypatch.chdir(ROOT)
    with warnings.catch_warnings():
        warnings.simplefilter("error", NeuraLogicLiteWarning)   # examples should not trigger warnings
        exec(compile(code, "<docs>", "exec"), {"__name__": "__docs__"})


def _profile_table() -> dict[str, list[str]]:
    text = (ROOT / "docs/semantics.md").read_text(encoding="utf-8")
    start = text.index("<!-- profiles:")
    rows = {}
    for line in text[start:].splitlines()[1:]:
        if not line.startswith("|"):
            break
        cells = [c.strip().strip("`") for c in line.strip("|").split("|")]
        rows[cells[0]] = cells[1:]
    return rows


def test_profile_table_matches_the_settings():
    rows = _profile_table()
    header = rows.pop("setting")
    assert [h.split()[0].strip("`") for h in header] == list(PROFILES)
    rows.pop(next(k for k in rows if set(k) <= {"-"}))
    fields = [f.name for f in dataclasses.fields(next(iter(PROFILES.values()))) if f.name != "profile"]
    assert sorted(rows) == sorted(fields), "every setting has a row"
    for name, cells in rows.items():
        assert cells == [str(getattr(p, name)) for p in PROFILES.values()], name


def test_relative_links_point_at_files():
    for page in DOCS:
        for target in re.findall(r"\]\(([^)#:]+)(?:#[^)]*)?\)", page.read_text(encoding="utf-8")):
            if target == "cli.md" and not (page.parent / target).exists():
                continue   # written separately, with the command line
            assert (page.parent / target).exists(), f"{page.name} links to missing {target}"
