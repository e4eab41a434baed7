"""``@embed_x`` rules: one learnable vector per ground atom, kept by the model across sample sets."""
from __future__ import annotations

import numpy as np

from neuralogic_lite import parse_samples
from neuralogic_lite.model import Model
from neuralogic_lite.settings import profile

TEMPLATE = "{3} @embed_nation(X) :- nation(X).\n{1,3} likes(X, Y) :- embed_nation(X), embed_nation(Y).\n"
EXAMPLE = "nation(usa), nation(cuba), nation(china)."
QUERIES = "1 likes(usa, cuba).\n0 likes(usa, china).\n1 likes(cuba, china).\n0 likes(china, china)."


def test_one_learnable_vector_per_ground_atom(tmp_path):
    model = Model.from_text(TEMPLATE, profile("neuralogic", epochs=200, learning_rate=0.05))
    built = model.build(parse_samples(EXAMPLE, QUERIES))
    assert sorted(built.graph.weights.embeddings.values()) == [
        "embed_nation(china)", "embed_nation(cuba)", "embed_nation(usa)"]
    assert built.graph.sample_sizes().tolist() == [4, 4, 4, 3]   # atom, aggregation, rule, shared facts
    model.fit(built)
    outputs = [float(o[0]) for o in model.predict(built)]
    assert outputs[0] > 0.9 and outputs[1] < 0.1 and outputs[2] > 0.9 and outputs[3] < 0.1
    # the learned vectors carry over to a new sample set and through save/load
    again = parse_samples(EXAMPLE, "1 likes(usa, cuba).")
    assert float(model.predict(again)[0][0]) == outputs[0]
    model.save(tmp_path / "model.txt")
    loaded = Model.load(tmp_path / "model.txt")
    np.testing.assert_array_equal(loaded.embeddings["embed_nation(usa)"], model.embeddings["embed_nation(usa)"])
    assert float(loaded.predict(again)[0][0]) == outputs[0]
