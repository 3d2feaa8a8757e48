"""Gradient descent update rules: plain, with momentum, Nesterov; L2 and weight decay.

Given the gradients ``(dC/db, dC/dw)`` of one mini-batch, every rule moves the parameters
downhill with the learning rate ``eta``:

- plain (the book's chapter 1): ``w <- w - eta g``;
- momentum (chapter 3), a velocity that remembers past steps with friction ``mu``:
  ``v <- mu v - eta g``, ``w <- w + v``;
- Nesterov momentum, which takes the gradient's step from where the velocity is about to
  carry the weights: ``v <- mu v - eta g``, ``w <- w + mu v - eta g``;
- L2 regularisation (chapter 3) adds ``(lambda / n) w`` to the weights' gradient, ``n`` the
  training-set size, so large weights cost more; it goes through the momentum like the rest
  of the gradient;
- weight decay shrinks the weights directly, ``w <- w - eta d w``, outside the momentum
  ("decoupled"). Without momentum the two are the same rule, with ``d = lambda / n``.

Biases are not regularised, as in the book.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
from numpy.typing import NDArray

from digitnet.network import Network

FloatArray = NDArray[np.floating]

#: ``update(p, g, v, learning_rate, momentum, nesterov, l2, decay)``: the rules below applied
#: to one parameter ``p`` in place, in one pass (see :mod:`digitnet.engines.compiled_update`).
OnePassUpdate = Callable[
    [FloatArray, FloatArray, FloatArray, float, float, bool, float, float], None
]


class GradientDescent:
    """Applies one mini-batch's gradients to ``network`` in place.

    Parameters
    ----------
    network : Network
        The network whose weights and biases are updated.
    momentum : float
        The friction ``mu`` in 0..1; 0 is plain gradient descent.
    nesterov : bool
        Nesterov's momentum instead of the classical one.
    l2_per_example : float
        ``lambda / n``, the L2 term's weight per training example.
    weight_decay : float
        ``d`` of the decoupled weight decay.
    one_pass : callable, optional
        Apply each parameter's rule in one pass of this kernel
        (:func:`digitnet.engines.compiled_update.descend`) instead of the NumPy code below,
        its reference.
    """

    def __init__(
        self,
        network: Network,
        *,
        momentum: float = 0.0,
        nesterov: bool = False,
        l2_per_example: float = 0.0,
        weight_decay: float = 0.0,
        one_pass: OnePassUpdate | None = None,
    ) -> None:
        self.network, self.one_pass = network, one_pass
        self.momentum, self.nesterov = momentum, nesterov
        self.l2, self.weight_decay = l2_per_example, weight_decay
        parameters = network.weights + network.biases
        self.velocities = [np.zeros_like(p) for p in parameters] if momentum else []
        # Work buffers of the NumPy rule, so that an update allocates nothing.
        numpy_rule = one_pass is None
        self.regularised = (
            [np.empty_like(w) for w in network.weights] if l2_per_example and numpy_rule else []
        )
        self.steps = [np.empty_like(p) for p in parameters] if numpy_rule else []

    @property
    def plain(self) -> bool:
        """Whether the rule is the book's ``w <- w - eta g``: no momentum, L2 or decay."""
        return not (self.momentum or self.l2 or self.weight_decay)

    def step(
        self, nabla_b: Sequence[FloatArray], nabla_w: Sequence[FloatArray], learning_rate: float
    ) -> None:
        """One update of every weight and bias from the gradients (shaped like them)."""
        n_weights = len(self.network.weights)
        parameters = self.network.weights + self.network.biases
        for i, (p, g) in enumerate(zip(parameters, [*nabla_w, *nabla_b])):
            l2, decay = (self.l2, self.weight_decay) if i < n_weights else (0.0, 0.0)
            if self.one_pass is not None:
                v = self.velocities[i] if self.momentum else p  # unused without momentum
                self.one_pass(p, g, v, learning_rate, self.momentum, self.nesterov, l2, decay)
            else:
                self._numpy_update(i, p, g, learning_rate, l2, decay)

    def _numpy_update(
        self, i: int, p: FloatArray, g: FloatArray, learning_rate: float, l2: float, decay: float
    ) -> None:
        """The rule for parameter ``i`` in NumPy: the reference of the compiled pass."""
        if l2:
            g_regularised = np.multiply(p, l2, out=self.regularised[i])
            g_regularised += g
            g = g_regularised
        if decay:
            p *= 1 - learning_rate * decay
        step = np.multiply(g, learning_rate, out=self.steps[i])  # eta g
        if not self.momentum:
            p -= step
            return
        v = self.velocities[i]
        v *= self.momentum
        v -= step
        if self.nesterov:
            p -= step
            p += np.multiply(v, self.momentum, out=self.steps[i])
        else:
            p += v
