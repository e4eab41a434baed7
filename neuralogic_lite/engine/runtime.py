"""A NeuralGraph made ready for the kernels: argument bundles, buffers and workspace.

``Network`` owns the value, gradient and scratch buffers of one graph and exposes the three
things the learning stage needs: outputs at given parameters, one training epoch, and the
gradients of the loss (for checks and inspection); and, for value lifting, every neuron's
value at given parameters (``values_at``, ``evaluator``).
"""
from __future__ import annotations

from typing import Callable

import numpy as np

from ..errors import NeuraLogicLiteError
from ..network.graph import NeuralGraph
from ..network.weights import WeightTable
from ..settings import DTYPES
from . import kernels
from .neuron import Net, Params, edge_plan, general_of, lanes_of, learning_neurons, repoint, workspace
from .plan import PRODUCT_MIN, PRODUCT_MIN_BATCHED, plan_space, product_edges


def net_of(graph: NeuralGraph) -> Net:
    """The graph arrays as the kernels take them (contiguous, kernel dtypes, with the edge plan)."""
    c = np.ascontiguousarray   # 32-bit ids keep the hot arrays small
    plan = edge_plan(graph.kind, graph.value_start, graph.input_start, graph.edge_src,
                     graph.edge_weight, *graph.weights.layout)
    return Net(c(graph.kind, np.int8), c(graph.activation, np.int8), c(graph.reducer, np.int8),
               c(graph.offset, np.int32), c(graph.rows, np.int32), c(graph.cols, np.int32),
               c(graph.value_start, np.int64), c(graph.input_start, np.int64), c(graph.edge_src, np.int32),
               c(graph.edge_weight, np.int32), plan)


def params_of(weights: WeightTable, values: np.ndarray) -> Params:
    """A flat parameter vector with the table's layout."""
    return Params(values, *weights.layout)


