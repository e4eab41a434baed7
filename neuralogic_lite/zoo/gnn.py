"""Message-passing GNNs as templates: one table row per model, one writer for all of them.

A row says how one layer is written; ``_write`` stacks the type embeddings, ``layers`` such
layers and the readout.  Every message rule has an identity rule activation and the model's
aggregation; the layer's nonlinearity is its predicate's activation, so what a template
computes does not depend on the settings profile.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Sequence

from ..errors import InputError
from .parts import BOND, check, embeddings, header, layer_name, meta, molecule_inputs, names, neighbour
from .parts import readout as readout_rule


@dataclass(frozen=True)
class Layer:
    """What a layer writer needs: its number, input and output predicates, width and functions."""

    k: int
    prev: str
    head: str
    dim: int
    activation: str
    aggregation: str
    bond_types: tuple[str, ...]

    @property
    def square(self) -> str:
        return f"{{{self.dim},{self.dim}}}"

    @property
    def message(self) -> str:
        return neighbour(self.prev, self.bond_types)

    def pooled(self, **combination: str) -> str:
        """Metadata of a rule whose groundings are pooled as they are (no rule nonlinearity)."""
        return meta(**combination, activation="identity", aggregation=self.aggregation)


IDENTITY = meta(activation="identity")


def _gcn(layer: Layer) -> list[str]:
    # one W for the neighbours and the node itself (the self-loop of A + I)
    w, head = f"$l{layer.k}_w={layer.square}", layer.head
    return [f"{w} {head}(X) :- {layer.message}.{layer.pooled()}",
            f"{w} {head}(X) :- {layer.prev}(X).{IDENTITY}"]


def _graphsage(layer: Layer) -> list[str]:
    # separate W for the neighbours and the node itself
    w, head = layer.square, layer.head
    return [f"{w} {head}(X) :- {layer.message}.{layer.pooled()}",
            f"{w} {head}(X) :- {layer.prev}(X).{IDENTITY}"]


def _gin(layer: Layer) -> list[str]:
    # the node plus its aggregated neighbours (GIN-0), then a two-layer perceptron
    w, total, bias = layer.square, f"l{layer.k}_sum", f"{{{layer.dim},1}}"
    return [f"{total}(X) :- {layer.message}.{layer.pooled()}",
            f"{total}(X) :- {layer.prev}(X).{IDENTITY}",
            f"{total}/1{IDENTITY}",
            f"{w} {layer.head}(X) :- {w} {total}(X), {bias}.{meta(activation=layer.activation)}"]


def _gatv2(layer: Layer) -> list[str]:
    # score a . LeakyReLU(W_l h(X) + W_r h(Y) [+ W_e e_B]) gated to (0, 1), then the gated W_r h(Y)
    w, prev, attention = layer.square, layer.prev, f"l{layer.k}_attention"
    value = f"$l{layer.k}_value={w}"
    bond = f", {w} {BOND}(B)" if layer.bond_types else ""
    return [f"{{1,{layer.dim}}} {attention}(X, Y) :- {w} {prev}(X), {value} {prev}(Y), *bond(X, Y, B){bond}."
            f"{meta(activation='leakyrelu')}",
            f"{attention}/2{meta(activation='sigmoid')}",
            f"{layer.head}(X) :- {attention}(X, Y), {value} {prev}(Y).{layer.pooled(combination='product')}"]


def _rgcn(layer: Layer) -> list[str]:
    # W_0 for the node itself, one W_r per bond type r over the neighbours bonded by r
    w, head, prev = layer.square, layer.head, layer.prev
    return [f"{w} {head}(X) :- {prev}(X).{IDENTITY}",
            *(f"{w} {head}(X) :- {prev}(Y), *bond(X, Y, B), *{t}(B).{layer.pooled()}" for t in layer.bond_types)]


@dataclass(frozen=True)
class Model:
    """One row of the table: a model's name, title, formula, layer writer and defaults."""

    name: str
    title: str
    formula: str
    layer: Callable[[Layer], list[str]]
    aggregation: str = "avg"
    readout: str = "avg"
    relations: bool = False      # bond types are relations (one weight each), not embeddings


TABLE = (
    Model("gcn", "GCN (Kipf & Welling 2017)", "h'(X) = act(W (agg_Y msg(Y) + h(X)))", _gcn),
    Model("graphsage", "GraphSAGE (Hamilton et al. 2017)", "h'(X) = act(W1 h(X) + W2 agg_Y msg(Y))", _graphsage),
    Model("gin", "GIN-0 (Xu et al. 2019)", "h'(X) = act(W2 act(W1 (h(X) + agg_Y msg(Y)) + b1))", _gin,
          aggregation="sum", readout="sum"),
    Model("gatv2", "GATv2-style attention (Brody et al. 2022)",
          "h'(X) = act(agg_Y a(X,Y) W_r h(Y)), a(X,Y) = sigmoid(a . LeakyReLU(W_l h(X) + W_r h(Y) [+ W_e e_B]))",
          _gatv2),
    Model("rgcn", "R-GCN (Schlichtkrull et al. 2018)", "h'(X) = act(W_0 h(X) + sum_r agg_{Y bonded by r} W_r h(Y))",
          _rgcn, relations=True),
)


def _write(model: Model, atom_types: Sequence[str], bond_types: Sequence[str], hidden: int, layers: int,
           activation: str, aggregation: str, readout: str) -> str:
    check(hidden=hidden, layers=layers, activation=activation, aggregation=aggregation, readout=readout)
    atom_types, bond_types = names("atom type", atom_types), names("bond type", bond_types, required=False)
    if model.relations and not bond_types:
        raise InputError(f"{model.name} needs bond types: they are its relations")
    where = "Y ranges over the atoms bonded to X"
    if "msg(Y)" in model.formula:
        where += ", msg(Y) = h(Y) + e_B" if bond_types else ", msg(Y) = h(Y)"
    if bond_types and not model.relations:
        where += ", e_B the embedding of the bond's type"
    text = header(f"{model.title}: {layers} layer{'s' * (layers != 1)} of width {hidden}, {activation} activation, "
                  f"{aggregation} over neighbours, {readout} readout.",
                  f"  {model.formula},", f"  {where}.",
                  *molecule_inputs(atom_types, bond_types),
                  f"Written by neuralogic_lite.zoo.{model.name}.")
    text += "\n" + embeddings(atom_types, () if model.relations else bond_types, hidden)
    for k in range(1, layers + 1):
        layer = Layer(k, layer_name(k - 1), layer_name(k), hidden, activation, aggregation, bond_types)
        lines = [f"% layer {k}", *model.layer(layer), f"{layer.head}/1{meta(activation=activation)}"]
        text += "\n" + "\n".join(lines) + "\n"
    return text + "\n" + readout_rule(layer_name(layers), hidden, readout)


def _model(model: Model) -> Callable[..., str]:
    """The public function writing ``model``: same signature for every row, the row's defaults."""
    def write(atom_types: Sequence[str], bond_types: Sequence[str] = (), hidden: int = 10, layers: int = 3,
              activation: str = "tanh", aggregation: str = model.aggregation, readout: str = model.readout) -> str:
        return _write(model, atom_types, bond_types, hidden, layers, activation, aggregation, readout)
    write.__name__ = write.__qualname__ = model.name
    write.__doc__ = (f"{model.title} as template text: {model.formula}.\n\n"
                     "``atom_types``/``bond_types`` are the type predicates of the molecules (mutagenesis schema); "
                     "``aggregation`` pools the neighbours, ``readout`` the atoms.")
    return write


gcn, graphsage, gin, gatv2, rgcn = (_model(model) for model in TABLE)
