"""The ``nlite`` command line, through click's runner and through a real subprocess."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from neuralogic_lite.cli import main


def run(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return str(path)


def test_check_summarises_each_role(tmp_path):
    template = write(tmp_path, "template.txt", "{3,1} emb(X) :- c(X).\n{1,3} predict :- emb(X).\nemb/1 {3,1}\n")
    examples = write(tmp_path, "examples.txt", "c(a), c(b).\nc(a).\n")
    queries = write(tmp_path, "queries.txt", "1.0 predict.\n0.0 predict.\n")
    result = run("check", template, examples, queries)
    assert result.exit_code == 0, result.output
    assert "2 rules, 0 facts" in result.output
    assert "c/1, emb/1, predict/0" in result.output
    assert "3 learnable (1 x 1x3, 2 x 3x1)" in result.output
    assert "2 examples, 3 facts" in result.output
    assert "2 queries (2 with a target)" in result.output


def test_check_directory_of_standard_files(tmp_path):
    write(tmp_path, "d/template.txt", "h :- a.")
    write(tmp_path, "d/trainExamples.txt", "1 h :- a.")
    result = run("check", str(tmp_path / "d"))
    assert result.exit_code == 0 and result.output.count(": ok") == 3 and "build: ok" in result.output


def test_check_reports_each_bad_file_and_exits_1(tmp_path):
    good = write(tmp_path, "good.txt", "a :- b.")
    bad = write(tmp_path, "bad.txt", "a :- b\nc.")
    result = CliRunner().invoke(main, ["check", good, bad, str(tmp_path / "missing.txt")])
    assert result.exit_code == 1
    assert "bad.txt:2:2: unexpected '.'" in result.output or "bad.txt:2:" in result.output
    assert "missing.txt: no such file" in result.output
    assert "2 of 3 file(s) failed" in result.output
    assert "Traceback" not in result.output


def test_subprocess_has_no_traceback(tmp_path):
    bad = write(tmp_path, "t.txt", "a :- (.")
    proc = subprocess.run([sys.executable, "-m", "neuralogic_lite.cli", "check", bad], capture_output=True, text=True)
    assert proc.returncode == 1
    assert "t.txt:1:6" in proc.stderr and "Traceback" not in proc.stderr
    ok = subprocess.run([sys.executable, "-m", "neuralogic_lite.cli", "--version"], capture_output=True, text=True)
    assert ok.returncode == 0 and "nlite" in ok.stdout
