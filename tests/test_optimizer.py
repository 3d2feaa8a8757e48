"""The update rules, worked by hand on one weight."""

import numpy as np
import pytest

from digitnet.network import Network
from digitnet.optimizer import GradientDescent


def one_weight(value=1.0):
    return Network.from_parameters([np.array([[value]])], [np.array([0.0])])


def run(optimizer, gradients, learning_rate=0.1):
    for g in gradients:
        optimizer.step([np.array([0.0])], [np.array([[g]])], learning_rate)
    return float(optimizer.network.weights[0][0, 0])


def test_plain_gradient_descent_steps_against_the_gradient():
    net = one_weight(1.0)
    assert run(GradientDescent(net), [2.0, 2.0]) == pytest.approx(1.0 - 0.2 - 0.2)


def test_momentum_accumulates_velocity():
    net = one_weight(1.0)
    # v1 = -0.1*2 = -0.2, w = 0.8; v2 = 0.9*-0.2 - 0.2 = -0.38, w = 0.42
    assert run(GradientDescent(net, momentum=0.9), [2.0, 2.0]) == pytest.approx(0.42)


def test_nesterov_steps_from_where_the_velocity_leads():
    net = one_weight(1.0)
    # v1 = -0.2, w = 1 + 0.9*-0.2 - 0.2 = 0.62; v2 = -0.38, w = 0.62 + 0.9*-0.38 - 0.2 = 0.078
    assert run(GradientDescent(net, momentum=0.9, nesterov=True), [2.0, 2.0]) == pytest.approx(
        0.078
    )


def test_l2_pulls_weights_towards_zero_but_not_biases():
    net = Network.from_parameters([np.array([[2.0]])], [np.array([3.0])])
    GradientDescent(net, l2_per_example=0.5).step([np.zeros(1)], [np.zeros((1, 1))], 0.1)
    assert net.weights[0][0, 0] == pytest.approx(2.0 * (1 - 0.1 * 0.5))
    assert net.biases[0][0] == 3.0


def test_without_momentum_weight_decay_is_l2():
    rng = np.random.default_rng(0)
    gradients = rng.standard_normal(5)
    decayed = run(GradientDescent(one_weight(), weight_decay=0.3), gradients)
    regularised = run(GradientDescent(one_weight(), l2_per_example=0.3), gradients)
    assert decayed == pytest.approx(regularised, rel=1e-12)


def test_with_momentum_weight_decay_stays_out_of_the_velocity():
    decayed = GradientDescent(one_weight(), momentum=0.9, weight_decay=0.3)
    regularised = GradientDescent(one_weight(), momentum=0.9, l2_per_example=0.3)
    run(decayed, [0.0, 0.0])
    run(regularised, [0.0, 0.0])
    assert decayed.velocities[0][0, 0] == 0.0
    assert regularised.velocities[0][0, 0] < 0.0
