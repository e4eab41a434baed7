"""Outputs, signals and reading what was saved, tried as a hostile user would (issue 17).

Every case runs ``nlite`` in a real process and checks the exit code, one message on stderr
without a traceback, and that nothing written earlier is lost or half-written.
"""
from __future__ import annotations

import csv
import errno
import io
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pytest

from neuralogic_lite import load_samples, parse_template
from neuralogic_lite.errors import OutputError
from neuralogic_lite.experiment import cross_validate
from neuralogic_lite.io import results
from neuralogic_lite.learning import metrics
from neuralogic_lite.model import Model
from neuralogic_lite.settings import profile

from support import ROOT

XOR = ["templates/xor.txt", "datasets/xor/examples.txt"]
ENDLESS = ["--epochs", "100000000", "--quiet"]


def nlite(*args, env: dict | None = None, timeout: float = 300) -> subprocess.CompletedProcess:
    """``nlite ARGS`` in a real process, from the repository root (so this checkout is tested)."""
    return subprocess.run([sys.executable, "-m", "neuralogic_lite.cli", *map(str, args)], capture_output=True,
                          text=True, cwd=ROOT, env=env, timeout=timeout)


def one_message(proc: subprocess.CompletedProcess, words: str, code: int) -> None:
    """Exit ``code``, no traceback, and ``words`` in the one error line on stderr."""
    assert proc.returncode == code, proc.stderr
    assert "Traceback" not in proc.stderr
    errors = [line for line in proc.stderr.splitlines() if line.lower().startswith("error:")]
    assert len(errors) == 1 and words in errors[0], proc.stderr


