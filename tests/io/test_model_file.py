"""The model format: learned values written in place, read back exactly by us and by the reference."""
from __future__ import annotations

import numpy as np
import pytest
from reference import run_reference

from neuralogic_lite import load_samples, parse_samples
from neuralogic_lite.errors import NeuraLogicLiteError
from neuralogic_lite.model import Model
from neuralogic_lite.settings import profile

from support import SHARED

TEMPLATES = SHARED / "relational/molecules/mutagenesis/templates"
TEST_SPLIT = SHARED / "relational/molecules/mutagenesis/splits/testExamples.txt"
SMALL = ("{3,2} h(X) :- {2,2} f(X), {2} s(X), {2}. [activation=sigmoid]\n"
         "{1,3} out :- h(X), {1,1} s(X). [aggregation=max]\n"
         "$w=0.5 g :- out.\n"
         "out/0 {1}\n")
DATA = ("1 g :- <[1.0, 2.0]> f(1), <0.5> s(1), <[0.5, -1.0]> f(2), <-0.2> s(2).\n"
        "0 g :- <[0.1, 0.3]> f(1), <1.5> s(1).")


def raw_outputs(model, built):
    return built.network.outputs(built.parameters(model.values))


def test_save_and_load_give_the_same_model(tmp_path):
    model = Model.from_text(SMALL, profile("neuralogic", epochs=5))
    samples = parse_samples(DATA)
    model.fit(samples)
    before = model.predict(samples)
    text, npz = model.save(tmp_path / "model.txt")
    assert npz.name == "model.txt.npz"
    again = Model.load(text)
    assert again.settings == model.settings
    np.testing.assert_array_equal(again.values, model.values)
    for a, b in zip(before, again.predict(samples)):
        np.testing.assert_array_equal(a, b)
    # the text alone carries every learned value, to the last bit
    text_only = Model.from_file(tmp_path / "model.txt", model.settings)
    np.testing.assert_array_equal(text_only.values, model.values)


def test_numbers_are_written_as_the_reference_lexes_floats(tmp_path):
    """repr gives '1e-05'; the reference's FLOAT needs a '.' before the exponent."""
    model = Model.from_text("{2,1} out :- f.\n", profile("neuralogic"))
    model.values[:] = [1e-05, 1e+16]
    text, _ = model.save(tmp_path / "model.txt")
    written = text.read_text()
    assert "1.0e-05" in written and "1.0e+16" in written and " 1e" not in written
    np.testing.assert_array_equal(Model.from_file(text, model.settings).values, model.values)


def test_a_parameter_file_of_another_template_is_refused(tmp_path):
    model = Model.from_text(SMALL, profile("neuralogic"))
    model.save(tmp_path / "model.txt")
    (tmp_path / "model.txt").write_text("{2} out :- s(X).")
    with pytest.raises(NeuraLogicLiteError, match="do not belong together"):
        Model.load(tmp_path / "model.txt")


@pytest.fixture(scope="module")
def exported(tmp_path_factory, shared):
    """Models trained briefly under two profiles, exported, with our raw outputs."""
    out = {}
    samples = load_samples(TEST_SPLIT)
    for name, template, settings in [
        ("gnn_neuralogic", TEMPLATES / "template_gnn.txt", profile("neuralogic", epochs=2, learning_rate=0.01)),
        ("crosssum_pyneuralogic", TEMPLATES / "template.txt",
         profile("pyneuralogic", epochs=2, learning_rate=0.001, optimizer="sgd")),
        ("tiny_values", TEMPLATES / "template_gnn.txt", profile("neuralogic", epochs=1)),
    ]:
        model = Model.from_file(template, settings.replace(lift="none", prune="off"))
        built = model.build(samples)
        model.fit(built)
        if name == "tiny_values":    # values Python writes with an exponent and no '.' (1e-05)
            model.values[:4] = [1e-05, -2.5e-07, 3e-20, 1e+16]
        path = tmp_path_factory.mktemp(name) / "model.txt"
        model.save(path)
        out[name] = (path, raw_outputs(model, built))
    return out


def test_the_reference_reads_our_models_and_gets_our_outputs(exported, oracle_installed):
    cases = [{"name": name, "template": str(path), "examples": str(TEST_SPLIT), "queries": None}
             for name, (path, _) in exported.items()]
    for result in run_reference(cases):
        assert result["error"] is None, result["error"]
        ours = exported[result["name"]][1]
        assert len(result["outputs"]) == len(ours)
        for a, b in zip(ours, result["outputs"]):
            np.testing.assert_allclose(np.ravel(a), np.ravel(b), rtol=0, atol=1e-9)
