"""The compiled training path: mini-batch SGD fused into one Numba kernel.

The same update as :func:`digitnet.training.update_mini_batch` (sigmoid neurons, quadratic
cost), for speed; the readable NumPy code stays the reference, and the tests hold the two
equal. One call runs many mini-batches, so there is no per-batch Python or NumPy overhead,
and the loops are shaped for the vector units at the book's sizes (mini-batches of 10):

- Forward pass: ``z_ij = b_j + sum_k w_jk a_ik`` is a dot product along a row of the
  weights ``(n_out, n_in)``; five examples share each pass over the row (five accumulators
  in registers), so every weight loaded from memory feeds five multiply-adds.
- Weight update: ``w_jk -= sum_i delta_ij a_ik``, with the sum over five examples written
  out, so each weight is loaded and stored once per five examples.
- The sums may be reordered (``fastmath`` "reassoc" and "contract" only: infinities and
  NaNs keep their meaning, so divergence is still seen), which changes the last bits.

Images may be ``uint8`` pixels, looked up in the same table of ``k / 255`` as
:func:`digitnet.pixels.as_unit_interval` uses, or floats. Numba caches the compiled code on
disk, so only the first run pays for compilation.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from digitnet.network import Network
from digitnet.pixels import pixel_values

numba: Any
try:
    import numba
except ImportError:  # the NumPy path serves without it
    numba = None

#: Examples that share one pass over a row of weights (accumulators held in registers).
EXAMPLE_BLOCK = 5


def available() -> bool:
    """Whether Numba is installed, so that the compiled path can run."""
    return numba is not None


def _sgd_batches(images, pixels, labels, order, weights, biases, x, acts, deltas, learning_rate):  # type: ignore[no-untyped-def]
    """SGD over the examples ``order`` in mini-batches of ``x.shape[0]``, in place.

    ``weights[l]`` is ``(n_out, n_in)``; ``x`` (m, n_in), ``acts[l]`` and ``deltas[l]``
    (m, n_out) are work buffers. Example ``r`` is ``images[r]``, or ``pixels[images[r]]``
    when ``pixels`` (the table of ``k / 255``) is not empty.
    """
    n_layers = len(weights)
    m, n_in = x.shape
    one = x.dtype.type(1)
    zero = one - one  # typed like the data: a literal 0 would make float32 sums float64
    n = order.shape[0]
    for start in range(0, n, m):
        mb = min(m, n - start)
        for i in range(mb):
            row = order[start + i]
            if pixels.shape[0]:
                for k in range(n_in):
                    x[i, k] = pixels[np.intp(images[row, k])]
            else:
                for k in range(n_in):
                    x[i, k] = images[row, k]
        for l in range(n_layers):
            _forward(weights[l], biases[l], x if l == 0 else acts[l - 1], acts[l], mb, one)
        out, d = acts[n_layers - 1], deltas[n_layers - 1]
        step = learning_rate / mb
        for i in range(mb):
            label = labels[order[start + i]]
            for j in range(out.shape[1]):
                a = out[i, j]
                y = one if j == label else zero
                d[i, j] = (a - y) * a * (one - a) * step
        for l in range(n_layers - 1, -1, -1):
            if l > 0:
                _propagate(weights[l], deltas[l], acts[l - 1], deltas[l - 1], mb, one)
            _update(weights[l], biases[l], deltas[l], x if l == 0 else acts[l - 1], mb)


def _forward(w, b, a_in, z, mb, one):  # type: ignore[no-untyped-def]
    """``z_i <- sigma(w a_i + b)`` for the first ``mb`` rows of ``a_in``."""
    n_out = w.shape[0]
    zero = one - one
    i = 0
    while i + EXAMPLE_BLOCK <= mb:
        a0, a1, a2, a3, a4 = a_in[i], a_in[i + 1], a_in[i + 2], a_in[i + 3], a_in[i + 4]
        for j in range(n_out):
            w_j = w[j]
            s0 = s1 = s2 = s3 = s4 = zero
            for k in range(w_j.shape[0]):
                w_jk = w_j[k]
                s0 += w_jk * a0[k]
                s1 += w_jk * a1[k]
                s2 += w_jk * a2[k]
                s3 += w_jk * a3[k]
                s4 += w_jk * a4[k]
            z[i, j], z[i + 1, j], z[i + 2, j] = s0 + b[j], s1 + b[j], s2 + b[j]
            z[i + 3, j], z[i + 4, j] = s3 + b[j], s4 + b[j]
        i += EXAMPLE_BLOCK
    for rest in range(i, mb):  # examples left over after the blocks of five
        a_i = a_in[rest]
        for j in range(n_out):
            w_j = w[j]
            s = zero
            for k in range(w_j.shape[0]):
                s += w_j[k] * a_i[k]
            z[rest, j] = s + b[j]
    for i in range(mb):
        for j in range(n_out):
            z[i, j] = one / (one + np.exp(-z[i, j]))


def _propagate(w, d, a_in, d_in, mb, one):  # type: ignore[no-untyped-def]
    """``d_in_i <- (w^T d_i) * sigma'``, through the weights before they change."""
    n_out, n_in = w.shape
    zero = one - one
    for i in range(mb):
        for k in range(n_in):
            total = zero
            for j in range(n_out):
                total += w[j, k] * d[i, j]
            a = a_in[i, k]
            d_in[i, k] = total * a * (one - a)


