"""The fused kernel: a whole run of mini-batch SGD in one Numba call.

The same update as :func:`digitnet.backprop.update_mini_batch` (sigmoid neurons, quadratic
or cross-entropy cost, optionally with L2 or weight decay as a factor on the weights), for
speed; the readable NumPy code stays the reference, and the tests hold the two
equal. One call runs many mini-batches, so there is no per-batch Python or NumPy overhead,
and the loops are shaped for the vector units at the book's sizes (mini-batches of 10):

- Forward pass: ``z_ij = b_j + sum_k w_jk a_ik`` is a dot product along a row of the
  weights ``(n_out, n_in)``; five examples share each pass over the row (five accumulators
  in registers), so every weight loaded from memory feeds five multiply-adds.
- Weight update: ``w_jk -= sum_i delta_ij a_ik``, with the sum over five examples written
  out, so each weight is loaded and stored once per five examples.
- The sums may be reordered (``fastmath`` "reassoc" and "contract" only: infinities and
  NaNs keep their meaning, so divergence is still seen), which changes the last bits.

Images may be ``uint8`` pixels, divided by 255 on the way in (correctly rounded, so equal
to the table of :func:`digitnet.pixels.as_unit_interval`), or floats. Numba caches the
compiled code on disk, so only the first run pays for compilation.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from digitnet.engines.numba_kernels import LazyKernels, numba_available
from digitnet.errors import MissingExtra
from digitnet.network import Network
from digitnet.pixels import PIXEL_MAX

#: Examples and rows of weights that share one pass over the inputs: 5 x 3 accumulators
#: held in registers (see _dots_3x5 and _update_3x5).
EXAMPLE_BLOCK = 5
ROW_BLOCK = 3


def _sgd_batches(
    images,
    pixel_max,
    labels,
    order,
    weights,
    biases,
    x,
    acts,
    deltas,
    learning_rate,
    cross_entropy,
    weight_scale,
):  # type: ignore[no-untyped-def]
    """SGD over the examples ``order`` in mini-batches of ``x.shape[0]``, in place.

    ``weights[l]`` is ``(n_out, n_in)``; ``x`` (m, n_in), ``acts[l]`` and ``deltas[l]``
    (m, n_out) are work buffers. Example ``r`` is ``images[r] / pixel_max`` for uint8
    pixels (``pixel_max`` 255), or ``images[r]`` itself (``pixel_max`` 0). The output error
    is ``a - y`` for the cross-entropy cost, else ``(a - y) a (1 - a)``; each update first
    multiplies the weights by ``weight_scale`` (``1 - eta lambda / n`` for L2, else 1).
    """
    n_layers = len(weights)
    m = x.shape[0]
    one = x.dtype.type(1)
    zero = one - one  # typed like the data: a literal 0 would make float32 sums float64
    n = order.shape[0]
    for start in range(0, n, m):
        mb = min(m, n - start)
        _load_batch(images, pixel_max, order, start, mb, x)
        for l in range(n_layers):
            _forward(weights[l], biases[l], x if l == 0 else acts[l - 1], acts[l], mb, one)
        out, d = acts[n_layers - 1], deltas[n_layers - 1]
        step = learning_rate / mb
        for i in range(mb):
            label = labels[order[start + i]]
            for j in range(out.shape[1]):
                a = out[i, j]
                y = one if j == label else zero
                if cross_entropy:
                    d[i, j] = (a - y) * step
                else:
                    d[i, j] = (a - y) * a * (one - a) * step
        for l in range(n_layers - 1, -1, -1):
            if l > 0:
                _propagate(weights[l], deltas[l], acts[l - 1], deltas[l - 1], mb, one)
            if weight_scale != one:  # after propagating: the error goes back through the old w
                _scale(weights[l], weight_scale)
            _update(weights[l], biases[l], deltas[l], x if l == 0 else acts[l - 1], mb)


def _scale(w, factor):  # type: ignore[no-untyped-def]
    """``w <- factor w``, in place."""
    for j in range(w.shape[0]):
        for k in range(w.shape[1]):
            w[j, k] *= factor


def _load_batch(images, pixel_max, order, start, mb, x):  # type: ignore[no-untyped-def]
    """``x[i] <- images[order[start + i]]``, divided by ``pixel_max`` unless it is 0."""
    for i in range(mb):
        row = order[start + i]
        if pixel_max:
            for k in range(x.shape[1]):
                x[i, k] = x.dtype.type(images[row, k]) / pixel_max
        else:
            for k in range(x.shape[1]):
                x[i, k] = images[row, k]


def _feedforward_batches(images, pixel_max, weights, biases, x, acts, out):  # type: ignore[no-untyped-def]
    """``out[r]`` <- the output activations for ``images[r]``, through :func:`_forward`."""
    n_layers = len(weights)
    m = x.shape[0]
    one = x.dtype.type(1)
    rows = np.arange(images.shape[0])
    for start in range(0, images.shape[0], m):
        mb = min(m, images.shape[0] - start)
        _load_batch(images, pixel_max, rows, start, mb, x)
        for l in range(n_layers):
            _forward(weights[l], biases[l], x if l == 0 else acts[l - 1], acts[l], mb, one)
        last = acts[n_layers - 1]
        for i in range(mb):
            for j in range(last.shape[1]):
                out[start + i, j] = last[i, j]


def _forward(w, b, a_in, z, mb, one):  # type: ignore[no-untyped-def]
    """``z_i <- sigma(w a_i + b)`` for the first ``mb`` rows of ``a_in``."""
    n_out = w.shape[0]
    zero = one - one
    i = 0
    while i + EXAMPLE_BLOCK <= mb:
        a = (a_in[i], a_in[i + 1], a_in[i + 2], a_in[i + 3], a_in[i + 4])
        j = 0
        while j + ROW_BLOCK <= n_out:
            sums = _dots_3x5(w[j], w[j + 1], w[j + 2], a, zero)
            for r in range(ROW_BLOCK):
                for e in range(EXAMPLE_BLOCK):
                    z[i + e, j + r] = sums[r * EXAMPLE_BLOCK + e] + b[j + r]
            j += ROW_BLOCK
        for row in range(j, n_out):
            for e in range(EXAMPLE_BLOCK):
                z[i + e, row] = _dot(w[row], a[e], zero) + b[row]
        i += EXAMPLE_BLOCK
    for rest in range(i, mb):  # examples left over after the blocks of five
        for j in range(n_out):
            z[rest, j] = _dot(w[j], a_in[rest], zero) + b[j]
    for i in range(mb):
        for j in range(n_out):
            z[i, j] = one / (one + np.exp(-z[i, j]))


def _dot(u, v, zero):  # type: ignore[no-untyped-def]
    total = zero
    for k in range(u.shape[0]):
        total += u[k] * v[k]
    return total


def _dots_3x5(w0, w1, w2, a, zero):  # type: ignore[no-untyped-def]
    """15 dot products, three rows of weights by five inputs, in 15 register accumulators:
    each step loads 3 + 5 values for 15 multiply-adds."""
    a0, a1, a2, a3, a4 = a
    s00 = s01 = s02 = s03 = s04 = s10 = s11 = s12 = s13 = s14 = zero
    s20 = s21 = s22 = s23 = s24 = zero
    for k in range(w0.shape[0]):
        x0, x1, x2, x3, x4 = a0[k], a1[k], a2[k], a3[k], a4[k]
        u = w0[k]
        s00 += u * x0
        s01 += u * x1
        s02 += u * x2
        s03 += u * x3
        s04 += u * x4
        u = w1[k]
        s10 += u * x0
        s11 += u * x1
        s12 += u * x2
        s13 += u * x3
        s14 += u * x4
        u = w2[k]
        s20 += u * x0
        s21 += u * x1
        s22 += u * x2
        s23 += u * x3
        s24 += u * x4
    return (s00, s01, s02, s03, s04, s10, s11, s12, s13, s14, s20, s21, s22, s23, s24)


def _propagate(w, d, a_in, d_in, mb, one):  # type: ignore[no-untyped-def]
    """``d_in_i <- (w^T d_i) * sigma'``, through the weights before they change.

    Row by row, ``d_in_i += d_ij w_j``: contiguous, so it vectorises (a loop over the
    columns of ``w`` ran at 3 GFLOP/s).
    """
    n_out, n_in = w.shape
    zero = one - one
    for i in range(mb):
        total = d_in[i]
        for k in range(n_in):
            total[k] = zero
        for j in range(n_out):
            c, w_j = d[i, j], w[j]
            for k in range(n_in):
                total[k] += c * w_j[k]
        a = a_in[i]
        for k in range(n_in):
            total[k] *= a[k] * (one - a[k])


def _update(w, b, d, a_in, mb):  # type: ignore[no-untyped-def]
    """``b -= sum_i d_i`` and ``w_jk -= sum_i d_ij a_ik`` (``d`` already holds ``eta/m``)."""
    n_out = w.shape[0]
    for j in range(n_out):
        for i in range(mb):
            b[j] -= d[i, j]
    i = 0
    while i + EXAMPLE_BLOCK <= mb:
        a = (a_in[i], a_in[i + 1], a_in[i + 2], a_in[i + 3], a_in[i + 4])
        j = 0
        while j + ROW_BLOCK <= n_out:
            _update_3x5(w[j], w[j + 1], w[j + 2], d[i : i + EXAMPLE_BLOCK, j : j + ROW_BLOCK], a)
            j += ROW_BLOCK
        for row in range(j, n_out):
            w_j, c = w[row], d[i : i + EXAMPLE_BLOCK, row]
            for k in range(w_j.shape[0]):
                w_j[k] -= (
                    c[0] * a[0][k]
                    + c[1] * a[1][k]
                    + c[2] * a[2][k]
                    + c[3] * a[3][k]
                    + c[4] * a[4][k]
                )
        i += EXAMPLE_BLOCK
    for rest in range(i, mb):
        a_i = a_in[rest]
        for j in range(n_out):
            w_j, c = w[j], d[rest, j]
            for k in range(w_j.shape[0]):
                w_j[k] -= c * a_i[k]


def _update_3x5(w0, w1, w2, c, a):  # type: ignore[no-untyped-def]
    """Three rows of weights minus their five-example sums ``c[e, r] a_e``: each step loads
    5 inputs and 3 weights for 15 multiply-adds and stores 3 weights."""
    a0, a1, a2, a3, a4 = a
    c00, c01, c02 = c[0, 0], c[0, 1], c[0, 2]
    c10, c11, c12 = c[1, 0], c[1, 1], c[1, 2]
    c20, c21, c22 = c[2, 0], c[2, 1], c[2, 2]
    c30, c31, c32 = c[3, 0], c[3, 1], c[3, 2]
    c40, c41, c42 = c[4, 0], c[4, 1], c[4, 2]
    for k in range(w0.shape[0]):
        x0, x1, x2, x3, x4 = a0[k], a1[k], a2[k], a3[k], a4[k]
        w0[k] -= c00 * x0 + c10 * x1 + c20 * x2 + c30 * x3 + c40 * x4
        w1[k] -= c01 * x0 + c11 * x1 + c21 * x2 + c31 * x3 + c41 * x4
        w2[k] -= c02 * x0 + c12 * x1 + c22 * x2 + c32 * x3 + c42 * x4


#: The kernel's functions, callees first. The sums may be reordered ("reassoc", "contract"),
#: never their infinities and NaNs, so divergence is still seen.
_KERNELS = LazyKernels(
    globals(),
    (
        "_dot",
        "_dots_3x5",
        "_update_3x5",
        "_scale",
        "_load_batch",
        "_forward",
        "_feedforward_batches",
        "_propagate",
        "_update",
        "_sgd_batches",
    ),
    fastmath={"reassoc", "contract"},
    error_model="numpy",
)


class FusedSGD:
    """Runs mini-batch SGD on ``network`` in place with the fused kernel.

    Holds the work buffers for one mini-batch size; :meth:`run` may be called many times
    (e.g. once per slice of an epoch, to report progress in between).
    """

    def __init__(
        self, network: Network, mini_batch_size: int, *, cross_entropy: bool = False
    ) -> None:
        if not numba_available():
            raise MissingExtra("the fused SGD kernel", "fast", "Numba")
        _KERNELS.compile()
        self.network, self.cross_entropy = network, cross_entropy
        self.m = mini_batch_size
        self.x = np.empty((self.m, network.sizes[0]), network.dtype)
        self.acts, self.deltas = self._layer_buffers(), self._layer_buffers()

    def _layer_buffers(self) -> tuple[NDArray[Any], ...]:
        """One (m, n) buffer per layer after the input, for activations or errors."""
        return tuple(np.empty((self.m, n), self.network.dtype) for n in self.network.sizes[1:])

    def feedforward(self, images: NDArray[Any]) -> NDArray[np.floating[Any]]:
        """The output activations for ``images`` (uint8 pixels or floats), one row each.

        Work buffers of its own (a few kilobytes), so that several threads may call it at
        once: the kernel releases the GIL, and each call keeps one core busy.
        """
        out = np.empty((images.shape[0], self.network.sizes[-1]), self.network.dtype)
        _feedforward_batches(
            images,
            self._pixel_max(images),
            tuple(self.network.weights),
            tuple(self.network.biases),
            np.empty_like(self.x),
            self._layer_buffers(),
            out,
        )
        return out

    def _pixel_max(self, images: NDArray[Any]) -> np.floating[Any]:
        return self.network.dtype(PIXEL_MAX if images.dtype == np.uint8 else 0)

    def run(
        self,
        images: NDArray[Any],
        labels: NDArray[Any],
        order: NDArray[np.intp],
        learning_rate: float,
        weight_scale: float = 1.0,
    ) -> None:
        """SGD over the examples ``order``, one mini-batch after another; ``weight_scale``
        multiplies the weights at each update (L2 or weight decay)."""
        _sgd_batches(
            images,
            self._pixel_max(images),
            labels,
            order,
            tuple(self.network.weights),
            tuple(self.network.biases),
            self.x,
            self.acts,
            self.deltas,
            float(learning_rate),
            self.cross_entropy,
            self.network.dtype(weight_scale),
        )
