"""Cost functions: how far the network's outputs are from the desired ones.

A cost provides its value over a batch and the *output error* ``delta^L = dC_x/dz^L`` for
each example, which backpropagation starts from. Each cost is paired with the output layer
it is meant for (``output_activation``):

- quadratic, sigmoid outputs: ``delta^L = (a - y) sigma'(z)``. When a wrong output neuron
  saturates near 0 or 1, ``sigma'`` is nearly 0 and it learns slowly (chapter 3's problem).
- cross-entropy, sigmoid outputs: ``delta^L = a - y``; the ``sigma'`` cancels, so a neuron
  that is badly wrong learns fastest.
- log-likelihood, softmax outputs: ``C = -ln a_y`` and again ``delta^L = a - y``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from digitnet.mnist_shape import N_DIGITS

FloatArray = NDArray[np.floating]


def one_hot(labels: ArrayLike, n_classes: int = N_DIGITS, dtype: Any = np.float64) -> FloatArray:
    """Desired outputs ``y``: row ``i`` is 1 at ``labels[i]`` and 0 elsewhere."""
    labels = np.asarray(labels)
    targets = np.zeros((labels.shape[0], n_classes), dtype=dtype)
    targets[np.arange(labels.shape[0]), labels] = 1
    return targets


def quadratic_cost(outputs: FloatArray, targets: FloatArray) -> float:
    """The quadratic (mean squared error) cost ``C = 1/(2n) sum_x ||y(x) - a(x)||^2``.

    Parameters
    ----------
    outputs : ndarray of shape (n_examples, n_outputs)
        The network's output activations ``a``.
    targets : ndarray of shape (n_examples, n_outputs)
        The desired outputs ``y`` (one-hot rows for digits).
    """
    n = outputs.shape[0]
    diff = outputs - targets
    return float(np.einsum("ij,ij->", diff, diff) / (2 * n))


def quadratic_output_error(outputs: FloatArray, targets: FloatArray) -> FloatArray:
    """``delta^L = (a - y) * sigma'(z^L)``, the gradient of ``C_x = ||y - a||^2 / 2`` in ``z^L``.

    For sigmoid outputs, with ``sigma'(z) = a (1 - a)`` taken from the outputs.
    """
    return (outputs - targets) * outputs * (1.0 - outputs)


def _log_clipped(a: FloatArray) -> FloatArray:
    """``ln a`` with ``a`` kept at least the smallest normal number, so ``ln 0`` is finite."""
    return np.log(np.maximum(a, np.finfo(a.dtype).tiny))


def cross_entropy_cost(outputs: FloatArray, targets: FloatArray) -> float:
    """``C = -1/n sum_x sum_j [y_j ln a_j + (1 - y_j) ln(1 - a_j)]``.

    A saturated output (``a`` exactly 0 or 1 in floating point) costs a large finite amount
    instead of ``inf``: the logarithm's argument is kept above the smallest normal number.
    """
    n = outputs.shape[0]
    total = np.sum(targets * _log_clipped(outputs) + (1 - targets) * _log_clipped(1 - outputs))
    return float(-total / n)


def log_likelihood_cost(outputs: FloatArray, targets: FloatArray) -> float:
    """``C = -1/n sum_x ln a_y(x)``: minus the log of the probability given to the right digit."""
    n = outputs.shape[0]
    return float(-np.sum(targets * _log_clipped(outputs)) / n)


def difference_output_error(outputs: FloatArray, targets: FloatArray) -> FloatArray:
    """``delta^L = a - y``: the output error of cross-entropy (sigmoid) and log-likelihood
    (softmax), in both cases the derivative of the output activation cancels."""
    return outputs - targets


@dataclass(frozen=True)
class Cost:
    """A cost function: its value over a batch and its output error per example."""

    name: str
    value: Callable[[FloatArray, FloatArray], float]
    output_error: Callable[[FloatArray, FloatArray], FloatArray]
    output_activation: str


QUADRATIC = Cost("quadratic", quadratic_cost, quadratic_output_error, "sigmoid")
CROSS_ENTROPY = Cost("cross-entropy", cross_entropy_cost, difference_output_error, "sigmoid")
LOG_LIKELIHOOD = Cost("log-likelihood", log_likelihood_cost, difference_output_error, "softmax")

#: Name -> cost; the CLI's choices and the model file both read this.
COSTS: dict[str, Cost] = {c.name: c for c in (QUADRATIC, CROSS_ENTROPY, LOG_LIKELIHOOD)}