def _update(w, b, d, a_in, mb):  # type: ignore[no-untyped-def]
    """``b -= sum_i d_i`` and ``w_jk -= sum_i d_ij a_ik`` (``d`` already holds ``eta/m``)."""
    n_out = w.shape[0]
    for j in range(n_out):
        for i in range(mb):
            b[j] -= d[i, j]
        w_j = w[j]
        i = 0
        while i + EXAMPLE_BLOCK <= mb:
            a0, a1, a2, a3, a4 = a_in[i], a_in[i + 1], a_in[i + 2], a_in[i + 3], a_in[i + 4]
            c0, c1, c2, c3, c4 = d[i, j], d[i + 1, j], d[i + 2, j], d[i + 3, j], d[i + 4, j]
            for k in range(w_j.shape[0]):
                w_j[k] -= c0 * a0[k] + c1 * a1[k] + c2 * a2[k] + c3 * a3[k] + c4 * a4[k]
            i += EXAMPLE_BLOCK
        for rest in range(i, mb):
            a_i, c = a_in[rest], d[rest, j]
            for k in range(w_j.shape[0]):
                w_j[k] -= c * a_i[k]


if numba is not None:
    _jit = numba.njit(cache=True, nogil=True, fastmath={"reassoc", "contract"})
    _forward = _jit(_forward)
    _propagate = _jit(_propagate)
    _update = _jit(_update)
    _sgd_batches = _jit(_sgd_batches)


class CompiledSGD:
    """Runs mini-batch SGD on ``network`` in place with the compiled kernel.

    Holds the work buffers for one mini-batch size; :meth:`run` may be called many times
    (e.g. once per slice of an epoch, to report progress in between).
    """

    def __init__(self, network: Network, mini_batch_size: int) -> None:
        if numba is None:
            raise RuntimeError("the compiled path needs Numba: pip install 'digitnet[fast]'")
        self.network = network
        dtype, m = network.dtype, mini_batch_size
        self.x = np.empty((m, network.sizes[0]), dtype)
        self.acts = tuple(np.empty((m, n), dtype) for n in network.sizes[1:])
        self.deltas = tuple(np.empty((m, n), dtype) for n in network.sizes[1:])
        self.no_table = np.empty(0, dtype)

    def run(
        self,
        images: NDArray[Any],
        labels: NDArray[Any],
        order: NDArray[np.intp],
        learning_rate: float,
    ) -> None:
        """SGD over the examples ``order``, one mini-batch after another."""
        _sgd_batches(
            images,
            pixel_values(self.network.dtype) if images.dtype == np.uint8 else self.no_table,
            labels,
            order,
            tuple(self.network.weights),
            tuple(self.network.biases),
            self.x,
            self.acts,
            self.deltas,
            float(learning_rate),
        )
