"""nlite train on a knowledge base: --negatives, --corrupt, --eval-ranking, and the metrics shown."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from click.testing import CliRunner

from neuralogic_lite.cli import main

from support import ROOT

FAMILY = ROOT / "datasets" / "family"


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def test_negatives_and_ranking_reach_the_table_and_results_json(tmp_path: Path):
    test = tmp_path / "test.txt"
    lines = [line for line in (FAMILY / "link_queries.txt").read_text().splitlines() if line.startswith("1.0")]
    test.write_text("\n".join(line.split("  ")[0] for line in lines[::4]) + "\n")
    result = run("train", ROOT / "templates" / "distmult.txt", FAMILY / "examples.txt", FAMILY / "link_queries.txt",
                 "--negatives", "4", "--corrupt", "tail", "--eval-ranking", "--test-examples",
                 FAMILY / "examples.txt", "--test-queries", test, "--epochs", "20", "--lr", "0.05",
                 "--batch-size", "4", "--out", tmp_path / "run", "--quiet")
    assert result.exit_code == 0, result.output
    header = result.output.splitlines()[0].split()
    assert header == ["loss", "mrr", "hits@1", "hits@3", "hits@10"]
    data = json.loads((tmp_path / "run" / "results.json").read_text())
    assert data["settings"]["negatives"] == 4 and data["settings"]["corrupt"] == "tail"
    metrics = data["metrics"]["test"]
    assert set(metrics) == {"mrr", "hits@1", "hits@3", "hits@10"}
    assert 0 < metrics["mrr"] <= 1 and metrics["hits@1"] <= metrics["hits@3"] <= metrics["hits@10"]
    assert len(data["history"]) == 21
    predictions = (tmp_path / "run" / "predictions.csv").read_text()
    assert predictions.count("\ntest,") == len(lines[::4])
    # the saved model, read back by the normal pipeline, scores the test triples as training left them
    again = run("predict", tmp_path / "run" / "model.txt", FAMILY / "examples.txt", test, "--csv")
    assert again.exit_code == 0, again.output
    ours = [float(row.split(",")[-1]) for row in predictions.splitlines()[1:]]
    theirs = [float(row.split(",")[-1]) for row in again.output.splitlines()[1:]]
    assert np.allclose(ours, theirs, rtol=0, atol=1e-12)


def test_bad_negatives_and_xval_are_usage_errors():
    args = ["train", ROOT / "templates" / "distmult.txt", FAMILY / "examples.txt", FAMILY / "link_queries.txt"]
    result = run(*args, "--negatives", "many")
    assert result.exit_code == 2 and "neither a whole number nor all" in result.output
    result = run(*args, "--negatives", "-3")
    assert result.exit_code == 2 and "negatives" in result.output
    result = run(*args, "--negatives", "2", "--xval", "3")
    assert result.exit_code == 2 and "--xval" in result.output
    result = run(*args, "--loss", "softmax")
    assert result.exit_code == 2 and "sampled negatives" in result.output
