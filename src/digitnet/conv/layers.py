"""Each layer's forward and backward pass, written to be read: the reference of the fast path.

Images are batches of maps, ``(m, height, width, maps)`` (rows, columns, then the maps of
one pixel: "channels last"). A convolutional layer of ``F`` kernels ``w`` of shape
``(F, K, K, C)`` over an input ``x`` of ``C`` maps computes, at every position ``(i, j)``
where the kernel fits (stride 1),

    c[n, i, j, f] = sum_{p, q, k} x[n, i + p, j + q, k] w[f, p, q, k]

(a cross-correlation, as the book's Theano and every framework compute). Max-pooling keeps
the largest ``c`` of each ``P x P`` block; the bias and the activation follow the pooling,
as in the book's ``ConvPoolLayer`` - the same result as before it, since ``max`` commutes
with adding a map's bias and with an increasing activation, on ``P^2`` times fewer values.

Backward, given ``dC/dc`` (``delta``, shaped like ``c``):

    dC/dw[f, p, q, k] = sum_{n, i, j} delta[n, i, j, f] x[n, i + p, j + q, k]
    dC/dx[n, i + p, j + q, k] += sum_f delta[n, i, j, f] w[f, p, q, k]   for every p, q

and max-pooling sends each block's error to the one input that won it (the first, in
row-major order, when several tie: blank regions of an image tie at 0).
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from numpy.typing import NDArray

FloatArray = NDArray[np.floating]
IndexArray = NDArray[np.int8]


def padding_of(size: int, padding: str) -> tuple[int, int]:
    """Zeros added before and after each side by a ``size x size`` kernel's ``padding``:
    none for ``valid``; ``size - 1`` in all for ``same``, the extra one after."""
    return (0, 0) if padding == "valid" else ((size - 1) // 2, size // 2)


def pad(x: FloatArray, size: int, padding: str) -> FloatArray:
    """``x`` (m, h, w, c) with the zeros its ``padding`` adds around each map."""
    before, after = padding_of(size, padding)
    if not before and not after:
        return x
    return np.pad(x, ((0, 0), (before, after), (before, after), (0, 0)))


def unpad(dx: FloatArray, size: int, padding: str) -> FloatArray:
    """The inverse of :func:`pad` for a gradient: the inner part, where ``x`` was."""
    before, after = padding_of(size, padding)
    return dx[:, before : dx.shape[1] - after, before : dx.shape[2] - after, :]


def windows(x: FloatArray, size: int) -> FloatArray:
    """Every ``size x size`` window of ``x`` (m, h, w, c), a view of shape
    ``(m, h - size + 1, w - size + 1, c, size, size)``: no copy."""
    return sliding_window_view(x, (size, size), axis=(1, 2))


def convolve(x: FloatArray, w: FloatArray) -> FloatArray:
    """``c`` (m, h - K + 1, w - K + 1, F) of kernels ``w`` (F, K, K, C) over ``x`` (m, h, w, C)."""
    return np.einsum("nijkpq,fpqk->nijf", windows(x, w.shape[1]), w)


def convolve_backward(
    delta: FloatArray, x: FloatArray, w: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """``(dC/dx, dC/dw)`` from ``delta = dC/dc`` of :func:`convolve` ``(x, w)``."""
    size = w.shape[1]
    nabla_w = np.einsum("nijf,nijkpq->fpqk", delta, windows(x, size))
    nabla_x = np.zeros_like(x)
    rows, columns = delta.shape[1], delta.shape[2]
    for p in range(size):
        for q in range(size):
            nabla_x[:, p : p + rows, q : q + columns, :] += delta @ w[:, p, q, :]
    return nabla_x, nabla_w


def max_pool(c: FloatArray, size: int) -> tuple[FloatArray, IndexArray]:
    """The maximum of each ``size x size`` block of ``c`` (m, h, w, F), shape
    ``(m, h // size, w // size, F)``, and where it is in its block (``p * size + q``)."""
    rows, columns = c.shape[1] // size, c.shape[2] // size
    best = c[:, : rows * size : size, : columns * size : size].copy()
    where = np.zeros(best.shape, np.int8)
    for p in range(size):
        for q in range(size):
            candidate = c[:, p : rows * size : size, q : columns * size : size]
            where[candidate > best] = p * size + q  # strictly: a tie keeps the first
            np.maximum(best, candidate, out=best)
    return best, where


def max_pool_backward(
    delta: FloatArray, where: IndexArray, size: int, shape: tuple[int, ...]
) -> FloatArray:
    """``dC/dc`` (``shape``) from ``delta = dC/d(pooled)``: each block's error to its winner."""
    nabla = np.zeros(shape, delta.dtype)
    rows, columns = delta.shape[1], delta.shape[2]
    for p in range(size):
        for q in range(size):
            block = nabla[:, p : rows * size : size, q : columns * size : size]
            block[...] = np.where(where == p * size + q, delta, 0)
    return nabla
