"""Options, settings validation and ``nlite check``, tried as a hostile user would (issue 17).

Each reproduction runs the CLI as a real process and asserts the exit code, one error message
on stderr and no traceback; where files are written, that nothing is left half-written.
"""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from neuralogic_lite import Model
from neuralogic_lite.cli import _defaults, main
from neuralogic_lite.datasets.graphs import class_targets
from neuralogic_lite.errors import SettingError
from neuralogic_lite.learning.losses import LOSSES as LOSS_KERNELS
from neuralogic_lite.learning.trainer import OPTIMIZERS as OPTIMIZER_KERNELS
from neuralogic_lite.settings import CHOICES, LOSSES, OPTIMIZERS, PROFILES, Settings, profile

from support import ROOT

XOR = (ROOT / "templates" / "xor.txt", ROOT / "datasets" / "xor" / "examples.txt")
TEMPLATE = "{3,2} h(X) :- {2,2} f(Y), e(X, Y).\n{1,3} predict :- h(X).\n"
EXAMPLES = ("1 predict :- <[1.0, 0.5]> f(1), <[0.2, 0.1]> f(2), e(1, 2), e(2, 1).\n"
            "0 predict :- <[-1.0, 0.5]> f(1), e(1, 1).\n")


def nlite(*args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "neuralogic_lite.cli", *map(str, args)], capture_output=True,
                          text=True, cwd=ROOT)


def fails_cleanly(proc: subprocess.CompletedProcess, code: int, message: str) -> None:
    """Exit ``code``, one error message holding ``message``, no traceback."""
    assert proc.returncode == code, (proc.returncode, proc.stdout, proc.stderr)
    assert "Traceback" not in proc.stderr and message in proc.stderr, proc.stderr
    assert len(re.findall(r"^(error|Error):", proc.stderr, re.M)) == 1, proc.stderr


def write(folder: Path, name: str, text: str | bytes) -> Path:
    path = folder / name
    path.write_bytes(text) if isinstance(text, bytes) else path.write_text(text)
    return path


# ----------------------------------------------------------------------------- nlite check: roles
@pytest.mark.parametrize("role, article", [("examples", "an"), ("queries", "a")])
def test_check_as_examples_or_queries_on_template_lines(role, article):
    fails_cleanly(nlite("check", "--as", role, XOR[0]), 1, f"xor.txt:5:1: a template statement (PredicateMetadata) "
                                                          f"is not allowed in {article} {role} file")


def test_check_on_a_directory_without_standard_files(tmp_path):
    write(tmp_path, "notes.txt", "h :- a.")
    fails_cleanly(nlite("check", tmp_path), 1, "none of the standard files")


def test_check_says_which_role_it_guessed_and_takes_as(tmp_path):
    train = write(tmp_path, "train.txt", XOR[1].read_text())
    guessed = nlite("check", train)
    assert guessed.returncode == 0 and "read as a template (guessed from the name; use --as)" in guessed.stdout
    told = nlite("check", "--as", "examples", train)
    assert told.returncode == 0 and "examples: 4 examples" in told.stdout and "guessed" not in told.stdout
    named = nlite("check", *XOR)
    assert named.returncode == 0 and "read as a template" in named.stdout   # xor.txt: the name does not say
    assert "examples.txt: ok, examples" in named.stdout and "build: ok" in named.stdout


# ----------------------------------------------------------------------------- nlite check: what train rejects
TRAIN_REJECTS = [
    # (name, template, examples, message)
    ("unknown activation", "{3,2} h(X) :- {2,2} f(Y), e(X, Y). [activation=sigmoit]\n{1,3} predict :- h(X).\n",
     EXAMPLES, "did you mean 'sigmoid'"),
    ("unknown aggregation", "{3,2} h(X) :- {2,2} f(Y), e(X, Y). [aggregation=avgg]\n{1,3} predict :- h(X).\n",
     EXAMPLES, "aggregation function 'avgg'"),
    ("mismatched shapes", "{3,3} h(X) :- {2,2} f(X).\n{1,3} predict :- h(X).\n", EXAMPLES, "cannot multiply"),
    ("impossible shape", "{3,0} h(X) :- {2,2} f(Y), e(X, Y).\n{1,3} predict :- h(X).\n", EXAMPLES,
     "dimensions must be positive"),
    ("underivable query", TEMPLATE, "1 predict :- g(1).\n", "cannot be derived"),
    ("no label", TEMPLATE, "predict :- <[1.0, 0.5]> f(1), e(1, 1).\n", "has no target value"),
    ("label size", TEMPLATE, "[1, 0] predict :- <[1.0, 0.5]> f(1), e(1, 1).\n", "has a target of 2 values"),
]


