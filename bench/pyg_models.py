"""The benchmarked templates written in PyTorch Geometric, and the data they train on.

Each class computes what its template computes under the ``pyneuralogic`` profile (identity
wherever the template names no activation); ``bench/MODELS.md`` maps every template rule to
the PyG code below, and ``check_same`` proves it: with our engine's parameters copied in, the
PyG outputs equal ours.  A graph is PyG's usual ``Data``: ``x`` the atom type (int64, N),
``edge_index`` both directions of every bond (2 x 2E), ``edge_type`` the bond type (2E,),
``y`` the target.

    data = to_data(text.load(examples, queries), ATOM_TYPES, BOND_TYPES)
    model = MODELS["gcn"](len(ATOM_TYPES), len(BOND_TYPES))
"""
from __future__ import annotations

import time

import numpy as np
import torch
from torch import nn
from torch_geometric.data import Batch, Data
from torch_geometric.loader import DataLoader
from torch_geometric.nn import MessagePassing, global_add_pool, global_mean_pool


# ----------------------------------------------------------------------------- data
def to_data(graphs, atom_types, bond_types, dtype=torch.float32) -> list[Data]:
    """``Graphs`` (flat arrays) to one ``Data`` per graph; types are indices into ``atom_types``
    and ``bond_types`` (the template's type predicates, by name)."""
    atom = np.array([list(atom_types).index(t) for t in graphs.node_types], np.int64)[graphs.node_type]
    bond = np.array([list(bond_types).index(t) for t in graphs.edge_types], np.int64)[graphs.edge_type]
    start = graphs.node_start
    edge_graph = graphs.node_graph[graphs.edge_src]
    order = np.argsort(edge_graph, kind="stable")
    edge_start = np.searchsorted(edge_graph[order], np.arange(graphs.graph_count + 1))
    src, dst, bond = graphs.edge_src[order], graphs.edge_dst[order], bond[order]
    out = []
    for g in range(graphs.graph_count):
        a, b = edge_start[g], edge_start[g + 1]
        s, d = src[a:b] - start[g], dst[a:b] - start[g]
        loop = s == d                       # a self-loop is one grounding of bond(X, X, B), not two
        edge_index = np.stack([np.concatenate([d, s[~loop]]), np.concatenate([s, d[~loop]])])
        out.append(Data(x=torch.from_numpy(atom[start[g]:start[g + 1]]),
                        edge_index=torch.from_numpy(np.ascontiguousarray(edge_index)),
                        edge_type=torch.from_numpy(np.concatenate([bond[a:b], bond[a:b][~loop]])),
                        y=torch.tensor([float(graphs.target[g])], dtype=dtype)))
    return out


# ----------------------------------------------------------------------------- layers
class Messages(MessagePassing):
    """``agg_{(Y, B): bond(X, Y, B)} (h(Y) + e_B)``: the message body ``h(Y), *bond(X, Y, B),
    bond_embed(B)`` pooled per X (PyG's edge_index[1] is X, edge_index[0] is Y)."""

    def __init__(self, aggregation: str):
        super().__init__(aggr={"avg": "mean", "sum": "add"}[aggregation])

    def forward(self, h, edge_index, e):
        return self.propagate(edge_index, h=h, e=e)

    def message(self, h_j, e):
        return h_j + e


class GnnLayer(MessagePassing):
    """template_gnn.txt: ``l(X) :- {d,d} h(X), {d,d} h(Y), bond(X,Y,B), bond_embed(B)`` averaged:
    ``mean_{(Y,B)} (W1 h(X) + W2 h(Y) + 1 + e_B)`` (the fact bond(X,Y,B) has value 1 and is
    added to every element, as the engines add a scalar to a vector)."""

    def __init__(self, dim: int):
        super().__init__(aggr="mean")
        self.w1 = nn.Linear(dim, dim, bias=False)
        self.w2 = nn.Linear(dim, dim, bias=False)

    def forward(self, h, edge_index, e):
        return self.propagate(edge_index, a=self.w1(h), b=self.w2(h), e=e)

    def message(self, a_i, b_j, e):
        return a_i + b_j + 1.0 + e


