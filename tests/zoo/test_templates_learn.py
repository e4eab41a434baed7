"""Every shipped template trains on a shipped or generated dataset, and the reference engine
computes the same outputs from it at the same weights."""
from __future__ import annotations

import numpy as np
import pytest
from reference import match_samples, run_reference

from neuralogic_lite import load_samples, load_template, parse_samples
from neuralogic_lite.datasets.molecules import generate
from neuralogic_lite.datasets.text import examples_text
from neuralogic_lite.model import Model
from neuralogic_lite.settings import profile

from support import ROOT, SHARED

MOLECULE_TEMPLATES = ["gcn", "graphsage", "gin", "gatv2", "rgcn", "graphlets"]
# template -> (examples, queries) under the project root; None: generated molecules
DATA = {name: None for name in MOLECULE_TEMPLATES}
DATA.update({"distmult": ("datasets/family/examples.txt", "datasets/family/link_queries.txt"),
             "transe": ("datasets/family/examples.txt", "datasets/family/link_queries.txt"),
             "complex": ("datasets/family/examples.txt", "datasets/family/link_queries.txt"),
             "family": ("datasets/family/examples.txt", "datasets/family/queries.txt"),
             "xor": ("datasets/xor/examples.txt", None)})


def test_every_shipped_template_is_covered():
    assert {p.stem for p in (ROOT / "templates").glob("*.txt")} == set(DATA)


def samples_for(name: str):
    if DATA[name] is None:
        return parse_samples(examples_text(generate(60, seed=1)))
    examples, queries = DATA[name]
    return load_samples(ROOT / examples, ROOT / queries if queries else None)


@pytest.mark.parametrize("name", sorted(DATA))
def test_the_loss_goes_down(name):
    settings = profile("neuralogic", epochs=8, learning_rate=0.01, select_every=0)
    model = Model.from_file(ROOT / "templates" / f"{name}.txt", settings)
    built = model.build(samples_for(name))
    result = model.fit(built)
    losses = [record["loss"] for record in result.history if "loss" in record]
    assert len(losses) == 8
    assert losses[-1] < losses[0], losses


MUTAGENESIS = "relational/molecules/mutagenesis/splits/testExamples.txt"


@pytest.fixture(scope="module")
def reference(shared, oracle_installed):
    cases = []
    for name, data in DATA.items():
        examples, queries = (str(SHARED / MUTAGENESIS), None) if data is None else \
            (str(ROOT / data[0]), str(ROOT / data[1]) if data[1] else None)
        cases.append({"name": name, "template": str(ROOT / "templates" / f"{name}.txt"), "examples": examples,
                      "queries": queries})
    return {r["name"]: (r, case) for r, case in zip(run_reference(cases), cases)}


@pytest.mark.parametrize("name", sorted(DATA))
def test_the_reference_agrees_at_its_weights(reference, name):
    ref, case = reference[name]
    assert ref["error"] is None, ref["error"]
    model = Model(load_template(case["template"]), profile("pyneuralogic", lift="none", prune="off"))
    model.load_state_dict(ref["weights"])
    built = model.build(load_samples(case["examples"], case["queries"]))
    pairs = match_samples(built.queries(), ref["queries"])
    assert [int(built.graph.sample_sizes()[i]) for i, _ in pairs] == [ref["neurons"][j] for _, j in pairs]
    outputs = built.network.outputs(built.parameters(model.values))
    for i, j in pairs:
        np.testing.assert_allclose(np.ravel(outputs[i]), np.ravel(ref["outputs"][j]), rtol=0, atol=1e-10)
