"""The weight table: every parameter of a network, numbered as the reference engine numbers them.

Template weights come first, in the reference's order, so a PyNeuraLogic ``state_dict`` maps
onto ours index for index: all rules (head weight, body weights, offset), then weighted
facts, then predicate offsets.  Fixed ``<...>`` weights take an index too.  ``$name``
weights get one index, at their first occurrence.  Constants the network needs besides
(fact values from examples, ``[offset=v]`` metadata) follow, deduplicated by value.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..errors import TemplateError
from ..language.ir import Template, Value, ValueKind, Weight
from ..memory import over_limit

#: bytes a parameter takes while a model trains: its value, its gradient and the optimizer's
#: two moments, float64 each
PARAMETER_BYTES = 4 * 8


def weight_shape(value: Value) -> tuple[int, int]:
    """(rows, cols) of a written value: ``{n}``/``{n,1}`` and ``[a, b]`` are columns, ``{1,n}``
    a row, ``{1}``/``{1,1}`` and numbers scalars."""
    shape = value.shape
    if value.kind is ValueKind.SCALAR or shape in ((1,), (1, 1)):
        return 1, 1
    if len(shape) == 1:
        return shape[0], 1
    if len(shape) == 2:
        return shape[0], shape[1]
    raise TemplateError(f"weights have at most two dimensions, not {value}")


def fan(init: str, rows: int, cols: int) -> int:
    """The fan of a (rows, cols) weight in the Glorot and He limits sqrt(6 / fan), as the
    reference counts it: a scalar 2, a vector of n elements n + 1, a matrix rows + cols
    (He: 1, n and cols).  One rule for training's draws and lifting's re-draws."""
    if rows == 1 and cols == 1:
        return 2 if init == "glorot" else 1
    if rows == 1 or cols == 1:
        return rows * cols + 1 if init == "glorot" else rows * cols
    return rows + cols if init == "glorot" else cols


def written_array(value: Value, exact: bool) -> np.ndarray:
    """A written value as (rows, cols) float64.  The reference reads scalars as float32 (unless
    ``exact``) and vectors and matrices as doubles."""
    rows, cols = weight_shape(value)
    data = value.data if exact or value.kind is not ValueKind.SCALAR else value.data32
    return np.array(data, np.float64).reshape(rows, cols)


@dataclass
class WeightTable:
    """Parameters: shapes, which are learnable, and their written initial values.

    ``start`` indexes one flat float64 buffer; weight ``i`` occupies
    ``buffer[start[i]:start[i+1]]`` as a row-major (rows[i], cols[i]) block.
    """

    names: list[str] = field(default_factory=list)
    rows: list[int] = field(default_factory=list)
    cols: list[int] = field(default_factory=list)
    learnable: list[bool] = field(default_factory=list)
    initial: list[np.ndarray | None] = field(default_factory=list)   # None: drawn at random
    in_state_dict: list[bool] = field(default_factory=list)
    exact: bool = False
    template_count: int = 0    # weights [0, template_count) come from the template; constants follow
    _by_object: dict[int, int] = field(default_factory=dict, repr=False)
    _by_name: dict[str, int] = field(default_factory=dict, repr=False)
    _constants: dict[tuple, int] = field(default_factory=dict, repr=False)
    embeddings: dict[int, str] = field(default_factory=dict)    # weight id -> the ground atom it embeds
    _by_atom: dict[str, int] = field(default_factory=dict, repr=False)
    _layout: tuple | None = field(default=None, init=False, repr=False, compare=False)

    def __len__(self) -> int:
        return len(self.names)

    @property
    def template_size(self) -> int:
        """Parameter values of the template's own weights (a prefix of the flat buffer)."""
        return int(self.start[self.template_count])

    @property
    def start(self) -> np.ndarray:
        return self.layout[0]

    @property
    def layout(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(start, rows, cols) as int64 arrays, as the kernels take them.  Weights are only ever
        appended, so they are recomputed only when the table grew."""
        if self._layout is None or self._layout[0].shape[0] != len(self.names) + 1:
            rows, cols = np.array(self.rows, np.int64), np.array(self.cols, np.int64)
            self._layout = (np.concatenate([[0], np.cumsum(rows * cols)]).astype(np.int64), rows, cols)
        return self._layout

    def _append(self, name: str, shape: tuple[int, int], learnable: bool, initial, in_state_dict: bool) -> int:
        self.names.append(name)
        self.rows.append(shape[0])
        self.cols.append(shape[1])
        self.learnable.append(learnable)
        self.initial.append(initial)
        self.in_state_dict.append(in_state_dict)
        return len(self.names) - 1

    def add(self, weight: Weight, in_state_dict: bool = True) -> int:
        """Number a template weight (a named weight only at its first occurrence)."""
        if weight.name is not None and weight.name in self._by_name:
            index = self._by_name[weight.name]
        else:
            shape = weight_shape(weight.value)
            initial = None if weight.value.is_random else written_array(weight.value, self.exact)
            name = weight.name or f"w{len(self.names)}"
            index = self._append(name, shape, not weight.fixed, initial, in_state_dict and not weight.fixed)
            if weight.name is not None:
                self._by_name[weight.name] = index
        self._by_object[id(weight)] = index
        return index

    def of(self, weight: Weight | None) -> int:
        """The id of a numbered template weight; -1 for none (the unit weight)."""
        if weight is None:
            return -1
        return self._by_object[id(weight)]

    def constant(self, array: np.ndarray) -> int:
        """A fixed value (an example fact's value, an ``[offset=v]``), one entry per distinct value."""
        array = np.asarray(array, np.float64)
        key = (array.shape, array.tobytes())
        if key not in self._constants:
            self._constants[key] = self._append(f"c{len(self.names)}", array.shape, False, array.copy(), False)
        return self._constants[key]

    def embedding(self, atom: str, shape: tuple[int, int]) -> int:
        """The learnable vector of one ground atom made by an ``@embed`` rule (one per atom)."""
        if atom not in self._by_atom:
            index = self._append(f"embed {atom}", shape, True, None, False)
            self.embeddings[index] = atom
            self._by_atom[atom] = index
        return self._by_atom[atom]

    def value_of(self, weight: Weight) -> int:
        """The id holding a fact's value: its template weight, or a constant for a fixed value."""
        known = self._by_object.get(id(weight))
        if known is not None:
            return known
        if weight.fixed or not weight.value.is_random:
            return self.constant(written_array(weight.value, self.exact))
        raise TemplateError(f"example fact value {weight} must be a fixed value like <0.5>")


def number_template_weights(template: Template, heads: set[int], exact: bool = False,
                           max_memory: int | None = None) -> WeightTable:
    """Number every weight written in ``template`` in the reference engine's order.

    ``heads`` are the predicates that head some rule: the offset of any other predicate takes
    an index but, as in the reference, is not part of the model's state dict.  When the
    weights up to some statement would need more than ``max_memory`` bytes (values, gradients
    and optimizer state), that statement is named before anything of that size is allocated.
    """
    table = WeightTable(exact=exact)
    parameters = 0
    statements = [(rule, (rule.head.weight, *(lit.weight for lit in rule.body), rule.offset), True)
                  for rule in template.rules]
    statements += [(fact, (fact.literal.weight,), True) for fact in template.facts]
    statements += [(offset, (offset.weight,), offset.predicate in heads) for offset in template.predicate_offsets]
    for statement, weights, in_state_dict in statements:
        first = len(table)
        for weight in weights:
            if weight is not None:
                table.add(weight, in_state_dict)
        parameters += sum(r * c for r, c in zip(table.rows[first:], table.cols[first:]))
        if max_memory is not None and parameters * PARAMETER_BYTES > max_memory:
            raise over_limit(f"the template's weights up to this statement, {parameters:,} values, need with their "
                             "gradients and the optimizer's state", parameters * PARAMETER_BYTES, max_memory,
                             statement.location, str(statement))
    table.template_count = len(table)
    return table
