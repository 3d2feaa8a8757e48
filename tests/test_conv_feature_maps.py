"""feature_maps and filters: the reference forward, one image, held to the network's own."""

import numpy as np
import pytest

from digitnet.conv.feature_maps import feature_maps, filters
from digitnet.conv.network import ConvNetwork
from digitnet.errors import ConfigError

SMALL = "conv:4x5x5,pool:2,conv:6x3x3:same,pool:2,fc:20,softmax:10"


@pytest.mark.parametrize("activation", ["relu", "sigmoid", "tanh"])
def test_the_maps_are_the_networks_activations_of_each_conv_layer(activation):
    net = ConvNetwork(SMALL, seed=0, dtype="float64", activation=activation, init="scaled")
    images = np.random.default_rng(1).random((3, 784))
    expected = net.activations_for(images)
    for i, image in enumerate(images):
        maps = feature_maps(net, image)
        assert [m.shape for m in maps] == [(12, 12, 4), (6, 6, 6)]
        # float64 sums of at most 54 products of values below 1: gamma_54 ~ 6e-15 of them.
        for l, m in enumerate(maps):
            np.testing.assert_allclose(m.reshape(-1), expected[l + 1][i], rtol=0, atol=1e-12)


def test_the_last_maps_fed_through_the_dense_layers_give_the_output():
    net = ConvNetwork(SMALL, seed=3, dtype="float64")
    image = np.random.default_rng(2).integers(0, 256, 784).astype(np.uint8)  # pixels 0-255
    a = feature_maps(net, image)[-1].reshape(1, -1)
    a = np.maximum(a @ net.weights[2].T + net.biases[2], 0)
    z = (a @ net.weights[3].T + net.biases[3])[0]
    output = np.exp(z - z.max()) / np.exp(z - z.max()).sum()
    np.testing.assert_allclose(output, net.feedforward(image / 255.0), rtol=0, atol=1e-12)


def test_a_float32_network_gives_float32_maps():
    net = ConvNetwork(SMALL, seed=0)
    assert all(m.dtype == np.float32 for m in feature_maps(net, np.zeros(784)))


def test_anything_but_one_image_is_refused_in_one_line():
    net = ConvNetwork(SMALL, seed=0)
    with pytest.raises(ConfigError, match=r"one image of 784 pixels, got shape \(2, 784\)"):
        feature_maps(net, np.zeros((2, 784)))


def test_filters_are_the_first_kernels_and_the_mean_over_input_maps_after():
    net = ConvNetwork(SMALL, seed=0)
    first, second = filters(net)
    assert first.shape == (4, 5, 5) and second.shape == (6, 3, 3)
    np.testing.assert_array_equal(first, net.weights[0][..., 0])
    np.testing.assert_allclose(second, net.weights[1].sum(axis=3) / 4, rtol=1e-6)
    assert filters(ConvNetwork("fc:10,softmax:10", seed=0)) == []
