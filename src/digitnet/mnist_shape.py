"""MNIST's shapes, read by every part of digitnet that meets a digit: 28x28 pixels, 10 digits.

A network that classifies MNIST takes the 784 pixels of an image as its inputs and has one
output neuron per digit.
"""

from __future__ import annotations

from collections.abc import Sequence

from digitnet.errors import ConfigError

MNIST_SIDE = 28
MNIST_PIXELS = MNIST_SIDE * MNIST_SIDE  # 784: the network's input size
N_DIGITS = 10
#: Where MNIST puts each digit's intensity-weighted centre of mass, as a row and a column index.
MNIST_CENTRE = MNIST_SIDE // 2


def is_mnist_classifier(sizes: Sequence[int]) -> bool:
    """Whether layer sizes take MNIST's 784 pixels and answer one of ten digits."""
    return sizes[0] == MNIST_PIXELS and sizes[-1] == N_DIGITS


def check_classifier_sizes(sizes: Sequence[int], name: str) -> None:
    """Refuse layer sizes that are not an MNIST classifier; ``name`` begins the message."""
    if not is_mnist_classifier(sizes):
        raise ConfigError(f"{name}: network {list(sizes)} is not an MNIST classifier")
