"""The NumPy engine: the updates of :mod:`digitnet.backprop`, written for speed.

Hot loops: every array is preallocated for one batch size and every NumPy call writes with
``out=``, so a mini-batch allocates nothing; derivatives come from the stored activations
(each :class:`~digitnet.activations.Activation`'s in-place functions). Tests hold the step
equal to the reference.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.typing import NDArray

from digitnet.activations import SIGMOID
from digitnet.backprop import dropout_masks
from digitnet.costs import QUADRATIC, Cost
from digitnet.network import Network
from digitnet.optimizer import GradientDescent
from digitnet.pixels import as_unit_interval

FloatArray = NDArray[np.floating]

#: A mini-batch update: ``step(x, y, learning_rate)`` changes the network in place.
Step = Callable[[FloatArray, FloatArray, float], None]


class NumpyStep:
    """One mini-batch of SGD for any activations, cost, dropout and update rule.

    The same maths as :func:`digitnet.backprop.backprop` followed by ``optimizer.step``,
    with every buffer preallocated for batches of ``mini_batch_size`` (``np.dot`` has the
    least per-call overhead at the book's tiny sizes; the bias gradient is ``ones @ delta``,
    cheaper than a reduction). For the book's plain rule ``w <- w - eta g`` the learning
    rate is folded into the output error, a tiny (m, n_out) array, so each weight update is
    one product and one subtraction: the other rules need a pass of their own.
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
            network.activation_of_layer(l).in_place(z)
            if masks and l < n_layers - 1:
                np.multiply(z, masks[l], out=inputs[l + 1])
        delta = self.deltas[-1]
        np.subtract(outputs[-1], y, out=delta)
        if self.cost is QUADRATIC:  # (a - y) sigma'(z); the other costs' sigma' cancels
            SIGMOID.derivative_in_place(outputs[-1], self.scratch[-1])  # type: ignore[misc]
            delta *= self.scratch[-1]
        plain = self.optimizer.plain
        # The 1/m of the mean (and eta, for the plain rule) travels back with the error.
        delta *= (learning_rate if plain else 1) / self.batch_size
        hidden_derivative = network.hidden_activation.derivative_in_place
        assert hidden_derivative is not None  # hidden layers are never softmax
        for l in range(n_layers - 1, -1, -1):
            np.dot(self.ones, delta, out=self.nabla_b[l])
            np.dot(delta.T, inputs[l], out=self.nabla_w[l])
            if l > 0:  # propagate through w^l before it changes
                previous = self.deltas[l - 1]
                np.dot(delta, weights[l], out=previous)
                hidden_derivative(outputs[l - 1], self.scratch[l - 1])
                previous *= self.scratch[l - 1]
                if masks:
                    previous *= masks[l - 1]
                delta = previous
            if plain:
                biases[l] -= self.nabla_b[l]
                weights[l] -= self.nabla_w[l]
        if not plain:
            self.optimizer.step(self.nabla_b, self.nabla_w, learning_rate)


class NumpyEpoch:
    """Runs mini-batches through a NumPy update made by ``make_step(batch_size)``.

    Each batch is gathered by index into a contiguous buffer (uint8 pixels are scaled into
    it), so the training data is never copied whole. ``images`` may be replaced between
    epochs (by fresh distortions of the same images). ``velocities`` are the update rule's
    (see :class:`~digitnet.optimizer.GradientDescent`), for a checkpoint to save.
    """

    def __init__(
        self,
        network: Network,
        images: NDArray[Any],
        targets: FloatArray,
        mini_batch_size: int,
        make_step: Callable[[int], Step],
        *,
        velocities: list[FloatArray] | None = None,
    ) -> None:
        self.network, self.images, self.targets = network, images, targets
        self.velocities = [] if velocities is None else velocities
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
