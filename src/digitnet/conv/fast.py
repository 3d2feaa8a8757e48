"""The convolution as one matrix product (im2col), the fast path of :mod:`digitnet.conv.layers`.

Every ``K x K`` window of the input is copied into a row of a matrix ``cols``
``(m * rows * columns, K * K * C)``, ordered like a kernel ``(p, q, k)``, so the layer is
``cols @ w.reshape(F, -1).T``, one BLAS product; backward, ``dC/dw = delta^T cols`` and
``dC/dcols = delta w``, whose rows are added back where their windows came from (col2im).
Tests hold these equal to the readable einsums of :mod:`digitnet.conv.layers`.
"""

from __future__ import annotations

import numpy as np

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
    blocks = out.reshape(m, rows, columns, size, size, maps)
    for p in range(size):  # K^2 copies of contiguous runs of C, not one gather per value
        for q in range(size):
            blocks[:, :, :, p, q, :] = x[:, p : p + rows, q : q + columns, :]
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
