import numpy as np
import pytest

from digitnet.activations import (
    ACTIVATIONS,
    SIGMOID,
    sigmoid,
    sigmoid_prime,
    sigmoid_prime_from_output,
)
from digitnet.perceptron import Perceptron

FLOAT_TYPES = [np.float32, np.float64]
FINITE_DIFFERENCE_STEP = 1e-5


def test_sigmoid_of_zero_is_one_half():
    assert sigmoid(0.0) == 0.5
    assert sigmoid(np.zeros(3)).tolist() == [0.5, 0.5, 0.5]


def test_sigmoid_is_symmetric_about_one_half():
    z = np.linspace(-30, 30, 601)
    np.testing.assert_allclose(sigmoid(-z), 1 - sigmoid(z), rtol=0, atol=1e-15)


@pytest.mark.parametrize("dtype", FLOAT_TYPES)
def test_sigmoid_saturates_exactly_without_warnings(dtype):
    # filterwarnings=error turns the overflow in exp(1000) into a failure if it leaks out.
    z = np.array([1000, -1000], dtype=dtype)
    out = sigmoid(z)
    assert out.dtype == dtype
    assert out.tolist() == [1.0, 0.0]
    assert sigmoid_prime(z).tolist() == [0.0, 0.0]


def test_sigmoid_of_python_scalars_saturates_without_warnings():
    assert sigmoid(1000.0) == 1.0
    assert sigmoid(-1000.0) == 0.0


def test_sigmoid_is_monotone_and_stays_in_the_unit_interval():
    out = sigmoid(np.linspace(-50, 50, 10_001))
    assert np.all(np.diff(out) >= 0)
    assert np.all((out >= 0) & (out <= 1))
    assert np.all(np.diff(sigmoid(np.linspace(-30, 30, 1001))) > 0)


def test_sigmoid_prime_matches_centred_finite_difference():
    z = np.linspace(-8, 8, 161)
    h = FINITE_DIFFERENCE_STEP
    finite_difference = (sigmoid(z + h) - sigmoid(z - h)) / (2 * h)
    # Truncation error ~ h^2 |sigma'''| / 6 < 1e-11, rounding ~ 1e-16 / h = 1e-11.
    np.testing.assert_allclose(sigmoid_prime(z), finite_difference, rtol=0, atol=1e-9)


def test_sigmoid_prime_peaks_at_one_quarter():
    assert sigmoid_prime(0.0) == 0.25
    assert np.all(sigmoid_prime(np.linspace(-10, 10, 201)) <= 0.25)


def test_sigmoid_prime_from_output_equals_sigmoid_prime():
    z = np.linspace(-20, 20, 401)
    np.testing.assert_array_equal(sigmoid_prime_from_output(sigmoid(z)), sigmoid_prime(z))


def test_registry_maps_sigmoid_to_its_function_and_derivative():
    assert ACTIVATIONS["sigmoid"] is SIGMOID
    z = np.linspace(-5, 5, 11)
    np.testing.assert_array_equal(SIGMOID.function(z), sigmoid(z))
    np.testing.assert_array_equal(SIGMOID.derivative_from_output(sigmoid(z)), sigmoid_prime(z))


def test_small_weight_change_flips_a_perceptron_but_barely_moves_a_sigmoid_neuron():
    # Near the threshold, w.x + b = -1e-9: the perceptron outputs 0 and the sigmoid ~0.5.
    x = np.array([1.0, 0.5])
    weights, bias = np.array([0.6, -0.2]), -0.5 - 1e-9
    dw = 1e-6
    nudged = weights + np.array([dw, 0.0])

    step_before = Perceptron(weights, bias).output(x)
    step_after = Perceptron(nudged, bias).output(x)
    assert (step_before, step_after) == (0, 1)  # a tiny change flips the output completely

    z = weights @ x + bias
    change = sigmoid(nudged @ x + bias) - sigmoid(z)
    # delta_output ~= d(output)/dw_0 * dw = sigma'(z) x_0 dw, and sigma' <= 1/4 (the 1e-6
    # allows for rounding in the difference of two outputs near 0.5).
    assert abs(change) <= 0.25 * x[0] * dw * (1 + 1e-6)
    assert change == pytest.approx(sigmoid_prime(z) * x[0] * dw, rel=1e-6)


def test_tanh_relu_and_their_derivatives_from_outputs():
    from digitnet.activations import ACTIVATIONS

    z = np.linspace(-3, 3, 13)
    h = 1e-6
    for name in ("sigmoid", "tanh", "relu"):
        act = ACTIVATIONS[name]
        numeric = (act.function(z + h) - act.function(z - h)) / (2 * h)
        got = act.derivative_from_output(act.function(z))
        mask = np.abs(z) > 1e-3  # relu has a kink at 0
        np.testing.assert_allclose(got[mask], numeric[mask], atol=1e-7)


def test_softmax_is_a_stable_distribution():
    from digitnet.activations import softmax

    out = softmax(np.array([[1000.0, 1000.0, -1000.0], [0.0, np.log(3.0), -np.inf]]))
    np.testing.assert_allclose(out, [[0.5, 0.5, 0.0], [0.25, 0.75, 0.0]], atol=1e-15)
    assert np.isfinite(out).all()
