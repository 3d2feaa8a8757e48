"""Saliency, d a_j / d x, against centred finite differences of the network's own outputs."""

import numpy as np
import pytest

from digitnet.errors import ConfigError
from digitnet.explain.saliency import saliency
from digitnet.network import Network

#: Centred differences err by about STEP^2 |a'''| / 6 (truncation) plus u |a| / STEP
#: (rounding, u = 1.1e-16): with |a'''| of order 1e3 here, 1e-7 and 1e-11.
STEP = 1e-5
ATOL = 1e-6

CONFIGURATIONS = [
    ("sigmoid", "sigmoid"),
    ("tanh", "sigmoid"),
    ("relu", "softmax"),
    ("sigmoid", "softmax"),
]


def finite_difference(net: Network, x: np.ndarray, j: int) -> np.ndarray:
    gradient = np.empty_like(x)
    for i in range(x.size):
        up, down = x.copy(), x.copy()
        up[i] += STEP
        down[i] -= STEP
        gradient[i] = (net.feedforward(up)[j] - net.feedforward(down)[j]) / (2 * STEP)
    return gradient


@pytest.mark.parametrize(("hidden", "output"), CONFIGURATIONS)
def test_saliency_equals_finite_differences_for_answer_and_runner_up(hidden, output):
    rng = np.random.default_rng(3)
    net = Network([12, 7, 5, 4], seed=2, activation=hidden, output=output, init="scaled")
    x = rng.uniform(0.1, 0.9, 12)  # away from relu's kinks at these weights
    found = saliency(net, x)
    outputs = net.feedforward(x)
    order = np.argsort(-outputs, kind="stable")
    assert found.digits == (int(order[0]), int(order[1]))
    for row, j in enumerate(found.digits):
        np.testing.assert_allclose(found.gradient[row], finite_difference(net, x, j), atol=ATOL)
    np.testing.assert_array_equal(found.gradient_times_input, found.gradient * x)


def test_saliency_of_a_network_without_hidden_layer_is_its_weights_times_sigma_prime():
    net = Network([6, 3], seed=0)
    x = np.linspace(0, 1, 6)
    found = saliency(net, x)
    a = net.feedforward(x)
    j = found.digits[0]
    np.testing.assert_allclose(found.gradient[0], a[j] * (1 - a[j]) * net.weights[0][j])


def test_saliency_reads_uint8_pixels_as_the_network_does():
    net = Network([784, 10, 10], seed=1)
    pixels = np.random.default_rng(0).integers(0, 256, 784).astype(np.uint8)
    as_floats = saliency(net, pixels / 255)
    as_bytes = saliency(net, pixels)
    np.testing.assert_allclose(as_bytes.gradient, as_floats.gradient, rtol=1e-12, atol=1e-15)


def test_saliency_refuses_a_batch_and_a_wrong_shape():
    net = Network([784, 10, 10], seed=1)
    with pytest.raises(ConfigError, match="one image"):
        saliency(net, np.zeros((2, 784)))
    with pytest.raises(ConfigError, match="784"):
        saliency(net, np.zeros(100))
