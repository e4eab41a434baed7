"""The model format: the template text itself, every learned value written in place.

The reference engine reads scalar literals as 32-bit floats and vector literals as doubles,
so learned values are written as vectors (``[0.1234...]`` for a scalar, ``[a, b]`` for a
column) or sparse matrices (``[1,3|(0,0:a), ...]`` for a row vector, ``[r,c|...]`` for a
matrix): full double precision in both engines.  Functions the settings supplied by default
(activations, aggregations, combinations) are written out as metadata, so the file computes
the same under any engine's defaults.  A ``header`` comment names the date, the epoch kept
with its metrics and the settings, and the template's own ``%`` comment lines are kept.  A
``.npz`` beside the text holds the parameter vector and the settings, for exact reloading by
neuralogic_lite.
"""
from __future__ import annotations

import dataclasses
import json
import os
import tempfile
import textwrap
import zipfile
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from ..errors import InputError
from ..language.ir import (
    Fact,
    Literal,
    Metadata,
    PredicateMetadata,
    PredicateOffset,
    Rule,
    Template,
    Value,
    ValueKind,
    Weight,
)
from ..language.symbols import PREDICATES
from ..network.neuralize import activation_stated
from ..network.weights import WeightTable
from ..ops import split_legacy
from .atomic import atomic_write

HEADER = "% model written by neuralogic_lite"    # how a model file starts (see ``header``)


def _number(x: float) -> str:
    """``x`` written so that it reads back exactly (``repr``) and the reference's lexer takes it as
    a FLOAT: that needs a '.' before an exponent (``1e-05`` would be the integer 1 and a name)."""
    text = repr(x)
    mantissa, e, exponent = text.partition("e")
    return f"{mantissa}.0e{exponent}" if e and "." not in mantissa else text


def _literal(block: np.ndarray) -> Value:
    """A learned (rows, cols) block as a double-precision literal the reference reads back exactly."""
    rows, cols = block.shape
    flat = [float(x) for x in block.ravel()]
    if cols == 1:
        text = "[" + ", ".join(_number(x) for x in flat) + "]"
        return Value(ValueKind.VECTOR, (rows,), tuple(flat), tuple(flat), text)
    # sparse even when small: the reference's builder fails on dense rows ([[a, b] [c, d]]);
    # ': ' with a space: the reference's lexer reads ':-' in '(0,1:-2.5)' as the rule arrow
    entries = ", ".join(f"({i},{j}: {_number(flat[i * cols + j])})" for i in range(rows) for j in range(cols))
    return Value(ValueKind.MATRIX, (rows, cols), tuple(flat), tuple(flat), f"[{rows},{cols}|{entries}]")


def _learned(weight: Weight | None, weights: WeightTable, values: np.ndarray) -> Weight | None:
    if weight is None or weight.fixed:
        return weight
    index = weights.of(weight)
    start = weights.start
    block = values[start[index]:start[index + 1]].reshape(weights.rows[index], weights.cols[index])
    return Weight(_literal(block), False, weight.name)


def _with_weight(literal: Literal, weight: Weight | None) -> Literal:
    return dataclasses.replace(literal, weight=weight)


def _defaults(metadata: Metadata, pairs: list[tuple[str, str]]) -> Metadata:
    """``metadata`` with legacy compound names split (``crosssum-sigmoid``) and the given
    defaults added for the keys it does not set."""
    own = []
    for key, value in metadata:
        if key in ("activation", "transformation") and isinstance(value, str):
            combination, activation = split_legacy(value)
            if combination is not None:
                own += [("combination", combination), ("activation", activation)]
                continue
        own.append((key, value))
    present = {key for key, _ in own} | ({"activation"} if any(k == "transformation" for k, _ in own) else set())
    return Metadata(tuple(own) + tuple((k, v) for k, v in pairs if k not in present))


def export_template(template: Template, weights: WeightTable, values: np.ndarray, settings,
                    identity_outputs: frozenset[int] = frozenset()) -> str:
    """The template as text with learned values in place and every default function explicit.

    ``identity_outputs``: predicates whose atom neurons were made identity for logit outputs.
    """
    statements = []
    heads: dict[int, None] = {}
    for statement in template.statements:
        if isinstance(statement, Rule):
            heads.setdefault(statement.head.predicate)
            metadata = _defaults(statement.metadata, [("activation", settings.rule_activation),
                                                      ("aggregation", settings.aggregation),
                                                      ("combination", settings.rule_combination)])
            statement = Rule(_with_weight(statement.head, _learned(statement.head.weight, weights, values)),
                             tuple(_with_weight(lit, _learned(lit.weight, weights, values)) for lit in statement.body),
                             _learned(statement.offset, weights, values), metadata, statement.location)
        elif isinstance(statement, Fact):
            literal = statement.literal
            statement = Fact(_with_weight(literal, _learned(literal.weight, weights, values)), statement.location)
        elif isinstance(statement, PredicateOffset):
            # named, so that the line starts '$' and the reference does not read '[' as metadata
            learned = _learned(statement.weight, weights, values)
            if learned is not None and learned.name is None and not learned.fixed:
                name, arity, _ = PREDICATES[statement.predicate]
                learned = Weight(learned.value, False, f"offset_{name}_{arity}")
            statement = PredicateOffset(statement.predicate, learned, statement.location)
        statements.append(statement)
    for predicate in heads:
        if activation_stated(template, predicate):
            continue
        name, arity, _ = PREDICATES[predicate]
        activation = "identity" if predicate in identity_outputs else settings.atom_activation
        statements.append(PredicateMetadata(name, arity, Metadata((("activation", activation),
                                                                   ("combination", settings.atom_combination)))))
    return _with_comments(statements, template.source)


