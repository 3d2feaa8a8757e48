"""Backpropagation: the gradient of the cost for a whole mini-batch, the readable reference.

The mini-batch ``x`` (m, n_in) goes through the network as one matrix, then the error
travels back layer by layer (rows are examples):

    delta^L = dC/dz^L                                  (from the cost: (a - y) sigma'(z) or a - y)
    delta^l = (delta^(l+1) w^(l+1)) * f'(z^l)          (f the hidden activation)
    dC/db^l = mean over the batch of delta^l
    dC/dw^l = delta^l^T a^(l-1) / m

With dropout, each hidden neuron is switched off at random for the mini-batch: its output is
multiplied by a mask of 0 (dropped, with probability ``p``) or ``1 / (1 - p)`` (kept, scaled
so that the expected input of the next layer is unchanged), and the error flows back through
the same mask.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from digitnet.costs import QUADRATIC, Cost
from digitnet.network import Network

FloatArray = NDArray[np.floating]


def dropout_masks(
    rng: np.random.Generator, network: Network, m: int, rate: float
) -> list[FloatArray]:
    """One mask (m, n) per hidden layer: 0 with probability ``rate``, else ``1 / (1 - rate)``.

    The draws are the same, in the same order, for every engine that uses dropout.
    """
    masks = []
    for n in network.sizes[1:-1]:
        kept = rng.random((m, n), dtype=network.dtype) >= rate
        masks.append(kept * network.dtype(1 / (1 - rate)))
    return masks


@dataclass(frozen=True)
class BackwardPass:
    """Every intermediate of one mini-batch's backpropagation, rows the ``m`` examples.

    ``zs[l]`` (m, n) is weight layer ``l``'s weighted input ``z = a w^T + b``,
    ``activations`` what each layer feeds the next (the input ``x`` first, then ``f(z)``,
    times the mask under dropout), ``deltas[l]`` (m, n) the error ``dC_x/dz`` of each
    example (not averaged), ``nabla_b`` and ``nabla_w`` the gradients of the mean cost,
    shaped like ``network.biases`` and ``network.weights``.
    """

    zs: list[FloatArray]
    activations: list[FloatArray]
    deltas: list[FloatArray]
    nabla_b: list[FloatArray]
    nabla_w: list[FloatArray]


def backprop(
    network: Network,
    x: FloatArray,
    y: FloatArray,
    cost: Cost = QUADRATIC,
    masks: list[FloatArray] | None = None,
) -> tuple[list[FloatArray], list[FloatArray]]:
    """Gradients ``(dC/db, dC/dw)`` of the mean cost over one mini-batch.

    ``x`` (m, n_in) are the inputs, ``y`` (m, n_out) the desired outputs, ``masks`` the
    dropout masks of the hidden layers (see :func:`dropout_masks`), if any. Returns lists
    shaped like ``network.biases`` and ``network.weights``.
    """
    laid_open = backward_pass(network, x, y, cost, masks)
    return laid_open.nabla_b, laid_open.nabla_w


def backward_pass(
    network: Network,
    x: FloatArray,
    y: FloatArray,
    cost: Cost = QUADRATIC,
    masks: list[FloatArray] | None = None,
) -> BackwardPass:
    """:func:`backprop` with every intermediate kept: the ``zs``, the activations and the
    ``deltas`` of each layer beside the gradients (the arrays it computes anyway)."""
    m, n_layers = x.shape[0], len(network.weights)
    zs: list[FloatArray] = []
    outputs: list[FloatArray] = []  # f(z) of each layer
    activations = [x]  # what each layer feeds the next: f(z), times the mask under dropout
    for l, (w, b) in enumerate(zip(network.weights, network.biases)):
        zs.append(activations[-1] @ w.T + b)
        outputs.append(network.activation_of_layer(l).function(zs[-1]))
        hidden = l < n_layers - 1
        activations.append(outputs[-1] * masks[l] if masks and hidden else outputs[-1])
    delta = cost.output_error(outputs[-1], y)
    derivative = network.hidden_activation.derivative_from_output
    deltas: list[FloatArray] = [np.empty(0)] * n_layers
    nabla_b: list[FloatArray] = [np.empty(0)] * n_layers
    nabla_w: list[FloatArray] = [np.empty(0)] * n_layers
    for l in range(n_layers - 1, -1, -1):
        deltas[l] = delta
        nabla_b[l] = delta.sum(axis=0) / m
        nabla_w[l] = delta.T @ activations[l] / m
        if l > 0:
            assert derivative is not None  # hidden activations are elementwise
            delta = (delta @ network.weights[l]) * derivative(outputs[l - 1])
            if masks:
                delta = delta * masks[l - 1]
    return BackwardPass(zs, activations, deltas, nabla_b, nabla_w)


def update_mini_batch(
    network: Network, x: FloatArray, y: FloatArray, learning_rate: float, cost: Cost = QUADRATIC
) -> None:
    """One step of gradient descent on one mini-batch: ``w <- w - eta dC/dw``, the book's."""
    descend(network, *backprop(network, x, y, cost), learning_rate)


def descend(
    network: Network, nabla_b: list[FloatArray], nabla_w: list[FloatArray], learning_rate: float
) -> None:
    """Move every weight and bias down its gradient, in place: ``w <- w - eta dC/dw``,
    ``b <- b - eta dC/db``."""
    for b, w, nb, nw in zip(network.biases, network.weights, nabla_b, nabla_w):
        b -= learning_rate * nb
        w -= learning_rate * nw
