"""A plain numpy DistMult with sampled negatives: the peer of ``nlite train --negatives``.

What the KBC libraries (PyKEEN, LibKGE) do, written out in numpy: one embedding per entity and
relation, score(s, r, o) = sum_k e_s[k] r_r[k] e_o[k]; each epoch, K corruptions per positive
triple (``learning.negatives.Corruptor``: head, tail or both, filtered against the known
triples, drawn from ``default_rng([seed, epoch])``, so the engine and this reference train on the
same negatives); minibatches of positives with their negatives; binary cross-entropy on the
logits (mean over the batch's triples) or softmax cross-entropy over each positive and its K
negatives (mean over the batch's positives); Adam (dense, as torch.optim.Adam on an
``nn.Embedding``: every row's moments decay every step; ``lazy=True`` updates only the rows the
batch used, as the engine does); filtered ranking by ``learning.negatives.filtered_ranking``.

    python bench/kb_reference.py --entities 1000 --relations 20 --facts 20000 --dim 32 --negatives 10
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from neuralogic_lite.datasets.kb import generate  # noqa: E402
from neuralogic_lite.learning.negatives import Corruptor, filtered_ranking  # noqa: E402


def split(facts: np.ndarray, test_share: float = 0.1, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """(train, test) rows of ``facts``, the test share drawn by the seed."""
    rng = np.random.default_rng([seed, 7])
    test = np.zeros(facts.shape[0], bool)
    test[rng.choice(facts.shape[0], int(round(facts.shape[0] * test_share)), replace=False)] = True
    return facts[~test], facts[test]


@dataclass
class Adam:
    """Adam (beta1 0.9, beta2 0.999, eps 1e-8), one state per parameter array."""

    lr: float
    lazy: bool = False
    step: int = 0
    m: dict = field(default_factory=dict)
    v: dict = field(default_factory=dict)

    def update(self, name: str, param: np.ndarray, rows: np.ndarray, grad_rows: np.ndarray) -> None:
        """``param[rows] -= ...`` from the gradient rows (``rows`` distinct); dense mode
        decays and applies every row's moments, as torch does with a dense gradient."""
        if name not in self.m:
            self.m[name], self.v[name] = np.zeros_like(param), np.zeros_like(param)
        m, v = self.m[name], self.v[name]
        fix1, fix2 = 1.0 - 0.9 ** self.step, 1.0 - 0.999 ** self.step
        if self.lazy:
            m[rows] = 0.9 * m[rows] + 0.1 * grad_rows
            v[rows] = 0.999 * v[rows] + 0.001 * grad_rows ** 2
            param[rows] -= self.lr * (m[rows] / fix1) / (np.sqrt(v[rows] / fix2) + 1e-8)
            return
        grad = np.zeros_like(param)
        grad[rows] = grad_rows
        m *= 0.9
        m += 0.1 * grad
        v *= 0.999
        v += 0.001 * grad * grad
        param -= self.lr * (m / fix1) / (np.sqrt(v / fix2) + 1e-8)


class DistMult:
    """Entity and relation embeddings (uniform in [-1, 1), as the engine's default init)."""

    def __init__(self, entities: int, relations: int, dim: int, seed: int = 0):
        rng = np.random.default_rng([seed, 11])
        self.entity = rng.uniform(-1, 1, (entities, dim))
        self.relation = rng.uniform(-1, 1, (relations, dim))

    def score(self, triples: np.ndarray) -> np.ndarray:
        return np.einsum("nd,nd,nd->n", self.entity[triples[:, 0]], self.relation[triples[:, 1]],
                         self.entity[triples[:, 2]])

    def step(self, triples: np.ndarray, dscore: np.ndarray, adam: Adam) -> None:
        """One optimizer step from dL/dscore of each triple."""
        s, r, o = self.entity[triples[:, 0]], self.relation[triples[:, 1]], self.entity[triples[:, 2]]
        g = dscore[:, None]
        adam.step += 1
        ents, at = np.unique(np.concatenate([triples[:, 0], triples[:, 2]]), return_inverse=True)
        gent = _scatter(at, np.concatenate([g * r * o, g * s * r]), ents.shape[0])
        rels, rat = np.unique(triples[:, 1], return_inverse=True)
        grel = _scatter(rat, g * s * o, rels.shape[0])
        adam.update("entity", self.entity, ents, gent)
        adam.update("relation", self.relation, rels, grel)


