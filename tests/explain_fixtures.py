"""A small trained network shared by the tests of digitnet.explain."""

from __future__ import annotations

from typing import Any

import numpy as np

from digitnet.history import History
from digitnet.network import Network
from digitnet.training import sgd

#: Training digits and epochs of the shared network: about 88% accurate, in a second.
TRAINING_SIZE = 3_000
EPOCHS = 2


def small_trained(mnist: Any) -> tuple[Network, History]:
    """The book's [784, 30, 10] after EPOCHS epochs on the first TRAINING_SIZE digits."""
    net = Network([784, 30, 10], seed=1)
    data = (mnist.training.images[:TRAINING_SIZE], mnist.training.labels[:TRAINING_SIZE])
    history = sgd(net, data, epochs=EPOCHS, seed=1, engine="numpy")
    return net, history


def first_test_digits(mnist: Any, n: int) -> tuple[np.ndarray, np.ndarray]:
    """The first ``n`` test digits as floats in [0, 1], and their labels."""
    return mnist.test.images[:n] / 255.0, mnist.test.labels[:n].astype(np.intp)
