"""Which loss a run uses, and what its outputs mean.

``auto`` follows the reference: targets that are all 0/1 (or one-hot vectors) make a
classification task, trained with BCE on logits (softmax cross-entropy for vectors) and
reported through a sigmoid (softmax); anything else is regression with MSE.  The MSE
gradient is ``factor * (y - t)``: 2 in the reference today, 1 in the ICLR 2021 runs.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..engine.kernels import CROSSENTROPY, MSE, SOFTENTROPY
from ..errors import NeuraLogicLiteError

#: the kernel code of each of ``settings.LOSSES`` but auto
LOSSES = {"mse": MSE, "bce": SOFTENTROPY, "softentropy": SOFTENTROPY, "crossentropy": CROSSENTROPY,
          "softmax": SOFTENTROPY}   # softmax: on the vector of a positive's and its negatives' logits (kbc)


@dataclass(frozen=True)
class Loss:
    """A resolved loss: kernel code, MSE factor, and whether outputs are logits."""

    name: str
    code: int
    factor: float
    classification: bool

    @property
    def logits(self) -> bool:
        return self.code == SOFTENTROPY

    def squash(self, output: np.ndarray) -> np.ndarray:
        """Outputs as probabilities when the loss works on logits (else unchanged)."""
        if not self.logits:
            return output
        if output.size == 1:
            return 1.0 / (1.0 + np.exp(-output))
        e = np.exp(output - output.max())
        return e / e.sum()


def is_classification(targets: list[np.ndarray]) -> bool:
    """Targets all 0/1 (scalars) or all one-hot vectors."""
    if not targets:
        return False
    if all(t.size == 1 for t in targets):    # scalars (the usual case, and many of them): at once
        return bool(np.isin(np.concatenate([t.ravel() for t in targets]), (0.0, 1.0)).all())
    for t in targets:
        if not np.isin(t, (0.0, 1.0)).all():
            return False
        if t.size > 1 and t.sum() != 1.0:
            return False
    return True


def resolve_loss(name: str, mse_factor: float, targets: list[np.ndarray]) -> Loss:
    """The loss named in the settings, with ``auto`` decided from the targets."""
    key = name.lower()
    if key == "auto":
        key = "bce" if is_classification(targets) else "mse"
    if key not in LOSSES:
        raise NeuraLogicLiteError(f"unknown loss '{name}'; choose from auto, {', '.join(LOSSES)}")
    return Loss(key, LOSSES[key], mse_factor, is_classification(targets))
