"""One sample's neural network as a Graphviz picture: "what did my template turn into?"

    text = to_dot(model.build(samples), sample=0)
    render(text, "sample0.svg")      # .dot always; .svg/.png/.pdf need Graphviz's `dot`

Neurons are labelled with their atom, rule or fact (``NeuralGraph.describe``) and their
functions; the kind is the shape and colour; edges carry the name of their weight.  Inputs
are drawn below the neurons that use them, so the query's output neuron is at the top.
"""
from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import numpy as np

from .errors import InputError, NeuraLogicLiteError, OutputError
from .network.graph import Kind, NeuralGraph
from .ops import Op

# kind -> (shape, fill colour): atoms are ellipses, rules boxes; weighted ones are darker
STYLE = {
    Kind.FACT: ("box", "#e8e8e8"),
    Kind.ATOM: ("ellipse", "#cfe2f3"),
    Kind.WEIGHTED_ATOM: ("ellipse", "#9fc5e8"),
    Kind.AGGREGATION: ("hexagon", "#fff2cc"),
    Kind.RULE: ("box", "#d9ead3"),
    Kind.WEIGHTED_RULE: ("box", "#b6d7a8"),
    Kind.NEGATION: ("invhouse", "#f4cccc"),
}
FORMATS = ("dot", "svg", "png", "pdf")


def _quote(text: str) -> str:
    """A DOT string literal (newlines become centred line breaks)."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def _cap(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:max(limit - 1, 1)] + "…"


def _wrap(text: str, kind: Kind) -> list[str]:
    """A description on a few short lines, so wide rules stay narrow: a rule's body under its
    head; an aggregation's atom and a negation's rule under what they are."""
    if kind is Kind.AGGREGATION:
        text = text.replace(" for ", "\nfor ", 1)
    elif kind is Kind.NEGATION:
        text = text.replace(" in ", "\nin ", 1)
    return text.replace(" :- ", " :-\n", 1).split("\n")


def _weight(graph: NeuralGraph, w: int) -> str:
    """An edge label: the weight's name, and its shape unless it is a scalar."""
    weights = graph.weights
    rows, cols = weights.rows[w], weights.cols[w]
    return weights.names[w] if rows * cols == 1 else f"{weights.names[w]} {rows}x{cols}"


def _functions(graph: NeuralGraph, n: int) -> str:
    """The second label line: what the neuron computes, its shape and bias."""
    kind = Kind(int(graph.kind[n]))
    parts = []
    if kind is Kind.AGGREGATION:
        parts.append(Op(int(graph.reducer[n])).name.lower())
    elif kind not in (Kind.FACT, Kind.NEGATION):
        parts.append(f"{Op(int(graph.activation[n])).name.lower()}({Op(int(graph.reducer[n])).name.lower()})")
    rows, cols = int(graph.rows[n]), int(graph.cols[n])
    if rows * cols != 1:
        parts.append(f"{rows}x{cols}")
    offset = int(graph.offset[n])
    if offset >= 0:
        weights = graph.weights
        if kind is Kind.FACT:
            initial = weights.initial[offset]
            fixed_scalar = not weights.learnable[offset] and initial is not None and np.size(initial) == 1
            parts.append(f"= {float(np.ravel(initial)[0]):g}" if fixed_scalar else weights.names[offset])
        else:
            parts.append(f"+ {weights.names[offset]}")
    return " ".join(parts)


