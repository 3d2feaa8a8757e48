"""The NumPy engine: the updates of :mod:`digitnet.backprop`, written for speed.

Hot loops: every array is preallocated for one batch size and every NumPy call writes with
``out=``, so a mini-batch allocates nothing; derivatives come from the stored activations.
:class:`FastSigmoidQuadraticStep` is the book's chapter 1 network, as lean as NumPy allows;
:class:`GeneralStep` runs every other combination (tanh and ReLU, softmax, cross-entropy,
dropout, momentum, L2). Tests hold both equal to the reference.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.typing import NDArray

from digitnet.backprop import backprop, dropout_masks
from digitnet.costs import QUADRATIC, Cost
from digitnet.network import Network
from digitnet.optimizer import GradientDescent
from digitnet.pixels import as_unit_interval

FloatArray = NDArray[np.floating]

#: A mini-batch update: ``step(x, y, learning_rate)`` changes the network in place.
Step = Callable[[FloatArray, FloatArray, float], None]


def _activate_in_place(name: str, z: FloatArray) -> None:
    """``z <- f(z)`` for the activation ``name``, without allocating (but softmax's row sums)."""
    if name == "sigmoid":
        np.negative(z, out=z)
        np.exp(z, out=z)  # overflow to inf is exact: sigma = 1 / (1 + inf) = 0
        z += 1
        np.reciprocal(z, out=z)
    elif name == "tanh":
        np.tanh(z, out=z)
    elif name == "relu":
        np.maximum(z, 0, out=z)
    else:  # softmax, stable: e^(z - max z) / sum
        z -= z.max(axis=1, keepdims=True)
        np.exp(z, out=z)
        z /= z.sum(axis=1, keepdims=True)


def _derivative_in_place(name: str, a: FloatArray, out: FloatArray) -> None:
    """``out <- f'(z)`` from the activation's output ``a``."""
    if name == "sigmoid":
        np.subtract(1, a, out=out)
        out *= a
    elif name == "tanh":
        np.multiply(a, a, out=out)
        np.subtract(1, out, out=out)
    else:  # relu
        np.greater(a, 0, out=out)


class FastSigmoidQuadraticStep:
    """The same update as :func:`update_mini_batch`, for speed: no allocation per batch.

    Hot loop: every array is preallocated for one batch size and every NumPy call writes
    with ``out=`` (``np.dot`` has the least per-call overhead at these tiny sizes; the bias
    gradient is ``ones @ delta``, cheaper than a reduction). The learning rate is folded into
    the output error, a tiny (m, n_out) array, so each big weight update is one product and
    one subtraction; ``sigma'`` comes from the stored activations. Specific to sigmoid
    neurons and the quadratic cost.
    """

    def __init__(self, network: Network, mini_batch_size: int) -> None:
        self.network = network
        dtype, m, sizes = network.dtype, mini_batch_size, network.sizes
        self.batch_size = m
        self.activations = [np.empty((m, n), dtype) for n in sizes]
        self.deltas = [np.empty((m, n), dtype) for n in sizes]
        self.scratch = [np.empty((m, n), dtype) for n in sizes]
        self.nabla_w = [np.empty_like(w) for w in network.weights]
        self.nabla_b = [np.empty_like(b) for b in network.biases]
        self.ones = np.ones(m, dtype)

    def __call__(self, x: FloatArray, y: FloatArray, learning_rate: float) -> None:
        """Update the network on the batch ``x`` (m, n_in), ``y`` (m, n_out)."""
        weights, biases = self.network.weights, self.network.biases
        acts, deltas, scratch = self.activations, self.deltas, self.scratch
        acts[0] = x
        for l in range(len(weights)):
            z = acts[l + 1]
            np.dot(acts[l], weights[l].T, out=z)
            z += biases[l]
            _activate_in_place("sigmoid", z)
        delta, output = deltas[-1], acts[-1]
        np.subtract(output, y, out=delta)
        _derivative_in_place("sigmoid", output, scratch[-1])
        delta *= scratch[-1]
        delta *= learning_rate / self.batch_size
        for l in range(len(weights) - 1, -1, -1):
            np.dot(self.ones, delta, out=self.nabla_b[l])
            np.dot(delta.T, acts[l], out=self.nabla_w[l])
            if l > 0:  # propagate through w^l before it changes
                np.dot(delta, weights[l], out=deltas[l])
                _derivative_in_place("sigmoid", acts[l], scratch[l])
                deltas[l] *= scratch[l]
            biases[l] -= self.nabla_b[l]
            weights[l] -= self.nabla_w[l]
            delta = deltas[l]


class GeneralStep:
    """One mini-batch of SGD for any activations, cost, dropout and update rule.

    The same maths as :func:`digitnet.backprop.backprop` followed by ``optimizer.step``,
    with every buffer preallocated for batches of ``mini_batch_size``.
    """

    def __init__(
        self,
        network: Network,
        mini_batch_size: int,
        cost: Cost,
        optimizer: GradientDescent,
        *,
        dropout: float = 0.0,
        rng: np.random.Generator | None = None,
    ) -> None:
        self.network, self.cost, self.optimizer = network, cost, optimizer
        self.dropout, self.rng = dropout, rng
        dtype, m, sizes = network.dtype, mini_batch_size, network.sizes
        self.batch_size = m
        self.outputs = [np.empty((m, n), dtype) for n in sizes[1:]]
        # What each layer feeds the next: its outputs, or a masked copy under dropout.
        masked = [np.empty((m, n), dtype) for n in sizes[1:-1]] if dropout else self.outputs
        self.inputs: list[FloatArray] = [np.empty(0, dtype), *masked[: len(sizes) - 2]]
        self.deltas = [np.empty((m, n), dtype) for n in sizes[1:]]
        self.scratch = [np.empty((m, n), dtype) for n in sizes[1:]]
        self.nabla_w = [np.empty_like(w) for w in network.weights]
        self.nabla_b = [np.empty_like(b) for b in network.biases]
        self.ones = np.ones(m, dtype)

    def __call__(self, x: FloatArray, y: FloatArray, learning_rate: float) -> None:
        """Update the network on the batch ``x`` (m, n_in), ``y`` (m, n_out)."""
        network, outputs, inputs = self.network, self.outputs, [x, *self.inputs[1:]]
        weights, biases, n_layers = network.weights, network.biases, len(network.weights)
        masks = (
            dropout_masks(self.rng, network, self.batch_size, self.dropout)  # type: ignore[arg-type]
            if self.dropout
            else []
        )
        for l in range(n_layers):
            z = outputs[l]
            np.dot(inputs[l], weights[l].T, out=z)
            z += biases[l]
            _activate_in_place(network.layer_activation(l).name, z)
            if masks and l < n_layers - 1:
                np.multiply(z, masks[l], out=inputs[l + 1])
        delta = self.deltas[-1]
        np.subtract(outputs[-1], y, out=delta)
        if self.cost is QUADRATIC:  # (a - y) sigma'(z); the other costs' sigma' cancels
            _derivative_in_place("sigmoid", outputs[-1], self.scratch[-1])
            delta *= self.scratch[-1]
        delta /= self.batch_size  # the 1/m of the mean travels back with the error
        hidden = network.activation.name
        for l in range(n_layers - 1, -1, -1):
            np.dot(self.ones, delta, out=self.nabla_b[l])
            np.dot(delta.T, inputs[l], out=self.nabla_w[l])
            if l > 0:
                previous = self.deltas[l - 1]
                np.dot(delta, weights[l], out=previous)
                _derivative_in_place(hidden, outputs[l - 1], self.scratch[l - 1])
                previous *= self.scratch[l - 1]
                if masks:
                    previous *= masks[l - 1]
                delta = previous
        self.optimizer.step(self.nabla_b, self.nabla_w, learning_rate)


def reference_step(
    network: Network,
    cost: Cost,
    optimizer: GradientDescent,
    *,
    dropout: float = 0.0,
    rng: np.random.Generator | None = None,
) -> Step:
    """The readable update: :func:`~digitnet.backprop.backprop`, then ``optimizer.step``."""

    def step(x: FloatArray, y: FloatArray, learning_rate: float) -> None:
        masks = dropout_masks(rng, network, x.shape[0], dropout) if dropout else None  # type: ignore[arg-type]
        nabla_b, nabla_w = backprop(network, x, y, cost, masks)
        optimizer.step(nabla_b, nabla_w, learning_rate)

    return step


class NumpyEpoch:
    """Runs mini-batches through a NumPy update made by ``make_step(batch_size)``.

    Each batch is gathered by index into a contiguous buffer (uint8 pixels are scaled into
    it), so the training data is never copied whole. ``images`` may be replaced between
    epochs (by fresh distortions of the same images).
    """

    def __init__(
        self,
        network: Network,
        images: NDArray[Any],
        targets: FloatArray,
        mini_batch_size: int,
        make_step: Callable[[int], Step],
    ) -> None:
        self.network, self.images, self.targets = network, images, targets
        self.mini_batch_size = mini_batch_size
        self.pixels = np.empty((mini_batch_size, images.shape[1]), images.dtype)
        self.x = np.empty((mini_batch_size, images.shape[1]), network.dtype)
        self.make_step = make_step
        self.steps: dict[int, Step] = {}

    def run(self, order: NDArray[np.intp], learning_rate: float) -> None:
        """SGD over the examples ``order``, ``mini_batch_size`` at a time."""
        m = self.mini_batch_size
        for start in range(0, len(order), m):
            index = order[start : start + m]
            size = len(index)
            x, y = self.x[:size], self.targets[index]
            if self.images.dtype == np.uint8:
                pixels = self.pixels[:size]
                np.take(self.images, index, axis=0, out=pixels)
                as_unit_interval(pixels, self.network.dtype, out=x)
            else:
                np.take(self.images, index, axis=0, out=x)
            if size not in self.steps:  # one for the batch size, one for a short last batch
                self.steps[size] = self.make_step(size)
            self.steps[size](x, y, learning_rate)
