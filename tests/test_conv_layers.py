"""Each conv layer's readable forward and backward against definitions and finite differences."""

import numpy as np
import pytest

from digitnet.conv import layers

STEP = 1e-6


def numeric_gradient(f, array):
    """Centred differences of the scalar ``f()`` with respect to every entry of ``array``."""
    gradient = np.empty_like(array)
    for index in np.ndindex(array.shape):
        saved = array[index]
        array[index] = saved + STEP
        up = f()
        array[index] = saved - STEP
        down = f()
        array[index] = saved
        gradient[index] = (up - down) / (2 * STEP)
    return gradient


def test_convolve_is_the_sum_over_each_window():
    rng = np.random.default_rng(0)
    x, w = rng.standard_normal((2, 6, 5, 3)), rng.standard_normal((4, 3, 3, 3))
    c = layers.convolve(x, w)
    assert c.shape == (2, 4, 3, 4)
    n, i, j, f = 1, 2, 1, 3
    expected = sum(
        x[n, i + p, j + q, k] * w[f, p, q, k] for p in range(3) for q in range(3) for k in range(3)
    )
    assert c[n, i, j, f] == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("size", [1, 2, 3, 4])
def test_same_padding_keeps_the_size(size):
    x = np.ones((1, 7, 7, 1))
    padded = layers.pad(x, size, "same")
    assert layers.convolve(padded, np.ones((1, size, size, 1))).shape == (1, 7, 7, 1)
    np.testing.assert_array_equal(layers.unpad(padded, size, "same"), x)


def test_convolve_backward_equals_finite_differences():
    rng = np.random.default_rng(1)
    x, w = rng.standard_normal((2, 5, 6, 2)), rng.standard_normal((3, 3, 3, 2))
    weights_of_c = rng.standard_normal((2, 3, 4, 3))  # the cost: sum of c times these

    def cost():
        return float(np.sum(layers.convolve(x, w) * weights_of_c))

    nabla_x, nabla_w = layers.convolve_backward(weights_of_c, x, w)
    np.testing.assert_allclose(nabla_w, numeric_gradient(cost, w), rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(nabla_x, numeric_gradient(cost, x), rtol=1e-6, atol=1e-8)


def test_max_pool_takes_each_blocks_maximum_and_drops_a_partial_block():
    c = np.arange(2 * 5 * 4 * 3, dtype=float).reshape(2, 5, 4, 3)[:, :, ::-1]
    pooled, where = layers.max_pool(c, 2)
    assert pooled.shape == (2, 2, 2, 3)
    expected = c[:, :4].reshape(2, 2, 2, 2, 2, 3).max(axis=(2, 4))
    np.testing.assert_array_equal(pooled, expected)
    assert set(np.unique(where)) == {2}  # the block's bottom-left: rows grow, columns reversed


def test_max_pool_sends_a_tie_to_the_first_of_its_block():
    c = np.zeros((1, 2, 2, 1))
    pooled, where = layers.max_pool(c, 2)
    delta = np.ones_like(pooled)
    back = layers.max_pool_backward(delta, where, 2, c.shape)
    assert back[0, :, :, 0].tolist() == [[1.0, 0.0], [0.0, 0.0]]


def test_max_pool_backward_equals_finite_differences():
    rng = np.random.default_rng(2)
    c = rng.standard_normal((2, 6, 7, 2))  # distinct values: no tie, a smooth neighbourhood
    weights_of_pooled = rng.standard_normal((2, 2, 2, 2))

    def cost():
        return float(np.sum(layers.max_pool(c, 3)[0] * weights_of_pooled))

    _, where = layers.max_pool(c, 3)
    back = layers.max_pool_backward(weights_of_pooled, where, 3, c.shape)
    np.testing.assert_allclose(back, numeric_gradient(cost, c), rtol=1e-6, atol=1e-8)
