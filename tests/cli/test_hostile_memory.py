"""Templates too big for memory, in a real process: the weights or the grounding are estimated
before they are allocated, and the command stops with one message naming the rule and the
size, instead of being killed by the system.

Each process runs with its address space capped (a few GiB), so a guard that stops working
fails the test with a MemoryError instead of exhausting the machine."""
from __future__ import annotations

import os
import resource
import subprocess
import sys
from pathlib import Path

import pytest

from support import ROOT

CAP = 6 << 30   # bytes of address space a child may map: numba's and the guard's need, not the template's


def _capped() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (CAP, CAP))


def nlite(*args) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "neuralogic_lite.cli", *map(str, args)], cwd=ROOT, env=env,
                          capture_output=True, text=True, preexec_fn=_capped, timeout=600)


def assert_one_error(proc: subprocess.CompletedProcess, *expected: str) -> None:
    """Exit 1 and a single 'error:' message without a traceback, holding every ``expected`` text."""
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr and proc.stderr.startswith("error: "), proc.stderr
    assert proc.stderr.count("error:") == 1, proc.stderr
    for text in expected:
        assert text in proc.stderr, (text, proc.stderr)


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text)
    return path


def complete_graph(folder: Path, n: int) -> Path:
    """One example: the edge e(a, b) between every two of n constants (loops included)."""
    return write(folder, "graph.txt", "q :- " + ", ".join(f"e(c{i}, c{j})" for i in range(n) for j in range(n))
                 + ".\n")


def constants(folder: Path, n: int) -> Path:
    """One example: n(c) for n constants."""
    return write(folder, "nodes.txt", "q :- " + ", ".join(f"n(c{i})" for i in range(n)) + ".\n")


# ----------------------------------------------------------------------------- weights
@pytest.mark.parametrize("command", ["ground", "train"])
def test_a_weight_too_big_for_memory_stops_before_allocating(tmp_path, command):
    template = write(tmp_path, "template.txt", "{100000,100000} h(X) :- a(X).\n{1,100000} q :- h(X).\n")
    examples = write(tmp_path, "examples.txt", "1 q :- a(1), a(2).\n")
    extra = ["--epochs", "1", "--quiet", "--out", tmp_path / "run"] if command == "train" else []
    proc = nlite(command, template, examples, *extra)
    assert_one_error(proc, f"{template}:1:", "{100000,100000} h(X) :- a(X).", "10,000,000,000 values",
                     "GiB (320,000,000,000 bytes)", "--max-memory")
    assert not list((tmp_path / "run").glob("model.txt*")) and not (tmp_path / "run" / "results.json").exists()


# ----------------------------------------------------------------------------- grounding
def test_a_five_way_self_join_stops_at_the_join_that_explodes(tmp_path):
    """e complete over 60 constants: the cycles of length 5 pass through 60^4 paths of length 4."""
    template = write(tmp_path, "template.txt", "h :- e(A,B), e(B,C), e(C,D), e(D,E), e(E,A).\nq :- h.\n")
    proc = nlite("ground", template, complete_graph(tmp_path, 60), "--max-memory", "100M")
    assert_one_error(proc, f"{template}:1:1:", "h :- e(A,B), e(B,C), e(C,D), e(D,E), e(E,A).",
                     "12,960,000 substitutions at its literal e(C, D)", "(1,347,840,000 bytes)",
                     "memory limit of 100.0 MiB")


def test_a_body_of_unrelated_variables_stops_early(tmp_path):
    template = write(tmp_path, "template.txt", "h(A,B,C,D,E) :- n(A), n(B), n(C), n(D), n(E).\nq :- h(A,B,C,D,E).\n")
    proc = nlite("eval", template, constants(tmp_path, 60), "--max-memory", "100M")
    assert_one_error(proc, "h(A,B,C,D,E) :- n(A), n(B), n(C), n(D), n(E).", "12,960,000 substitutions",
                     "at its literal n(D)")


def test_the_default_limit_stops_a_cross_product_beyond_any_machine(tmp_path):
    """Without --max-memory the limit is half the physical memory: 10^10 substitutions of
    56 bytes exceed it on any machine this runs on."""
    template = write(tmp_path, "template.txt", "h(A,B) :- n(A), n(B).\nq :- h(A,B).\n")
    proc = nlite("draw", template, constants(tmp_path, 100_000))
    assert_one_error(proc, "10,000,000,000 substitutions at its literal n(B)", "(560,000,000,000 bytes)")


def test_a_head_variable_over_the_universe_is_bounded_too(tmp_path):
    template = write(tmp_path, "template.txt", "h(X, Y, Z) :- n(X).\nq :- h(X, Y, Z).\n")
    proc = nlite("ground", template, constants(tmp_path, 300), "--max-memory", "1M")
    assert_one_error(proc, "h(X, Y, Z) :- n(X).", "its head, whose variables unbound by the body range over "
                                                  "every constant")


def test_a_recursion_whose_rounds_fit_stops_when_its_table_does_not(tmp_path):
    """The paths of a chain of 300 edges: each semi-naive round is small, the table is not."""
    template = write(tmp_path, "template.txt", "path(X, Y) :- edge(X, Y).\npath(X, Y) :- edge(X, Z), path(Z, Y).\n"
                                               "q :- path(X, Y).\n")
    examples = write(tmp_path, "chain.txt", "q :- " + ", ".join(f"edge(c{i}, c{i + 1})" for i in range(300)) + ".\n")
    proc = nlite("ground", template, examples, "--max-memory", "500K")
    assert_one_error(proc, f"{template}:2:1:", "path(X, Y) :- edge(X, Z), path(Z, Y).", "atoms of path known",
                     "memory limit of 500.0 KiB")


# ----------------------------------------------------------------------------- the option
def test_a_limit_the_template_fits_in_changes_nothing(tmp_path):
    args = ["templates/xor.txt", "datasets/xor/examples.txt", "--json"]
    bounded, free = nlite("ground", *args, "--max-memory", "64M"), nlite("ground", *args)
    assert bounded.returncode == 0 and free.returncode == 0, bounded.stderr + free.stderr
    assert bounded.stdout.split('"timings_s"')[0] == free.stdout.split('"timings_s"')[0]


@pytest.mark.parametrize("value", ["lots", "0", "-4G", "4X"])
def test_a_bad_size_is_a_usage_error(value):
    proc = nlite("train", "templates/xor.txt", "datasets/xor/examples.txt", "--max-memory", value)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr, proc.stderr
    assert "Invalid value for '--max-memory'" in proc.stderr and "like 4G or 500M" in proc.stderr


# ----------------------------------------------------------------------------- values
@pytest.mark.parametrize("length", ["3000000000", "100000000000000000000"])
def test_a_sparse_value_too_big_for_memory_is_an_error_at_its_place(tmp_path, length):
    template = write(tmp_path, "template.txt", f"h :- [{length}|0:1] a.\npredict :- h.\n")
    examples = write(tmp_path, "examples.txt", "1 predict :- a.\n")
    assert_one_error(nlite("train", template, examples, "--epochs", "1"), f"{template}:1:7:",
                     "more than the memory limit")
