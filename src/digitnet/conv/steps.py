"""The fast conv engine: one mini-batch of SGD through im2col and BLAS, buffers preallocated.

The maths of :func:`digitnet.conv.backprop.conv_backprop` followed by ``optimizer.step``;
every layer's arrays are allocated once for the batch size, each convolution is one matrix
product over :func:`~digitnet.conv.fast.im2col`'s rows, and the kernels' gradient another.
``pooling`` supplies max-pooling and its backward pass and ``col2im`` the input's
gradient: NumPy's (:mod:`digitnet.conv.layers`, :mod:`digitnet.conv.fast`) or Numba's
(:mod:`digitnet.conv.kernels`). Tests hold the step equal to the reference.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from digitnet.conv import fast, layers
from digitnet.conv.backprop import conv_backprop, dense_dropout_masks
from digitnet.conv.layers import FloatArray, IndexArray, padding_of
from digitnet.conv.network import ConvNetwork
from digitnet.conv.spec import Conv
from digitnet.costs import QUADRATIC, Cost
from digitnet.optimizer import GradientDescent


@dataclass(frozen=True)
class Kernels:
    """The hot loops a step calls: ``pool(c, size, out, where)`` writes the maxima of
    ``c``'s blocks and their winners; ``unpool(delta, where, size, out)`` the error of
    ``c``; ``col2im(nabla_cols, out, size)`` adds rows back into ``out``, zeroed first;
    ``im2col(x, size, out)`` writes the windows of ``x`` as rows."""

    pool: Callable[[FloatArray, int, FloatArray, IndexArray], None]
    unpool: Callable[[FloatArray, IndexArray, int, FloatArray], None]
    col2im: Callable[[FloatArray, FloatArray, int], None]
    im2col: Callable[[FloatArray, int, FloatArray], None]


def _numpy_pool(c: FloatArray, size: int, out: FloatArray, where: IndexArray) -> None:
    out[...], where[...] = layers.max_pool(c, size)


def _numpy_unpool(delta: FloatArray, where: IndexArray, size: int, out: FloatArray) -> None:
    out[...] = layers.max_pool_backward(delta, where, size, out.shape)


def _numpy_col2im(nabla_cols: FloatArray, out: FloatArray, size: int) -> None:
    fast.col2im(nabla_cols, out.shape, size, out=out)


def _numpy_im2col(x: FloatArray, size: int, out: FloatArray) -> None:
    fast.im2col(x, size, out=out)


#: The NumPy kernels, the tested reference of the compiled ones.
NUMPY_KERNELS = Kernels(_numpy_pool, _numpy_unpool, _numpy_col2im, _numpy_im2col)


class ConvLayerBuffers:
    """The arrays of one conv layer for batches of ``m``: the padded input, im2col's rows,
    the maps before pooling, the winners, and their gradients."""

    def __init__(self, m: int, layer: Conv, before: tuple[int, ...], dtype: type) -> None:
        rows, columns, maps = before
        pad_before, pad_after = padding_of(layer.size, layer.padding)
        padded = (m, rows + pad_before + pad_after, columns + pad_before + pad_after, maps)
        self.padded: FloatArray | None = (
            np.zeros(padded, dtype) if pad_before or pad_after else None
        )
        out_rows, out_columns = (fast.output_side(s, layer.size) for s in padded[1:3])
        positions = m * out_rows * out_columns
        self.cols: FloatArray = np.empty((positions, layer.size * layer.size * maps), dtype)
        self.c: FloatArray = np.empty((positions, layer.maps), dtype)
        self.c_maps = self.c.reshape(m, out_rows, out_columns, layer.maps)
        pooled = (m, out_rows // layer.pool, out_columns // layer.pool, layer.maps)
        self.where = np.empty(pooled, np.int8)
        self.nabla_c = np.empty_like(self.c)
        self.nabla_c_maps = self.nabla_c.reshape(self.c_maps.shape)
        self.nabla_cols = np.empty_like(self.cols)
        self.nabla_padded: FloatArray = np.empty(padded, dtype)
        self.inner = (pad_before, pad_after)


class ConvStep:
    """One mini-batch of SGD through a :class:`ConvNetwork`, for batches of ``mini_batch_size``."""

    def __init__(
        self,
        network: ConvNetwork,
        mini_batch_size: int,
        cost: Cost,
        optimizer: GradientDescent,
        *,
        dropout: float = 0.0,
        rng: np.random.Generator | None = None,
        kernels: Kernels = NUMPY_KERNELS,
    ) -> None:
        self.network, self.cost, self.optimizer, self.kernels = network, cost, optimizer, kernels
        self.dropout, self.rng, self.m = dropout, rng, mini_batch_size
        m, dtype = mini_batch_size, network.dtype
        self.outputs = [np.empty((m, *shape), dtype) for shape in network.shapes[1:]]
        self.conv: list[ConvLayerBuffers | None] = [
            ConvLayerBuffers(m, layer, before, dtype) if isinstance(layer, Conv) else None
            for layer, before in zip(network.layers, network.shapes)
        ]
        self.dense_inputs = [
            np.empty((m, n), dtype) if not isinstance(layer, Conv) else None
            for layer, n in zip(network.layers, network.sizes)
        ]
        self.deltas = [np.empty_like(a) for a in self.outputs]
        self.scratch = [np.empty_like(a) for a in self.outputs]
        self.nabla_w = [np.empty_like(w) for w in network.weights]
        self.nabla_b = [np.empty_like(b) for b in network.biases]
        self.ones = np.ones(m, dtype)

    def __call__(self, x: FloatArray, y: FloatArray, learning_rate: float) -> None:
        """Update the network on the batch ``x`` (m, 784), ``y`` (m, n_out)."""
        masks = (
            dense_dropout_masks(self.rng, self.network, self.m, self.dropout)  # type: ignore[arg-type]
            if self.dropout
            else []
        )
        inputs = self._forward(x, masks)
        self._backward(inputs, y, masks)
        self.optimizer.step(self.nabla_b, self.nabla_w, learning_rate)

    def _forward(self, x: FloatArray, masks: list[FloatArray]) -> list[FloatArray]:
        """Every layer's output into ``self.outputs``; returns what each layer read."""
        network, inputs, dense = self.network, [], 0
        a = x.reshape(self.m, *network.shapes[0])
        for l, layer in enumerate(network.layers):
            w, b, out = network.weights[l], network.biases[l], self.outputs[l]
            buffers = self.conv[l]
            if buffers is not None:
                assert isinstance(layer, Conv)
                if buffers.padded is not None:
                    before = buffers.inner[0]
                    buffers.padded[
                        :, before : before + a.shape[1], before : before + a.shape[2]
                    ] = a
                    a = buffers.padded
                inputs.append(a)
                self.kernels.im2col(a, layer.size, buffers.cols)
                np.dot(buffers.cols, fast.kernel_matrix(w).T, out=buffers.c)
                if layer.pool > 1:
                    self.kernels.pool(buffers.c_maps, layer.pool, out, buffers.where)
                else:
                    out[...] = buffers.c_maps
            else:
                rows = a.reshape(self.m, -1)
                if masks:
                    rows = np.multiply(rows, masks[dense], out=self.dense_inputs[l])
                    dense += 1
                inputs.append(rows)
                np.dot(rows, w.T, out=out)
            out += b
            network.activation_of_layer(l).in_place(out)
            a = out
        return inputs

    def _backward(self, inputs: list[FloatArray], y: FloatArray, masks: list[FloatArray]) -> None:
        """The gradients of the mean cost into ``self.nabla_b`` and ``self.nabla_w``."""
        network, n_layers = self.network, len(self.network.layers)
        delta = self.deltas[-1]
        np.subtract(self.outputs[-1], y, out=delta)
        assert self.cost is not QUADRATIC  # softmax's cost: the output error is a - y
        delta *= 1 / self.m
        derivative = network.hidden_activation.derivative_in_place
        assert derivative is not None
        dense = len(masks)
        for l in range(n_layers - 1, -1, -1):
            layer, w, buffers = network.layers[l], network.weights[l], self.conv[l]
            if buffers is not None:
                assert isinstance(layer, Conv)
                np.sum(delta, axis=(0, 1, 2), out=self.nabla_b[l])
                if layer.pool > 1:
                    self.kernels.unpool(delta, buffers.where, layer.pool, buffers.nabla_c_maps)
                else:
                    buffers.nabla_c_maps[...] = delta
                np.dot(buffers.nabla_c.T, buffers.cols, out=fast.kernel_matrix(self.nabla_w[l]))
                if l == 0:
                    break
                np.dot(buffers.nabla_c, fast.kernel_matrix(w), out=buffers.nabla_cols)
                self.kernels.col2im(buffers.nabla_cols, buffers.nabla_padded, layer.size)
                before, after = buffers.inner
                rows, columns = buffers.nabla_padded.shape[1:3]
                self.deltas[l - 1][...] = buffers.nabla_padded[
                    :, before : rows - after, before : columns - after
                ]
            else:
                np.dot(self.ones, delta, out=self.nabla_b[l])
                np.dot(delta.T, inputs[l], out=self.nabla_w[l])
                if l == 0:
                    break
                below_rows = self.deltas[l - 1].reshape(self.m, -1)  # a view: written in place
                np.dot(delta, w, out=below_rows)
                if masks:
                    dense -= 1
                    below_rows *= masks[dense]
            delta = self.deltas[l - 1]  # dC/da of the layer below, times f' from its output
            derivative(self.outputs[l - 1], self.scratch[l - 1])
            delta *= self.scratch[l - 1]


def conv_step_maker(
    network: ConvNetwork,
    cost: Cost,
    optimizer: GradientDescent,
    *,
    loop: str,
    dropout: float,
    rng: np.random.Generator,
    kernels: Kernels = NUMPY_KERNELS,
) -> Callable[[int], Callable[[FloatArray, FloatArray, float], None]]:
    """``make_step(batch_size)`` for :class:`~digitnet.engines.numpy_steps.NumpyEpoch`:
    a :class:`ConvStep`, or with ``loop`` ``"reference"`` the readable backprop."""
    if loop == "reference":

        def step(x: FloatArray, y: FloatArray, learning_rate: float) -> None:
            masks = dense_dropout_masks(rng, network, x.shape[0], dropout) if dropout else None
            nabla_b, nabla_w = conv_backprop(network, x, y, cost, masks)
            optimizer.step(nabla_b, nabla_w, learning_rate)

        return lambda size: step
    return lambda size: ConvStep(
        network, size, cost, optimizer, dropout=dropout, rng=rng, kernels=kernels
    )
