"""Numba's max-pooling, im2col and col2im for the conv steps (``digitnet[fast]``).

Hot loops, one pass over the maps each, serial, compiled on first use
(:class:`~digitnet.engines.numba_kernels.LazyKernels`). Serial because the step's BLAS
products run on every core between them: with Numba's threads as well, an epoch of the
book's network took 4 to 20 times as long on 2 cores (README, convolutional networks). Their
reference is the NumPy of :mod:`digitnet.conv.layers` and :mod:`digitnet.conv.fast`, and a
test holds them equal (they only compare, copy and add, in the same order: equal to the bit).
"""

from __future__ import annotations

from digitnet.conv.layers import FloatArray, IndexArray
from digitnet.conv.steps import Kernels
from digitnet.engines.numba_kernels import LazyKernels


def max_pool_kernel(c: FloatArray, size: int, out: FloatArray, where: IndexArray) -> None:
    m, rows, columns, maps = out.shape
    for n in range(m):
        for i in range(rows):
            for j in range(columns):
                for f in range(maps):
                    out[n, i, j, f] = c[n, i * size, j * size, f]
                    where[n, i, j, f] = 0
                for p in range(size):
                    for q in range(size):
                        if p == 0 and q == 0:
                            continue
                        for f in range(maps):
                            value = c[n, i * size + p, j * size + q, f]
                            if value > out[n, i, j, f]:  # strictly: a tie keeps the first
                                out[n, i, j, f] = value
                                where[n, i, j, f] = p * size + q


def max_unpool_kernel(delta: FloatArray, where: IndexArray, size: int, out: FloatArray) -> None:
    m, rows, columns, maps = delta.shape
    height, width = out.shape[1], out.shape[2]
    for n in range(m):  # each pixel written once, the winner's error or zero: no zeroing pass
        for i in range(rows):
            for p in range(size):
                y = i * size + p
                for j in range(columns):
                    for q in range(size):
                        for f in range(maps):
                            won = where[n, i, j, f] == p * size + q
                            out[n, y, j * size + q, f] = delta[n, i, j, f] if won else 0
                for x in range(columns * size, width):  # the columns pooling left out
                    for f in range(maps):
                        out[n, y, x, f] = 0
        for y in range(rows * size, height):  # and the rows
            for x in range(width):
                for f in range(maps):
                    out[n, y, x, f] = 0


def col2im_kernel(nabla_cols: FloatArray, out: FloatArray, size: int) -> None:
    m, height, width, maps = out.shape
    rows, columns = height - size + 1, width - size + 1
    for n in range(m):
        out[n] = 0
        for p in range(size):  # offsets outermost: NumPy's order of the additions
            for q in range(size):
                first = (p * size + q) * maps
                for i in range(rows):
                    for j in range(columns):
                        row = (n * rows + i) * columns + j
                        for k in range(maps):
                            out[n, i + p, j + q, k] += nabla_cols[row, first + k]


def im2col_kernel(x: FloatArray, size: int, out: FloatArray) -> None:
    m, height, width, maps = x.shape
    rows, columns = height - size + 1, width - size + 1
    if maps == 1:  # the image itself: a loop over one map would be a loop of length 1
        pixels = x.reshape((m, height, width))
        for n in range(m):
            for i in range(rows):
                for j in range(columns):
                    row = (n * rows + i) * columns + j
                    for p in range(size):
                        for q in range(size):
                            out[row, p * size + q] = pixels[n, i + p, j + q]
        return
    for n in range(m):
        for i in range(rows):
            for j in range(columns):
                row = (n * rows + i) * columns + j
                for p in range(size):
                    for q in range(size):
                        first = (p * size + q) * maps
                        for k in range(maps):
                            out[row, first + k] = x[n, i + p, j + q, k]


_KERNELS = LazyKernels(
    globals(), ("max_pool_kernel", "max_unpool_kernel", "col2im_kernel", "im2col_kernel")
)


def _pool(c: FloatArray, size: int, out: FloatArray, where: IndexArray) -> None:
    _KERNELS.compile()
    max_pool_kernel(c, size, out, where)


def _unpool(delta: FloatArray, where: IndexArray, size: int, out: FloatArray) -> None:
    _KERNELS.compile()
    max_unpool_kernel(delta, where, size, out)


def _col2im(nabla_cols: FloatArray, out: FloatArray, size: int) -> None:
    _KERNELS.compile()
    col2im_kernel(nabla_cols, out, size)


def _im2col(x: FloatArray, size: int, out: FloatArray) -> None:
    _KERNELS.compile()
    im2col_kernel(x, size, out)


#: The compiled kernels of the "compiled" engine.
COMPILED_KERNELS = Kernels(_pool, _unpool, _col2im, _im2col)
