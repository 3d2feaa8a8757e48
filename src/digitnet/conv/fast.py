"""The convolution as one matrix product (im2col), the fast path of :mod:`digitnet.conv.layers`.

Every ``K x K`` window of the input is copied into a row of a matrix ``cols``
``(m * rows * columns, K * K * C)``, ordered like a kernel ``(p, q, k)``, so the layer is
``cols @ w.reshape(F, -1).T``, one BLAS product; backward, ``dC/dw = delta^T cols`` and
``dC/dcols = delta w``, whose rows are added back where their windows came from (col2im).
Tests hold these equal to the readable einsums of :mod:`digitnet.conv.layers`.
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from digitnet.conv.layers import FloatArray


def output_side(side: int, size: int) -> int:
    """Positions a ``size`` kernel fits along a side of ``side`` pixels, stride 1."""
    return side - size + 1


def im2col(x: FloatArray, size: int, out: FloatArray | None = None) -> FloatArray:
    """Every ``size x size`` window of ``x`` (m, h, w, C) as a row, shape
    ``(m * rows * columns, size * size * C)``; written into ``out`` if given (that shape)."""
    m, height, width, maps = x.shape
    rows, columns = output_side(height, size), output_side(width, size)
    if out is None:
        out = np.empty((m * rows * columns, size * size * maps), x.dtype)
    # One copy of a strided view (m, rows, columns, C, K, K): NumPy orders it by the output's
    # memory; K^2 slice copies, each writing every (K^2 C)-th value, took 7x as long for C=20.
    windows = sliding_window_view(x, (size, size), axis=(1, 2))
    out.reshape(m, rows, columns, size, size, maps)[...] = windows.transpose(0, 1, 2, 4, 5, 3)
    return out


def col2im(
    nabla_cols: FloatArray, shape: tuple[int, ...], size: int, out: FloatArray | None = None
) -> FloatArray:
    """The gradient of the input ``x`` of ``shape`` (m, h, w, C) from that of its
    :func:`im2col` rows: each row's values added back to the pixels they were copied from."""
    m, height, width, maps = shape
    rows, columns = output_side(height, size), output_side(width, size)
    nabla_x = np.zeros(shape, nabla_cols.dtype) if out is None else out
    if out is not None:
        nabla_x[...] = 0
    blocks = nabla_cols.reshape(m, rows, columns, size, size, maps)
    for p in range(size):
        for q in range(size):
            nabla_x[:, p : p + rows, q : q + columns, :] += blocks[:, :, :, p, q, :]
    return nabla_x


def max_pool_values(c: FloatArray, size: int) -> FloatArray:
    """The maxima of :func:`digitnet.conv.layers.max_pool` without their winners, for a
    forward pass that needs no backward: one reduction over ``(m, rows, K, columns, K, F)``."""
    m, height, width, maps = c.shape
    rows, columns = height // size, width // size
    blocks = c[:, : rows * size, : columns * size].reshape(m, rows, size, columns, size, maps)
    return blocks.max(axis=(2, 4))


def kernel_matrix(w: FloatArray) -> FloatArray:
    """Kernels ``w`` (F, K, K, C) as the matrix ``(F, K * K * C)`` that multiplies ``cols``:
    a view, so it follows every update of ``w``."""
    return w.reshape(w.shape[0], -1)


def convolve(x: FloatArray, w: FloatArray) -> FloatArray:
    """:func:`digitnet.conv.layers.convolve` as one matrix product: ``c`` (m, rows, columns, F)."""
    m, height, width, _ = x.shape
    size = w.shape[1]
    c = im2col(x, size) @ kernel_matrix(w).T
    return c.reshape(m, output_side(height, size), output_side(width, size), w.shape[0])