class Network:
    """One graph with its buffers.  ``targets``: one array per sample (or None), or already flat
    as ``(values, start)`` (sample s's are ``values[start[s]:start[s + 1]]``).  ``dtype``:
    what neuron values and parameters are computed in (``DTYPES``); parameter vectors come
    and go as float64 either way, and sums, losses and optimizer state stay float64."""

    def __init__(self, graph: NeuralGraph, targets: list[np.ndarray] | None = None, dtype: str = "float64"):
        if str(dtype) not in DTYPES:
            raise NeuraLogicLiteError(f"unknown dtype '{dtype}'; choose from {', '.join(DTYPES)}")
        self.graph = graph
        self.dtype = np.dtype(str(dtype))
        self.net = net_of(graph)
        # How the passes run: as plans of products where the graph has large enough matrix
        # weights (``engine.plan``; minibatches plan smaller weights than online epochs, whose
        # plans cover one sample; one plan serves both when they plan the same edges), else
        # neuron by neuron, specialized for the common width (in float64: the specialization
        # keeps its sums in float64 registers).
        layout = graph.weights.layout[1:]
        batched = plan_space(self.net, *layout, least=PRODUCT_MIN_BATCHED, dtype=self.dtype)
        online = batched
        if batched is not None and not np.array_equal(batched.product_edge,
                                                      product_edges(self.net, *layout, PRODUCT_MIN)):
            online = plan_space(self.net, *layout, least=PRODUCT_MIN, dtype=self.dtype)
        self._plans = (online, batched)
        self.lanes = lanes_of(self.net) if self.dtype == np.float64 else None
        self.general = general_of(self.net)
        size = int(graph.value_start[-1])
        self.values, self.pre, self.grads = (np.zeros(size, self.dtype) for _ in range(3))
        sizes = np.where(graph.output >= 0, (graph.rows * graph.cols)[np.maximum(graph.output, 0)], 0)
        self.output_start = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
        if isinstance(targets, tuple):     # already flat: (values, CSR start), as many samples make them
            flat_targets, target_start = (np.ascontiguousarray(a, d) for a, d in zip(targets, (np.float64, np.int64)))
        else:
            targets = targets if targets is not None else [np.zeros(1)] * graph.sample_count
            flat = [np.asarray(t, np.float64).ravel() for t in targets]
            target_start = np.concatenate([[0], np.cumsum([t.size for t in flat])]).astype(np.int64)
            flat_targets = np.concatenate(flat) if flat else np.zeros(0)
        self.samples = kernels.Samples(np.ascontiguousarray(graph.sample_start, np.int64),
                                       np.ascontiguousarray(graph.sample_neurons, np.int32),
                                       np.ascontiguousarray(graph.output, np.int64), target_start, flat_targets)
        self._workspace = None
        self._sample_weights = None
        self._learns = None
        self._evaluated_at = None   # the parameters every neuron's value was last computed from
        self._batches = None        # what ``batch_gradient`` keeps between calls

    @property
    def plan(self):
        """The plan of online epochs and of evaluation (None: neuron by neuron); minibatches
        may plan smaller weights too.  (Evaluation runs as online training does, so that a
        fresh install compiles one way of running a network, not two.)  Setting it sets the
        minibatches' plan too (tests compare the two ways on one network)."""
        return self._plans[0]

    @plan.setter
    def plan(self, plan) -> None:
        self._plans = (plan, plan)

    def _lanes(self, plan):
        return self.lanes if plan is None else None

    def params(self, values: np.ndarray) -> Params:
        """The parameters as the kernels take them: ``values`` itself in float64, else a copy."""
        return params_of(self.graph.weights, values.astype(self.dtype, copy=False))

    def workspace(self, params: Params):
        if self._workspace is None:
            self._workspace = workspace(self.net, params)
        return self._workspace

    def _split(self, flat: np.ndarray) -> list[np.ndarray]:
        return [flat[a:b].copy() for a, b in zip(self.output_start[:-1], self.output_start[1:])]

    def _constants_ready(self, values: np.ndarray) -> bool:
        """Whether the constant neurons hold their values for these parameters: they depend on
        the weights that do not learn only (``_learns``), so they are computed once, not every
        epoch."""
        last = self._evaluated_at
        if last is None or last.shape != values.shape:
            return False
        return np.array_equal(last[self._learns[2]], values[self._learns[2]])

    def outputs(self, values: np.ndarray) -> list[np.ndarray]:
        """Every sample's output at parameters ``values`` (empty for samples without one)."""
        return self._split(self.flat_outputs(values))

    def flat_outputs(self, values: np.ndarray) -> np.ndarray:
        """Every sample's output at parameters ``values``, flat: sample s's at
        ``output_start[s]:output_start[s + 1]`` (for many samples: no array each)."""
        params = self.params(values)
        flat = np.zeros(self.output_start[-1])
        kernels.evaluate(self.samples, self.net, params, self.values, self.pre, self.workspace(params), flat,
                         self.output_start, self.plan, self.general)
        self._evaluated_at = values.copy()
        return flat

    def values_at(self, values: np.ndarray, neurons: np.ndarray | None = None) -> np.ndarray:
        """The value buffer (indexed by ``graph.value_start``) at parameters ``values``, with
        every neuron computed, or only ``neurons`` (ids in topological order; the others keep
        what they held).  The buffer is the network's own: the next pass overwrites it."""
        params = self.params(values)
        ws = self.workspace(params)
        if neurons is None:
            kernels.forward_all(self.net, params, self.values, self.pre, ws, None, self.general)
            self._evaluated_at = values.copy()
        else:
            neurons = np.ascontiguousarray(neurons, np.int64)
            one = kernels.Samples(np.array([0, neurons.shape[0]], np.int64), neurons, np.full(1, -1, np.int64),
                                  np.zeros(2, np.int64), np.zeros(0))
            kernels.forward_sample(0, one, self.net, params, self.values, self.pre, ws, self.general)
            self._evaluated_at = None    # the buffer mixes parameters now: constants are recomputed
        return self.values

    def _ready(self, values: np.ndarray, learnable: np.ndarray) -> tuple:
        """What a training pass takes besides its own arguments: the parameters, which neurons
        learn, and the per-sample weight lists; the constant neurons computed (once)."""
        params = self.params(values)
        if self._sample_weights is None:
            self._sample_weights = kernels.sample_weights(self.samples, self.net.kind, self.net.offset,
                                                          self.net.input_start, self.net.edge_weight,
                                                          len(self.graph.weights))
        key = np.asarray(learnable, np.int8)
        if self._learns is None or not np.array_equal(self._learns[0], key):
            # (which weights learn, which neurons learn, which parameter values stay fixed)
            self._learns = (key.copy(), learning_neurons(self.net, key),
                            ~np.repeat(key.astype(bool), np.diff(params.start)))
        learns = self._learns[1]
        if not self._constants_ready(values):
            kernels.forward_constants(self.net, params, self.values, self.pre, self.workspace(params), learns,
                                      self.general)
            self._evaluated_at = values.copy()
        return params, learns, self._sample_weights

    def epoch(self, values: np.ndarray, optimizer: kernels.Optimizer, order: np.ndarray, batch_size: int,
              loss_code: int, loss_factor: float) -> tuple[np.ndarray, np.ndarray, bool]:
        """One training epoch (updates ``values`` in place): (losses, outputs seen, finite?).
        The outputs are flat: sample s's at ``output_start[s]:output_start[s + 1]``."""
        params, learns, sample_weights = self._ready(values, optimizer.learnable)
        pgrad = np.zeros(values.shape)
        touched = np.zeros(len(self.graph.weights), np.int8)
        touched_ids = np.zeros(len(self.graph.weights), np.int64)
        losses = np.zeros(self.graph.sample_count)
        flat = np.zeros(self.output_start[-1])
        arguments = (np.ascontiguousarray(order, np.int64), batch_size, self.samples, self.net, params, optimizer,
                     loss_code, loss_factor, self.values, self.pre, self.grads, pgrad, self.workspace(params),
                     *sample_weights, touched, touched_ids, losses, flat, self.output_start, learns)
        plan = self._plans[0] if batch_size == 1 else self._plans[1]
        arguments += (self._lanes(plan), plan, self.general)
        if batch_size == 1:
            finite = kernels.train_epoch(*arguments)
        else:
            finite = kernels.train_epoch_batched(*arguments, np.zeros(self.graph.neuron_count, np.int64))
        if params.values is not values:
            values[:] = params.values
        if not finite:
            self._batches = None      # stopped half way: the gradients are not all consumed
        return losses, flat, bool(finite)

    def batch_gradient(self, values: np.ndarray, members: np.ndarray, learnable: np.ndarray, loss_code: int,
                       loss_factor: float) -> tuple[np.ndarray, np.ndarray, int, np.ndarray]:
        """One minibatch's part without a step, as the epochs compute it: (dL/dparameters
        summed over ``members``, the ids of the weights they use, their target elements (-1:
        a loss is not finite), the members' losses).  What is as large as the graph or the
        samples is kept between calls, so a call costs its batch."""
        params, learns, sample_weights = self._ready(values, learnable)
        if self._batches is None:     # stamps, the last mark, a buffer of neuron ids, losses, outputs
            neurons = self.graph.neuron_count
            self._batches = [np.zeros(neurons, np.int64), 0, np.empty(neurons, np.int32),
                             np.zeros(self.graph.sample_count), np.zeros(self.output_start[-1])]
            self.grads[:] = 0.0       # the backward passes leave it zero from here on
        self._batches[1] += 1
        stamp, mark, buffer, losses, outputs = self._batches
        members = np.ascontiguousarray(members, np.int64)
        pgrad = np.zeros(values.shape)
        weights = len(self.graph.weights)
        touched, touched_ids = np.zeros(weights, np.int8), np.zeros(weights, np.int64)
        plan = self._plans[1]
        elements, count = kernels.batch_gradient(
            members, self.samples, self.net, params, loss_code, loss_factor, self.values, self.pre, self.grads,
            pgrad, self.workspace(params), *sample_weights, touched, touched_ids, losses, outputs, self.output_start,
            learns, self._lanes(plan), plan, self.general, stamp, mark, buffer)
        if elements < 0:
            self._batches = None      # stopped half way: the gradients are not all consumed
        return pgrad, touched_ids[:count].copy(), int(elements), losses[members]

    def gradients(self, values: np.ndarray, loss_code: int, loss_factor: float,
                  which: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(dL/dparameters, dL/dneuron values, per-sample losses) summed over ``which`` samples."""
        params = self.params(values)
        which = np.arange(self.graph.sample_count) if which is None else np.asarray(which, np.int64)
        pgrad = np.zeros(values.shape)
        losses = np.zeros(self.graph.sample_count)
        kernels.gradients(self.samples, which, self.net, params, loss_code, loss_factor, self.values, self.pre,
                          self.grads, pgrad, self.workspace(params), losses, self.plan, self.general)
        self._batches = None          # the gradient buffer holds values now
        self._evaluated_at = values.copy()
        return pgrad, self.grads.astype(np.float64), losses

    @property
    def rewirable(self) -> bool:
        """Whether ``rewire`` may repoint this network (it runs no planned products)."""
        return self._plans == (None, None)

    def rewire(self, edges: np.ndarray, sources: np.ndarray, sample_neurons: np.ndarray,
               sample_weights: tuple[np.ndarray, np.ndarray] | None = None) -> None:
        """Point ``edges`` at new ``sources`` (each of the size of the input it replaces) and give
        the samples new neuron lists of the same lengths, in place: the neurons, the buffers and
        the rest stay, so the next batch of queries of the same form needs no new Network (``kbc``
        attaches each epoch's triples to its KB network so).  ``sample_weights``: the new lists'
        weights, as ``kernels.sample_weights`` gives them, when the caller knows them (else they
        are listed again before training).  Not for a graph with planned products."""
        graph, net = self.graph, self.net
        if not self.rewirable:
            raise NeuraLogicLiteError("rewire: this network runs planned products; make a new Network instead")
        if sample_neurons.shape != self.samples.neurons.shape or \
                not repoint(net.edge_src, net.edge_plan, graph.value_start, np.asarray(edges, np.int64),
                            np.asarray(sources, np.int64)):
            raise NeuraLogicLiteError("rewire: the new inputs or sample lists differ in size from the old")
        if graph.edge_src is not net.edge_src:
            graph.edge_src[edges] = sources
        for array in {id(a): a for a in (graph.sample_neurons, self.samples.neurons)}.values():
            array[:] = sample_neurons
        self._sample_weights = sample_weights
        self._learns = None
        self._evaluated_at = None


def evaluator() -> Callable[[NeuralGraph, np.ndarray, "np.ndarray | None"], np.ndarray]:
    """``evaluate(graph, params, neurons) -> values``, as value lifting takes it
    (``lifting.values``): ``Network.values_at`` of each graph, its ``Network`` made once while
    the graph stays the same (lifting evaluates one graph many times)."""
    last: list = [None, None]     # the graph and its network

    def evaluate(graph: NeuralGraph, params: np.ndarray, neurons: np.ndarray | None) -> np.ndarray:
        if last[0] is not graph:
            last[:] = [graph, Network(graph)]
        return last[1].values_at(params, neurons)
    return evaluate
