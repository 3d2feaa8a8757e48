"""Cost functions: how far the network's outputs are from the desired ones.

A cost provides its value over a batch and the *output error*
``delta^L = dC_x/dz^L`` for each example, which backpropagation starts from.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.floating]


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


def quadratic_output_error(
    outputs: FloatArray, targets: FloatArray, activation_prime: FloatArray
) -> FloatArray:
    """``delta^L = (a - y) * sigma'(z^L)``, the gradient of ``C_x = ||y - a||^2 / 2`` in ``z^L``."""
    return (outputs - targets) * activation_prime


@dataclass(frozen=True)
class Cost:
    """A cost function: its value over a batch and its output error per example."""

    name: str
    value: Callable[[FloatArray, FloatArray], float]
    output_error: Callable[[FloatArray, FloatArray, FloatArray], FloatArray]


QUADRATIC = Cost("quadratic", quadratic_cost, quadratic_output_error)

#: Name -> cost; the CLI's choices and the model file both read this.
COSTS: dict[str, Cost] = {QUADRATIC.name: QUADRATIC}
