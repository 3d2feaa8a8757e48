"""One step of learning laid open: its numbers are backprop's, its equations the book's."""

import numpy as np
import pytest

from digitnet.backprop import backprop, backward_pass, update_mini_batch
from digitnet.costs import COSTS, CROSS_ENTROPY, LOG_LIKELIHOOD, QUADRATIC, one_hot
from digitnet.errors import ConfigError
from digitnet.explain.step import MAX_STEPS, cost_of, learning_step
from digitnet.network import Network

#: The issue's bound: the step's numbers equal backprop's to this, in float64. Each
#: equation below is a handful of roundings of numbers below 10 (z up to ~30 with N(0, 1)
#: weights on 784 pixels): well under 1e-12.
EXACT = 1e-12
#: Centred differences: truncation h^2 |C'''| / 6 and rounding u |C| / h, both near 1e-10
#: for h = 1e-5 on a cost of order 1.
FD_STEP = 1e-5
FD_ATOL = 1e-8
LABEL = 3


@pytest.fixture
def network():
    return Network([784, 30, 10], seed=7, init="scaled")


@pytest.fixture
def image():
    return np.random.default_rng(11).random(784)


def test_numbers_are_backprops(network, image):
    step = learning_step(network, image, LABEL, learning_rate=0.5)
    x, y = image.reshape(1, -1), one_hot([LABEL])
    nabla_b, nabla_w = backprop(network, x, y, QUADRATIC)
    for ours, theirs in zip(step.nabla_b + step.nabla_w, nabla_b + nabla_w):
        np.testing.assert_allclose(ours, theirs, rtol=0, atol=EXACT)
    for ours, theirs in zip(step.activations, network.activations_for(image)):
        np.testing.assert_allclose(ours, theirs, rtol=0, atol=EXACT)
    assert step.cost == pytest.approx(QUADRATIC.value(network.feedforward(x), y), abs=EXACT)


def test_the_four_equations_hold(network, image):
    step = learning_step(network, image, LABEL, learning_rate=0.5)
    a, zs, deltas, y = step.activations, step.zs, step.deltas, one_hot([LABEL])[0]
    for l, (w, b) in enumerate(zip(network.weights, network.biases)):
        np.testing.assert_allclose(zs[l], w @ a[l] + b, rtol=0, atol=EXACT)
        sigma = 1 / (1 + np.exp(-zs[l]))
        np.testing.assert_allclose(step.derivatives[l], sigma * (1 - sigma), rtol=0, atol=EXACT)
    bp1 = (a[-1] - y) * step.derivatives[-1]
    np.testing.assert_allclose(deltas[-1], bp1, rtol=0, atol=EXACT)
    bp2 = (network.weights[1].T @ deltas[1]) * step.derivatives[0]
    np.testing.assert_allclose(deltas[0], bp2, rtol=0, atol=EXACT)
    for l in range(2):
        np.testing.assert_array_equal(step.nabla_b[l], deltas[l])  # BP3
        np.testing.assert_allclose(
            step.nabla_w[l], np.outer(deltas[l], a[l]), rtol=0, atol=EXACT
        )  # BP4


def test_gradients_match_finite_differences(network, image):
    step = learning_step(network, image, LABEL, learning_rate=0.5)
    y = one_hot([LABEL])

    def cost():
        return QUADRATIC.value(network.feedforward(image.reshape(1, -1)), y)

    rng = np.random.default_rng(0)
    for l in range(2):
        for _ in range(5):
            j, k = rng.integers(network.weights[l].shape[0]), rng.integers(784 if l == 0 else 30)
            saved = network.weights[l][j, k]
            network.weights[l][j, k] = saved + FD_STEP
            up = cost()
            network.weights[l][j, k] = saved - FD_STEP
            down = cost()
            network.weights[l][j, k] = saved
            assert step.nabla_w[l][j, k] == pytest.approx((up - down) / (2 * FD_STEP), abs=FD_ATOL)


def test_network_is_not_changed(network, image):
    before = [p.copy() for p in network.weights + network.biases]
    learning_step(network, image, LABEL, learning_rate=3.0, steps=5)
    for p, q in zip(before, network.weights + network.biases):
        np.testing.assert_array_equal(p, q)


