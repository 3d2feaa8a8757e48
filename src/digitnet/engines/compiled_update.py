"""The compiled update: one pass of a Numba kernel per parameter, for the update rules.

:class:`digitnet.optimizer.GradientDescent` spells each rule in NumPy, its reference; the
NumPy code makes up to seven passes over every array (memory traffic, not arithmetic, is
what they cost), this kernel one. The engines pass :func:`descend` to the optimizer where
NumPy's matrix products do the rest of the step (the fused kernel does its own updates).
"""

from __future__ import annotations

from typing import Any

from numpy.typing import NDArray

from digitnet.engines.numba_kernels import LazyKernels


def _descend(p, g, v, learning_rate, momentum, nesterov, l2, decay):  # type: ignore[no-untyped-def]
    """One gradient-descent update of the flat parameters ``p`` in place, in one pass.

    The rules of :class:`digitnet.optimizer.GradientDescent`, fused: with ``g' = g + l2 p``
    and ``s = eta g'``, plain ``p <- k p - s``; momentum ``v <- mu v - s``, ``p <- k p + v``;
    Nesterov ``p <- k p + mu v - s``; where ``k = 1 - eta decay``. NumPy needs seven passes
    over the arrays for the same; memory traffic, not arithmetic, is what they cost.
    """
    one = p.dtype.type(1)
    keep = one - learning_rate * decay
    if momentum == 0:
        for i in range(p.shape[0]):
            p[i] = keep * p[i] - learning_rate * (g[i] + l2 * p[i])
    elif nesterov:
        for i in range(p.shape[0]):
            step = learning_rate * (g[i] + l2 * p[i])
            velocity = momentum * v[i] - step
            v[i] = velocity
            p[i] = keep * p[i] + (momentum * velocity - step)
    else:
        for i in range(p.shape[0]):
            velocity = momentum * v[i] - learning_rate * (g[i] + l2 * p[i])
            v[i] = velocity
            p[i] = keep * p[i] + velocity


def descend(
    p: NDArray[Any],
    g: NDArray[Any],
    v: NDArray[Any],
    learning_rate: float,
    momentum: float,
    nesterov: bool,
    l2: float,
    decay: float,
) -> None:
    """:func:`_descend` on C-contiguous arrays of any shape (``v`` unused without momentum)."""
    _KERNELS.compile()
    t = p.dtype.type
    _descend(
        p.reshape(-1), g.reshape(-1), v.reshape(-1), t(learning_rate), t(momentum), nesterov,
        t(l2), t(decay),
    )  # fmt: skip


_KERNELS = LazyKernels(
    globals(), ("_descend",), fastmath={"reassoc", "contract"}, error_model="numpy"
)
