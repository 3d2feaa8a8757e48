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

from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

from digitnet.network import Network

FloatArray = NDArray[np.floating]


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
    compiled : bool
        Make each update one pass of a Numba kernel (:func:`digitnet.compiled.descend`)
        instead of the NumPy code below, its reference.
    """

    def __init__(
        self,
        network: Network,
        *,
        momentum: float = 0.0,
        nesterov: bool = False,
        l2_per_example: float = 0.0,
        weight_decay: float = 0.0,
        compiled: bool = False,
    ) -> None:
        self.network, self.compiled = network, compiled
        self.momentum, self.nesterov = momentum, nesterov
        self.l2, self.weight_decay = l2_per_example, weight_decay
        parameters = network.weights + network.biases
        self.velocities = [np.zeros_like(p) for p in parameters] if momentum else []
        self.regularised = [np.empty_like(w) for w in network.weights] if l2_per_example else []
        self.steps = [np.empty_like(p) for p in parameters]  # work buffers: no allocation

    def step(
        self, nabla_b: Sequence[FloatArray], nabla_w: Sequence[FloatArray], learning_rate: float
    ) -> None:
        """One update of every weight and bias from the gradients (shaped like them)."""
        network = self.network
        n_weights = len(network.weights)
        parameters = network.weights + network.biases
        gradients = list(nabla_w) + list(nabla_b)
        if self.compiled:
            self._compiled_step(parameters, gradients, learning_rate)
            return
        for i, (p, g) in enumerate(zip(parameters, gradients)):
            is_weight = i < n_weights
            if is_weight and self.l2:
                g = np.multiply(p, self.l2, out=self.regularised[i])
                g += gradients[i]
            if is_weight and self.weight_decay:
                p *= 1 - learning_rate * self.weight_decay
            step = np.multiply(g, learning_rate, out=self.steps[i])  # eta g
            if not self.momentum:
                p -= step
                continue
            v = self.velocities[i]
            v *= self.momentum
            v -= step
            if self.nesterov:
                p -= step
                p += np.multiply(v, self.momentum, out=self.steps[i])
            else:
                p += v

    def _compiled_step(
        self, parameters: list[FloatArray], gradients: list[FloatArray], learning_rate: float
    ) -> None:
        from digitnet.compiled import descend

        n_weights = len(self.network.weights)
        for i, (p, g) in enumerate(zip(parameters, gradients)):
            is_weight = i < n_weights
            v = self.velocities[i] if self.momentum else p
            descend(
                p, g, v, learning_rate, self.momentum, self.nesterov,
                self.l2 if is_weight else 0.0, self.weight_decay if is_weight else 0.0,
            )  # fmt: skip

    def state(self) -> list[FloatArray]:
        """The velocities (weights first, then biases), for a checkpoint."""
        return self.velocities
