"""The façade: a template is read explicitly (``from_file``, ``from_text``, or a ``Template``);
``Model.build`` leaves the model as it was; ``fit`` is where it changes."""
from __future__ import annotations

import copy

import numpy as np
import pytest

from neuralogic_lite import parse_samples, parse_template
from neuralogic_lite.errors import NeuraLogicLiteError
from neuralogic_lite.language.symbols import PREDICATES
from neuralogic_lite.model import Model
from neuralogic_lite.settings import profile

TEMPLATE = "{1,2} h(X) :- {2,2} f(X).\n{1,1} out :- h(X).\n"
DATA = "1 out :- <[1.0, 0.5]> f(a).\n0 out :- <[-0.5, 0.2]> f(b)."


def _state(model: Model) -> dict:
    return copy.deepcopy({k: v for k, v in vars(model).items() if k != "template"})


def _equal(a, b) -> bool:
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_equal(a[k], b[k]) for k in a)
    if isinstance(a, (tuple, list)):
        return len(a) == len(b) and all(_equal(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, np.ndarray):
        return np.array_equal(a, b)
    return a == b


def test_build_leaves_the_model_as_it_was():
    model = Model.from_text(TEMPLATE, profile("neuralogic", epochs=2))
    before = _state(model)
    built = model.build(parse_samples(DATA))
    assert _equal(_state(model), before)
    assert built.loss.logits and {PREDICATES[p][0] for p in built.identity_outputs} == {"out"}


def test_fit_takes_over_what_the_build_decided(tmp_path):
    model = Model.from_text(TEMPLATE, profile("neuralogic", epochs=2))
    built = model.build(parse_samples(DATA))
    model.fit(built)
    assert model.loss == built.loss and model.identity_outputs == built.identity_outputs
    text, _ = model.save(tmp_path / "model.txt")
    assert "out/0 [activation=identity" in text.read_text()


def test_a_template_from_a_file_from_text_or_parsed(tmp_path):
    path = tmp_path / "t.txt"
    path.write_text(TEMPLATE)
    models = [Model.from_file(path, epochs=3), Model.from_file(str(path), epochs=3),
              Model.from_text(TEMPLATE, epochs=3), Model(parse_template(TEMPLATE), profile(epochs=3))]
    for model in models:
        assert model.template == models[-1].template and model.settings.epochs == 3


@pytest.mark.parametrize("given", [TEMPLATE, "templates/xor.txt"])
def test_a_string_alone_is_refused_not_guessed(given):
    with pytest.raises(NeuraLogicLiteError, match=r"Model.from_file\(path\).*Model.from_text\(text\)"):
        Model(given)
