"""Hostile input to the parser through a real ``nlite`` process: exit code 1, one message with
its place, no traceback, and nothing written before is lost."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from support import ROOT

TEMPLATE = (ROOT / "templates" / "xor.txt").read_text()
EXAMPLES = (ROOT / "datasets" / "xor" / "examples.txt").read_text()


def nlite(*args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "neuralogic_lite.cli", *map(str, args)], cwd=ROOT,
                          capture_output=True, text=True, timeout=600)


def one_error(result: subprocess.CompletedProcess, *fragments: str) -> str:
    """The one error message of a failed run (checked: exit 1, no traceback, each fragment in it)."""
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr and result.stderr.count("error:") == 1, result.stderr
    for fragment in fragments:
        assert fragment in result.stderr, result.stderr
    return result.stderr


@pytest.fixture
def write(tmp_path: Path):
    def write(name: str, text: str) -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        return path
    return write


def test_a_parse_error_in_a_10_kb_line_quotes_a_couple_of_hundred_characters(write):
    line = "1 xor :- " + ", ".join(f"a{i}(1)" for i in range(1500)) + " ) b.\n"
    examples = write("long_examples.txt", EXAMPLES + line)
    stderr = one_error(nlite("check", examples), f"{examples}:6:")
    assert len(stderr) < 800 and max(len(line) for line in stderr.splitlines()) < 300


@pytest.mark.parametrize("name, text, place", [
    ("template.txt", TEMPLATE.replace("{8,1} a", "1e400 a"), ":3:11:"),        # a weight
    ("examples.txt", EXAMPLES + "1e400 xor :- <1> a, <1> b.\n", ":6:1:"),      # a label
    ("examples.txt", EXAMPLES + "1 xor :- <1e400> a, <1> b.\n", ":6:11:"),     # a fact value
    ("examples.txt", EXAMPLES + "1 xor :- <[1, 1e400]> a, b.\n", ":6:15:"),    # in a value vector
])
def test_a_number_out_of_range_is_an_error_at_parse_time(write, name, text, place):
    path = write(name, text)
    one_error(nlite("check", path), f"{path}{place}", "out of range")


@pytest.mark.parametrize("name, text, place", [
    ("template.txt", TEMPLATE + "/* the rest\n" + TEMPLATE, ":6:1:"),
    ("examples.txt", EXAMPLES + "/* 1 xor :- <1> a, <1> b.\n", ":6:1:"),
    ("queries.txt", "1 xor.\n /* /* */ 0 xor.\n", ":2:2:"),
])
def test_an_unclosed_comment_is_an_error_at_its_line(write, name, text, place):
    path = write(name, text)
    one_error(nlite("check", path), f"{path}{place}", "never closed")


def test_an_unclosed_comment_is_no_longer_a_silent_success_of_train(write, tmp_path):
    """And a run folder written before is left as it was (even with --overwrite: nothing trained)."""
    out = tmp_path / "run"
    out.mkdir()
    (out / "results.json").write_text('{"earlier": true}')
    examples = write("examples.txt", EXAMPLES.replace("1 xor :- <0> a, <1> b.", "/* 1 xor :- <0> a, <1> b."))
    one_error(nlite("train", write("template.txt", TEMPLATE), examples, "--epochs", "1", "--out", out, "--overwrite",
                    "--quiet"), f"{examples}:3:1:")
    assert (out / "results.json").read_text() == '{"earlier": true}' and sorted(out.iterdir()) == [out / "results.json"]


@pytest.mark.parametrize("examples, queries, place, first", [
    ("e1 :- <0> a, <0> b.\ne2 :- <0> a, <1> b.\ne1 :- <1> a, <1> b.\n", "e1 :- 0 xor.\ne2 :- 1 xor.\n",
     "examples.txt:3:1:", "examples.txt:1:1"),
    ("e1 :- <0> a, <0> b.\ne2 :- <0> a, <1> b.\n", "e1 :- 0 xor.\ne2 :- 1 xor.\ne1 :- 1 xor.\n",
     "queries.txt:3:1:", "queries.txt:1:1"),
])
def test_a_duplicate_id_names_both_lines(write, examples, queries, place, first):
    result = nlite("ground", write("template.txt", TEMPLATE), write("examples.txt", examples),
                   write("queries.txt", queries))
    one_error(result, place, first, "twice")


def test_imports_stay_in_the_template_folder_unless_allowed(write):
    write("outside/embeddings.txt", "{8,1} e.\n")
    template = write("tree/template.txt", "import ../outside/embeddings.txt\n" + TEMPLATE)
    one_error(nlite("check", template), f"{template}:1:1:", "outside the template's folder",
              "--allow-imports-anywhere")
    result = nlite("--allow-imports-anywhere", "check", template)
    assert result.returncode == 0 and "1 facts" in result.stdout, result.stderr
    write("tree/sub/embeddings.txt", "{8,1} e.\n")
    inside = write("tree/inside.txt", "import ./sub/embeddings.txt\n" + TEMPLATE)
    assert nlite("check", inside).returncode == 0


def test_an_imported_file_that_is_not_a_template_is_never_echoed(write):
    write("outside/secret.txt", "root:x:0:0:hunter2:/root:/bin/bash\n")
    template = write("tree/template.txt", "import ../outside/secret.txt\n" + TEMPLATE)
    for args in (["check", template], ["--allow-imports-anywhere", "check", template]):
        stderr = one_error(nlite(*args), f"{template}:1:1:")
        assert "hunter2" not in stderr and "root:x" not in stderr
    assert "line 1, column 5" in stderr
