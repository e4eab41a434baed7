"""``logit_outputs``: a classifier's output neurons become identity, unless the template states
their activation or the settings keep it."""
from __future__ import annotations

from neuralogic_lite import parse_samples, parse_template
from neuralogic_lite.grounding.ground import ground
from neuralogic_lite.language.symbols import PREDICATES
from neuralogic_lite.network.neuralize import logit_outputs, neuralize
from neuralogic_lite.ops import Op
from neuralogic_lite.settings import profile

SETTINGS = profile("neuralogic")     # atoms: tanh; output_logits on
RULES = "{1} out :- f(X).\n{1} other :- f(X).\n"


def _graph(text: str):
    template = parse_template(text)
    program = ground(template, parse_samples("f(a), f(b).", "1.0 out.\n0.0 other."))
    return neuralize(program, template, SETTINGS), template


def _activations(graph) -> dict[str, int]:
    return {PREDICATES[int(graph.origin[n, 0])][0]: int(graph.activation[n]) for n in graph.output}


def test_unstated_outputs_become_identity():
    graph, template = _graph(RULES)
    changed, predicates = logit_outputs(graph, template, SETTINGS, logits=True)
    assert _activations(changed) == {"out": Op.IDENTITY, "other": Op.IDENTITY}
    assert {PREDICATES[p][0] for p in predicates} == {"out", "other"}
    assert _activations(graph)["out"] != Op.IDENTITY      # the input graph is left as it was


def test_a_stated_activation_is_kept():
    graph, template = _graph(RULES + "out/0 [activation=tanh]\n")
    changed, predicates = logit_outputs(graph, template, SETTINGS, logits=True)
    assert _activations(changed) == {"out": Op.TANH, "other": Op.IDENTITY}
    assert {PREDICATES[p][0] for p in predicates} == {"other"}


def test_nothing_changes_without_logits_or_when_the_settings_say_no():
    graph, template = _graph(RULES)
    assert logit_outputs(graph, template, SETTINGS, logits=False) == (graph, frozenset())
    assert logit_outputs(graph, template, SETTINGS.replace(output_logits=False), logits=True) == (graph, frozenset())
