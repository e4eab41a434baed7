"""Hostile input to the parser: long lines, numbers out of range, unclosed comments, duplicate
ids and imports that leave the template's folder.  Each is one clear error with its place (on
the scanner's path and on Lark's alike)."""
from __future__ import annotations

import pytest

from neuralogic_lite import R, load_template, parse_samples, parse_template
from neuralogic_lite.errors import QUOTE_WIDTH, InputError, Location, ParseError, TemplateError, clip
from neuralogic_lite.language.facts import scan_statements
from neuralogic_lite.language.parser import parse_statements

READERS = [pytest.param(parse_statements, id="lark"), pytest.param(scan_statements, id="scanner")]


def error_of(read, text: str) -> ParseError:
    with pytest.raises(ParseError) as caught:
        read(text, "f.txt")
    return caught.value


# ----------------------------------------------------------------------------- long lines
def test_clip_keeps_the_column_in_view():
    line = "".join(f"a{i}(1), " for i in range(2000))
    for column in (1, 5000, len(line)):
        text, at = clip(line, column)
        assert len(text) <= QUOTE_WIDTH + 6 and text[at - 1] == line[column - 1]
    assert clip("short", 3) == ("short", 3)


def test_a_long_line_is_quoted_around_the_column():
    line = "x" * 5000 + ")" + "y" * 5000
    text, caret = Location("f.txt", 1, 5001, line).excerpt().split("\n")
    assert len(text) < 200 and text.strip().startswith("...") and text.endswith("...")
    assert text[caret.index("^")] == ")"


@pytest.mark.parametrize("read", READERS)
def test_a_syntax_error_on_a_10_kb_line_quotes_a_little(read):
    line = "1 q :- " + ", ".join(f"a{i}(1)" for i in range(2000)) + " ) b.\n"
    message = str(error_of(read, "a(1).\n" + line))
    assert message.startswith("f.txt:2:") and len(message) < 500


def test_a_huge_token_is_not_quoted_whole():
    message = str(error_of(parse_statements, "a(1) " + "x" * 20000 + "."))
    assert len(message) < 800


# ----------------------------------------------------------------------------- numbers
@pytest.mark.parametrize("read", READERS)
@pytest.mark.parametrize("text, column", [
    ("1e400 q :- a(1).", 1),                      # a label
    ("1 q :- <1e400> a(1).", 9),                  # a fact value
    ("1 q :- [1, -1e400] a(1).", 12),             # in a value vector
    ("1 q :- 2e39 a(1).", 8),                     # finite in float64, infinite as a float32
    ("1 q :- " + "9" * 50 + " a(1).", 8),         # an integer
    ("q :- a(1). [offset=1e400]", 20),            # in metadata
])
def test_a_number_out_of_range_is_an_error_at_its_place(read, text, column):
    error = error_of(read, "a(1).\n" + text)
    assert (error.location.line, error.location.column) == (2, column)
    assert "out of range" in error.message


def test_numbers_in_range_and_constants_stay_as_they_were():
    (sample,) = parse_samples("3.4e38 q :- 1e-400 a(1e999).")
    assert sample.query.target.data == (3.4e38,)
    assert sample.example.facts[0].literal.weight.value.data == (0.0,)
    assert str(sample.example.facts[0].literal.terms[0]) == "1e999"


def test_a_template_weight_out_of_range():
    with pytest.raises(ParseError, match="out of range"):
        parse_template("h :- [[1, 2], [3, 1e400]] a.")


def test_the_python_builder_refuses_them_too():
    with pytest.raises(TemplateError, match="out of range"):
        R.a[[1, 1e39]]


# ----------------------------------------------------------------------------- comments
@pytest.mark.parametrize("read", READERS)
@pytest.mark.parametrize("text, line, column", [
    ("a(1).\n  /* never closed\nb(2).", 2, 3),
    ("a(1). /* outer /* inner */ still open\nb(2).", 1, 7),
    ("a(1). % /* a line comment hides it\n/*", 2, 1),
])
def test_an_unclosed_comment_is_an_error_at_its_start(read, text, line, column):
    error = error_of(read, text)
    assert (error.location.line, error.location.column) == (line, column) and "never closed" in error.message


