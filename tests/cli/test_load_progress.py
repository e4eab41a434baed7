"""The load bars: what a user sees on a terminal while files are read and sets are built."""
from __future__ import annotations

import io

from neuralogic_lite import cli


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_bars_show_bytes_examples_and_stage(monkeypatch):
    screen = _Terminal()
    monkeypatch.setattr(cli.sys, "stderr", screen)
    with cli._LoadProgress(quiet=False) as progress:
        told = progress.reading("data/examples.txt")
        told(1 << 20, 4 << 20)
        told(4 << 20, 4 << 20)
        progress.building("train", "ground", 0, 8192)
        progress.building("train", "lift", 4096, 8192)
        progress.building("train", "lift", 8192, 8192)
        progress.building("train", "ground", 0, 100)       # the next fold builds again
    text = screen.getvalue()
    assert "read examples.txt" in text and "4.19M/4.19M" in text
    assert "build train" in text and "/8192" in text and "example/s" in text and "ground" in text
    assert "0/100" in text        # (tqdm draws at most every 0.1 s: the middle states may not show)


def test_quiet_and_pipes_show_nothing(monkeypatch):
    screen = io.StringIO()             # not a terminal
    monkeypatch.setattr(cli.sys, "stderr", screen)
    with cli._LoadProgress(quiet=False) as progress:
        progress.reading("e.txt")(10, 10)
        progress.building("train", "lift", 1, 1)
    with cli._LoadProgress(quiet=True) as progress:
        progress.building("train", "lift", 1, 1)
    assert screen.getvalue() == ""