def interrupted(args, number: signal.Signals, before=None, wait: float = 8.0) -> subprocess.CompletedProcess:
    """Train with ``args`` and send signal ``number`` once training runs (``before()`` just before)."""
    assert nlite("train", *XOR, "--epochs", "1", "--quiet").returncode == 0    # kernels in numba's cache
    # a shell that starts the tests in the background ignores SIGINT in them: give it its usual meaning
    proc = subprocess.Popen([sys.executable, "-m", "neuralogic_lite.cli", "train", *map(str, args)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    try:
        time.sleep(wait)     # past the imports and into the epochs
        if before is not None:
            before()
        proc.send_signal(number)
        stdout, stderr = proc.communicate(timeout=120)
    finally:
        proc.kill()          # no runaway training if the signal went unheard
    return subprocess.CompletedProcess(proc.args, proc.returncode, stdout, stderr)


@pytest.fixture(scope="module")
def trained(tmp_path_factory) -> Path:
    """A run of ``nlite train --out``: its folder."""
    out = tmp_path_factory.mktemp("trained") / "run"
    proc = nlite("train", *XOR, "--epochs", "20", "--out", out, "--quiet")
    assert proc.returncode == 0, proc.stderr
    return out


def copy_model(trained: Path, to: Path) -> Path:
    for name in ("model.txt", "model.txt.npz"):
        shutil.copy(trained / name, to / name)
    return to / "model.txt"


# ----------------------------------------------------------------------------- --out, before and after training
@pytest.mark.parametrize("case", ["/dev/full", "a file", "under a file", "a read-only folder", "another run"])
def test_a_bad_out_fails_before_training(case, tmp_path):
    """An --out that cannot take the run is a usage error (exit 2) before any training, and
    an earlier run in it stays as it was."""
    if case == "a read-only folder" and os.geteuid() == 0:
        pytest.skip("root writes into read-only folders")
    out = {"/dev/full": Path("/dev/full"), "a file": tmp_path / "file", "under a file": tmp_path / "file" / "run",
           "a read-only folder": tmp_path / "locked", "another run": tmp_path / "run"}[case]
    (tmp_path / "file").write_text("mine\n")
    (tmp_path / "locked").mkdir(mode=0o555)
    (tmp_path / "run").mkdir()
    (tmp_path / "run" / "results.json").write_text("{}")
    proc = nlite("train", *XOR, *ENDLESS, "--out", out, timeout=120)   # training would never end
    assert proc.returncode == 2 and "Traceback" not in proc.stderr, proc.stderr
    assert re.search(r"Error: Invalid value for '--out': .*(not a folder|cannot write into|another run)",
                     proc.stderr), proc.stderr
    assert (tmp_path / "file").read_text() == "mine\n" and (tmp_path / "run" / "results.json").read_text() == "{}"


def test_overwrite_lets_a_run_replace_another(tmp_path):
    out = tmp_path / "run"
    out.mkdir()
    (out / "results.json").write_text("{}")
    proc = nlite("train", *XOR, "--epochs", "2", "--quiet", "--out", out, "--overwrite")
    assert proc.returncode == 0, proc.stderr
    assert json.loads((out / "results.json").read_text())["settings"]["epochs"] == 2


def test_a_write_that_fails_after_training_keeps_the_model_elsewhere(tmp_path):
    """The --out folder replaced by a file during training: the model and the results go to a
    temporary folder, the error says which (exit 1), and the file is untouched."""
    out = tmp_path / "run"

    def replace_by_a_file():
        shutil.rmtree(out)
        out.write_text("mine\n")

    proc = interrupted([*XOR, *ENDLESS, "--out", out], signal.SIGINT, replace_by_a_file)
    one_message(proc, "could not write the results", 1)
    rescue = Path(re.search(r"are in (\S+) instead", proc.stderr).group(1))
    try:
        assert (rescue / "model.txt").is_file() and (rescue / "model.txt.npz").is_file()
        assert json.loads((rescue / "results.json").read_text())["stopped"] == "interrupted"
        assert out.read_text() == "mine\n"
    finally:
        shutil.rmtree(rescue)


def test_a_full_disk_sends_the_results_to_a_temporary_folder_or_says_they_are_lost(tmp_path, monkeypatch):
    """Disk full at --out: a temporary folder instead; full there too: one error, no traceback."""
    written = []

    def write_results(directory, *rest):
        if directory == tmp_path or len(written) > 1:
            raise OSError(errno.ENOSPC, "No space left on device")
        written.append(directory)
        return []

    monkeypatch.setattr(results, "write_results", write_results)
    where, notes, why = results.write_results_somewhere(tmp_path, [], None, None)
    assert where == written[0] != tmp_path and why == "No space left on device"
    where.rmdir()
    written.append(where)
    before = set(Path(tempfile.gettempdir()).glob("nlite-run-*"))
    with pytest.raises(OutputError, match="nor to a temporary folder .* the trained model is lost"):
        results.write_results_somewhere(tmp_path, [], None, None)
    assert set(Path(tempfile.gettempdir()).glob("nlite-run-*")) == before      # no empty folder left


# ----------------------------------------------------------------------------- signals
def test_sigterm_keeps_the_best_model_like_ctrl_c(tmp_path):
    out = tmp_path / "run"
    proc = interrupted([*XOR, *ENDLESS, "--out", out], signal.SIGTERM)
    assert proc.returncode == 143, proc.stderr
    assert "interrupted by SIGTERM" in proc.stderr and "Traceback" not in proc.stderr
    assert json.loads((out / "results.json").read_text())["stopped"] == "interrupted"
    assert (out / "model.txt").is_file() and "train" in proc.stdout
    assert not [p for p in out.iterdir() if p.name.startswith(".")]      # no half-written temporary file


@pytest.mark.parametrize("number", [signal.SIGINT, signal.SIGTERM])
def test_one_signal_ends_a_whole_cross_validation(number, tmp_path):
    out = tmp_path / "run"
    proc = interrupted([*XOR, *ENDLESS, "--xval", "2", "--out", out], number)
    assert proc.returncode == 128 + number, proc.stderr
    assert "0 of 2 folds finished" in proc.stderr and "Traceback" not in proc.stderr
    summary = json.loads((out / "results.json").read_text())
    assert summary["folds"] == 2 and summary["finished_folds"] == 0
    assert (out / "fold_0" / "model.txt").is_file() and not (out / "fold_1").exists()


def test_cross_validation_stops_at_the_interrupted_fold_and_summarises_the_finished_ones():
    template = (ROOT / XOR[0]).read_text()
    samples = load_samples(ROOT / XOR[1])

    def ctrl_c_in_fold_1(fold, record):
        if fold == 1:
            raise KeyboardInterrupt

    reports, summary = cross_validate(parse_template(template), samples, profile("neuralogic", epochs=3), 3,
                                      ctrl_c_in_fold_1)
    assert [r.stopped for r in reports] == [None, "interrupted"]
    assert summary["test"]["mse"] == (reports[0].metrics["test"]["mse"], 0.0)


# ----------------------------------------------------------------------------- reading what was saved
@pytest.mark.parametrize("damage", ["empty npz", "truncated npz", "garbled npz", "no model.txt",
                                    "garbled model.txt"])
def test_predict_on_a_damaged_model_is_one_message(damage, trained, tmp_path):
    model = copy_model(trained, tmp_path)
    npz = tmp_path / "model.txt.npz"
    if damage == "empty npz":
        npz.write_bytes(b"")
    elif damage == "truncated npz":
        npz.write_bytes(npz.read_bytes()[:200])
    elif damage == "garbled npz":
        npz.write_bytes(b"PK\x03\x04" + b"\x00" * 100)
    elif damage == "no model.txt":
        model.unlink()
    else:
        model.write_text("hidden :- [0.5, a.\n")
    proc = nlite("predict", model, XOR[1])
    words = {"no model.txt": "model.txt", "garbled model.txt": "model.txt:1:"}.get(damage, "model.txt.npz")
    one_message(proc, words, 1)


def test_predict_with_a_plain_template_warns_that_its_weights_are_random():
    proc = nlite("predict", *XOR)
    assert proc.returncode == 0, proc.stderr
    assert "warning:" in proc.stderr and "weights are random" in proc.stderr


def test_predict_with_a_trained_model_gives_no_warning(trained):
    proc = nlite("predict", trained / "model.txt", XOR[1])
    assert proc.returncode == 0 and "warning" not in proc.stderr, proc.stderr


def test_predictions_csv_has_the_same_columns_from_train_and_predict(trained):
    saved = list(csv.reader(io.StringIO((trained / "predictions.csv").read_text())))
    proc = nlite("predict", trained / "model.txt", XOR[1], "--csv")
    assert proc.returncode == 0, proc.stderr
    printed = list(csv.reader(io.StringIO(proc.stdout)))
    assert printed[0] == saved[0] == ["set", "sample", "query", "target", "output"]
    assert [row[0] for row in printed[1:]] == ["predict"] * 4
    assert [row[1:] for row in printed[1:]] == [row[1:] for row in saved[1:]]   # the same model, the same data


def test_model_txt_is_readable_and_loads_back_exactly(trained):
    text = (trained / "model.txt").read_text()
    header = text.split("\n% XOR")[0]
    assert re.search(r"^% model written by neuralogic_lite \S+ on \d{4}-\d\d-\d\d \d\d:\d\d UTC$", header, re.M)
    assert re.search(r"^% kept: epoch \d+$", header, re.M) and re.search(r"^% train: loss \S+, mse", header, re.M)
    assert "epochs=20" in header and "seed=0" in header
    assert "% XOR with one hidden layer" in text and "% Input predicates" in text     # the template's comments
    model = Model.load(trained / "model.txt")
    text_only = Model.from_file(trained / "model.txt", model.settings)
    np.testing.assert_array_equal(text_only.values, model.values)


def test_a_model_saved_again_has_one_header_and_the_comments_once(tmp_path):
    Model.from_file(ROOT / XOR[0]).save(tmp_path / "model.txt")
    Model.load(tmp_path / "model.txt").save(tmp_path / "again.txt")
    text = (tmp_path / "again.txt").read_text()
    assert text.count("% model written by") == 1 and text.count("% XOR with one hidden layer") == 1


# ----------------------------------------------------------------------------- NaN outputs
def test_nan_outputs_make_the_metrics_nan(trained, tmp_path):
    weights = tmp_path / "nan.json"
    weights.write_text(json.dumps({"weights": {"0": [float("nan")] * 8}}))
    proc = nlite("eval", *XOR, "--weights", weights)
    assert proc.returncode == 0, proc.stderr
    assert "accuracy nan, best_accuracy nan" in proc.stdout
    model = copy_model(trained, tmp_path)
    with np.load(tmp_path / "model.txt.npz") as data:
        stored = dict(data)
    np.savez(tmp_path / "model.txt.npz", **{**stored, "values": np.full_like(stored["values"], np.nan)})
    proc = nlite("predict", model, XOR[1], "--json")
    assert proc.returncode == 0, proc.stderr
    assert set(json.loads(proc.stdout)["metrics"].values()) == {None}      # NaN in JSON


def test_summary_of_nan_outputs_is_nan_not_a_score():
    outputs = [np.array([np.nan])] * 4
    targets = [np.array([t]) for t in (0.0, 1.0, 1.0, 0.0)]
    report = metrics.summary(outputs, targets, True, float("nan"))
    assert set(report) >= {"accuracy", "best_accuracy", "auc"} and all(v != v for v in report.values())
    mrr, hits = metrics.ranking(outputs, targets, [0, 0, 0, 0])
    assert mrr != mrr and not hits


# ----------------------------------------------------------------------------- what `pip install .` brings
def test_without_matplotlib_the_run_says_how_to_get_the_learning_curve(tmp_path):
    hidden = tmp_path / "hide" / "matplotlib"
    hidden.mkdir(parents=True)
    (hidden / "__init__.py").write_text("raise ImportError('hidden for a test')\n")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(hidden.parent), str(ROOT)])}
    out = tmp_path / "run"
    proc = nlite("train", *XOR, "--epochs", "2", "--quiet", "--out", out, env=env)
    assert proc.returncode == 0, proc.stderr
    assert "pip install matplotlib" in proc.stderr and "neuralogic_lite[plot]" in proc.stderr
    assert not (out / "learning_curve.png").exists() and (out / "model.txt").is_file()
    assert "pip install matplotlib" in json.loads((out / "results.json").read_text())["notes"][0]


def test_draw_an_svg_without_graphviz_writes_the_dot_file(tmp_path):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "python").symlink_to(sys.executable)
    env = {**os.environ, "PATH": str(bin_dir)}          # no `dot` on it
    proc = nlite("draw", *XOR, "--out", tmp_path / "net.svg", env=env)
    one_message(proc, "needs Graphviz", 1)
    assert str(tmp_path / "net.dot") in proc.stderr and not (tmp_path / "net.svg").exists()
    assert (tmp_path / "net.dot").read_text().startswith("digraph")