def test_an_unclosed_comment_in_a_template_or_a_queries_file():
    with pytest.raises(ParseError, match="never closed"):
        parse_template("h :- a.\n/* the rest")
    with pytest.raises(ParseError, match="never closed"):
        parse_samples("e1 :- a.", "e1 :- 1 q. /* e2 :- 0 q.")


def test_closed_comments_still_hide_what_they_hold():
    assert len(parse_template("/* a /* nested */ comment */ h :- a. /* % */").rules) == 1


# ----------------------------------------------------------------------------- duplicate ids
def test_two_examples_with_one_id_name_both_lines():
    with pytest.raises(InputError) as caught:
        parse_samples("e1 :- a(1).\ne2 :- a(2).\ne1 :- a(3).", "e1 :- 1 q.", "ex.txt")
    error = caught.value
    assert (error.location.file, error.location.line) == ("ex.txt", 3) and "ex.txt:1:1" in error.message
    assert "'e1'" in error.message


def test_one_query_asked_twice_of_an_id_names_both_lines():
    with pytest.raises(InputError) as caught:
        parse_samples("e1 :- a(1).", "e1 :- 1 q(1).\ne1 :- 0 q(1).", "ex.txt", "qs.txt")
    assert caught.value.location.line == 2 and "qs.txt:1:1" in caught.value.message


def test_what_is_not_a_duplicate():
    assert len(parse_samples("e1 :- a(1).", "e1 :- 1 q(1).\ne1 :- 0 q(2), 1 r.")) == 3   # other queries
    assert len(parse_samples("1 q :- a(1).\n1 q :- a(1).")) == 2                       # unnamed examples
    assert len(parse_samples("a(1).\na(1).", "1 q.\n1 q.")) == 2                       # by position


# ----------------------------------------------------------------------------- imports
@pytest.fixture
def tree(tmp_path):
    """``tree/template.txt`` and a subfolder inside, ``outside/secret.txt`` beside it."""
    (tmp_path / "tree" / "sub").mkdir(parents=True)
    (tmp_path / "outside").mkdir()
    (tmp_path / "tree" / "sub" / "emb.txt").write_text("{2} e(1).\n")
    (tmp_path / "outside" / "secret.txt").write_text("password: hunter2\n")
    (tmp_path / "outside" / "ok.txt").write_text("{2} e(2).\n")
    return tmp_path


def template_at(tree, text: str):
    path = tree / "tree" / "template.txt"
    path.write_text(text + "\nh :- e(X).\n")
    return path


def test_imports_inside_the_folder_tree(tree):
    assert len(load_template(template_at(tree, "import ./sub/emb.txt")).facts) == 1


@pytest.mark.parametrize("line", ["import ../outside/ok.txt", "import {abs}", "import ./sub/../../outside/ok.txt"])
def test_imports_outside_the_folder_tree_are_refused(tree, line):
    path = template_at(tree, line.format(abs=tree / "outside" / "ok.txt"))
    with pytest.raises(InputError, match="outside the template's folder") as caught:
        load_template(path)
    assert caught.value.location.line == 1
    assert len(load_template(path, imports_anywhere=True).facts) == 1


def test_an_imported_file_that_is_not_a_template_is_never_quoted(tree):
    path = template_at(tree, "import ../outside/secret.txt")
    with pytest.raises(InputError) as caught:
        load_template(path, imports_anywhere=True)
    message = str(caught.value)
    assert "secret.txt" in message and "line 1, column 9" in message and "hunter2" not in message
    assert "password" not in message and caught.value.location.file == str(path)


def test_a_broken_file_two_imports_deep_is_named_itself(tree):
    (tree / "tree" / "sub" / "a.txt").write_text("import ./b.txt\n")
    (tree / "tree" / "sub" / "b.txt").write_text("h :- \n\n  oops(.\n")
    with pytest.raises(InputError) as caught:
        load_template(template_at(tree, "import ./sub/a.txt"))
    assert "b.txt: not a valid template at line 3, column 8" in caught.value.message
    assert caught.value.location.file.endswith("a.txt") and "oops" not in str(caught.value)


def test_text_templates_import_from_their_base(tree):
    base = tree / "tree"
    assert len(parse_template("import ./sub/emb.txt\nh :- e(X).", base=base).facts) == 1
    with pytest.raises(InputError, match="outside"):
        parse_template("import ../outside/ok.txt\nh :- e(X).", base=base)
