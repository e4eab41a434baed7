"""Settings: every choice the pipeline makes, and the three profiles of docs/semantics.md ("Settings").

``Settings`` is frozen; ``profile(name, **changes)`` gives a profile with some fields changed.
Stages read only the fields they need.  A ``Settings`` is checked once, when it is made (or
replaced): a choice outside its list or a number outside its range is a ``SettingError``
that names the setting and what it accepts, so every stage can trust the fields.
"""
from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from numbers import Integral, Real

from .errors import NeuraLogicLiteError, SettingError, TemplateError
from .memory import memory_limit
from .ops import AGGREGATION, COMBINATION, TRANSFORMATION, lookup

# The values of each choice setting, defined once: the stages and the CLI's option lists read them.
DUPLICATE_FACTS = ("max", "first")
MISSING_QUERIES = ("error", "drop")
CYCLES = ("error", "cut")
LIFTS = ("none", "structural", "value")
PRUNE_MODES = ("off", "lossless", "reference")
LOSSES = ("auto", "mse", "bce", "softentropy", "crossentropy",   # softentropy: the reference's name of bce
          "softmax")   # softmax cross-entropy over a positive triple and its negatives (negatives mode only)
OPTIMIZERS = ("adam", "sgd")
INITIALIZERS = ("uniform", "glorot", "he", "normal", "constant")
DTYPES = ("float64", "float32")   # what neuron values and weights can be computed in
CORRUPTS = ("both", "tail", "head")   # which side of a triple a sampled negative replaces (kbc)

DEFAULT_PROFILE = "neuralogic"


@dataclass(frozen=True)
class Settings:
    """What a template computes by default, how it is compressed, and how it is trained."""

    profile: str = DEFAULT_PROFILE
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
    # knowledge-base completion (``kbc``, docs/kb.md): negatives per positive triple, drawn every epoch
    negatives: int | str = 0            # 0: off (every query as written) | K | "all" (every corruption)
    corrupt: str = "both"               # "both" | "tail" | "head"
    # execution
    threads: int = 0                    # BLAS threads for the planned products (0: the library's default)
    dtype: str = "float64"              # "float64" (the reference's) | "float32" (faster, for wide models)
    max_memory: int | str = 0           # bytes (or "4G") grounding and the weights may take (0: half the RAM)

    def __post_init__(self) -> None:
        for field in dataclasses.fields(self):
            value = getattr(self, field.name)
            problem = _problem(field.name, value)
            if problem is not None:
                raise SettingError(field.name, value, problem)
        if self.loss == "softmax" and self.negatives == 0:
            raise SettingError("loss", self.loss, "needs sampled negatives (negatives K or all): it is a softmax over "
                                                  "a positive triple and its negatives")

    def replace(self, **changes) -> "Settings":
        unknown = set(changes) - {f.name for f in dataclasses.fields(self)}
        if unknown:
            raise NeuraLogicLiteError(f"unknown setting(s): {', '.join(sorted(unknown))}")
        return dataclasses.replace(self, **changes)


#: the values each choice setting accepts
CHOICES: dict[str, tuple[str, ...]] = {
    "duplicate_facts": DUPLICATE_FACTS, "missing_queries": MISSING_QUERIES, "cycles": CYCLES, "lift": LIFTS,
    "prune": PRUNE_MODES, "loss": LOSSES, "optimizer": OPTIMIZERS, "init": INITIALIZERS, "dtype": DTYPES,
    "corrupt": CORRUPTS,
}
#: the role of each function setting, whose names are the ops' own (``ops.lookup``)
FUNCTIONS = {"atom_activation": TRANSFORMATION, "rule_activation": TRANSFORMATION, "aggregation": AGGREGATION,
             "rule_combination": COMBINATION, "atom_combination": COMBINATION}
#: the smallest value of each whole-number setting
MINIMUM = {"iso_decimals": 0, "iso_inits": 1, "epochs": 1, "batch_size": 1, "seed": 0, "select_every": 0,
           "threads": 0}
#: the real-number settings that must be positive, and those that only need to be finite
POSITIVE, FINITE = ("learning_rate", "mse_factor"), ("init_value",)


def _problem(name: str, value) -> str | None:
    """Why ``value`` cannot be the setting ``name`` (None: it can)."""
    if name in CHOICES and value not in CHOICES[name]:
        return f"must be one of {', '.join(CHOICES[name])}"
    if name in FUNCTIONS:
        try:
            lookup(str(value), FUNCTIONS[name])
        except TemplateError as error:   # its message: "unknown ... 'x'; did you mean 'y'?" or "...; known: ..."
            return f"must be a {FUNCTIONS[name]} function ({error.message.partition('; ')[2]})"
    if name in MINIMUM and (not isinstance(value, Integral) or isinstance(value, bool) or value < MINIMUM[name]):
        return f"must be a whole number of at least {MINIMUM[name]}"
    if name == "negatives" and value != "all" and (not isinstance(value, Integral) or isinstance(value, bool)
                                                   or value < 0):
        return "must be 0 (off), a whole number of negatives per positive, or all"
    if name == "max_memory":
        try:
            memory_limit(value)
        except (NeuraLogicLiteError, TypeError) as error:
            return f"must be a number of bytes or a size like 4G ({error})"
    if name in POSITIVE + FINITE:
        if not isinstance(value, Real) or isinstance(value, bool) or not math.isfinite(value):
            return "must be a finite number"
        if name in POSITIVE and value <= 0:
            return "must be greater than 0"
    return None


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


def profile(name: str = DEFAULT_PROFILE, **changes) -> Settings:
    """The named profile, with ``changes`` applied."""
    if name not in PROFILES:
        raise SettingError("profile", name, f"must be one of {', '.join(PROFILES)}")
    return PROFILES[name].replace(**changes)
