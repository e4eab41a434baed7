"""The zoo writes templates that parse, say what they are, and match the shipped templates/ files."""
from __future__ import annotations

import importlib.util
import re

import pytest

from neuralogic_lite import parse_template, zoo
from neuralogic_lite.errors import InputError, NeuraLogicLiteError
from neuralogic_lite.language import PredicateMetadata, Rule

from support import ROOT

MOLECULES = {"atom_types": ("c_22", "h_3", "n_38", "o_40"), "bond_types": ("b_1", "b_2", "b_7")}
KB = {"entities": ("ann", "bob", "carl"), "relations": ("parent", "sibling")}
KWARGS = {name: (KB if name in zoo.KB_MODELS else MOLECULES) for name in zoo.MODELS}


def _make_script():
    spec = importlib.util.spec_from_file_location("templates_make", ROOT / "templates" / "make.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("name", sorted(zoo.MODELS))
def test_every_model_writes_a_template_that_parses_and_round_trips(name):
    text = zoo.write(name, **KWARGS[name])
    template = parse_template(text)
    assert template.rules
    assert parse_template(str(template)) == template
    assert zoo.write(name, **KWARGS[name]) == text           # deterministic


@pytest.mark.parametrize("name", sorted(zoo.MODELS))
def test_every_template_opens_with_a_comment_block_naming_inputs_and_output(name):
    text = zoo.write(name, **KWARGS[name])
    block = re.match(r"(%[^\n]*\n)+", text).group(0)
    assert "Input" in block and "Output query" in block and f"zoo.{name}" in block


@pytest.mark.parametrize("name", ["gcn", "graphsage", "gin", "gatv2", "rgcn"])
def test_message_passing_layers_and_widths(name):
    template = parse_template(zoo.write(name, **MOLECULES, hidden=7, layers=4, activation="relu"))
    heads = {rule.head.name for rule in template.rules}
    assert {f"l{k}_embed" for k in range(1, 5)} <= heads and "l5_embed" not in heads
    assert all(rule.head.name != "atom_embed" or rule.head.weight.value.shape == (7, 1) for rule in template.rules)
    activations = {m.name: m.metadata.get("activation") for m in template.predicate_metadata}
    assert all(activations[f"l{k}_embed"] == "relu" for k in range(1, 5))
    readout = [rule for rule in template.rules if rule.head.name == "predict"]
    assert len(readout) == 1 and readout[0].head.weight.value.shape == (1, 7)


def test_gcn_shares_one_weight_between_neighbours_and_self_graphsage_does_not():
    def head_names(name):
        return [rule.head.weight.name for rule in parse_template(zoo.write(name, **MOLECULES, layers=1)).rules
                if rule.head.name == "l1_embed"]
    assert head_names("gcn") == ["l1_w", "l1_w"]
    assert head_names("graphsage") == [None, None]


def test_rgcn_has_one_relation_rule_per_bond_type_and_needs_bond_types():
    template = parse_template(zoo.rgcn(**MOLECULES, layers=2))
    for k in (1, 2):
        relations = [r for r in template.rules if r.head.name == f"l{k}_embed" and len(r.body) > 1]
        assert sorted(r.body[-1].name for r in relations) == sorted(MOLECULES["bond_types"])
        assert all(r.body[-1].hidden for r in relations)
    assert not any(r.head.name == "bond_embed" for r in template.rules)
    with pytest.raises(InputError, match="bond types"):
        zoo.rgcn(MOLECULES["atom_types"])


def test_without_bond_types_messages_carry_no_bond_embedding():
    template = parse_template(zoo.gin(MOLECULES["atom_types"], layers=1))
    assert not any(lit.name == "bond_embed" for rule in template.rules for lit in rule.body)


@pytest.mark.parametrize("combination, width", [("crosssum", 3 ** 5), ("sum", 3), ("concat", 15)])
def test_graphlets_readout_width_follows_the_combination(combination, width):
    template = parse_template(zoo.graphlets(**MOLECULES, combination=combination))
    (rule,) = [r for r in template.rules if r.head.name == "predict"]
    assert rule.head.weight.value.shape == (1, width)
    assert rule.metadata.get("combination") == combination
    assert rule.offset.fixed and rule.offset.value.data == (-5.0,)


def test_kb_scorers_embed_every_entity_and_relation():
    for name in ("distmult", "transe"):
        template = parse_template(zoo.write(name, **KB, dim=4))
        embedded = {(f.literal.name, str(f.literal.terms[0])) for f in template.facts}
        assert embedded == {("entity", e) for e in KB["entities"]} | {("relation", r) for r in KB["relations"]}
        assert all(f.literal.weight.value.shape == (4,) for f in template.facts)
        assert any(r.head.name == "predict" and r.head.arity == 3 for r in template.rules)
    template = parse_template(zoo.write("complex", **KB, dim=4))
    embedded = {(f.literal.name, str(f.literal.terms[0])) for f in template.facts}
    assert embedded == {(f"entity_{part}", e) for e in KB["entities"] for part in ("re", "im")} | \
        {(f"relation_{part}", r) for r in KB["relations"] for part in ("re", "im")}
    assert [r.head.name for r in template.rules] == ["predict"] * 4


@pytest.mark.parametrize("name, kwargs, error", [
    ("gcm", {}, "did you mean 'gcn'"),
    ("gcn", {"atom_types": ("c",), "width": 3}, "takes atom_types"),
    ("gcn", {"atom_types": ("c",), "hidden": 0}, "positive integer"),
    ("gcn", {"atom_types": ()}, "at least one atom type"),
    ("gcn", {"atom_types": ("C22",)}, "not a NeuraLogic name"),
    ("gcn", {"atom_types": ("c",), "activation": "tanhh"}, "did you mean 'tanh'"),
    ("gin", {"atom_types": ("c",), "aggregation": "product"}, "not a aggregation"),
    ("graphlets", {"atom_types": ("c",), "combination": "product"}, "combines the path"),
    ("distmult", {"entities": ("ann",), "relations": ()}, "at least one relation"),
])
def test_bad_arguments_are_clear_errors(name, kwargs, error):
    with pytest.raises(NeuraLogicLiteError, match=error):
        zoo.write(name, **kwargs)


def test_templates_folder_matches_make_py():
    made = _make_script().templates()
    assert set(made) == {"gcn.txt", "graphsage.txt", "gin.txt", "gatv2.txt", "rgcn.txt", "graphlets.txt",
                         "distmult.txt", "transe.txt", "complex.txt"}
    for file, text in made.items():
        assert (ROOT / "templates" / file).read_text(encoding="utf-8") == text, f"run python templates/make.py ({file})"


def test_shipped_templates_parse():
    for path in sorted((ROOT / "templates").glob("*.txt")):
        template = parse_template(path.read_text(encoding="utf-8"))
        assert any(isinstance(s, Rule) for s in template.statements), path.name
        assert all(not isinstance(s, PredicateMetadata) or s.arity is not None for s in template.statements)
