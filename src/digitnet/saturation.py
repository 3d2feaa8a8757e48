"""Saturated neurons: why a network can learn far less than it could.

A hidden neuron learns through ``sigma'(z)``: its weights move in proportion to it. With
the book's N(0, 1) initial weights and 784 inputs, ``z = w . x + b`` has a standard deviation
of about 10, so most sigmoid neurons start far out on the flat tails, ``sigma'(z)`` is nearly
0 for almost every image, and those neurons hardly learn; with a learning rate large enough
for the rest, a few examples can also push neurons there for good. The network then trains
on the few neurons left and levels off well below what it could reach. Initial weights
drawn from N(0, 1/n_in) keep ``z`` near N(0, 1), where sigma is steep, and the gap closes.

A neuron is saturated on an image when its derivative there is below ``SATURATION_LEVEL`` of
the largest value it can take (for the sigmoid: ``sigma'(z) < 0.01`` against 1/4 at
``z = 0``, that is ``|z| > 4.6``). The measure is the share of hidden neurons saturated,
averaged over a sample of images. For ReLU units it counts the inactive ones, about half
in a healthy network.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from digitnet.conv.network import AnyNetwork

#: A neuron whose derivative is below this share of its peak counts as saturated.
SATURATION_LEVEL = 0.04

#: Images the fraction is measured on: enough for a steady figure, cheap every epoch.
SATURATION_SAMPLE = 2_000


def saturated_fraction(network: AnyNetwork, images: NDArray[Any]) -> float | None:
    """The share of hidden neurons saturated, averaged over ``images`` (the first
    ``SATURATION_SAMPLE`` of them); None for a network without hidden layers."""
    if network.num_layers < 3:
        return None
    derivative = network.hidden_activation.derivative_from_output
    assert derivative is not None  # hidden activations are elementwise
    activations = network.activations_for(images[:SATURATION_SAMPLE])[1:-1]
    level = SATURATION_LEVEL * network.hidden_activation.peak_derivative
    saturated = sum(int(np.count_nonzero(derivative(a) < level)) for a in activations)
    return saturated / (activations[0].shape[0] * sum(network.sizes[1:-1]))
