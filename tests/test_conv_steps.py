"""The fast conv step against the readable backprop, and Numba's kernels against NumPy's."""

import numpy as np
import pytest

from digitnet.conv import fast, layers
from digitnet.conv.network import ConvNetwork
from digitnet.conv.steps import NUMPY_KERNELS, conv_step_maker
from digitnet.costs import LOG_LIKELIHOOD
from digitnet.engines.numba_kernels import numba_available
from digitnet.optimizer import GradientDescent

#: Both paddings, pooling of 2 and 3 and none, conv over several maps, two fc layers.
SMALL = "conv:3x5x5,pool:3,conv:4x3x3:same,pool:2,conv:2x2x2,fc:6,softmax:10"

#: float64, fast step against the reference after STEPS updates. Each gradient entry is a
#: sum of at most N = 3 x 24 x 24 = 1,728 products (the first kernels' gradient over a batch
#: of 3), so each implementation is within gamma_N ~ 1.9e-13 of the exact sum relative to
#: the sum of the terms' magnitudes, which stays under 10 here; momentum 0.9 carries a
#: step's error into the next ones at most 10 times over, and 3 steps add up: ~6e-11.
FLOAT64_STEP_ATOL = 1e-10
STEPS = 3

needs_numba = pytest.mark.skipif(not numba_available(), reason="Numba is not installed")


def run_steps(loop, kernels=NUMPY_KERNELS, *, dropout=0.3, dtype="float64"):
    net = ConvNetwork(SMALL, seed=4, dtype=dtype, activation="relu", init="he")
    optimizer = GradientDescent(net, momentum=0.9, nesterov=True, l2_per_example=0.01)
    rng = np.random.default_rng(9)
    make = conv_step_maker(
        net, LOG_LIKELIHOOD, optimizer, loop=loop, dropout=dropout, rng=rng, kernels=kernels
    )
    data = np.random.default_rng(1)
    for _ in range(STEPS):
        x = data.random((3, 784)).astype(net.dtype)
        y = np.eye(10, dtype=net.dtype)[data.integers(0, 10, 3)]
        make(3)(x, y, 0.05)
    return net


def test_the_fast_step_equals_the_readable_backprop():
    fast_net, reference = run_steps("numpy"), run_steps("reference")
    for got, want in zip(fast_net.weights + fast_net.biases, reference.weights + reference.biases):
        np.testing.assert_allclose(got, want, rtol=0, atol=FLOAT64_STEP_ATOL)
    assert not np.array_equal(reference.weights[0], ConvNetwork(SMALL, seed=4).weights[0])


@needs_numba
def test_compiled_kernels_equal_numpys_to_the_bit():
    from digitnet.conv.kernels import COMPILED_KERNELS as compiled

    rng = np.random.default_rng(0)
    c = rng.standard_normal((2, 7, 9, 3)).astype(np.float32)
    c[0, :3, :3] = 0  # ties, as a blank corner of an image makes
    for size in (2, 3):
        shape = (2, 7 // size, 9 // size, 3)
        got, got_where = np.empty(shape, np.float32), np.empty(shape, np.int8)
        compiled.pool(c, size, got, got_where)
        want, want_where = layers.max_pool(c, size)
        np.testing.assert_array_equal(got, want)
        np.testing.assert_array_equal(got_where, want_where)
        delta = rng.standard_normal(shape).astype(np.float32)
        back = np.full(c.shape, np.nan, np.float32)
        compiled.unpool(delta, want_where, size, back)
        np.testing.assert_array_equal(
            back, layers.max_pool_backward(delta, want_where, size, c.shape)
        )
    x = rng.standard_normal((2, 8, 7, 3)).astype(np.float32)
    cols = np.empty((2 * 4 * 3, 5 * 5 * 3), np.float32)
    compiled.im2col(x, 5, cols)
    np.testing.assert_array_equal(cols, fast.im2col(x, 5))
    nabla_x = np.full(x.shape, np.nan, np.float32)
    compiled.col2im(cols, nabla_x, 5)
    np.testing.assert_array_equal(nabla_x, fast.col2im(cols, x.shape, 5))


@needs_numba
def test_the_compiled_step_equals_the_numpy_step_to_the_bit():
    from digitnet.conv.kernels import COMPILED_KERNELS

    compiled, numpy = (
        run_steps("numpy", COMPILED_KERNELS, dtype="float32"),
        run_steps("numpy", dtype="float32"),
    )
    for got, want in zip(compiled.weights + compiled.biases, numpy.weights + numpy.biases):
        np.testing.assert_array_equal(got, want)


def test_im2col_times_the_kernels_is_the_convolution():
    rng = np.random.default_rng(3)
    x, w = rng.standard_normal((2, 9, 8, 3)), rng.standard_normal((5, 4, 4, 3))
    # gamma_48 in float64 relative to sums of 48 products of N(0, 1) values: ~1e-13.
    np.testing.assert_allclose(fast.convolve(x, w), layers.convolve(x, w), rtol=0, atol=1e-12)
    delta = rng.standard_normal((2, 6, 5, 5))
    want, _ = layers.convolve_backward(delta, x, w)
    got = fast.col2im(delta.reshape(-1, 5) @ fast.kernel_matrix(w), x.shape, 4)
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-12)


def test_im2col_rows_are_the_windows_in_the_kernels_order():
    x = np.random.default_rng(5).standard_normal((2, 6, 7, 3))
    cols = fast.im2col(x, 3)
    assert cols.shape == (2 * 4 * 5, 3 * 3 * 3)
    # row (n, i, j) is x[n, i:i+3, j:j+3, :] flattened as (p, q, k): copies, so exact.
    np.testing.assert_array_equal(cols[(1 * 4 + 2) * 5 + 3], x[1, 2:5, 3:6, :].ravel())
    out = np.full_like(cols, np.nan)
    assert fast.im2col(x, 3, out=out) is out
    np.testing.assert_array_equal(out, cols)


@pytest.mark.parametrize("size", [2, 3])
def test_max_pool_values_are_max_pools_maxima(size):
    c = np.random.default_rng(6).standard_normal((2, 7, 8, 3)).astype(np.float32)
    c[0, :3, :3] = 0  # ties; 7 and 8 leave rows or columns that pooling drops
    np.testing.assert_array_equal(fast.max_pool_values(c, size), layers.max_pool(c, size)[0])


@needs_numba
def test_compiled_im2col_of_one_map_equals_numpys_to_the_bit():
    from digitnet.conv.kernels import COMPILED_KERNELS

    x = np.random.default_rng(7).standard_normal((3, 9, 8, 1)).astype(np.float32)
    cols = np.full((3 * 5 * 4, 5 * 5), np.nan, np.float32)
    COMPILED_KERNELS.im2col(x, 5, cols)  # the single-map loop, the image's own pixels
    np.testing.assert_array_equal(cols, fast.im2col(x, 5))
