"""`nlite convert kb`: a KBC folder (tab-separated train/valid/test triples) to the knowledge-base
layout, names escaped reversibly, files that parse and ground under the zoo's DistMult, and
malformed input reported at its file and line."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from neuralogic_lite import load_samples
from neuralogic_lite.cli import main
from neuralogic_lite.datasets.kb_tsv import constant, name, read_kb_tsv
from neuralogic_lite.errors import InputError

TRAIN = "ann\tparent\tbob\nbob\t/people/sibling\tCarl O'Neil\n\nann\tparent\tbob\n"
VALID = "bob\tparent\tdan\r\n"
TEST = "ann\t_hypernym\t00260881\n"

EXAMPLES = ("% A knowledge base read from train.txt: 2 facts, 5 entities, 3 relations (all splits).  "
            "One example (knowledge-base mode).\n"
            "% Names that are not NeuraLogic names are escaped as q_... (neuralogic_lite.datasets.kb_tsv).\n"
            "parent(ann, bob), q__2f_people_2f_sibling(bob, q_Carl_20_O_27_Neil).\n")
QUERIES = ("% Link prediction: the triples of train.txt, each with target 1.0.\n"
           "1.0 predict(ann, parent, bob).\n"
           "1.0 predict(bob, q__2f_people_2f_sibling, q_Carl_20_O_27_Neil).\n")
VAL_QUERIES = "% Link prediction: the triples of valid.txt, each with target 1.0.\n1.0 predict(bob, parent, dan).\n"
TEST_QUERIES = ("% Link prediction: the triples of test.txt, each with target 1.0.\n"
                "1.0 predict(ann, q__5f_hypernym, q_00260881).\n")


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def kb_folder(tmp_path: Path, **files: str) -> Path:
    folder = tmp_path / "kb"
    folder.mkdir()
    for split, text in files.items():
        (folder / f"{split}.txt").write_text(text, encoding="utf-8", newline="")
    return folder


def test_a_tiny_folder_converts_to_the_expected_text(tmp_path):
    folder = kb_folder(tmp_path, train=TRAIN, valid=VALID, test=TEST)
    result = run("convert", "kb", folder, "--out", tmp_path / "out")
    assert result.exit_code == 0, result.output
    assert "2 train, 1 valid, 1 test triples, 5 entities, 3 relations" in result.output
    out = tmp_path / "out"
    assert sorted(p.name for p in out.iterdir()) == ["examples.txt", "queries.txt", "testQueries.txt",
                                                     "valQueries.txt"]
    assert (out / "examples.txt").read_text() == EXAMPLES
    assert (out / "queries.txt").read_text() == QUERIES
    assert (out / "valQueries.txt").read_text() == VAL_QUERIES
    assert (out / "testQueries.txt").read_text() == TEST_QUERIES


def test_the_output_parses_and_grounds_under_zoo_distmult(tmp_path):
    folder = kb_folder(tmp_path, train=TRAIN, test=TEST)
    out = tmp_path / "out"
    assert run("convert", "kb", folder, "--out", out).exit_code == 0
    assert not (out / "valQueries.txt").exists()          # no valid.txt: no validation queries
    samples = load_samples(out / "examples.txt", out / "queries.txt")
    assert len(samples) == 2 and len({id(s.example) for s in samples}) == 1
    assert len(samples[0].example.facts) == 2 and [s.query.target.data for s in samples] == [(1.0,), (1.0,)]
    triples = read_kb_tsv(folder)
    entities = ",".join(constant(e) for e in triples.entities())
    relations = ",".join(constant(r) for r in triples.relations())
    template = run("zoo", "distmult", "--entities", entities, "--relations", relations, "--dim", "3")
    assert template.exit_code == 0, template.output
    (tmp_path / "template.txt").write_text(template.output)
    for queries in ("queries.txt", "testQueries.txt"):
        result = run("ground", tmp_path / "template.txt", out / "examples.txt", out / queries, "--json")
        assert result.exit_code == 0, result.output
        assert json.loads(result.output)


@pytest.mark.parametrize("text, line, problem", [
    ("a\tr\tb\na\tr\n", 2, "2 tab-separated field(s)"),
    ("a\tr\tb\tc\n", 1, "4 tab-separated field(s)"),
    ("a r b\n", 1, "1 tab-separated field(s)"),
    ("\n\na\t\tb\n", 3, "an empty relation"),
])
def test_a_malformed_line_is_an_error_naming_file_and_line(tmp_path, text, line, problem):
    folder = kb_folder(tmp_path, train="x\ty\tz\n", valid=text)
    result = run("convert", "kb", folder, "--out", tmp_path / "out")
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert f"valid.txt:{line}: " in result.output and problem in result.output
    assert not (tmp_path / "out").exists()                 # nothing written before the input is read


@pytest.mark.parametrize("files, message", [
    ({"valid": VALID, "test": TEST}, "has no train.txt"),
    ({"train": "\n\n"}, "holds no triples"),
])
def test_train_txt_is_required_and_not_empty(tmp_path, files, message):
    with pytest.raises(InputError, match=message):
        read_kb_tsv(kb_folder(tmp_path, **files))
    result = run("convert", "kb", tmp_path / "kb", "--out", tmp_path / "out")
    assert result.exit_code == 1 and message in result.output


def test_convert_kb_takes_one_folder(tmp_path):
    result = run("convert", "kb", tmp_path / "nowhere", "--out", tmp_path / "out")
    assert result.exit_code == 1 and "not a directory" in result.output
    result = run("convert", "kb", tmp_path, tmp_path, "--out", tmp_path / "out")
    assert result.exit_code == 1 and "takes one folder" in result.output


@pytest.mark.parametrize("raw, escaped", [
    ("ann", "ann"), ("has_part", "has_part"), ("a-b", "a-b"), ("Ann", "q_Ann"), ("q_x", "q_q_5f_x"),
    ("/m/027rn", "q__2f_m_2f_027rn"), ("é", "q__e9_"), ("", "q_"), ("1", "q_1"),
])
def test_names_escape_as_documented(raw, escaped):
    assert constant(raw) == escaped and name(escaped) == raw


@given(st.text(st.characters(blacklist_categories=("Cs",)), max_size=12))
def test_every_name_escapes_to_a_neuralogic_name_and_back(raw):
    escaped = constant(raw)
    assert name(escaped) == raw
    assert escaped[:1].islower() and escaped.isascii()
    assert escaped.replace("_", "a").replace("-", "a").isalnum()


@given(st.text(max_size=6), st.text(max_size=6))
def test_escaping_is_one_to_one(a, b):
    assert (constant(a) == constant(b)) == (a == b)
