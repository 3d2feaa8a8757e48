import numpy as np
import pytest

from digitnet.network import Network
from digitnet.saturation import saturated_fraction


def mnist_like(n, seed):
    """Bright strokes on a dark background: about a fifth of the 784 pixels lit."""
    rng = np.random.default_rng(seed)
    return (rng.random((n, 784)) < 0.2) * rng.random((n, 784))


def test_the_books_initialisation_saturates_most_hidden_neurons_and_scaled_does_not():
    images = mnist_like(500, 0)
    book = saturated_fraction(Network([784, 100, 10], seed=1, init="normal"), images)
    scaled = saturated_fraction(Network([784, 100, 10], seed=1, init="scaled"), images)
    assert book > 0.5
    assert scaled == 0.0


def test_no_hidden_layer_has_no_saturation():
    assert saturated_fraction(Network([784, 10]), mnist_like(10, 1)) is None


def test_inactive_relu_units_count_as_saturated():
    net = Network([4, 10, 2], seed=2, activation="relu", init="he")
    net.biases[0][:5] = -100.0  # never active
    net.biases[0][5:] = 100.0  # always active
    assert saturated_fraction(net, np.random.default_rng(3).random((50, 4))) == pytest.approx(0.5)