def test_steps_are_training_steps(image):
    net = Network([784, 30, 10], seed=7, dtype="float32")
    step = learning_step(net, image, LABEL, learning_rate=3.0, steps=4)
    reference = net.astype("float64")
    x, y = image.reshape(1, -1), one_hot([LABEL])
    right = [reference.feedforward(x)[0, LABEL]]
    for _ in range(3):
        update_mini_batch(reference, x, y, 3.0)
        right.append(reference.feedforward(x)[0, LABEL])
    np.testing.assert_allclose(step.activations[-1], reference.feedforward(image), atol=EXACT)
    update_mini_batch(reference, x, y, 3.0)
    right.append(reference.feedforward(x)[0, LABEL])
    np.testing.assert_allclose(step.outputs_after, reference.feedforward(image), atol=EXACT)
    np.testing.assert_allclose(step.right_outputs, right, atol=EXACT)
    assert step.steps == 4 and len(step.right_outputs) == len(step.costs) == 5
    assert step.costs[0] > step.cost > step.cost_after  # each step lowered it


def test_a_small_step_raises_the_right_output(network, image):
    step = learning_step(network, image, LABEL, learning_rate=0.5)
    assert step.right_outputs[-1] > step.right_outputs[0]
    assert step.cost_after < step.cost
    assert step.outputs_after[LABEL] == step.right_outputs[-1]


def test_too_large_a_step_saturates_the_hidden_layer(network, image):
    step = learning_step(network, image, LABEL, learning_rate=1e3)
    before, after = step.saturated(0, network), step.saturated(0, network, after=True)
    assert after.sum() > before.sum() + 10
    assert step.saturated(1, network, after=True).all()  # outputs pinned to 0 and 1


def test_saturated_neurons_have_a_flat_derivative(network, image):
    network.biases[0][[2, 5]] = [40.0, -40.0]  # far out on both tails
    step = learning_step(network, image, LABEL, learning_rate=0.5)
    saturated = step.saturated(0, network)
    assert saturated[2] and saturated[5]
    assert step.derivatives[0][2] < 1e-12 and abs(step.deltas[0][5]) < 1e-12
    assert saturated.sum() < 30  # the "scaled" others stay in the steep middle


@pytest.mark.parametrize(
    ("output", "cost", "name"),
    [
        ("sigmoid", "cross-entropy", "cross-entropy"),
        ("softmax", "log-likelihood", "log-likelihood"),
    ],
)
def test_output_error_is_a_minus_y_for_the_matched_costs(image, output, cost, name):
    net = Network([784, 20, 10], seed=2, output=output, init="scaled")
    step = learning_step(net, image, LABEL, learning_rate=0.5, cost=cost_of(net, cost))
    assert step.cost_name == name
    np.testing.assert_allclose(step.deltas[-1], step.outputs - one_hot([LABEL])[0], atol=EXACT)
    assert (step.derivatives[-1] is None) == (output == "softmax")
    laid_open = backward_pass(net, image.reshape(1, -1), one_hot([LABEL]), COSTS[name])
    np.testing.assert_allclose(step.nabla_w[0], laid_open.nabla_w[0], rtol=0, atol=EXACT)


def test_cost_of_follows_the_model():
    sigmoid, softmax = Network([4, 3]), Network([4, 3], output="softmax")
    assert cost_of(sigmoid, None) is QUADRATIC
    assert cost_of(sigmoid, "cross-entropy") is CROSS_ENTROPY
    assert cost_of(sigmoid, "log-likelihood") is QUADRATIC  # needs softmax outputs
    assert cost_of(softmax, None) is LOG_LIKELIHOOD


@pytest.mark.parametrize(
    ("change", "needle"),
    [
        ({"label": 10}, "label must be a digit from 0 to 9, got 10"),
        ({"label": True}, "label must be an integer"),
        ({"learning_rate": 0.0}, "learning_rate must be above 0"),
        ({"learning_rate": float("nan")}, "learning_rate must be above 0"),
        ({"steps": 0}, f"steps must be from 1 to {MAX_STEPS}, got 0"),
        ({"steps": MAX_STEPS + 1}, "steps must be from 1"),
        ({"x": np.zeros(100)}, "input must be 784 finite numbers"),
        ({"x": np.full(784, np.nan)}, "input must be 784 finite numbers"),
    ],
)
def test_bad_arguments_are_one_line_errors(network, image, change, needle):
    arguments = {"x": image, "label": LABEL, "learning_rate": 0.5, "steps": 1, **change}
    with pytest.raises(ConfigError, match=needle):
        learning_step(network, arguments.pop("x"), **arguments)
