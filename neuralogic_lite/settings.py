"""Settings: every choice the pipeline makes, and the three profiles of SEMANTICS.md §4.

``Settings`` is frozen; ``profile(name, **changes)`` gives a profile with some fields changed.
Stages read only the fields they need.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from .errors import NeuraLogicLiteError


#: what neuron values and weights can be computed in
DTYPES = ("float64", "float32")


@dataclass(frozen=True)
class Settings:
    """What a template computes by default, how it is compressed, and how it is trained."""

    profile: str = "neuralogic"
    # functions used where the template says nothing
    atom_activation: str = "tanh"
    rule_activation: str = "tanh"
    aggregation: str = "avg"
    rule_combination: str = "sum"
    atom_combination: str = "sum"
    # numbers as written: the reference reads scalar literals as float32
    exact_literals: bool = False
    # grounding choices where the reference is arguably wrong
    duplicate_facts: str = "max"        # "max" | "first" (the reference)
    missing_queries: str = "error"      # "error" | "drop" (the reference, labelled examples)
    cycles: str = "error"               # "error" | "cut" (the reference: drop DFS back edges)
    # lifting
    lift: str = "structural"            # "none" | "structural" | "value"
    prune: str = "lossless"             # "off" | "lossless" | "reference"
    iso_decimals: int = 12
    iso_inits: int = 1
    batch_lift: bool = False            # also merge equal neurons across examples (for minibatches)
    # learning
    loss: str = "auto"                  # "auto" | "mse" | "bce" | "crossentropy"
    mse_factor: float = 1.0             # gradient of MSE: factor * (y - t); 2.0 in pyneuralogic
    output_logits: bool = True          # classification: the output neuron is made identity (BCE with logits)
    optimizer: str = "adam"             # "adam" | "sgd"
    learning_rate: float = 0.001
    epochs: int = 3000
    batch_size: int = 1
    shuffle: bool = True
    init: str = "uniform"               # "uniform" | "glorot" | "he" | "normal" | "constant"
    init_value: float = 0.1             # for init="constant"
    seed: int = 0
    select_every: int = 10              # model selection: keep the best of every k-th epoch (0: off)
    # execution
    threads: int = 0                    # BLAS threads for the planned products (0: the library's default)
    dtype: str = "float64"              # "float64" (the reference's) | "float32" (faster, for wide models)
    max_memory: int | str = 0           # bytes (or "4G") grounding and the weights may take (0: half the RAM)

    def replace(self, **changes) -> "Settings":
        unknown = set(changes) - {f.name for f in dataclasses.fields(self)}
        if unknown:
            raise NeuraLogicLiteError(f"unknown setting(s): {', '.join(sorted(unknown))}")
        return dataclasses.replace(self, **changes)


PROFILES: dict[str, Settings] = {
    # the Java CLI of the reference engine today
    "neuralogic": Settings(mse_factor=2.0),
    # the runs of the ICLR 2021 lifting paper
    "iclr2021": Settings(profile="iclr2021", atom_activation="sigmoid", rule_activation="sigmoid",
                         loss="mse", output_logits=False, learning_rate=0.01, epochs=1000),
    # PyNeuraLogic 0.9.2's Python defaults
    "pyneuralogic": Settings(profile="pyneuralogic", atom_activation="identity", rule_activation="identity",
                             loss="mse", mse_factor=2.0, output_logits=False, init="glorot", epochs=100,
                             shuffle=False, select_every=0),
}


def profile(name: str = "neuralogic", **changes) -> Settings:
    """The named profile, with ``changes`` applied."""
    if name not in PROFILES:
        raise NeuraLogicLiteError(f"unknown profile '{name}'; choose from {', '.join(PROFILES)}")
    return PROFILES[name].replace(**changes)
