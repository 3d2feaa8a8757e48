"""Backpropagation for every activation, cost and dropout against finite differences."""

import numpy as np
import pytest

from digitnet.backprop import backprop, backward_pass, dropout_masks
from digitnet.costs import COSTS
from digitnet.network import Network

STEP = 1e-6

CONFIGURATIONS = [
    ("sigmoid", "sigmoid", "quadratic"),
    ("sigmoid", "sigmoid", "cross-entropy"),
    ("tanh", "sigmoid", "cross-entropy"),
    ("relu", "softmax", "log-likelihood"),
    ("tanh", "softmax", "log-likelihood"),
]


def mean_cost(net, x, y, cost, masks=None):
    """The mean cost of the batch, through the same masks as backprop uses."""
    a = x
    for l, (w, b) in enumerate(zip(net.weights, net.biases)):
        a = net.activation_of_layer(l).function(a @ w.T + b)
        if masks and l < len(net.weights) - 1:
            a = a * masks[l]
    return cost.value(a, y)


def finite_difference_gradients(net, x, y, cost, masks=None):
    grads = []
    for p in net.biases + net.weights:
        g = np.empty_like(p)
        for index in np.ndindex(p.shape):
            saved = p[index]
            p[index] = saved + STEP
            up = mean_cost(net, x, y, cost, masks)
            p[index] = saved - STEP
            down = mean_cost(net, x, y, cost, masks)
            p[index] = saved
            g[index] = (up - down) / (2 * STEP)
        grads.append(g)
    return grads


@pytest.mark.parametrize(("hidden", "output", "cost_name"), CONFIGURATIONS)
def test_backprop_equals_finite_differences(hidden, output, cost_name):
    rng = np.random.default_rng(0)
    net = Network([5, 4, 3, 3], seed=1, activation=hidden, output=output, init="scaled")
    x, y = rng.random((6, 5)), np.eye(3)[rng.integers(0, 3, 6)]
    cost = COSTS[cost_name]
    nabla_b, nabla_w = backprop(net, x, y, cost)
    expected = finite_difference_gradients(net, x, y, cost)
    for got, want in zip(nabla_b + nabla_w, expected):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-8)


def test_backprop_through_dropout_masks_equals_finite_differences():
    rng = np.random.default_rng(2)
    net = Network([5, 6, 4, 3], seed=3, activation="relu", output="softmax", init="he")
    x, y = rng.random((7, 5)), np.eye(3)[rng.integers(0, 3, 7)]
    masks = dropout_masks(np.random.default_rng(4), net, 7, 0.5)
    cost = COSTS["log-likelihood"]
    nabla_b, nabla_w = backprop(net, x, y, cost, masks)
    expected = finite_difference_gradients(net, x, y, cost, masks)
    for got, want in zip(nabla_b + nabla_w, expected):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-8)


def test_dropout_masks_drop_the_given_share_and_rescale_the_rest():
    net = Network([3, 400, 300, 2], dtype="float32")
    masks = dropout_masks(np.random.default_rng(5), net, 50, 0.25)
    assert [m.shape for m in masks] == [(50, 400), (50, 300)]
    for mask in masks:
        assert mask.dtype == np.float32
        assert set(np.unique(mask)) == {0.0, np.float32(1 / 0.75)}
        assert np.mean(mask == 0) == pytest.approx(0.25, abs=0.01)
        assert mask.mean() == pytest.approx(1.0, abs=0.02)  # the expected input is unchanged


def test_backward_pass_keeps_each_layers_intermediates():
    rng = np.random.default_rng(3)
    net = Network([5, 4, 3, 2], seed=3)
    x, y = rng.random((6, 5)), rng.random((6, 2))
    masks = dropout_masks(rng, net, 6, 0.5)
    laid_open = backward_pass(net, x, y, COSTS["quadratic"], masks)
    nabla_b, nabla_w = backprop(net, x, y, COSTS["quadratic"], masks)
    a = x
    for l, (w, b) in enumerate(zip(net.weights, net.biases)):
        np.testing.assert_array_equal(laid_open.activations[l], a)
        np.testing.assert_allclose(laid_open.zs[l], a @ w.T + b, rtol=0, atol=1e-15)
        a = net.activation_of_layer(l).function(laid_open.zs[l]) * (masks[l] if l < 2 else 1)
        np.testing.assert_allclose(laid_open.deltas[l].mean(axis=0), nabla_b[l], atol=1e-15)
        np.testing.assert_array_equal(laid_open.nabla_w[l], nabla_w[l])
    assert [d.shape for d in laid_open.deltas] == [(6, 4), (6, 3), (6, 2)]
