"""``--workers`` and ``--scheduler`` on the command line: the same results as in one process,
shards saved by ``ground --save`` and trained from, and clean errors."""
from __future__ import annotations

import json
import time

import pytest
from click.testing import CliRunner

from neuralogic_lite.cli import main

from support import ROOT, unavailable

GCN = (ROOT / "templates/gcn.txt", ROOT / "datasets/molecules/examples.txt")


@pytest.fixture(autouse=True)
def dask_installed():
    try:
        import distributed  # noqa: F401
    except ImportError:   # pragma: no cover - the test extra installs Dask
        unavailable("Dask is not installed (pip install '.[dask]')")


def run(*args) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, [str(a) for a in args])
    return result.exit_code, result.stdout, result.output


TRAIN = ("--epochs", "3", "--batch-size", "16", "--quiet", "--json", "--select-every", "0")


def test_train_on_two_workers_reports_what_one_process_does(tmp_path):
    code, alone, _ = run("train", *GCN, *TRAIN)
    assert code == 0
    code, spread, output = run("train", *GCN, *TRAIN, "--workers", "2", "--out", tmp_path / "run")
    assert code == 0, output
    alone, spread = json.loads(alone)["runs"][0], json.loads(spread)["runs"][0]
    assert spread["metrics"]["train"]["loss"] == pytest.approx(alone["metrics"]["train"]["loss"], abs=1e-12)
    assert [h["loss"] for h in spread["history"][1:]] == pytest.approx([h["loss"] for h in alone["history"][1:]],
                                                                       abs=1e-12)
    assert spread["sizes"]["train"]["samples"] == 100 and spread["sizes"]["train"]["shards"] == 2
    assert (tmp_path / "run" / "model.txt").is_file()
    code, predicted, output = run("predict", tmp_path / "run" / "model.txt", GCN[1], "--json", "--workers", "2")
    assert code == 0, output
    assert json.loads(predicted)["metrics"]["loss"] == pytest.approx(spread["metrics"]["train"]["loss"], abs=1e-12)


def test_ground_saves_shards_that_train_and_eval_read_back(tmp_path):
    code, grounded, output = run("ground", *GCN, "--workers", "2", "--save", tmp_path / "shards", "--json")
    assert code == 0, output
    assert "saved 2 shards to" in output
    here = json.loads(run("ground", *GCN, "--json")[1])
    assert json.loads(grounded)["samples"] == here["samples"]
    code, from_shards, output = run("train", GCN[0], tmp_path / "shards", *TRAIN, "--workers", "2")
    assert code == 0, output
    from_files = json.loads(run("train", *GCN, *TRAIN)[1])["runs"][0]
    assert json.loads(from_shards)["runs"][0]["metrics"]["train"]["loss"] == pytest.approx(
        from_files["metrics"]["train"]["loss"], abs=1e-12)
    code, evaluated, output = run("eval", GCN[0], tmp_path / "shards", "--workers", "2", "--json")
    assert code == 0, output
    assert len(json.loads(evaluated)["outputs"]) == 100


@pytest.mark.parametrize("arguments, message", [
    (("train", *GCN, "--xval", "2", "--workers", "2"), "--xval runs in this process only"),
    (("ground", *GCN, "--save", "shards"), "--save keeps shards built on a cluster"),
    (("train", *GCN, "--workers", "2", "--scheduler", "tcp://127.0.0.1:9"), "not both"),
    (("train", *GCN, "--workers", "0"), "0 is not in the range x>=1"),
    (("train", *GCN, "--negatives", "2", "--workers", "2"), "--negatives and --eval-ranking run in this process"),
])
def test_cluster_options_misused_exit_2(arguments, message):
    code, _, output = run(*arguments)
    assert code == 2 and message in output and "Traceback" not in output


def test_an_unreachable_scheduler_is_one_message_within_10_s():
    start = time.monotonic()
    code, _, output = run("train", *GCN, "--scheduler", "tcp://127.0.0.1:9", "--quiet")
    assert time.monotonic() - start < 10
    assert code == 1 and "cannot reach the Dask scheduler at tcp://127.0.0.1:9" in output
    assert "Traceback" not in output
    code, _, output = run("eval", *GCN, "--scheduler", "")
    assert code == 1 and "a scheduler is an address like tcp://host:8786" in output
