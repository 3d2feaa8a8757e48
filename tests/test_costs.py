import numpy as np
import pytest

from digitnet.activations import sigmoid, sigmoid_prime
from digitnet.costs import COSTS, QUADRATIC, quadratic_cost, quadratic_output_error

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
    delta = quadratic_output_error(sigmoid(z), y, sigmoid_prime(z))

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
