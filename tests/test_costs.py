import numpy as np
import pytest

from digitnet.activations import OUTPUT_ACTIVATIONS, sigmoid, softmax
from digitnet.costs import (
    COSTS,
    CROSS_ENTROPY,
    LOG_LIKELIHOOD,
    QUADRATIC,
    cross_entropy_cost,
    log_likelihood_cost,
    quadratic_cost,
    quadratic_output_error,
)

FINITE_DIFFERENCE_STEP = 1e-6


def per_example_cost(z, y):
    """``C_x = ||y - sigma(z)||^2 / 2`` for every row, the book's cost of one example."""
    return 0.5 * np.sum((y - sigmoid(z)) ** 2, axis=1)


def test_quadratic_cost_by_hand():
    outputs = np.array([[0.5, 0.0], [1.0, 0.25]])
    targets = np.array([[1.0, 0.0], [0.0, 1.0]])
    # ||y - a||^2: (0.5^2 + 0^2) = 0.25 and (1^2 + 0.75^2) = 1.5625; sum 1.8125;
    # C = 1/(2n) * sum = 1.8125 / 4 = 0.453125 (exact in binary).
    value = quadratic_cost(outputs, targets)
    assert isinstance(value, float)
    assert value == 0.453125


def test_quadratic_cost_is_zero_when_outputs_equal_targets():
    targets = np.eye(10)[[3, 1, 4, 1, 5]]
    assert quadratic_cost(targets.copy(), targets) == 0.0


def test_quadratic_cost_is_the_mean_of_the_per_example_costs():
    rng = np.random.default_rng(0)
    z, y = rng.standard_normal((6, 4)), rng.random((6, 4))
    assert quadratic_cost(sigmoid(z), y) == pytest.approx(per_example_cost(z, y).mean(), rel=1e-14)


def test_output_error_is_the_gradient_of_the_cost_in_z():
    rng = np.random.default_rng(1)
    z = rng.normal(scale=2.0, size=(5, 3))
    y = np.eye(3)[rng.integers(0, 3, size=5)]
    delta = quadratic_output_error(sigmoid(z), y)

    h = FINITE_DIFFERENCE_STEP
    finite_difference = np.empty_like(z)
    for j in range(z.shape[1]):  # C_x depends on row x only, so nudge a column at a time
        step = np.zeros_like(z)
        step[:, j] = h
        finite_difference[:, j] = (
            per_example_cost(z + step, y) - per_example_cost(z - step, y)
        ) / (2 * h)
    np.testing.assert_allclose(delta, finite_difference, rtol=1e-7, atol=1e-10)


def test_registry_holds_the_quadratic_cost():
    assert COSTS["quadratic"] is QUADRATIC
    assert QUADRATIC.value is quadratic_cost
    assert QUADRATIC.output_error is quadratic_output_error


def per_example(cost, z, y):
    """``C_x`` of every row for outputs ``a = f(z)``, f the cost's output activation."""
    a = OUTPUT_ACTIVATIONS[cost.output_activation].function(z)
    return np.array([cost.value(a[i : i + 1], y[i : i + 1]) for i in range(len(z))])


@pytest.mark.parametrize("cost", [QUADRATIC, CROSS_ENTROPY, LOG_LIKELIHOOD], ids=lambda c: c.name)
def test_every_output_error_is_the_gradient_of_its_cost_in_z(cost):
    rng = np.random.default_rng(2)
    z = rng.normal(scale=2.0, size=(4, 5))
    y = np.eye(5)[rng.integers(0, 5, size=4)]
    a = OUTPUT_ACTIVATIONS[cost.output_activation].function(z)
    delta = cost.output_error(a, y)
    h = FINITE_DIFFERENCE_STEP
    finite_difference = np.empty_like(z)
    for j in range(z.shape[1]):
        step = np.zeros_like(z)
        step[:, j] = h
        finite_difference[:, j] = (
            per_example(cost, z + step, y) - per_example(cost, z - step, y)
        ) / (2 * h)
    np.testing.assert_allclose(delta, finite_difference, rtol=1e-6, atol=1e-9)


def test_cross_entropy_by_hand():
    outputs = np.array([[0.5, 0.25]])
    targets = np.array([[1.0, 0.0]])
    # -(ln 0.5 + ln 0.75)
    assert cross_entropy_cost(outputs, targets) == pytest.approx(-(np.log(0.5) + np.log(0.75)))


def test_log_likelihood_is_minus_the_log_of_the_right_digits_probability():
    outputs = softmax(np.array([[1.0, 2.0, 3.0]]))
    targets = np.array([[0.0, 1.0, 0.0]])
    assert log_likelihood_cost(outputs, targets) == pytest.approx(-np.log(outputs[0, 1]))


def test_saturated_outputs_give_a_large_finite_cost_without_warnings():
    outputs = np.array([[0.0, 1.0]], dtype=np.float32)
    targets = np.array([[1.0, 0.0]], dtype=np.float32)
    for value in (cross_entropy_cost(outputs, targets), log_likelihood_cost(outputs, targets)):
        assert np.isfinite(value) and value > 50


def test_each_cost_names_the_output_layer_it_pairs_with():
    assert {c.name: c.output_activation for c in COSTS.values()} == {
        "quadratic": "sigmoid",
        "cross-entropy": "sigmoid",
        "log-likelihood": "softmax",
    }
