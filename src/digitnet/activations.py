"""Activation functions: what a neuron outputs for its weighted input ``z = w . x + b``.

A sigmoid neuron outputs ``sigma(z) = 1 / (1 + e^-z)``. Unlike a perceptron's step, sigma is
smooth, so a small change in a weight makes a small change in the output:
``delta_output ~= sum_j d(output)/d(w_j) delta_w_j``. That is what lets gradient descent
learn. The book's later chapters add ``tanh`` (a sigmoid rescaled to -1..1), the rectified
linear unit ``max(0, z)``, and the softmax output layer, whose outputs are positive and sum
to 1, a probability distribution over the digits.

Backpropagation needs ``sigma'(z)``; each activation gives it through its own output ``a``,
so no ``z`` need be stored: ``sigma' = a (1 - a)``, ``tanh' = 1 - a^2``, ``relu' = [a > 0]``.
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


def tanh(z: FloatArray | float) -> FloatArray:
    """``tanh(z) = (e^z - e^-z) / (e^z + e^-z) = 2 sigma(2z) - 1``, in -1..1."""
    return np.tanh(np.asarray(z))


def tanh_prime_from_output(a: FloatArray) -> FloatArray:
    """``tanh'(z) = 1 - tanh(z)^2`` from the output ``a = tanh(z)``."""
    return 1.0 - a * a


def relu(z: FloatArray | float) -> FloatArray:
    """The rectified linear unit ``max(0, z)``: no saturation for positive ``z``."""
    return np.maximum(np.asarray(z), 0.0)


def relu_prime_from_output(a: FloatArray) -> FloatArray:
    """``relu'(z)``: 1 where the unit is active (``a > 0``), else 0."""
    return (a > 0).astype(a.dtype)


def softmax(z: FloatArray) -> FloatArray:
    """``a_j = e^(z_j) / sum_k e^(z_k)`` along the last axis: positive outputs that sum to 1.

    Stable: ``z - max(z)`` is subtracted first (it leaves the ratio unchanged), so no
    exponential overflows.
    """
    z = np.asarray(z)
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


# In place, for the engines' hot loops: no allocation (but softmax's row sums), and the
# derivative from the output ``a`` into ``out``. The tests hold them to the functions above.


def sigmoid_in_place(z: FloatArray) -> None:
    np.negative(z, out=z)
    np.exp(z, out=z)  # overflow to inf is exact: sigma = 1 / (1 + inf) = 0
    z += 1
    np.reciprocal(z, out=z)


def sigmoid_prime_in_place(a: FloatArray, out: FloatArray) -> None:
    np.subtract(1, a, out=out)
    out *= a


def tanh_in_place(z: FloatArray) -> None:
    np.tanh(z, out=z)


def tanh_prime_in_place(a: FloatArray, out: FloatArray) -> None:
    np.multiply(a, a, out=out)
    np.subtract(1, out, out=out)


def relu_in_place(z: FloatArray) -> None:
    np.maximum(z, 0, out=z)


def relu_prime_in_place(a: FloatArray, out: FloatArray) -> None:
    np.greater(a, 0, out=out)


def softmax_in_place(z: FloatArray) -> None:
    z -= z.max(axis=1, keepdims=True)
    np.exp(z, out=z)
    z /= z.sum(axis=1, keepdims=True)


@dataclass(frozen=True)
class Activation:
    """An activation function with its derivative expressed through its output.

    ``peak_derivative`` is the largest value the derivative takes (sigma' peaks at 1/4),
    against which a unit counts as saturated when its derivative is nearly 0; ``bound`` the
    largest magnitude of its output (None: unbounded, as relu is). An activation
    with ``derivative_from_output`` None (softmax) couples a layer's neurons and can only be
    the output layer, where its cost gives the output error directly. ``in_place`` and
    ``derivative_in_place`` are the same maths for the engines' preallocated arrays.
    """

    name: str
    function: Callable[[FloatArray], FloatArray]
    derivative_from_output: Callable[[FloatArray], FloatArray] | None
    in_place: Callable[[FloatArray], None]
    derivative_in_place: Callable[[FloatArray, FloatArray], None] | None
    peak_derivative: float = 1.0
    bound: float | None = 1.0


SIGMOID = Activation(
    "sigmoid", sigmoid, sigmoid_prime_from_output, sigmoid_in_place, sigmoid_prime_in_place, 0.25
)
TANH = Activation("tanh", tanh, tanh_prime_from_output, tanh_in_place, tanh_prime_in_place, 1.0)
RELU = Activation(
    "relu", relu, relu_prime_from_output, relu_in_place, relu_prime_in_place, 1.0, bound=None
)
SOFTMAX = Activation("softmax", softmax, None, softmax_in_place, None)

#: Name -> activation of the hidden layers; the CLI's choices and the model file read this.
ACTIVATIONS: dict[str, Activation] = {a.name: a for a in (SIGMOID, TANH, RELU)}

#: Name -> activation of the output layer.
OUTPUT_ACTIVATIONS: dict[str, Activation] = {a.name: a for a in (SIGMOID, SOFTMAX)}