def to_dot(built, sample: int = 0, *, max_label: int = 48, merged: np.ndarray | None = None,
           title: str | None = None) -> str:
    """Graphviz DOT text of sample ``sample``'s network in ``built`` (a ``Built`` or a ``NeuralGraph``).

    ``max_label`` caps each label line (longer atoms and rules end in '…').  ``merged`` gives,
    per neuron of the graph, how many neurons of the unlifted graph it stands for; by default
    it is the graph's own ``merged`` array when lifting recorded one, and nothing is marked
    otherwise.  Neurons standing for several are drawn bold with "×k".
    """
    graph: NeuralGraph = getattr(built, "graph", built)
    if not 0 <= sample < graph.sample_count:
        raise InputError(f"there is no sample {sample}: the graph has {graph.sample_count} "
                         f"sample(s), numbered from 0")
    if merged is None:
        merged = getattr(graph, "merged", None)
    if merged is not None and np.shape(merged) != (graph.neuron_count,):
        raise InputError(f"merged has shape {np.shape(merged)}; give one count per neuron ({graph.neuron_count})")
    neurons = graph.sample_neurons[graph.sample_start[sample]:graph.sample_start[sample + 1]]
    output = int(graph.output[sample])
    heading = title if title is not None else _title(built, graph, sample, neurons)
    lines = ["digraph network {",
             f"  graph [rankdir=BT, fontname=Helvetica, labelloc=t, label={_quote(_cap(heading, 2 * max_label))}];",
             "  node [fontname=Helvetica, fontsize=10, style=filled];",
             "  edge [fontname=Helvetica, fontsize=9, color=\"#555555\"];"]
    for n in (int(v) for v in neurons):
        kind = Kind(int(graph.kind[n]))
        shape, colour = STYLE[kind]
        label = [_cap(part, max_label) for part in _wrap(graph.describe(n), kind)] + [_cap(_functions(graph, n),
                                                                                            max_label)]
        attributes = [f"shape={shape}", f"fillcolor={_quote(colour)}"]
        count = int(merged[n]) if merged is not None else 1
        if count > 1:
            label.append(f"×{count} merged")
            attributes += ["penwidth=3", 'style="filled,bold"']
        if n == output:
            label.append("output")
            attributes.append("peripheries=2")
        text = "\n".join(part for part in label if part)
        lines.append(f"  n{n} [label={_quote(text)}, {', '.join(attributes)}];")
    for n in (int(v) for v in neurons):
        for e in range(int(graph.input_start[n]), int(graph.input_start[n + 1])):
            w = int(graph.edge_weight[e])
            label = f" [label={_quote(_cap(_weight(graph, w), max_label))}]" if w >= 0 else ""
            lines.append(f"  n{int(graph.edge_src[e])} -> n{n}{label};")
    lines.append("}")
    return "\n".join(lines) + "\n"


def _title(built, graph: NeuralGraph, sample: int, neurons: np.ndarray) -> str:
    queries = getattr(built, "queries", None)
    query = queries()[sample] if callable(queries) else f"sample {sample}"
    edges = int(sum(graph.input_start[n + 1] - graph.input_start[n] for n in neurons))
    return f"sample {sample}: {query} ({len(neurons)} neurons, {edges} edges)"


def render(dot_text: str, path: str | os.PathLike) -> Path:
    """Write ``dot_text`` to ``path``: as it is for ``.dot``, drawn by Graphviz's ``dot`` program for
    ``.svg``, ``.png`` or ``.pdf``.  Returns the path written.  Without Graphviz, the DOT text
    is written beside (``path`` with ``.dot``) and the error says so."""
    path = Path(path)
    fmt = path.suffix.lower().lstrip(".")
    if fmt not in FORMATS:
        raise InputError(f"cannot draw to '{path.name}': the file name should end in "
                         f"{', '.join('.' + f for f in FORMATS)}")
    if fmt == "dot":
        try:
            path.write_text(dot_text, encoding="utf-8")
        except OSError as error:
            raise OutputError(f"cannot write {path}: {error.strerror or error}") from None
        return path
    program = shutil.which("dot")
    if program is None:    # the drawing is not lost: its DOT text goes beside, for any Graphviz viewer
        dot_path = render(dot_text, path.with_suffix(".dot"))
        raise NeuraLogicLiteError(f"drawing a .{fmt} file needs Graphviz's 'dot' program, which is not installed "
                                  f"(e.g. 'apt install graphviz' or 'brew install graphviz'); wrote the DOT text "
                                  f"to {dot_path} instead")
    result = subprocess.run([program, f"-T{fmt}", "-o", str(path)], input=dot_text.encode("utf-8"),
                            capture_output=True)
    if result.returncode != 0:
        message = result.stderr.decode("utf-8", "replace").strip()
        raise NeuraLogicLiteError(f"Graphviz's dot could not draw {path}: {message}")
    return path