# ----------------------------------------------------------------------------- models
class Molecules(nn.Module):
    """Type embeddings, ``layers`` message-passing layers, a pooled readout and ``{1,d}``."""

    readout_pool = staticmethod(global_mean_pool)

    def __init__(self, atom_types: int, bond_types: int, dim: int, layers: int = 3, offsets: bool = False):
        super().__init__()
        self.atom = nn.Embedding(atom_types, dim)
        self.bond = nn.Embedding(bond_types, dim)
        # template_gnn's predicate offsets atom_embed/1 {3,1} and bond_embed/1 {3,1}
        self.atom_offset = nn.Parameter(torch.zeros(dim)) if offsets else None
        self.bond_offset = nn.Parameter(torch.zeros(dim)) if offsets else None
        self.layers = nn.ModuleList(self.layer(dim) for _ in range(layers))
        self.readout = nn.Linear(dim, 1, bias=False)

    def layer(self, dim: int) -> nn.Module:
        raise NotImplementedError

    def forward(self, data):
        h, e = self.atom(data.x), self.bond(data.edge_type)
        if self.atom_offset is not None:
            h, e = h + self.atom_offset, e + self.bond_offset
        for layer in self.layers:
            h = layer(h, data.edge_index, e)
        return self.readout(self.readout_pool(h, data.batch)).view(-1)


class MutagenesisGNN(Molecules):
    """template_gnn.txt with embeddings.txt: d = 3, identity everywhere (pyneuralogic profile)."""

    def __init__(self, atom_types: int, bond_types: int, dim: int = 3, layers: int = 3):
        super().__init__(atom_types, bond_types, dim, layers, offsets=True)

    def layer(self, dim):
        return GnnLayer(dim)


class GCNLayer(nn.Module):
    """zoo gcn: ``tanh(W (avg_{(Y,B)} (h(Y) + e_B) + h(X)))``, one W shared by both rules."""

    def __init__(self, dim: int):
        super().__init__()
        self.messages = Messages("avg")
        self.w = nn.Linear(dim, dim, bias=False)

    def forward(self, h, edge_index, e):
        return torch.tanh(self.w(self.messages(h, edge_index, e) + h))


class SAGELayer(nn.Module):
    """zoo graphsage: ``tanh(W1 avg_{(Y,B)} (h(Y) + e_B) + W2 h(X))``."""

    def __init__(self, dim: int):
        super().__init__()
        self.messages = Messages("avg")
        self.neighbours = nn.Linear(dim, dim, bias=False)
        self.self_ = nn.Linear(dim, dim, bias=False)

    def forward(self, h, edge_index, e):
        return torch.tanh(self.neighbours(self.messages(h, edge_index, e)) + self.self_(h))


class GINLayer(nn.Module):
    """zoo gin (GIN-0): ``tanh(W2 tanh(W1 (h(X) + sum_{(Y,B)} (h(Y) + e_B)) + b1))``."""

    def __init__(self, dim: int):
        super().__init__()
        self.messages = Messages("sum")
        self.inner = nn.Linear(dim, dim)             # W1 and b1
        self.outer = nn.Linear(dim, dim, bias=False)   # W2

    def forward(self, h, edge_index, e):
        return torch.tanh(self.outer(torch.tanh(self.inner(h + self.messages(h, edge_index, e)))))


class GCN(Molecules):
    def layer(self, dim):
        return GCNLayer(dim)


class GraphSAGE(Molecules):
    def layer(self, dim):
        return SAGELayer(dim)


class GIN(Molecules):
    readout_pool = staticmethod(global_add_pool)

    def layer(self, dim):
        return GINLayer(dim)


def zoo_model(cls):
    return lambda atom_types, bond_types, dim=10: cls(atom_types, bond_types, dim=dim)