@pytest.mark.parametrize("name, template, examples, message", TRAIN_REJECTS, ids=[c[0] for c in TRAIN_REJECTS])
def test_check_reports_what_train_rejects(tmp_path, name, template, examples, message):
    """check runs train's own path (parse, functions, ground, neuralize, targets): the same error."""
    paths = write(tmp_path, "template.txt", template), write(tmp_path, "examples.txt", examples)
    checked = nlite("check", *paths)
    fails_cleanly(checked, 1, message)
    trained = CliRunner().invoke(main, ["train", *map(str, paths), "--epochs", "1", "--quiet"])
    error = next(line for line in checked.stderr.splitlines() if line.startswith("error:"))
    assert trained.exit_code == 1 and error in trained.output, trained.output


@pytest.mark.parametrize("template, place, message", [
    ("h :- {2,2} a. [activation=nosuch]\npredict :- h.\n", ":1:1:", "unknown transformation function 'nosuch'"),
    ("h :- {2,2} a.\nh/0 [activation=tahn]\npredict :- h.\n", ":2:1:", "did you mean 'tanh'"),
    ("h :- {2,2} a. [aggregation=maxx]\npredict :- h.\n", ":1:1:", "unknown aggregation function 'maxx'"),
])
def test_check_of_a_template_alone_finds_unknown_functions(tmp_path, template, place, message):
    """Without examples there is nothing to ground, but every function the template names resolves."""
    path = write(tmp_path, "template.txt", template)
    checked = nlite("check", path)
    fails_cleanly(checked, 1, message)
    assert f"{path}{place}" in checked.stderr


# ----------------------------------------------------------------------------- settings: one place, exit 2
# the reproductions run as real processes, the others in-process (the same code path)
BAD_OPTIONS = [
    (["--seed", "-1"], "--seed", "at least 0"),
    (["--iso-inits", "0"], "--iso-inits", "at least 1"),
    (["--iso-decimals", "-2"], "--iso-decimals", "at least 0"),
    (["--xval", "0"], "--xval", "x>=2"),
]
MORE_BAD_OPTIONS = [
    (["--epochs", "-1"], "--epochs", "at least 1"),
    (["--batch-size", "0"], "--batch-size", "at least 1"),
    (["--lr", "0"], "--lr", "greater than 0"),
    (["--lr", "nan"], "--lr", "finite"),
    (["--select-every", "-1"], "--select-every", "at least 0"),
    (["--threads", "-1"], "--threads", "at least 0"),
    (["--atom-activation", "tahn"], "--atom-activation", "did you mean 'tanh'"),
    (["--aggregation", "avgg"], "--aggregation", "aggregation function"),
    (["--loss", "hinge"], "--loss", "'hinge' is not one of"),
    (["--cycles", "maybe"], "--cycles", "'maybe' is not one of"),
]


@pytest.mark.parametrize("option, name, message", BAD_OPTIONS, ids=[" ".join(c[0]) for c in BAD_OPTIONS])
def test_bad_option_values_exit_2_with_the_valid_range(option, name, message):
    proc = nlite("train", *XOR, "--quiet", "--epochs", "1", *option)   # (the last --epochs counts)
    fails_cleanly(proc, 2, f"Invalid value for '{name}'")
    assert message in proc.stderr


@pytest.mark.parametrize("option, name, message", MORE_BAD_OPTIONS, ids=[" ".join(c[0]) for c in MORE_BAD_OPTIONS])
def test_more_bad_option_values_exit_2(option, name, message):
    result = CliRunner().invoke(main, ["train", *map(str, XOR), "--quiet", "--epochs", "1", *option])
    assert result.exit_code == 2 and f"Invalid value for '{name}'" in result.output and message in result.output