def _with_comments(statements: list, source: str | None) -> str:
    """One statement a line, with the whole-line ``%`` comments of the template's file kept
    before the statement that followed them (those after the last statement at the end)."""
    comments = _line_comments(source)
    lines = []
    for statement in statements:
        location = statement.location
        if location is not None and location.file == source:
            while comments and comments[0][0] < location.line:
                lines.append(comments.pop(0)[1])
        lines.append(str(statement))
    lines += [text for _, text in comments]
    return "".join(f"{line}\n" for line in lines)


def _line_comments(source: str | None) -> list[tuple[int, str]]:
    """(line number, text) of every line of ``source`` that is a ``%`` comment, but for the
    ``header`` of a model saved before (a model loaded and saved again gets a new one)."""
    try:
        lines = Path(source).read_text(encoding="utf-8").splitlines() if source else []
    except (OSError, UnicodeDecodeError):
        return []
    start = lines.index("") + 1 if lines and lines[0].startswith(HEADER) and "" in lines else 0
    return [(n, line.strip()) for n, line in enumerate(lines[start:], start + 1) if line.lstrip().startswith("%")]


def header(settings, about: dict | None = None) -> str:
    """The comment a model file starts with: what wrote it and when, the epoch it keeps with
    its metrics, and the settings it was trained with; a blank line ends it."""
    from .. import __version__
    lines = [f"{HEADER[2:]} {__version__} on {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC"]
    if about:
        lines.append(f"kept: epoch {about['epoch']}" + (f" ({about['stopped']})" if about.get("stopped") else ""))
        lines += [f"{split}: " + ", ".join(f"{name} {value:.4g}" for name, value in metrics.items())
                  for split, metrics in about.get("metrics", {}).items() if metrics]
    pairs = ", ".join(f"{key}={value}" for key, value in dataclasses.asdict(settings).items())
    lines += textwrap.wrap(f"settings: {pairs}", 100, subsequent_indent="  ", break_on_hyphens=False)
    return "".join(f"% {line}\n" for line in lines) + "\n"


def save(path: str | os.PathLike, text: str, values: np.ndarray, weights: WeightTable, settings,
         extra: dict | None = None, about: dict | None = None) -> tuple[Path, Path]:
    """Write the model text to ``path``, under a ``header`` comment, and its parameters to
    ``path`` + ``.npz``.  ``about``: the epoch kept and its metrics, for the header."""
    path = Path(path)
    atomic_write(path, header(settings, about) + text)
    meta = {"settings": dataclasses.asdict(settings), "names": weights.names[:weights.template_count],
            "rows": weights.rows[:weights.template_count], "cols": weights.cols[:weights.template_count],
            **(extra or {})}
    npz = path.with_name(path.name + ".npz")
    with tempfile.TemporaryFile() as buffer:
        np.savez(buffer, values=values, meta=np.array(json.dumps(meta)))
        buffer.seek(0)
        atomic_write(npz, buffer.read())
    return path, npz


def random_weights(path: str | os.PathLike, weights: WeightTable) -> list[str]:
    """The weights a model file leaves to chance: none when its ``.npz`` is beside it, else
    those the text gives a shape but no value (a plain template, not a trained model)."""
    if Path(path).with_name(Path(path).name + ".npz").is_file():
        return []
    return [weights.names[w] for w in range(weights.template_count) if weights.initial[w] is None]


def load_parameters(path: str | os.PathLike) -> tuple[np.ndarray, dict] | None:
    """``(values, meta)`` from the ``.npz`` beside a model file, or None when there is none."""
    npz = Path(path).with_name(Path(path).name + ".npz")
    if not npz.is_file():
        return None
    try:
        with np.load(npz) as data:
            return data["values"].copy(), json.loads(str(data["meta"]))
    except (OSError, KeyError, ValueError, EOFError, zipfile.BadZipFile) as e:   # empty, truncated, foreign
        raise InputError(f"{npz}: not a neuralogic_lite parameter file, or damaged ({e or 'empty'}); "
                         f"save the model again, or delete it to read {Path(path).name} alone") from None
