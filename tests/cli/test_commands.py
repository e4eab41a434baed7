"""Every subcommand through click's runner and a real process, and the user mistakes it reports."""
from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from neuralogic_lite.cli import main

from support import ROOT

TEMPLATE = "{3,2} h(X) :- {2,2} f(Y), e(X, Y). [activation=sigmoid]\n{1,3} predict :- h(X).\n"
EXAMPLES = ("1 predict :- <[1.0, 0.5]> f(1), <[0.2, 0.1]> f(2), e(1, 2), e(2, 1).\n"
            "0 predict :- <[-1.0, 0.5]> f(1), <[0.3, -0.4]> f(2), e(1, 2).\n"
            "1 predict :- <[0.9, 0.6]> f(1), e(1, 1).\n"
            "0 predict :- <[-0.8, 0.1]> f(1), <[0.1, 0.1]> f(3), e(1, 3).\n")


def run(*args: str):
    return CliRunner().invoke(main, [str(a) for a in args])


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    paths = {}
    for name, text in {"template": TEMPLATE, "examples": EXAMPLES}.items():
        paths[name] = tmp_path / f"{name}.txt"
        paths[name].write_text(text)
    return paths


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


# ----------------------------------------------------------------------------- the commands work
def test_train_writes_every_output(files, tmp_path):
    out = tmp_path / "run"
    result = run("train", files["template"], files["examples"], "--epochs", "20", "--out", out, "--quiet")
    assert result.exit_code == 0, result.output
    assert "train" in result.output and "accuracy" in result.output
    for name in ("results.json", "predictions.csv", "model.txt", "model.txt.npz"):
        assert (out / name).is_file(), name
    if importlib.util.find_spec("matplotlib") is not None:
        assert (out / "learning_curve.png").is_file()
    else:
        assert "matplotlib is not installed" in result.output and not (out / "learning_curve.png").exists()
    results = json.loads((out / "results.json").read_text())
    assert results["settings"]["epochs"] == 20 and "train" in results["metrics"] and "train" in results["sizes"]
    assert (out / "predictions.csv").read_text().count("\n") == 5