def test_eval_and_ground_validate_their_options_too():
    fails_cleanly(nlite("eval", *XOR, "--seed", "-5"), 2, "Invalid value for '--seed'")
    fails_cleanly(nlite("ground", *XOR, "--iso-inits", "0", "--lift", "value"), 2, "Invalid value for '--iso-inits'")


@pytest.mark.parametrize("changes, message", [
    ({"epochs": -1}, "epochs: -1 must be a whole number of at least 1"),
    ({"batch_size": 0}, "batch_size: 0 must be a whole number of at least 1"),
    ({"learning_rate": -0.1}, "must be greater than 0"),
    ({"seed": -1}, "at least 0"),
    ({"iso_inits": 0}, "at least 1"),
    ({"epochs": 2.5}, "whole number"),
    ({"optimizer": "adagrad"}, "must be one of adam, sgd"),
    ({"rule_activation": "sigmoit"}, "did you mean 'sigmoid'"),
])
def test_the_python_api_rejects_settings_with_the_valid_range(changes, message):
    for make in (lambda: profile("neuralogic", **changes), lambda: Settings(**changes),
                 lambda: profile().replace(**changes), lambda: Model.from_file(XOR[0], **changes)):
        with pytest.raises(SettingError, match=re.escape(message)):
            make()


# ----------------------------------------------------------------------------- choice lists and defaults
def _setting_options():
    """(command, option) for every option of a command that sets a field of Settings."""
    fields = set(Settings.__dataclass_fields__)
    commands = [c for c in main.commands.values() if any(p.name == "profile_name" for p in c.params)]
    return [(command, p) for command in commands for p in command.params
            if isinstance(p, click.Option) and p.name in fields]


def test_choice_lists_come_from_the_library():
    options = _setting_options()
    assert {p.name for _, p in options} >= {"lift", "prune", "cycles", "loss", "optimizer", "init", "dtype"}
    for command, option in options:
        if option.name in CHOICES:
            assert tuple(option.type.choices) == CHOICES[option.name], (command.name, option.name)
    assert set(LOSS_KERNELS) == set(LOSSES) - {"auto"} and set(OPTIMIZER_KERNELS) == set(OPTIMIZERS)
    profile_option = next(p for p in main.commands["train"].params if p.name == "profile_name")
    assert tuple(profile_option.type.choices) == tuple(PROFILES)


def test_the_library_names_the_cli_accepts():
    """softentropy, the reference's name of BCE, was refused by the CLI though the library took it."""
    proc = nlite("train", *XOR, "--loss", "softentropy", "--epochs", "1", "--quiet", "--json")
    assert proc.returncode == 0 and '"loss": "softentropy"' in proc.stdout, proc.stderr


def test_help_defaults_are_right_for_every_profile():
    assert _defaults("epochs") == "[3000; iclr2021: 1000; pyneuralogic: 100]"
    assert _defaults("shuffle") == "[on; pyneuralogic: off]"
    for command, option in _setting_options():
        help_text = option.help.replace("\n", " ")
        for name, settings in PROFILES.items():
            value = getattr(settings, option.name)
            shown = ("on" if value else "off") if isinstance(value, bool) else str(value)
            assert shown in help_text, (command.name, option.name, name, help_text)


# ----------------------------------------------------------------------------- settings an error names
def test_every_setting_an_error_message_names_is_an_option():
    """A hint such as "the setting cycles='cut'" is only useful if the command line can say it."""
    named = set()
    for path in (ROOT / "neuralogic_lite").rglob("*.py"):
        named |= set(re.findall(r"setting (\w+)='", path.read_text()))
    assert named, "no error message names a setting: the pattern is out of date"
    for command in ("ground", "eval", "train", "draw"):
        options = {p.name for p in main.commands[command].params}
        assert named <= options, (command, named - options)


