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
from hypothesis import HealthCheck, event, given, settings
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
HOSTILE = ["0", "-1", "nan", "inf", "1e400", "abc", "", "x,y", "tahn", "float16", "nosuch"]
#: each option with values a user would give (drawn mostly) - hostile ones are drawn too
OPTIONS = {"--epochs": ["1", "2"], "--lr": ["0.1", "0.01"], "--seed": ["0", "3"], "--batch-size": ["1", "2"],
           "--xval": ["2"], "--iso-inits": ["1", "2"], "--iso-decimals": ["3", "12"],
           "--loss": ["auto", "mse", "bce", "softentropy", "crossentropy"], "--optimizer": ["adam", "sgd"],
           "--lift": ["none", "structural", "value"], "--prune": ["off", "lossless", "reference"],
           "--cycles": ["error", "cut"], "--max-memory": ["4G", "100M", "1K"],
           "--atom-activation": ["sigmoid", "relu", "identity"], "--aggregation": ["avg", "max", "sum"],
           "--init": ["glorot", "he", "uniform"], "--dtype": ["float32", "float64"], "--threads": ["1"],
           "--profile": ["iclr2021", "pyneuralogic", "neuralogic"], "--select-every": ["0", "1"],
           "--as": ["template", "examples", "queries"], "--sample": ["0", "1", "7"], "--hidden": ["3"],
           "--layers": ["1", "2"], "--n": ["3"], "--entities": ["a,b", "4"], "--relations": ["r,s", "2"],
           "--weights": ["w.json"], "--out": ["out"]}
FLAGS = ["--json", "--quiet", "--csv", "--overwrite", "--no-shuffle", "--batch-lift", "--help"]
COMMANDS = ["check", "ground", "eval", "train", "predict", "draw", "zoo", "datasets", "convert"]


def _file(draw, folder: Path, name: str, texts: list[str]) -> str:
    """A file of one of ``texts`` (mostly), cut short, or of any text or bytes at all."""
    path = folder / name
    kind = draw(st.integers(0, 9))
    text = draw(st.sampled_from(texts))
    if kind == 7:
        text = text[:draw(st.integers(0, 200))]
    elif kind == 8:
        text = draw(st.text(max_size=80))
    data = draw(st.binary(max_size=60)) if kind == 9 else text.encode("utf-8", "surrogatepass")
    path.write_bytes(data)
    return str(path)


@st.composite
def command_line(draw, folder: Path) -> list[str]:
    """Mostly command lines a user could mean (a template, its data, a few options), with
    hostile files, values and extra arguments mixed in."""
    command = draw(st.sampled_from(COMMANDS))
    if command in ("check", "ground", "eval", "train", "draw"):
        pair = draw(st.integers(0, 3))     # half the time a template with its own data, made hostile below
        arguments = [command, _file(draw, folder, "template.txt", [TEMPLATES[pair]] if pair < 2 else TEMPLATES),
                     _file(draw, folder, "examples.txt", [DATA[pair]] if pair < 2 else DATA)]
    elif command == "predict":
        arguments = [command, _file(draw, folder, "model.txt", TEMPLATES), _file(draw, folder, "examples.txt", DATA)]
    elif command == "convert":
        arguments = [command, draw(st.sampled_from(["tu", "csv"]))] + \
            [_file(draw, folder, f"{n}.csv", ["1,a,b\n1,b,c\n", "1,a,x\n", "1,1\n2,0\n", "x"])
             for n in ("edges", "nodes", "labels")]
    else:
        arguments = [command, draw(st.sampled_from(["gcn", "gin", "distmult", "xor", "molecules", "kb", "nosuch"]))]
    for _ in range(draw(st.integers(0, 2))):      # something stray
        arguments.insert(draw(st.integers(1, len(arguments))),
                         draw(st.sampled_from([str(folder), str(folder / "missing.txt"), "gcn",
                                               _file(draw, folder, "extra.txt", TEMPLATES + DATA)])))
    own = sorted({o for p in main.commands[command].params for o in p.opts if o.startswith("--")})
    for _ in range(draw(st.integers(0, 3))):   # mostly the command's own options
        option = draw(st.sampled_from(own if draw(st.integers(0, 7)) else sorted(OPTIONS) + FLAGS))
        arguments.append(option)
        if option in OPTIONS or _takes_value(command, option):
            value = draw(st.sampled_from(OPTIONS[option] if option in OPTIONS and draw(st.integers(0, 3)) else HOSTILE))
            arguments.append(str(folder / value) if option in ("--out", "--weights") and value else value)
    if command == "train" and "--epochs" not in arguments:
        arguments += ["--epochs", "2"]
    if command in ("datasets", "convert", "draw") and "--out" not in arguments:
        arguments += ["--out", str(folder / "written")]     # never into the working directory
    return arguments


def _takes_value(command: str, option: str) -> bool:
    return any(option in p.opts and not getattr(p, "is_flag", False) for p in main.commands[command].params)


@settings(max_examples=EXAMPLES, deadline=None, derandomize=EXAMPLES <= 100,
          suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_no_command_line_gives_a_traceback(tmp_path_factory, data):
    folder = tmp_path_factory.mktemp("fuzz")
    arguments = data.draw(command_line(folder))
    result = CliRunner().invoke(main, arguments)
    event(f"exit {result.exit_code}")
    assert not isinstance(result.exception, Exception) or isinstance(result.exception, SystemExit), \
        (arguments, repr(result.exception), result.output[-2000:])
    assert "Traceback" not in result.output, (arguments, result.output[-2000:])
    assert result.exit_code in (0, 1, 2), (arguments, result.exit_code, result.output[-2000:])
