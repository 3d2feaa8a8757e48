"""Backpropagation through a convolutional network, the readable reference.

The error ``delta = dC/dz`` of each layer's weighted input travels back from the output
(``a - y`` for softmax with the log-likelihood), as in :mod:`digitnet.backprop`:

- a fully-connected layer: ``dC/dw = delta^T a_in / m``, ``dC/db`` the mean of ``delta``,
  and ``delta w`` the error of its input;
- a conv-pool layer: ``dC/db`` sums its map's errors over positions, max-pooling sends each
  error to its block's winner, and :func:`~digitnet.conv.layers.convolve_backward` gives the
  kernels' gradient and the input's error;
- below each hidden layer, the error of its output times ``f'``, from the output itself.

Dropout, as in the book's ``network3.py``, acts on the input of every fully-connected and
softmax layer: a mask of 0 (probability ``p``) or ``1 / (1 - p)`` per input and example,
and the error goes back through the same mask.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from digitnet.conv.layers import (
    FloatArray,
    IndexArray,
    convolve,
    convolve_backward,
    max_pool,
    max_pool_backward,
    pad,
    unpad,
)
from digitnet.conv.network import ConvNetwork
from digitnet.conv.spec import Conv
from digitnet.costs import Cost


def dense_dropout_masks(
    rng: np.random.Generator, network: ConvNetwork, m: int, rate: float
) -> list[FloatArray]:
    """One mask (m, n_in) per fully-connected or softmax layer, first to last: 0 with
    probability ``rate``, else ``1 / (1 - rate)``. Every engine draws the same ones."""
    masks = []
    for layer, before in zip(network.layers, network.sizes):
        if not isinstance(layer, Conv):
            kept = rng.random((m, before), dtype=network.dtype) >= rate
            masks.append(kept * network.dtype(1 / (1 - rate)))
    return masks


@dataclass
class Forward:
    """What a forward pass keeps for the backward one, layer by layer: each layer's input
    (padded maps, or masked rows), its pooling (the maps' shape before, the winners), its
    output ``f(z)``."""

    inputs: list[FloatArray] = field(default_factory=list)
    pooling: list[tuple[tuple[int, ...], IndexArray] | None] = field(default_factory=list)
    outputs: list[FloatArray] = field(default_factory=list)


def forward(network: ConvNetwork, x: FloatArray, masks: list[FloatArray] | None = None) -> Forward:
    """The forward pass of ``x`` (m, 784) through ``network``, recorded; ``masks`` from
    :func:`dense_dropout_masks`, if any."""
    m, dense_masks, record = x.shape[0], list(masks or []), Forward()
    a: FloatArray = x.reshape(m, *network.shapes[0])
    for l, layer in enumerate(network.layers):
        w, b = network.weights[l], network.biases[l]
        if isinstance(layer, Conv):
            record.inputs.append(pad(a, layer.size, layer.padding))
            c = convolve(record.inputs[-1], w)
            z, where = max_pool(c, layer.pool) if layer.pool > 1 else (c, None)
            record.pooling.append(None if where is None else (c.shape, where))
        else:
            rows = a.reshape(m, -1)
            record.inputs.append(rows * dense_masks.pop(0) if masks else rows)
            record.pooling.append(None)
            z = record.inputs[-1] @ w.T
        a = network.activation_of_layer(l).function(z + b)
        record.outputs.append(a)
    return record


def conv_backprop(
    network: ConvNetwork,
    x: FloatArray,
    y: FloatArray,
    cost: Cost,
    masks: list[FloatArray] | None = None,
) -> tuple[list[FloatArray], list[FloatArray]]:
    """Gradients ``(dC/db, dC/dw)`` of the mean cost over the mini-batch ``x`` (m, 784),
    ``y`` (m, n_out), shaped like ``network.biases`` and ``network.weights``."""
    m, record = x.shape[0], forward(network, x, masks)
    dense_masks = list(masks or [])
    delta = cost.output_error(record.outputs[-1], y)
    derivative = network.hidden_activation.derivative_from_output
    assert derivative is not None  # hidden activations are elementwise
    n_layers = len(network.layers)
    nabla_b: list[FloatArray] = [np.empty(0)] * n_layers
    nabla_w: list[FloatArray] = [np.empty(0)] * n_layers
    for l in range(n_layers - 1, -1, -1):
        layer, w = network.layers[l], network.weights[l]
        if isinstance(layer, Conv):
            nabla_b[l] = delta.sum(axis=(0, 1, 2)) / m
            pooled = record.pooling[l]
            if pooled is not None:
                delta = max_pool_backward(delta, pooled[1], layer.pool, pooled[0])
            nabla_input, nabla_w[l] = convolve_backward(delta, record.inputs[l], w)
            nabla_w[l] /= m
            nabla_input = unpad(nabla_input, layer.size, layer.padding)
        else:
            nabla_b[l] = delta.sum(axis=0) / m
            nabla_w[l] = delta.T @ record.inputs[l] / m
            nabla_input = delta @ w
            if masks:
                nabla_input *= dense_masks.pop()  # the last layer's first, going back
        if l > 0:
            below = record.outputs[l - 1]
            delta = nabla_input.reshape(below.shape) * derivative(below)
    return nabla_b, nabla_w
