"""Sigmoid neurons: the activation function and its derivative.

A sigmoid neuron outputs ``sigma(z) = 1 / (1 + e^-z)`` for ``z = w . x + b``. Unlike a
perceptron's step, sigma is smooth, so a small change in a weight makes a small change in
the output: ``delta_output ~= sum_j d(output)/d(w_j) delta_w_j``. That is what lets gradient
descent learn.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.floating]


def sigmoid(z: FloatArray | float) -> FloatArray:
    """The logistic function ``sigma(z) = 1 / (1 + e^-z)``, elementwise.

    Numerically stable: for very negative ``z`` the exponential overflows to ``inf`` and
    ``1 / (1 + inf)`` is exactly 0, the correct limit; for very positive ``z`` it is exactly 1.
    The overflow is expected, so its warning is silenced here and only here. Elsewhere the
    formula is accurate to the last bit: there is no cancellation in ``1 + e^-z``.
    """
    with np.errstate(over="ignore"):
        return 1.0 / (1.0 + np.exp(-np.asarray(z)))


def sigmoid_prime(z: FloatArray | float) -> FloatArray:
    """The derivative ``sigma'(z) = sigma(z) (1 - sigma(z))``."""
    s = sigmoid(z)
    return s * (1.0 - s)


def sigmoid_prime_from_output(a: FloatArray) -> FloatArray:
    """``sigma'(z)`` from the stored output ``a = sigma(z)``: ``a (1 - a)``, no exponential."""
    return a * (1.0 - a)


@dataclass(frozen=True)
class Activation:
    """An activation function with its derivative expressed through its output."""

    name: str
    function: Callable[[FloatArray], FloatArray]
    derivative_from_output: Callable[[FloatArray], FloatArray]


SIGMOID = Activation("sigmoid", sigmoid, sigmoid_prime_from_output)

#: Name -> activation; the CLI's choices and the model file both read this.
ACTIVATIONS: dict[str, Activation] = {SIGMOID.name: SIGMOID}