MODELS = {"gnn": MutagenesisGNN, "gcn": zoo_model(GCN), "graphsage": zoo_model(GraphSAGE), "gin": zoo_model(GIN)}


# ----------------------------------------------------------------------------- our parameters in PyG
def copy_parameters(net: Molecules, lite_model, atom_types, bond_types) -> None:
    """Set ``net``'s parameters to ``lite_model``'s (a neuralogic_lite Model of the same
    template), rule by rule; raises if a rule has no place in ``net``."""
    weights, values, start = lite_model.weights, lite_model.values, lite_model.weights.start

    def value(weight):
        w = weights.of(weight)
        return torch.tensor(values[start[w]:start[w + 1]].reshape(weights.rows[w], weights.cols[w]))

    def put(param, weight):
        with torch.no_grad():
            param.copy_(value(weight).reshape(param.shape))

    for offset in lite_model.template.predicate_offsets:
        name = _name(offset.predicate)
        put(net.atom_offset if name == "atom_embed" else net.bond_offset, offset.weight)
    for rule in lite_model.template.rules:
        head, body = rule.head.name, [lit.name for lit in rule.body]
        if head in ("atom_embed", "bond_embed"):
            table, types = (net.atom, atom_types) if head == "atom_embed" else (net.bond, bond_types)
            put(table.weight[list(types).index(body[0])], rule.head.weight)
        elif head == "predict":
            put(net.readout.weight, rule.head.weight or rule.body[0].weight)
        else:
            layer = net.layers[int(head[1:head.index("_")]) - 1] if head[0] == "l" else None
            if isinstance(layer, GnnLayer):
                put(layer.w1.weight, rule.body[0].weight)
                put(layer.w2.weight, rule.body[1].weight)
            elif isinstance(layer, GCNLayer):
                put(layer.w.weight, rule.head.weight)
            elif isinstance(layer, SAGELayer):
                put(layer.neighbours.weight if "bond" in body else layer.self_.weight, rule.head.weight)
            elif isinstance(layer, GINLayer) and head.endswith("_embed"):
                put(layer.outer.weight, rule.head.weight)
                put(layer.inner.weight, rule.body[0].weight)
                put(layer.inner.bias, rule.offset)
            elif not (isinstance(layer, GINLayer) and head.endswith("_sum")):
                raise ValueError(f"no place in {type(net).__name__} for the rule {rule}")


def _name(predicate: int) -> str:
    from neuralogic_lite.language.symbols import PREDICATES
    return PREDICATES[predicate][0]


def check_same(name: str, lite_model, lite_outputs, graphs, atom_types, bond_types) -> float:
    """Largest |PyG output - our output| over ``graphs`` with our parameters copied in (float64)."""
    net = MODELS[name](len(atom_types), len(bond_types)).double()
    copy_parameters(net, lite_model, atom_types, bond_types)
    batch = Batch.from_data_list(to_data(graphs, atom_types, bond_types, torch.float64))
    with torch.no_grad():
        ours = np.array([float(np.ravel(o)[0]) for o in lite_outputs])
        return float(np.abs(net(batch).numpy() - ours).max())


# ----------------------------------------------------------------------------- training
def train_epochs(net: nn.Module, data: list[Data], batch_size: int, epochs: int, lr: float) -> float:
    """Seconds for ``epochs`` epochs of SGD on the MSE, as PyG users train: a DataLoader in
    file order (no shuffling, like the other two systems), forward, loss, backward, step."""
    loader = DataLoader(data, batch_size=batch_size, shuffle=False)
    optimizer = torch.optim.SGD(net.parameters(), lr=lr)
    loss_fn = nn.MSELoss()
    start = time.perf_counter()
    for _ in range(epochs):
        for batch in loader:
            optimizer.zero_grad()
            loss = loss_fn(net(batch), batch.y)
            loss.backward()
            optimizer.step()
    elapsed = time.perf_counter() - start
    if not torch.isfinite(loss):
        raise FloatingPointError(f"PyG {type(net).__name__}: the loss became {float(loss)} (lower the learning rate)")
    return elapsed
