"""Graphviz drawings of one sample's network: well-formed DOT, readable labels, rendering."""
from __future__ import annotations

import re
import shutil
from pathlib import Path

import numpy as np
import pytest

from neuralogic_lite.builder import R, V, template
from neuralogic_lite.draw import render, to_dot
from neuralogic_lite.errors import InputError, NeuraLogicLiteError
from neuralogic_lite.language import load_samples, parse_samples
from neuralogic_lite.model import Model
from neuralogic_lite.settings import profile

ROOT = Path(__file__).resolve().parent.parent
_STRING = r'"(?:[^"\\]|\\.)*"'
_NODE = re.compile(rf"  n(\d+) \[label=({_STRING}), shape=\w+, fillcolor={_STRING}(, [\w]+=(?:{_STRING}|\w+))*\];")
_EDGE = re.compile(rf"  n(\d+) -> n(\d+)( \[label=({_STRING})\])?;")
_HEADER = re.compile(r"  (graph|node|edge) \[.*\];")


def parse_dot(text: str) -> tuple[dict[int, str], list[tuple[int, int, str | None]]]:
    """Check the DOT text line by line; return its node labels and edges."""
    lines = text.splitlines()
    assert lines[0] == "digraph network {" and lines[-1] == "}" and text.endswith("\n")
    nodes, edges = {}, []
    for line in lines[1:-1]:
        if m := _NODE.fullmatch(line):
            nodes[int(m.group(1))] = m.group(2)[1:-1].replace("\\n", "\n")
        elif m := _EDGE.fullmatch(line):
            edges.append((int(m.group(1)), int(m.group(2)), m.group(4)[1:-1] if m.group(4) else None))
        else:
            assert _HEADER.fullmatch(line), line
    assert all(a in nodes and b in nodes for a, b, _ in edges)
    return nodes, edges


@pytest.fixture(scope="module")
def family():
    model = Model.from_file(ROOT / "templates/family.txt", profile(lift="none", prune="off"))
    return model.build(load_samples(ROOT / "datasets/family/examples.txt", ROOT / "datasets/family/queries.txt"))


def test_dot_is_well_formed_and_labelled(family):
    text = to_dot(family, sample=0)
    nodes, edges = parse_dot(text)
    graph = family.graph
    support = graph.sample_neurons[graph.sample_start[0]:graph.sample_start[1]]
    assert sorted(nodes) == sorted(int(n) for n in support)
    assert len(edges) == sum(len(graph.inputs(n)) for n in support)
    labels = "\n".join(nodes.values())
    assert "weighted atom aunt(susan, peter)" in labels and "fact female(susan)" in labels
    assert "aunt(susan, peter) :-\nfemale(susan)." in labels       # rules: head and body on two lines
    assert [w for _, _, w in edges if w] == ["w0"]                   # the weight {1} of the first rule
    output_line = next(line for line in text.splitlines() if line.startswith(f"  n{int(graph.output[0])} ["))
    assert "peripheries=2" in output_line and "\\noutput" in output_line
    assert 'label="sample 0: aunt(susan, peter)' in text


def test_named_weights_shapes_and_kinds():
    model = Model.from_file(ROOT / "templates/gcn.txt", profile(lift="none", prune="off"))
    built = model.build(load_samples(ROOT / "datasets/molecules/examples.txt")[:1])
    text = to_dot(built)
    nodes, edges = parse_dot(text)
    assert {"l1_w 10x10", "l2_w 10x10", "l3_w 10x10"} <= {w for _, _, w in edges}
    assert any("10x1" in label for label in nodes.values())
    for shape in ("box", "ellipse", "hexagon"):
        assert f"shape={shape}" in text


def test_negation_neurons_and_escaped_quotes():
    t = template(R.h(V.X) <= (R.q(V.X), ~R.p(V.X)), R.out <= R.h(V.X))
    built = Model(t).build(parse_samples('1 out :- q("New York"), p("New York").'))
    nodes, _ = parse_dot(to_dot(built))
    assert "shape=invhouse" in to_dot(built)
    assert any('\\"New York\\"' in label for label in nodes.values())


def test_long_labels_are_capped():
    model = Model.from_file(ROOT / "templates/gcn.txt", profile(lift="none", prune="off"))
    built = model.build(load_samples(ROOT / "datasets/molecules/examples.txt")[:1])
    nodes, _ = parse_dot(to_dot(built, max_label=20))
    for label in nodes.values():
        assert all(len(line) <= 20 for line in label.replace('\\"', '"').split("\n"))
    assert any(line.endswith("…") for label in nodes.values() for line in label.split("\n"))


def test_merged_neurons_are_marked_only_when_known(family):
    assert "merged" not in to_dot(family)
    counts = np.ones(family.graph.neuron_count, np.int64)
    counts[int(family.graph.output[0])] = 3
    text = to_dot(family, merged=counts)
    assert text.count("×3 merged") == 1 and "penwidth=3" in text
    with pytest.raises(InputError, match="one count per neuron"):
        to_dot(family, merged=counts[:3])


def test_a_missing_sample_is_a_clear_error(family):
    with pytest.raises(InputError, match="no sample 99: the graph has 20 sample"):
        to_dot(family, sample=99)


def test_render_dot_and_svg(family, tmp_path):
    text = to_dot(family)
    assert render(text, tmp_path / "net.dot").read_text(encoding="utf-8") == text
    with pytest.raises(InputError, match="should end in .dot, .svg"):
        render(text, tmp_path / "net.jpeg")
    if shutil.which("dot"):
        svg = render(text, tmp_path / "net.svg")
        assert "<svg" in svg.read_text(encoding="utf-8")
    else:
        with pytest.raises(NeuraLogicLiteError, match="needs Graphviz's 'dot' program"):
            render(text, tmp_path / "net.svg")


def test_render_without_graphviz_is_a_clear_error(family, tmp_path, monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    with pytest.raises(NeuraLogicLiteError, match="needs Graphviz's 'dot' program, which is not installed"):
        render(to_dot(family), tmp_path / "net.png")
    assert not (tmp_path / "net.png").exists()
