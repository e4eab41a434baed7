"""Hostile command lines: whatever the arguments, files and their contents, ``nlite`` answers
with an exit code and messages, never a traceback.

Commands, options, values (good and bad) and input files (good, broken, mutated, binary) are
drawn by hypothesis and run in-process through click's runner.  CI runs a few dozen; set
``NLITE_FUZZ_EXAMPLES`` for a long run (the closing note of issue 17 gives one of 10,000).
"""
from __future__ import annotations

import os
from pathlib import Path

from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from neuralogic_lite.cli import main

from support import ROOT

EXAMPLES = int(os.environ.get("NLITE_FUZZ_EXAMPLES", "40"))

TEMPLATES = [
    (ROOT / "templates" / "xor.txt").read_text(),
    "{3,2} h(X) :- {2,2} f(Y), e(X, Y). [activation=sigmoid]\n{1,3} predict :- h(X).\n",
    "h :- {2,2} a. [activation=nosuch]\npredict :- h.\n",
    "{100000,100000} h(X) :- a(X).\npredict :- h(X).\n",
    "/* never closed\npredict :- a.\n",
    "predict :- a(X), a(Y), a(Z), a(W), a(V).\n",
    "1e400 predict :- a.\n",
    "import /etc/passwd\n",
    "",
]
DATA = [
    (ROOT / "datasets" / "xor" / "examples.txt").read_text(),
    "1 predict :- <[1.0, 0.5]> f(1), <[0.2, 0.1]> f(2), e(1, 2), e(2, 1).\n"
    "0 predict :- <[-1.0, 0.5]> f(1), <[0.3, -0.4]> f(2), e(1, 2).\n",
    "e1 :- a(1), a(2).\ne1 :- a(3).\n",
    "0 xor :- <0> a, <0> b\n",
    "1e400 xor :- <1> a.\n",
    "a(" * 50,
    "",
]
FILE_TEXT = st.one_of(
    st.sampled_from(TEMPLATES + DATA),
    st.builds(lambda text, cut: text[:cut], st.sampled_from(TEMPLATES + DATA), st.integers(0, 200)),
    st.text(max_size=80),
)
FILE_BYTES = st.one_of(FILE_TEXT.map(lambda t: t.encode("utf-8", "surrogatepass")), st.binary(max_size=60))
VALUES = st.one_of(st.sampled_from(["0", "1", "-1", "2", "nan", "inf", "1e400", "abc", "", "x,y", "4G", "0.5",
                                    "softentropy", "tahn", "float16", "structural", "cut", "gcn", "kb"]),
                   st.integers(-3, 3).map(str))
OPTIONS = ["--epochs", "--lr", "--seed", "--batch-size", "--xval", "--iso-inits", "--iso-decimals", "--loss",
           "--optimizer", "--lift", "--prune", "--cycles", "--max-memory", "--atom-activation", "--aggregation",
           "--init", "--dtype", "--threads", "--profile", "--select-every", "--as", "--sample", "--hidden",
           "--layers", "--n", "--entities", "--weights", "--out"]
FLAGS = ["--json", "--quiet", "--csv", "--overwrite", "--no-shuffle", "--batch-lift", "--help"]
COMMANDS = ["check", "ground", "eval", "train", "predict", "draw", "zoo", "datasets", "convert"]


@st.composite
def command_line(draw, folder: Path) -> list[str]:
    files = []
    for i in range(draw(st.integers(0, 3))):
        path = folder / draw(st.sampled_from([f"template{i}.txt", f"examples{i}.txt", f"f{i}.txt", f"q{i}.csv",
                                              f"model{i}.txt"]))
        path.write_bytes(draw(FILE_BYTES))
        files.append(str(path))
    arguments = [draw(st.sampled_from(COMMANDS))]
    arguments += draw(st.permutations(files))
    arguments += draw(st.lists(st.sampled_from([str(folder), str(folder / "missing.txt"), "tu", "csv", "gcn"]),
                               max_size=1))
    for _ in range(draw(st.integers(0, 4))):
        option = draw(st.sampled_from(OPTIONS + FLAGS))
        arguments.append(option)
        if option in OPTIONS:
            value = draw(VALUES)
            arguments.append(str(folder / "out") if option == "--out" else value)
    if arguments[0] == "train" and "--epochs" not in arguments:
        arguments += ["--epochs", "2"]
    if arguments[0] in ("datasets", "convert", "draw") and "--out" not in arguments:
        arguments += ["--out", str(folder / "written")]     # never into the working directory
    return arguments


@settings(max_examples=EXAMPLES, deadline=None, derandomize=EXAMPLES <= 100,
          suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_no_command_line_gives_a_traceback(tmp_path_factory, data):
    folder = tmp_path_factory.mktemp("fuzz")
    arguments = data.draw(command_line(folder))
    result = CliRunner().invoke(main, arguments)
    assert not isinstance(result.exception, Exception) or isinstance(result.exception, SystemExit), \
        (arguments, repr(result.exception), result.output[-2000:])
    assert "Traceback" not in result.output, (arguments, result.output[-2000:])
    assert result.exit_code in (0, 1, 2), (arguments, result.exit_code, result.output[-2000:])