def test_cycles_cut_from_the_command_line(shared, tmp_path):
    """The reference's own template_cycle.txt stops with a hint to cycles='cut', now --cycles cut."""
    mutagenesis = shared / "relational" / "molecules" / "mutagenesis"
    examples = write(tmp_path, "examples.txt", "".join((mutagenesis / "examples.txt").open().readlines()[:3]))
    queries = write(tmp_path, "queries.txt", "".join((mutagenesis / "queries.txt").open().readlines()[:3]))
    template = mutagenesis / "templates" / "template_cycle.txt"
    fails_cleanly(nlite("ground", template, examples, queries), 1, "--cycles cut")
    for command in (["ground"], ["eval"], ["draw"], ["train", "--epochs", "1", "--quiet"]):
        proc = nlite(command[0], template, examples, queries, "--cycles", "cut", *command[1:])
        assert proc.returncode == 0 and "Traceback" not in proc.stderr, (command, proc.stderr)


# ----------------------------------------------------------------------------- eval and convert inputs
def test_eval_weights_that_are_not_numbers(tmp_path):
    weights = write(tmp_path, "w.json", '{"weights": {"0": "abc"}}')
    fails_cleanly(nlite("eval", *XOR, "--weights", weights), 1, "weight 0: 'abc' is not a number")
    weights = write(tmp_path, "w.json", '{"weights": {"first": 1.0}}')
    fails_cleanly(nlite("eval", *XOR, "--weights", weights), 1, "weight first is not a learnable weight")


CSV = {"edges.csv": "graph_id,source,target,edge_type\nw,o,h1,single\nw,o,h2,single\nv,o,h1,double\n",
       "nodes.csv": "graph_id,node,type\nw,o,O\nw,h1,H\nw,h2,H\nv,o,O\nv,h1,C\n",
       "labels.csv": "graph_id,label\nw,1\nv,1\n"}


def test_convert_csv_not_utf8_writes_nothing(tmp_path):
    paths = [write(tmp_path, name, text) for name, text in CSV.items()]
    paths[1] = write(tmp_path, "nodes.csv", b"graph_id,node,type\nw,o,\xd6\n")
    out = tmp_path / "out"
    fails_cleanly(nlite("convert", "csv", *paths, "--out", out), 1, "nodes.csv: not UTF-8 text")
    assert not out.exists() or not any(out.iterdir())


def test_convert_csv_keeps_the_value_of_positive_labels(tmp_path):
    out = tmp_path / "out"
    proc = nlite("convert", "csv", *(write(tmp_path, name, text) for name, text in CSV.items()), "--out", out)
    assert proc.returncode == 0, proc.stderr
    assert (out / "queries.txt").read_text() == "1.0 predict.\n1.0 predict.\n"


def test_class_targets_keep_0_and_1():
    assert class_targets([1, 1]) == (pytest.approx([1.0, 1.0]), (0, 1))
    assert class_targets([0]) == (pytest.approx([0.0]), (0, 1))
    assert class_targets(["pos", "pos"])[0].tolist() == [0.0, 0.0]        # a named class: the first of two


# ----------------------------------------------------------------------------- converted data and zoo templates
def test_zoo_template_for_other_types_points_to_types(tmp_path):
    data = tmp_path / "data"
    assert nlite("convert", "csv", *(write(tmp_path, n, t) for n, t in CSV.items()), "--out", data).returncode == 0
    template = write(tmp_path, "gcn.txt", nlite("zoo", "gcn", "--hidden", "3", "--layers", "1").stdout)
    proc = nlite("train", template, data / "examples.txt", data / "queries.txt", "--epochs", "1", "--quiet")
    fails_cleanly(proc, 1, "nlite zoo MODEL --types EXAMPLES")
    assert "which no example holds" in proc.stderr and "n_O/1" in proc.stderr
    typed = write(tmp_path, "typed.txt", nlite("zoo", "gcn", "--hidden", "3", "--layers", "1", "--types",
                                               data / "examples.txt").stdout)
    proc = nlite("check", "--as", "template", typed)
    assert proc.returncode == 0, proc.stderr
    proc = nlite("train", typed, data / "examples.txt", data / "queries.txt", "--epochs", "1", "--quiet")
    assert proc.returncode == 0, proc.stderr