def test_train_json_xval_and_test_sets(files, tmp_path):
    result = run("train", files["template"], files["examples"], "--epochs", "3", "--xval", "2", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert len(data["runs"]) == 2 and "test" in data["summary"]
    result = run("train", files["template"], files["examples"], "--epochs", "3", "--test-examples",
                 files["examples"], "--val-examples", files["examples"], "--optimizer", "sgd", "--lr", "0.1")
    assert result.exit_code == 0 and "validation" in result.output and "test" in result.output


def test_dtype_and_threads(files, tmp_path):
    """--dtype float32 trains (and records it); --threads is taken; a bad value is one message."""
    result = run("train", files["template"], files["examples"], "--epochs", "3", "--dtype", "float32", "--threads", "1",
                 "--json")
    assert result.exit_code == 0, result.output
    settings = json.loads(result.stdout)["runs"][0]["settings"]
    assert settings["dtype"] == "float32" and settings["threads"] == 1
    for bad in (["--dtype", "float16"], ["--threads", "-1"]):
        result = run("train", files["template"], files["examples"], "--epochs", "1", *bad)
        assert result.exit_code == 2 and "Traceback" not in result.output, result.output


def test_predict_eval_ground_check(files, tmp_path):
    out = tmp_path / "run"
    assert run("train", files["template"], files["examples"], "--epochs", "5", "--out", out).exit_code == 0
    for flag in ("--json", "--csv", None):
        result = run("predict", out / "model.txt", files["examples"], *([flag] if flag else []))
        assert result.exit_code == 0, result.output
    assert json.loads(run("predict", out / "model.txt", files["examples"], "--json").stdout)["outputs"]
    ground = json.loads(run("ground", files["template"], files["examples"], "--json").stdout)
    assert ground["total"]["neurons"] == sum(s["neurons"] for s in ground["samples"])
    evaluation = json.loads(run("eval", files["template"], files["examples"], "--json").stdout)
    assert len(evaluation["outputs"]) == len(evaluation["targets"]) == 4
    assert run("check", files["template"], files["examples"]).exit_code == 0


def test_zoo_and_datasets(tmp_path):
    result = run("zoo", "gcn", "--hidden", "4", "--layers", "1")
    assert result.exit_code == 0 and "atom_embed" in result.output
    result = run("datasets", "molecules", "--n", "20", "--seed", "3", "--out", tmp_path)
    assert result.exit_code == 0 and (tmp_path / "examples.txt").is_file()


def test_convert_tu_and_csv_then_train_a_zoo_template(tmp_path):
    tu = tmp_path / "toy"
    tu.mkdir()
    for part, text in {"A": "1, 2\n2, 1\n2, 3\n3, 2\n4, 5\n5, 4\n", "graph_indicator": "1\n1\n1\n2\n2\n",
                       "graph_labels": "1\n-1\n", "node_labels": "0\n1\n0\n2\n0\n"}.items():
        (tu / f"T_{part}.txt").write_text(text)
    result = run("convert", "tu", tu, "--out", tmp_path / "nl")
    assert result.exit_code == 0 and "2 graphs" in result.output, result.output
    assert (tmp_path / "nl" / "queries.txt").read_text() == "1.0 predict.\n0.0 predict.\n"
    assert "n_2(g2_1)" in (tmp_path / "nl" / "examples.txt").read_text()
    template = write(tmp_path, "gcn.txt", run("zoo", "gcn", "--hidden", "3", "--layers", "1", "--types",
                                               tmp_path / "nl" / "examples.txt").output)
    result = run("train", template, tmp_path / "nl" / "examples.txt", tmp_path / "nl" / "queries.txt", "--epochs", "2")
    assert result.exit_code == 0, result.output
    csvs = [write(tmp_path, name, text) for name, text in (
        ("edges.csv", "graph_id,source,target,edge_type\nw,o,h1,single\nw,o,h2,single\n"),
        ("nodes.csv", "graph_id,node,type\nw,o,O\nw,h1,H\nw,h2,H\n"), ("labels.csv", "graph_id,label\nw,1\n"))]
    result = run("convert", "csv", *csvs, "--out", tmp_path / "csv")
    assert result.exit_code == 0, result.output
    assert "bond(g1_1, g1_2, 1)" in (tmp_path / "csv" / "examples.txt").read_text()


def test_eval_reads_pyneuralogic_weights(tmp_path):
    template = write(tmp_path, "t.txt", "{1} h :- a.\n")
    examples = write(tmp_path, "e.txt", "1 h :- <2.0> a.\n")
    weights = write(tmp_path, "w.json", json.dumps({"weights": {"0": 0.25}}))
    result = run("eval", template, examples, "--weights", weights, "--profile", "pyneuralogic", "--json")
    assert json.loads(result.stdout)["outputs"] == [0.5]


# ----------------------------------------------------------------------------- user mistakes
MISTAKES = [
    # (name, files to write {name: text}, arguments with {file} placeholders, expected message part)
    ("missing template", {}, ["train", "{tmp}/nope.txt", "{examples}"], "no such file"),
    ("template syntax", {"bad.txt": "h(X) :- f(X"}, ["train", "{bad.txt}", "{examples}"], "bad.txt:1:12"),
    ("examples syntax", {"bad.txt": "1 predict :- f(1), ."}, ["train", "{template}", "{bad.txt}"], "bad.txt:1:"),
    ("underivable query", {"q.txt": "1 predict :- g(1)."}, ["train", "{template}", "{q.txt}"], "cannot be derived"),
    ("shape mismatch", {"s.txt": "{3,3} h(X) :- {2,2} f(X).\n{1,3} predict :- h(X)."},
     ["train", "{s.txt}", "{examples}"], "cannot multiply"),
    ("unknown activation in template", {"a.txt": "h(X) :- f(X). [activation=sigmoit]\n{1,2} predict :- h(X)."},
     ["train", "{a.txt}", "{examples}"], "did you mean 'sigmoid'"),
    ("NaN loss", {"nan.txt": "{2,2} h(X) :- {2,2} f(Y), e(X, Y). [activation=exp]\n{1,2} predict :- h(X).\n"
                             "h/1 [activation=exp]"},
     ["train", "{nan.txt}", "{examples}", "--lr", "1000", "--optimizer", "sgd", "--epochs", "50"], "NaN"),
    ("too many inputs", {}, ["train", "{template}", "{examples}", "{examples}", "{examples}"],
     "TEMPLATE EXAMPLES [QUERIES]"),
    ("directory without template", {}, ["train", "{empty}"], "no template.txt"),
    ("missing model", {}, ["predict", "{tmp}/model.txt", "{examples}"], "no such file"),
    ("weights not JSON", {"w.json": "{oops"}, ["eval", "{template}", "{examples}", "--weights", "{w.json}"],
     "not a JSON weights file"),
    ("weights index", {"w.json": '{"weights": {"99": 1.0}}'},
     ["eval", "{template}", "{examples}", "--weights", "{w.json}"], "not a learnable weight"),
    ("unstratifiable", {"u.txt": "p(X) :- f(X), !q(X).\nq(X) :- f(X), !p(X).\npredict :- p(X)."},
     ["train", "{u.txt}", "{examples}"], "cannot be stratified"),
    ("query count", {"e.txt": "f(1).\nf(2).\nf(3).", "q.txt": "1 predict.\n0 predict."},
     ["train", "{template}", "{e.txt}", "{q.txt}"], "counts must agree"),
    ("unknown zoo model", {}, ["zoo", "gcnn"], "did you mean 'gcn'"),
    ("too many folds", {}, ["train", "{template}", "{examples}", "--xval", "9"], "only 4 samples"),
    ("unlabelled without queries", {"u.txt": "f(1), e(1, 1)."}, ["train", "{template}", "{u.txt}"],
     "needs a queries file"),
    ("cycle", {"c.txt": "{2,2} h(X) :- {2,2} f(X).\n{2,2} h(X) :- {2,2} h(Y), e(X, Y).\n{1,2} predict :- h(X)."},
     ["train", "{c.txt}", "{examples}"], "cycle"),
    ("no target", {"n.txt": "predict :- <[1.0, 0.5]> f(1), e(1, 1)."}, ["train", "{template}", "{n.txt}"],
     "no target value"),
    ("target size", {"e.txt": "f(1), e(1, 1).\nf(2), e(2, 2).", "q.txt": "[1.0, 0.0, 1.0] predict.\n1.0 predict."},
     ["train", "{template}", "{e.txt}", "{q.txt}"], "has a target of 3 values"),
    ("not UTF-8", {}, ["check", "{binary}"], "not UTF-8"),
    ("convert without a TU dataset", {}, ["convert", "tu", "{empty}"], "expected one TU dataset"),
    ("convert csv with one file", {"e.csv": "graph_id,source,target\n"}, ["convert", "csv", "{e.csv}"],
     "three CSV files"),
    ("convert csv without a column", {"e.csv": "graph_id,source\n", "n.csv": "graph_id,node,type\n",
                                      "l.csv": "graph_id,label\ng,1\n"},
     ["convert", "csv", "{e.csv}", "{n.csv}", "{l.csv}"], "missing target"),
]


@pytest.mark.parametrize("name, extra, arguments, message", MISTAKES, ids=[m[0] for m in MISTAKES])
def test_user_mistakes_are_one_clean_message(files, tmp_path, name, extra, arguments, message):
    paths = {"tmp": tmp_path, "template": files["template"], "examples": files["examples"]}
    binary = tmp_path / "binary.txt"
    binary.write_bytes(b"\xff\xfe\x00 h :- a.")
    paths["binary"] = binary
    paths["empty"] = tmp_path / "empty"
    paths["empty"].mkdir()
    for file, text in extra.items():
        paths[file] = write(tmp_path, file, text)
    def fill(argument: str) -> str:
        for key, path in paths.items():
            argument = argument.replace("{" + key + "}", str(path))
        return argument

    result = run(*map(fill, arguments))
    assert result.exit_code == 1, (result.exit_code, result.output)
    assert message in result.output, result.output
    assert "Traceback" not in result.output and result.exception is None or isinstance(result.exception, SystemExit)


def test_a_real_process_reports_mistakes_without_traceback(files, tmp_path):
    bad = write(tmp_path, "bad.txt", "h(X) :- f(X")
    for arguments, code, message in [
        (["train", bad, files["examples"]], 1, "bad.txt:1:12"),
        (["train", files["template"], files["examples"], "--profile", "nope"], 2, "Invalid value for '--profile'"),
        (["frobnicate"], 2, "No such command"),
    ]:
        proc = subprocess.run([sys.executable, "-m", "neuralogic_lite.cli", *map(str, arguments)],
                              capture_output=True, text=True, cwd=ROOT)
        assert proc.returncode == code, proc.stderr
        assert message in proc.stderr and "Traceback" not in proc.stderr
    proc = subprocess.run([sys.executable, "-m", "neuralogic_lite.cli", "train", str(files["template"]),
                           str(files["examples"]), "--epochs", "2", "--quiet"], capture_output=True, text=True)
    assert proc.returncode == 0 and "accuracy" in proc.stdout, proc.stderr


def test_help_of_every_command_has_an_example():
    for command in main.commands:
        result = run(command, "--help")
        assert result.exit_code == 0 and "Example" in result.output, command


def test_every_subcommand_runs_as_a_real_process(files, tmp_path):
    out = tmp_path / "run"
    calls = [
        ["check", files["template"], files["examples"]],
        ["ground", files["template"], files["examples"], "--json"],
        ["eval", files["template"], files["examples"], "--json"],
        ["train", files["template"], files["examples"], "--epochs", "3", "--out", out, "--quiet"],
        ["predict", out / "model.txt", files["examples"], "--csv"],
        ["draw", files["template"], files["examples"], "--sample", "1"],
        ["zoo", "graphlets"],
        ["datasets", "xor", "--out", tmp_path / "xor"],
        ["convert", "csv", *(write(tmp_path, f"{name}.csv", text) for name, text in (
            ("edges", "graph_id,source,target\ng,a,b\n"), ("nodes", "graph_id,node,type\ng,a,C\ng,b,O\n"),
            ("labels", "graph_id,label\ng,0\n"))), "--out", tmp_path / "csv"],
    ]
    for arguments in calls:
        proc = subprocess.run([sys.executable, "-m", "neuralogic_lite.cli", *map(str, arguments)],
                              capture_output=True, text=True, cwd=ROOT)
        assert proc.returncode == 0, (arguments, proc.stderr)
        assert proc.stdout and "Traceback" not in proc.stderr, arguments
    assert "digraph" in subprocess.run([sys.executable, "-m", "neuralogic_lite.cli", "draw", str(files["template"]),
                                        str(files["examples"])], capture_output=True, text=True).stdout


def test_ctrl_c_keeps_the_best_model_and_writes_the_results(files, tmp_path):
    """SIGINT in the middle of training: a clean exit (130), the results so far on disk."""
    import signal
    import time
    out = tmp_path / "run"
    warm = [sys.executable, "-m", "neuralogic_lite.cli", "train", str(files["template"]), str(files["examples"]),
            "--epochs", "1", "--quiet"]
    assert subprocess.run(warm, capture_output=True).returncode == 0   # compiled kernels in numba's cache
    # a shell that starts the test run in the background ignores SIGINT in it, and the child
    # would inherit that: give it Ctrl-C's usual meaning
    proc = subprocess.Popen([sys.executable, "-m", "neuralogic_lite.cli", "train", str(files["template"]),
                             str(files["examples"]), "--epochs", "100000000", "--out", str(out), "--quiet"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    try:
        time.sleep(8)   # past the imports and the first epochs
        proc.send_signal(signal.SIGINT)
        stdout, stderr = proc.communicate(timeout=120)
    finally:
        proc.kill()   # no runaway training if the signal went unheard
    assert proc.returncode == 130, stderr
    assert "interrupted" in stderr and "Traceback" not in stderr
    results = json.loads((out / "results.json").read_text())
    assert results["stopped"] == "interrupted" and results["history"]
    assert (out / "model.txt").is_file() and "train" in stdout
