"""Resampling each image at its distorted points: bilinear, black outside, back to uint8.

:func:`warp` is the readable NumPy reference; :func:`warp_compiled` does the same arithmetic
in the same order in a serial Numba kernel, and the tests hold the two equal.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from digitnet.augment.distortion import CHUNK, SYMMETRIES, Warps
from digitnet.engines.numba_kernels import LazyKernels
from digitnet.mnist_shape import MNIST_PIXELS, MNIST_SIDE

#: Each image is copied into a black frame this wide, so that every bilinear sample reads
#: four pixels inside the frame (outside the image they read 0): no bounds tests per pixel.
PAD_BEFORE, PAD_AFTER = 1, 2
PADDED_SIDE = PAD_BEFORE + MNIST_SIDE + PAD_AFTER
PIXEL_ROUNDING = 0.5  # added before truncating to uint8: rounds half up

#: Each output pixel's row and column, in the order of the 784 pixels of an image row.
_ROWS, _COLUMNS = np.indices((MNIST_SIDE, MNIST_SIDE)).reshape(2, -1).astype(np.float32)


def warp(
    images: NDArray[np.uint8],
    warps: Warps,
    fields: NDArray[np.float32],
    out: NDArray[np.uint8],
) -> NDArray[np.uint8]:
    """``out[i]`` <- ``images[i]`` resampled at ``s(p)`` (bilinear, black outside), NumPy.

    ``images`` and ``out`` are (n_images, 784) uint8 (they may be the same array);
    ``fields`` is the bank, (bank_size, 2, 28, 28).
    """
    flat_fields = fields.reshape(-1)
    for start in range(0, len(images), CHUNK):
        rows = slice(start, min(start + CHUNK, len(images)))
        _warp_chunk(images[rows], _slice_warps(warps, rows), flat_fields, out[rows])
    return out


def _slice_warps(warps: Warps, rows: slice) -> Warps:
    return Warps(
        warps.matrix[rows],
        warps.offset[rows],
        warps.elastic[rows],
        warps.field[rows],
        warps.symmetry[rows],
    )


def _padded(images: NDArray[np.uint8]) -> NDArray[np.uint8]:
    """``images`` in a black frame, flattened: (n * PADDED_SIDE ** 2,)."""
    framed = np.zeros((len(images), PADDED_SIDE, PADDED_SIDE), np.uint8)
    inside = slice(PAD_BEFORE, PAD_BEFORE + MNIST_SIDE)
    framed[:, inside, inside] = images.reshape(-1, MNIST_SIDE, MNIST_SIDE)
    return framed.reshape(-1)


def _warp_chunk(
    images: NDArray[np.uint8],
    warps: Warps,
    flat_fields: NDArray[np.float32],
    out: NDArray[np.uint8],
) -> None:
    """:func:`warp` for one chunk; in place operations keep the work arrays few."""
    n = len(images)
    framed = _padded(images)
    where = warps.field[:, None] * (2 * MNIST_PIXELS) + SYMMETRIES[warps.symmetry]
    d_row, d_col = flat_fields.take(where), flat_fields.take(where + MNIST_PIXELS)
    m, e = warps.matrix, warps.elastic
    origin = warps.offset + np.float32(PAD_BEFORE)  # coordinates within the frame
    corner = np.repeat(np.arange(n, dtype=np.intp)[:, None] * PADDED_SIDE**2, MNIST_PIXELS, 1)
    fractions = []
    for axis in (0, 1):  # s_axis = M p + o + E d, then split into whole and fraction
        s = m[:, axis, 0, None] * _ROWS
        s += m[:, axis, 1, None] * _COLUMNS
        s += origin[:, axis, None]
        s += e[:, axis, 0, None] * d_row
        s += e[:, axis, 1, None] * d_col
        np.clip(s, 0, PADDED_SIDE - PAD_AFTER, out=s)  # far outside reads the black frame
        whole = np.floor(s)
        s -= whole
        fractions.append(s)
        corner += whole.astype(np.intp) * (PADDED_SIDE if axis == 0 else 1)
    f_row, f_col = fractions
    top, top_right = framed.take(corner).astype(np.float32), framed.take(corner + 1)
    bottom = framed.take(corner + PADDED_SIDE).astype(np.float32)
    bottom_right = framed.take(corner + PADDED_SIDE + 1)
    # top += f_col (top_right - top); bottom likewise; top += f_row (bottom - top)
    right = top_right - top
    right *= f_col
    top += right
    right = bottom_right - bottom
    right *= f_col
    bottom += right
    bottom -= top
    bottom *= f_row
    top += bottom
    top += np.float32(PIXEL_ROUNDING)
    out[...] = top  # truncation: 0 <= top < 255.5


# The compiled kernel: the same arithmetic as _warp_chunk, in the same order and in
# float32, one image at a time in buffers that stay in the L1 cache; Numba compiles it on
# first use. The source points are computed in loops without gathers, which LLVM turns into
# vector code (0.27 s -> 0.13 s per 50,000 images against one loop doing all per pixel).


def _warp_kernel(images, matrix, offset, elastic, field, symmetry, fields, symmetries, out):  # type: ignore[no-untyped-def]
    """:func:`warp`, serially; ``fields`` (bank_size, 2, 784)."""
    n_pixels = images.shape[1]
    framed = np.zeros(PADDED_SIDE * PADDED_SIDE, np.float32)  # converted once, not per tap
    d_row, d_col = np.empty(n_pixels, np.float32), np.empty(n_pixels, np.float32)
    f_row, f_col = np.empty(n_pixels, np.float32), np.empty(n_pixels, np.float32)
    corner = np.empty(n_pixels, np.int32)
    pad = np.float32(PAD_BEFORE)
    for i in range(images.shape[0]):
        _frame(images[i], framed)
        turn, d = symmetries[symmetry[i]], fields[field[i]]
        for p in range(n_pixels):  # the turned field, in order, for the loops below
            d_row[p], d_col[p] = d[0, turn[p]], d[1, turn[p]]
        corner[:] = 0
        for axis in range(2):
            fraction, stride = (f_row, PADDED_SIDE) if axis == 0 else (f_col, 1)
            origin = offset[i, axis] + pad
            _source_axis(
                matrix[i, axis], origin, elastic[i, axis], d_row, d_col, stride, corner, fraction
            )
        _bilinear(framed, corner, f_row, f_col, out[i])


def _frame(image, framed):  # type: ignore[no-untyped-def]
    """Copy the 28 x 28 ``image`` into the middle of ``framed``, whose border stays 0."""
    for r in range(MNIST_SIDE):
        start = (r + PAD_BEFORE) * PADDED_SIDE + PAD_BEFORE
        for c in range(MNIST_SIDE):
            framed[start + c] = np.float32(image[r * MNIST_SIDE + c])


def _source_axis(m, o, e, d_row, d_col, stride, corner, fraction):  # type: ignore[no-untyped-def]
    """One coordinate of ``s = M p + o + E d`` (``m``, ``e``: that row of ``M``, ``E``),
    clipped to the frame: ``corner += whole * stride`` and ``fraction`` <- the rest."""
    m0, m1, e0, e1 = m[0], m[1], e[0], e[1]  # in registers: the loop stores to memory
    rows, columns = _ROWS, _COLUMNS
    lowest, highest = np.float32(0), np.float32(PADDED_SIDE - PAD_AFTER)
    for p in range(rows.shape[0]):
        s = m0 * rows[p]
        s += m1 * columns[p]
        s += o
        s += e0 * d_row[p]
        s += e1 * d_col[p]
        s = min(max(s, lowest), highest)
        whole = np.int32(s)  # the floor, as s >= 0
        fraction[p] = s - np.float32(whole)
        corner[p] += whole * stride


def _bilinear(framed, corner, f_row, f_col, out):  # type: ignore[no-untyped-def]
    """``out[p]`` <- the four pixels at ``corner[p]`` mixed by the fractions, rounded."""
    below, half = PADDED_SIDE, np.float32(PIXEL_ROUNDING)
    for p in range(out.shape[0]):
        k = corner[p]
        top, bottom = framed[k], framed[k + below]
        top += (framed[k + 1] - top) * f_col[p]
        bottom += (framed[k + below + 1] - bottom) * f_col[p]
        top += (bottom - top) * f_row[p]
        out[p] = np.uint8(top + half)


#: The kernel's functions, callees first. No fastmath: fused multiply-adds would round
#: differently from the NumPy reference.
_KERNELS = LazyKernels(globals(), ("_frame", "_source_axis", "_bilinear", "_warp_kernel"))


def warp_compiled(
    images: NDArray[np.uint8],
    warps: Warps,
    fields: NDArray[np.float32],
    out: NDArray[np.uint8],
) -> NDArray[np.uint8]:
    """:func:`warp` by the compiled kernel (needs Numba); the same result."""
    _KERNELS.compile()
    _warp_kernel(
        images,
        warps.matrix,
        warps.offset,
        warps.elastic,
        warps.field,
        warps.symmetry,
        fields.reshape(len(fields), 2, MNIST_PIXELS),
        SYMMETRIES,
        out,
    )
    return out
