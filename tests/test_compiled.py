"""The compiled (Numba) engine: the fused kernel and the compiled update against NumPy."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
from tolerances import (
    FLOAT64_SMALL_NETWORK_ATOL,
    BoundedNetwork,
    assert_parameters_within,
    assert_within,
    excess,
    inputs,
    tolerance,
    tolerances,
)

from digitnet.backprop import update_mini_batch
from digitnet.costs import QUADRATIC, one_hot
from digitnet.engines import fused_sgd, selection
from digitnet.engines.numba_kernels import numba_available
from digitnet.engines.selection import COMPILED_MAX_BATCH, choose_engine
from digitnet.errors import ConfigError
from digitnet.history import History
from digitnet.measuring import evaluate_cost_and_correct, measure
from digitnet.network import Network
from digitnet.pixels import as_unit_interval
from digitnet.settings import TrainingSettings
from digitnet.training import train

pytestmark = pytest.mark.skipif(not numba_available(), reason="Numba is not installed")


def random_data(n, n_in, n_out, seed, zero_fraction=0.6):
    """Inputs in [0, 1) with many exact zeros (like MNIST's background) and labels."""
    rng = np.random.default_rng(seed)
    images = rng.random((n, n_in))
    images[rng.random((n, n_in)) < zero_fraction] = 0.0
    return images, rng.integers(0, n_out, size=n)


def max_difference(a: Network, b: Network) -> float:
    return max(
        float(np.max(np.abs(p - q))) for p, q in zip(a.weights + a.biases, b.weights + b.biases)
    )


@pytest.mark.parametrize(
    ("sizes", "m"),
    [
        ([784, 30, 10], 10),
        ([784, 100, 10], 10),
        ([5, 4, 3], 1),
        ([5, 4, 3], 7),
        ([3, 7, 7, 2], 5),
        ([20, 13, 11, 10], 11),
        ([12, 6, 4], 32),
        ([8, 3], 10),
    ],
    ids=str,
)
def test_kernel_equals_reference_updates_in_float64(sizes, m):
    images, labels = random_data(6 * m + 3, sizes[0], sizes[-1], seed=len(sizes) + m)
    kernel_net, reference = Network(sizes, seed=1), Network(sizes, seed=1)
    order = np.random.default_rng(2).permutation(len(labels))
    fused_sgd.FusedSGD(kernel_net, m).run(images, labels, order, 3.0)
    targets = one_hot(labels, sizes[-1])
    batches = [order[start : start + m] for start in range(0, len(order), m)]  # a short last
    for batch in batches:
        update_mini_batch(reference, images[batch], targets[batch], 3.0)
    bound = BoundedNetwork.of(Network(sizes, seed=1)).sgd(
        inputs(images, np.float64), targets, batches, 3.0
    )
    assert_parameters_within(kernel_net, reference, tolerances(bound))
    assert max_difference(kernel_net, Network(sizes, seed=1)) > 1e-3  # it did learn


def test_kernel_in_float32_stays_within_rounding_of_the_float64_reference_at_every_step():
    # float32 rounding is compounded by the dynamics of training, whose worst case grows
    # too fast to bound over a run; so each step starts from the reference's weights.
    images, labels = random_data(200, 50, 10, seed=3)
    fast, reference = Network([50, 20, 10], seed=4, dtype="float32"), Network([50, 20, 10], seed=4)
    kernel, targets = fused_sgd.FusedSGD(fast, 10), one_hot(labels, 10)
    images32 = images.astype(np.float32)
    for start in range(0, 200, 10):
        batch = np.arange(start, start + 10)
        for p, q in zip(fast.weights + fast.biases, reference.weights + reference.biases):
            p[...] = q  # rounded to float32
        step32 = BoundedNetwork.of(reference, np.float32).sgd_step(
            inputs(images[batch], np.float32, rounded=True), targets[batch], 3.0
        )
        step64 = BoundedNetwork.of(reference).sgd_step(
            inputs(images[batch], np.float64), targets[batch], 3.0
        )
        kernel.run(images32, labels, batch, 3.0)
        update_mini_batch(reference, images[batch], targets[batch], 3.0)
        assert_parameters_within(fast, reference, tolerances(step32, step64))
    assert all(p.dtype == np.float32 for p in fast.weights + fast.biases)
    assert max_difference(reference, Network([50, 20, 10], seed=4)) > 1e-3  # it did learn


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_uint8_pixels_train_exactly_as_their_scaled_floats(dtype):
    rng = np.random.default_rng(5)
    pixels = rng.integers(0, 256, size=(60, 30), dtype=np.uint8)
    pixels[rng.random(pixels.shape) < 0.5] = 0
    labels = rng.integers(0, 10, size=60)
    from_pixels, from_floats = (Network([30, 8, 10], seed=6, dtype=dtype) for _ in range(2))
    order = rng.permutation(60)
    fused_sgd.FusedSGD(from_pixels, 10).run(pixels, labels, order, 3.0)
    fused_sgd.FusedSGD(from_floats, 10).run(
        as_unit_interval(pixels, np.dtype(dtype).type), labels, order, 3.0
    )
    for p, q in zip(
        from_pixels.weights + from_pixels.biases, from_floats.weights + from_floats.biases
    ):
        np.testing.assert_array_equal(p, q)


@pytest.mark.parametrize("engine", ["compiled", "numpy"])
def test_uint8_training_data_matches_float_training_data(engine):
    rng = np.random.default_rng(7)
    pixels = rng.integers(0, 256, size=(55, 16), dtype=np.uint8)
    labels = rng.integers(0, 4, size=55)
    settings = TrainingSettings(epochs=2, mini_batch_size=10, seed=8, engine=engine)
    a, b = Network([16, 6, 4], seed=9), Network([16, 6, 4], seed=9)
    train(a, (pixels, labels), settings)
    train(b, (as_unit_interval(pixels, np.float64), labels), settings)
    assert max_difference(a, b) == 0.0


def test_saturated_neurons_give_exact_limits_and_no_warnings():
    # weights of 1e4 drive every z to about +-1e4: exp overflows, sigma is exactly 0 or 1
    net = Network([4, 3, 2], seed=10)
    net.weights[0][:] = 1e4 * np.sign(net.weights[0])
    images, labels = random_data(20, 4, 2, seed=11, zero_fraction=0.0)
    fused_sgd.FusedSGD(net, 5).run(images, labels, np.arange(20), 3.0)
    assert all(np.isfinite(p).all() for p in net.weights + net.biases)


def test_auto_picks_the_kernel_for_small_batches_and_numpy_for_large():
    net = Network([4, 3, 2])
    assert choose_engine(TrainingSettings(), net, 10) == "compiled"
    assert choose_engine(TrainingSettings(), net, COMPILED_MAX_BATCH + 1) == "numpy"


def test_without_numba_auto_falls_back_and_compiled_is_refused(monkeypatch):
    monkeypatch.setattr(selection, "numba_available", lambda: False)
    net = Network([4, 3, 2])
    assert choose_engine(TrainingSettings(), net, 10) == "numpy"
    with pytest.raises(ConfigError, match="Numba"):
        choose_engine(TrainingSettings(engine="compiled"), net, 10)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("sizes", [[784, 30, 10], [20, 13, 11, 10], [8, 3]], ids=str)
def test_kernel_feedforward_equals_the_networks(sizes, dtype):
    rng = np.random.default_rng(12)
    pixels = rng.integers(0, 256, size=(23, sizes[0]), dtype=np.uint8)  # 23: a short last block
    net = Network(sizes, seed=13, dtype=dtype)
    kernel = fused_sgd.FusedSGD(net, 10)
    expected = net.feedforward(pixels)
    floats = as_unit_interval(pixels, np.dtype(dtype).type)  # what both engines compute with
    within = tolerance(BoundedNetwork.of(net).feedforward(inputs(floats, dtype)))
    assert_within(kernel.feedforward(pixels), expected, within)
    assert_within(kernel.feedforward(floats), expected, within)
    # The bound stays tight enough to see a bug: a missing bias, one wrong weight.
    no_bias, wrong_weight = (Network(sizes, seed=13, dtype=dtype) for _ in range(2))
    no_bias.biases[-1][:] = 0
    wrong_weight.weights[-1][0, 0] += 1
    for mutated in (no_bias, wrong_weight):
        assert excess(mutated.feedforward(pixels), expected, within) > 1


def test_kernel_feedforward_from_many_threads_at_once_equals_one_at_a_time():
    """Each call has buffers of its own: calls that overlap (the kernel drops the GIL) give
    exactly what the same calls give one after another."""
    rng = np.random.default_rng(14)
    sets = [rng.integers(0, 256, size=(2_003, 784), dtype=np.uint8) for _ in range(4)]
    net = Network([784, 30, 10], seed=15, dtype="float32")
    kernel = fused_sgd.FusedSGD(net, 10)
    alone = [kernel.feedforward(images) for images in sets]
    with ThreadPoolExecutor(len(sets)) as threads:
        together = list(threads.map(kernel.feedforward, sets))
    for a, b in zip(alone, together):
        np.testing.assert_array_equal(a, b)


def test_measuring_the_sets_in_threads_records_what_one_at_a_time_does():
    """measure() runs the compiled forward pass of each monitored set in a thread of its
    own; the figures recorded are those of the sets measured one after another."""
    rng = np.random.default_rng(16)
    monitored = {
        name: (rng.integers(0, 256, size=(1_500, 784), dtype=np.uint8), rng.integers(0, 10, 1_500))
        for name in ("validation", "test", "training")
    }
    net = Network([784, 30, 10], seed=17, dtype="float32")
    kernel = fused_sgd.FusedSGD(net, 10)
    threaded, serial = (History(TrainingSettings(), engine="compiled") for _ in range(2))
    for history in (threaded, serial):
        for name in monitored:
            history.correct[name], history.cost[name] = [], []
    measure(threaded, net, monitored, QUADRATIC, kernel.feedforward, None)
    for name, (x, y) in monitored.items():
        value, correct = evaluate_cost_and_correct(
            net, x, y, QUADRATIC, feedforward=kernel.feedforward
        )
        serial.cost[name].append(value)
        serial.correct[name].append(correct)
    for name in monitored:
        assert threaded.correct[name] == serial.correct[name]
        assert threaded.cost[name] == serial.cost[name]  # the same arithmetic, exactly
    assert threaded.saturation and threaded.saturation[0] is not None


@pytest.mark.parametrize(
    "options",
    [
        dict(cost="cross-entropy"),
        dict(cost="quadratic", l2=5.0),
        dict(cost="cross-entropy", l2=5.0, weight_decay=1e-3),
    ],
    ids=["cross-entropy", "L2", "cross-entropy, L2 and decay"],
)
def test_kernel_with_the_later_costs_and_regularisation_equals_the_reference(options):
    images, labels = random_data(60, 20, 10, seed=21)
    nets = {e: Network([20, 13, 10], seed=22, init="scaled") for e in ("compiled", "reference")}
    for engine, net in nets.items():
        settings = TrainingSettings(
            epochs=2, mini_batch_size=10, learning_rate=0.5, seed=23, engine=engine, **options
        )
        history = train(net, (images, labels), settings)
        assert history.engine == engine
    reference = nets["reference"]
    assert not np.allclose(
        reference.weights[0], Network([20, 13, 10], seed=22, init="scaled").weights[0]
    )
    for p, q in zip(
        nets["compiled"].weights + nets["compiled"].biases, reference.weights + reference.biases
    ):
        np.testing.assert_allclose(p, q, rtol=0, atol=FLOAT64_SMALL_NETWORK_ATOL)


def test_auto_compiles_the_updates_of_what_the_kernel_cannot_run():
    relu = Network([4, 3, 2], activation="relu")
    assert choose_engine(TrainingSettings(), relu, 10) == "compiled"
    assert choose_engine(TrainingSettings(momentum=0.9), Network([4, 3, 2]), 100) == "compiled"
    assert choose_engine(TrainingSettings(), Network([4, 3, 2]), 100) == "numpy"


@pytest.mark.parametrize(
    "options",
    [
        dict(momentum=0.9, nesterov=True, weight_decay=1e-3, l2=2.0),
        dict(momentum=0.5, l2=1.0),
        dict(weight_decay=1e-2),
        dict(momentum=0.9, dropout=0.2),
    ],
    ids=["nesterov, decay, L2", "momentum, L2", "decay", "momentum, dropout"],
)
def test_compiled_updates_equal_numpys(options):
    images, labels = random_data(70, 20, 10, seed=31)
    nets = {}
    for engine in ("compiled", "numpy"):
        nets[engine] = Network(
            [20, 16, 12, 10], seed=32, activation="relu", output="softmax", init="he"
        )
        settings = TrainingSettings(
            epochs=2, mini_batch_size=16, learning_rate=0.05, cost="log-likelihood", seed=33,
            engine=engine, **options,
        )  # fmt: skip
        assert train(nets[engine], (images, labels), settings).engine == engine
    fast, slow = nets["compiled"], nets["numpy"]
    for p, q in zip(fast.weights + fast.biases, slow.weights + slow.biases):
        np.testing.assert_allclose(p, q, rtol=0, atol=FLOAT64_SMALL_NETWORK_ATOL)