def _scatter(rows: np.ndarray, values: np.ndarray, count: int) -> np.ndarray:
    """``out[rows[i]] += values[i]`` for every i, as one bincount (``np.add.at`` is slower)."""
    dim = values.shape[1]
    cells = (rows[:, None] * dim + np.arange(dim)).ravel()
    return np.bincount(cells, values.ravel(), count * dim).reshape(count, dim)


def sigmoid(x: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * x))


def train_epoch(model: DistMult, corruptor: Corruptor, k: int, epoch: int, adam: Adam, batch: int, loss: str,
                seed: int) -> float:
    """One epoch: fresh negatives, shuffled positives, a step per ``batch`` positives; the mean loss."""
    positives = corruptor.positives
    negatives = corruptor.sample(k, seed, epoch)                       # (P, k, 3)
    order = np.random.default_rng([seed, epoch, 1]).permutation(positives.shape[0])
    total, count = 0.0, 0
    for first in range(0, order.shape[0], batch):
        idx = order[first:first + batch]
        group = np.concatenate([positives[idx][:, None, :], negatives[idx]], axis=1)   # (b, 1 + k, 3)
        flat = group.reshape(-1, 3)
        y = model.score(flat).reshape(group.shape[:2])
        if loss == "bce":
            t = np.zeros_like(y)
            t[:, 0] = 1.0
            total += float(np.sum(np.logaddexp(0.0, y) - y * t))
            count += y.size
            dscore = (sigmoid(y) - t) / y.size
        else:                                                         # softmax over positive + negatives
            m = y.max(axis=1, keepdims=True)
            log_z = m[:, 0] + np.log(np.exp(y - m).sum(axis=1))
            total += float(np.sum(log_z - y[:, 0]))
            count += y.shape[0]
            p = np.exp(y - log_z[:, None])
            p[:, 0] -= 1.0
            dscore = p / y.shape[0]
        model.step(flat, dscore.ravel(), adam)
    return total / max(count, 1)


def run(entities: int, relations: int, facts: int, dim: int, negatives: int, epochs: int, batch: int, lr: float,
        corrupt: str = "both", loss: str = "bce", seed: int = 0, lazy: bool = False, test_limit: int = 0) -> dict:
    """Generate the KB, train, rank the test triples; the figures as a dict."""
    kb = generate(entities, relations, facts, seed)
    train, test = split(kb.facts, seed=seed)
    corruptor = Corruptor(train, entities, relations, kb.facts, corrupt)
    model = DistMult(entities, relations, dim, seed)
    adam = Adam(lr, lazy)
    seconds, losses = [], []
    for epoch in range(1, epochs + 1):
        start = time.perf_counter()
        losses.append(train_epoch(model, corruptor, negatives, epoch, adam, batch, loss, seed))
        seconds.append(time.perf_counter() - start)
    ranked = test[:test_limit] if test_limit else test
    start = time.perf_counter()
    report, _ = filtered_ranking(model.score, ranked, kb.facts, entities, relations)
    return {"system": "numpy reference" + (" (lazy Adam)" if lazy else ""), "epoch_s": float(np.median(seconds)),
            "train_s": float(sum(seconds)), "eval_s": time.perf_counter() - start, "loss": losses[-1],
            "train": int(train.shape[0]), "test": int(ranked.shape[0]), **report}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--entities", type=int, default=1000)
    parser.add_argument("--relations", type=int, default=20)
    parser.add_argument("--facts", type=int, default=20000)
    parser.add_argument("--dim", type=int, default=32)
    parser.add_argument("--negatives", type=int, default=10)
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--batch", type=int, default=256, help="positives per step")
    parser.add_argument("--lr", type=float, default=0.01)
    parser.add_argument("--corrupt", choices=("head", "tail", "both"), default="both")
    parser.add_argument("--loss", choices=("bce", "softmax"), default="bce")
    parser.add_argument("--lazy", action="store_true", help="lazy Adam: only the rows a batch used move")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    print(json.dumps(run(args.entities, args.relations, args.facts, args.dim, args.negatives, args.epochs,
                         args.batch, args.lr, args.corrupt, args.loss, args.seed, args.lazy)))


if __name__ == "__main__":
    main()
