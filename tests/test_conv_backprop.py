"""Backpropagation through a whole conv network against finite differences (float64)."""

import numpy as np
import pytest

from digitnet.conv.backprop import conv_backprop, dense_dropout_masks, forward
from digitnet.conv.network import ConvNetwork
from digitnet.costs import LOG_LIKELIHOOD

STEP = 1e-6
#: Entries of each parameter array checked (all of the small ones).
CHECKED = 12

#: Both paddings, pooling of 2 and 3 and none, a conv layer over several maps, two fc.
SMALL = "conv:3x5x5,pool:3,conv:4x3x3:same,pool:2,conv:2x2x2,fc:6,softmax:10"


def mean_cost(net, x, y, masks):
    return LOG_LIKELIHOOD.value(forward(net, x, masks).outputs[-1], y)


def check_gradients(net, x, y, masks=None):
    rng = np.random.default_rng(5)
    nabla_b, nabla_w = conv_backprop(net, x, y, LOG_LIKELIHOOD, masks)
    for p, got in zip(net.biases + net.weights, nabla_b + nabla_w):
        assert got.shape == p.shape
        flat = p.reshape(-1)
        for i in rng.choice(flat.size, min(CHECKED, flat.size), replace=False):
            saved = flat[i]
            flat[i] = saved + STEP
            up = mean_cost(net, x, y, masks)
            flat[i] = saved - STEP
            down = mean_cost(net, x, y, masks)
            flat[i] = saved
            want = (up - down) / (2 * STEP)
            assert got.reshape(-1)[i] == pytest.approx(want, rel=1e-5, abs=1e-8)


def batch(rng, m=3):
    return rng.random((m, 784)), np.eye(10)[rng.integers(0, 10, m)]


@pytest.mark.parametrize("activation", ["sigmoid", "tanh", "relu"])
def test_conv_backprop_equals_finite_differences(activation):
    rng = np.random.default_rng(0)
    net = ConvNetwork(SMALL, seed=1, dtype="float64", activation=activation, init="scaled")
    check_gradients(net, *batch(rng))


def test_conv_backprop_through_dropout_masks_equals_finite_differences():
    rng = np.random.default_rng(3)
    net = ConvNetwork(SMALL, seed=2, dtype="float64", activation="tanh", init="scaled")
    x, y = batch(rng)
    masks = dense_dropout_masks(rng, net, 3, 0.5)
    assert [m.shape for m in masks] == [(3, net.sizes[3]), (3, 6)]
    assert {float(v) for m in masks for v in np.unique(m)} == {0.0, 2.0}
    check_gradients(net, x, y, masks)


def test_the_books_network_has_the_books_shapes():
    net = ConvNetwork("conv:20x5x5,pool:2,conv:40x5x5,pool:2,fc:100,softmax:10", seed=0)
    assert net.sizes == (784, 12 * 12 * 20, 4 * 4 * 40, 100, 10)
    assert [w.shape for w in net.weights] == [(20, 5, 5, 1), (40, 5, 5, 20), (100, 640), (10, 100)]
