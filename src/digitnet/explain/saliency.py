"""Why this answer: which pixels raise or lower an output, ``d a_j / d x``.

Backpropagation carries an error from the output layer back to the input as it does to the
weights. Start from ``d = dy/dz^L`` for any output quantity ``y`` and go back a layer at a
time (rows are examples, as in :mod:`digitnet.backprop`):

    d^l = (d^(l+1) w^(l+1)) * f'(z^l)          (BP2, f the hidden activation)
    dy/dx = d^1 w^1                            (the input has no activation)

For ``y = a_j``, one output neuron, ``d a_j / d z^L`` is ``sigma'(z_j)`` at ``j`` (sigmoid
outputs, each neuron on its own) or ``a_j (e_j - a)`` (softmax, whose outputs share one sum).
The saliency picture is that gradient laid out as the 28 x 28 image: where it is positive,
more ink would raise ``a_j``. ``gradient x input`` keeps only the pixels that hold ink, what
this image's ink did to the answer to first order.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from digitnet.errors import ConfigError
from digitnet.network import Network
from digitnet.pixels import as_unit_interval

FloatArray = NDArray[np.floating]


def forward(network: Network, x: ArrayLike) -> tuple[FloatArray, list[FloatArray]]:
    """The inputs as a batch ``(m, n_in)`` and every layer's activations, the input first."""
    batch = np.atleast_2d(as_unit_interval(x, network.dtype))
    if batch.ndim != 2 or batch.shape[1] != network.sizes[0]:
        raise ConfigError(
            f"input must have shape (n_examples, {network.sizes[0]}) or ({network.sizes[0]},), "
            f"got {np.shape(x)}"
        )
    return batch, network.activations_for(batch)


def input_gradient(
    network: Network, activations: list[FloatArray], output_delta: FloatArray
) -> FloatArray:
    """``dy/dx`` (m, n_in) from ``output_delta = dy/dz^L`` (m, n_out), by BP2 down to the input.

    ``activations`` are :func:`forward`'s for the same ``m`` inputs.
    """
    derivative = network.hidden_activation.derivative_from_output
    delta = output_delta
    for l in range(len(network.weights) - 1, 0, -1):
        assert derivative is not None  # hidden activations are elementwise
        delta = (delta @ network.weights[l]) * derivative(activations[l])
    return delta @ network.weights[0]


def output_derivative(network: Network, outputs: FloatArray, j: NDArray[np.intp]) -> FloatArray:
    """``d a_j / d z^L`` (m, n_out) for output ``j[i]`` of each row ``i`` of ``outputs``."""
    rows = np.arange(outputs.shape[0])
    chosen = np.zeros_like(outputs)
    chosen[rows, j] = 1
    a_j = outputs[rows, j][:, None]
    if network.output_activation.name == "softmax":
        return a_j * (chosen - outputs)  # d a_j / d z_k = a_j (delta_jk - a_k)
    derivative = network.output_activation.derivative_from_output
    assert derivative is not None  # an elementwise output layer
    return chosen * derivative(outputs)


@dataclass(frozen=True)
class Saliency:
    """Why one image gets its answer.

    Attributes
    ----------
    digits : tuple of int
        The answer and the runner-up (the two most active outputs, on a tie the lower digit).
    outputs : ndarray, shape (n_out,)
        The output activations for the image.
    gradient : ndarray, shape (2, n_in)
        ``d a_j / d x`` for the answer (row 0) and the runner-up (row 1).
    gradient_times_input : ndarray, shape (2, n_in)
        ``x * d a_j / d x``, row by row.
    """

    digits: tuple[int, int]
    outputs: FloatArray
    gradient: FloatArray
    gradient_times_input: FloatArray


def saliency(network: Network, x: ArrayLike) -> Saliency:
    """The saliency of the answer and the runner-up for one image ``x`` (n_in,) in [0, 1].

    >>> import numpy as np
    >>> s = saliency(Network([784, 30, 10], seed=0), np.zeros(784))
    >>> s.gradient.shape
    (2, 784)
    """
    batch, activations = forward(network, x)
    if batch.shape[0] != 1:
        raise ConfigError(f"saliency explains one image of {network.sizes[0]} pixels at a time")
    outputs = activations[-1][0]
    order = np.argsort(-outputs.astype(np.float64), kind="stable")[:2]
    repeated = [np.repeat(a, 2, axis=0) for a in activations]
    delta = output_derivative(network, repeated[-1], order.astype(np.intp))
    gradient = input_gradient(network, repeated, delta)
    return Saliency((int(order[0]), int(order[1])), outputs, gradient, gradient * batch[0])
