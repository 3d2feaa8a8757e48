import json
from dataclasses import replace
from types import SimpleNamespace

import numpy as np
import pytest
from tolerances import (
    BoundedNetwork,
    assert_parameters_within,
    assert_within,
    excess,
    inputs,
    tolerance,
    tolerances,
)

from digitnet.backprop import backprop, update_mini_batch
from digitnet.costs import QUADRATIC, one_hot, quadratic_cost
from digitnet.engines import fused_sgd
from digitnet.engines.numba_kernels import numba_available
from digitnet.engines.numpy_steps import NumpyStep
from digitnet.errors import ConfigError
from digitnet.history import History, RunEnd
from digitnet.measuring import PROGRESS_UPDATES_PER_EPOCH
from digitnet.network import Network
from digitnet.optimizer import GradientDescent
from digitnet.settings import LIMITS, TrainingSettings
from digitnet.training import sgd, train

FINITE_DIFFERENCE_STEP = 1e-5
ENGINES_TO_TEST = [
    pytest.param("compiled", marks=pytest.mark.skipif(not numba_available(), reason="no Numba")),
    "numpy",
    "reference",
]
PIXEL_MAX = 255.0


# --- The book's algorithm, one example at a time with column vectors -------------------------


def book_sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def book_backprop(weights, biases, x, y):
    """The book's ``backprop`` for one example ``x`` (n_in, 1) with desired output ``y``."""
    nabla_b = [np.zeros(b.shape) for b in biases]
    nabla_w = [np.zeros(w.shape) for w in weights]
    activation, activations, zs = x, [x], []
    for b, w in zip(biases, weights):
        z = np.dot(w, activation) + b
        zs.append(z)
        activation = book_sigmoid(z)
        activations.append(activation)
    sp = book_sigmoid(zs[-1]) * (1 - book_sigmoid(zs[-1]))
    delta = (activations[-1] - y) * sp
    nabla_b[-1] = delta
    nabla_w[-1] = np.dot(delta, activations[-2].transpose())
    for l in range(2, len(weights) + 1):
        sp = book_sigmoid(zs[-l]) * (1 - book_sigmoid(zs[-l]))
        delta = np.dot(weights[-l + 1].transpose(), delta) * sp
        nabla_b[-l] = delta
        nabla_w[-l] = np.dot(delta, activations[-l - 1].transpose())
    return nabla_b, nabla_w


def book_update_mini_batch(weights, biases, x_rows, y_rows, eta):
    """Sum the per-example gradients, then ``w <- w - eta/m sum``; returns new lists."""
    nabla_b = [np.zeros(b.shape) for b in biases]
    nabla_w = [np.zeros(w.shape) for w in weights]
    for x, y in zip(x_rows, y_rows):
        delta_b, delta_w = book_backprop(weights, biases, x.reshape(-1, 1), y.reshape(-1, 1))
        nabla_b = [nb + dnb for nb, dnb in zip(nabla_b, delta_b)]
        nabla_w = [nw + dnw for nw, dnw in zip(nabla_w, delta_w)]
    m = len(x_rows)
    weights = [w - (eta / m) * nw for w, nw in zip(weights, nabla_w)]
    biases = [b - (eta / m) * nb for b, nb in zip(biases, nabla_b)]
    return weights, biases


def book_parameters(network):
    """Copies of the network's parameters in the book's layout: biases as (n, 1) columns."""
    return [w.copy() for w in network.weights], [b.reshape(-1, 1).copy() for b in network.biases]


def max_abs_difference(network, weights, biases):
    pairs = zip(network.weights + network.biases, weights + [b.ravel() for b in biases])
    return max(float(np.max(np.abs(p - q))) for p, q in pairs)


def random_batches(sizes, n_batches, m, seed):
    """``n_batches`` of inputs in [0, 1) (like MNIST pixels) and one-hot desired outputs."""
    rng = np.random.default_rng(seed)
    xs = rng.random((n_batches, m, sizes[0]))
    ys = np.eye(sizes[-1])[rng.integers(0, sizes[-1], size=(n_batches, m))]
    return xs, ys


def book_network(weights, biases):
    """The book's parameters (biases as columns) as a Network, to compare with."""
    return Network.from_parameters(weights, [b.ravel() for b in biases])


def copy_parameters(source, target):
    for p, q in zip(target.weights + target.biases, source.weights + source.biases, strict=True):
        p[...] = q


def blobs(n, n_features=6, n_classes=3, seed=0, spread=0.15):
    """A separable problem: ``n`` points around one random centre in [0, 1)^d per class."""
    rng = np.random.default_rng(seed)
    centres = rng.random((n_classes, n_features))
    labels = rng.integers(0, n_classes, size=n)
    images = centres[labels] + spread * rng.standard_normal((n, n_features))
    return images, labels


# --- Backpropagation against finite differences ----------------------------------------------


def mean_cost(network, x, y):
    return quadratic_cost(network.feedforward(x), y)


def finite_difference_gradients(network, x, y):
    """Centred differences ``(C(p + h) - C(p - h)) / 2h`` for every weight and bias."""
    h = FINITE_DIFFERENCE_STEP
    gradients = []
    for parameters in (network.biases, network.weights):
        layers = []
        for p in parameters:
            g = np.empty_like(p)
            for index in np.ndindex(p.shape):
                original = p[index]
                p[index] = original + h
                plus = mean_cost(network, x, y)
                p[index] = original - h
                minus = mean_cost(network, x, y)
                p[index] = original
                g[index] = (plus - minus) / (2 * h)
            layers.append(g)
        gradients.append(layers)
    return gradients


@pytest.mark.parametrize("sizes", [[5, 4, 3], [5, 6, 4, 5, 3]])
def test_backprop_gradient_matches_centred_finite_differences(sizes):
    net = Network(sizes, seed=4)
    rng = np.random.default_rng(5)
    x = rng.standard_normal((7, sizes[0]))
    y = np.eye(sizes[-1])[rng.integers(0, sizes[-1], size=7)]
    nabla_b, nabla_w = backprop(net, x, y)
    fd_b, fd_w = finite_difference_gradients(net, x, y)
    for g, fd in zip(nabla_b + nabla_w, fd_b + fd_w, strict=True):
        assert g.shape == fd.shape
        # Relative error per element, |g - fd| / max(|g| + |fd|, 1e-8); the tiny floor only
        # guards against 0/0. With h = 1e-5 the difference's truncation error (~h^2) and
        # rounding error (~1e-16 / h) are both ~1e-11, far below these gradients (> 1e-5).
        relative_error = np.abs(g - fd) / np.maximum(np.abs(g) + np.abs(fd), 1e-8)
        assert relative_error.max() < 1e-6


def test_backprop_returns_the_mean_of_the_books_per_example_gradients():
    net = Network([4, 5, 3], seed=1)
    xs, ys = random_batches(net.sizes, 1, 6, seed=2)
    nabla_b, nabla_w = backprop(net, xs[0], ys[0])
    weights, biases = book_parameters(net)
    per_example = [
        book_backprop(weights, biases, x.reshape(-1, 1), y.reshape(-1, 1))
        for x, y in zip(xs[0], ys[0])
    ]
    bound_b, bound_w = BoundedNetwork.of(net).gradients(inputs(xs[0], np.float64), ys[0])
    for l in range(2):
        mean_b = np.mean([nb[l] for nb, _ in per_example], axis=0).ravel()
        mean_w = np.mean([nw[l] for _, nw in per_example], axis=0)
        assert_within(nabla_b[l], mean_b, tolerance(bound_b[l]))
        assert_within(nabla_w[l], mean_w, tolerance(bound_w[l]))


# --- One mini-batch update against the book --------------------------------------------------


def reference_step(net, m):
    return lambda x, y, learning_rate: update_mini_batch(net, x, y, learning_rate)


def fast_step(net, m):
    return NumpyStep(net, m, QUADRATIC, GradientDescent(net))


def compiled_step(net, m):
    """One mini-batch through the compiled kernel: the batch's rows in order."""
    kernel = fused_sgd.FusedSGD(net, m)

    def step(x, y, learning_rate):
        kernel.run(x, np.argmax(y, axis=1), np.arange(len(x)), learning_rate)

    return step


NEEDS_NUMBA = pytest.mark.skipif(not numba_available(), reason="no Numba")
STEPS = [
    pytest.param(reference_step, id="reference"),
    pytest.param(fast_step, id="fast"),
    pytest.param(compiled_step, id="compiled", marks=NEEDS_NUMBA),
]


@pytest.mark.parametrize("make_step", STEPS)
@pytest.mark.parametrize(
    ("sizes", "m"), [([6, 5, 4], 5), ([784, 30, 10], 10), ([3, 7, 7, 2], 4)], ids=str
)
def test_mini_batch_update_equals_the_books_one_example_at_a_time_update(make_step, sizes, m):
    net = Network(sizes, seed=8)
    weights, biases = book_parameters(net)
    step = make_step(net, m)
    bound = BoundedNetwork.of(net)
    xs, ys = random_batches(sizes, 4, m, seed=9)
    for x, y in zip(xs, ys):
        step(x, y, 3.0)
        weights, biases = book_update_mini_batch(weights, biases, x, y, 3.0)
        bound = bound.sgd_step(inputs(x, np.float64), y, 3.0)
        assert_parameters_within(net, book_network(weights, biases), tolerances(bound))
    assert max_abs_difference(net, *book_parameters(Network(sizes, seed=8))) > 1e-3  # it moved


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("sizes", [[6, 5, 4], [784, 30, 10], [3, 7, 7, 2]], ids=str)
@pytest.mark.parametrize("make_step", STEPS[1:])
def test_fast_step_equals_reference_update_at_each_of_several_steps(make_step, sizes, dtype):
    # Each step starts from the reference's weights: the worst case of rounding compounded
    # by the dynamics of training grows too fast to bound over many float32 steps.
    fast, reference = Network(sizes, seed=3, dtype=dtype), Network(sizes, seed=3, dtype=dtype)
    step = make_step(fast, 10)
    xs, ys = random_batches(sizes, 8, 10, seed=4)
    for k, (x, y) in enumerate(zip(xs.astype(dtype), ys.astype(dtype))):
        copy_parameters(reference, fast)
        bound = BoundedNetwork.of(reference).sgd_step(inputs(x, dtype), y, 3.0)
        if k == 0:  # the bound is tight enough to see a learning rate 10% off
            off = Network(sizes, seed=3, dtype=dtype)
            update_mini_batch(off, x, y, 3.0 * 1.1)
        step(x, y, 3.0)
        update_mini_batch(reference, x, y, 3.0)
        assert_parameters_within(fast, reference, tolerances(bound))
        if k == 0:
            pairs = zip(off.weights + off.biases, reference.weights + reference.biases)
            assert max(excess(p, q, t) for (p, q), t in zip(pairs, tolerances(bound))) > 1
    assert all(p.dtype == np.dtype(dtype) for p in fast.weights + fast.biases)


# --- SGD -----------------------------------------------------------------------------------


def test_sgd_learns_a_separable_problem():
    images, labels = blobs(600, seed=0)
    net = Network([6, 10, 3], seed=1)
    assert net.evaluate(images[500:], labels[500:]) < 70
    history = sgd(
        net,
        (images[:500], labels[:500]),
        epochs=20,
        mini_batch_size=10,
        learning_rate=3.0,
        seed=2,
        monitor={"validation": (images[500:], labels[500:])},
    )
    assert history.accuracy["validation"][-1] > 0.95
    assert history.cost["validation"][-1] < history.cost["validation"][0]


def test_history_records_every_epoch_of_every_monitored_set():
    images, labels = blobs(300, seed=3)
    net = Network([6, 8, 3], seed=4)
    monitor = {"training": (images[:200], labels[:200]), "validation": (images[200:], labels[200:])}
    history = sgd(net, monitor["training"], epochs=4, learning_rate=1.0, seed=5, monitor=monitor)

    assert history.epochs_run == 4
    assert len(history.seconds) == 4 and all(s > 0 for s in history.seconds)
    assert history.total == {"training": 200, "validation": 100}
    assert history.diverged_epoch is None and history.interrupted is False
    for name, (x, y) in monitor.items():
        assert len(history.correct[name]) == len(history.cost[name]) == 4
        assert all(0 <= a <= 1 for a in history.accuracy[name])
        assert history.accuracy[name] == [c / history.total[name] for c in history.correct[name]]
        assert all(np.isfinite(c) and c >= 0 for c in history.cost[name])
        assert history.best_epoch(name) == int(np.argmax(history.correct[name])) + 1
        assert 1 <= history.best_epoch(name) <= 4
        # The last entries describe the trained network.
        assert history.correct[name][-1] == net.evaluate(x, y)
        expected_cost = quadratic_cost(net.feedforward(x), one_hot(y, 3))
        assert history.cost[name][-1] == pytest.approx(expected_cost, rel=1e-12)


def test_history_settings_are_the_arguments_given_to_sgd():
    images, labels = blobs(30)
    history = sgd(
        Network([6, 3], seed=0),
        (images, labels),
        epochs=2,
        mini_batch_size=7,
        learning_rate=0.5,
        seed=9,
    )
    assert history.settings == TrainingSettings(
        epochs=2, mini_batch_size=7, learning_rate=0.5, cost="quadratic", seed=9
    )
    assert history.correct == {} and history.epochs_run == 2


def test_same_seed_gives_bit_identical_weights():
    images, labels = blobs(200, seed=6)
    runs = []
    for _ in range(2):
        net = Network([6, 8, 3], seed=7)
        history = sgd(net, (images, labels), epochs=3, seed=8, monitor={"t": (images, labels)})
        runs.append((net, history))
    (a, history_a), (b, history_b) = runs
    for p, q in zip(a.weights + a.biases, b.weights + b.biases, strict=True):
        np.testing.assert_array_equal(p, q)
    assert history_a.correct == history_b.correct and history_a.cost == history_b.cost


def test_different_shuffle_seeds_give_different_weights():
    images, labels = blobs(200, seed=6)
    a, b = Network([6, 8, 3], seed=7), Network([6, 8, 3], seed=7)
    sgd(a, (images, labels), epochs=1, seed=1)
    sgd(b, (images, labels), epochs=1, seed=2)
    assert not np.array_equal(a.weights[0], b.weights[0])


@pytest.mark.parametrize("engine", ENGINES_TO_TEST)
@pytest.mark.parametrize(("n", "m"), [(23, 5), (4, 4), (20, 5), (37, 10), (13, 1)])
def test_sgd_takes_every_example_once_per_epoch_including_a_smaller_last_batch(engine, n, m):
    images, labels = blobs(n, seed=10)
    net = Network([6, 5, 3], seed=11)
    weights, biases = book_parameters(net)
    targets = one_hot(labels, 3)
    settings = TrainingSettings(
        epochs=2, mini_batch_size=m, learning_rate=2.0, seed=12, engine=engine
    )
    history = train(net, (images, labels), settings)
    assert history.engine == engine

    # The shuffling is rng.permutation(n) per epoch from the settings' seed, mini-batches are
    # consecutive slices of it and the last one holds the n % m remaining examples.
    rng = np.random.default_rng(12)
    batches = []
    for _ in range(2):
        order = rng.permutation(n)
        batches += [order[k : k + m] for k in range(0, n, m)]
    for batch in batches:
        weights, biases = book_update_mini_batch(
            weights, biases, images[batch], targets[batch], 2.0
        )
    bound = BoundedNetwork.of(Network([6, 5, 3], seed=11))
    bound = bound.sgd(inputs(images, np.float64), targets, batches, 2.0)
    assert_parameters_within(net, book_network(weights, biases), tolerances(bound))


@pytest.mark.parametrize("engine", [e for e in ENGINES_TO_TEST if e != "reference"])
def test_reference_and_fast_paths_give_the_same_weights_after_sgd(engine):
    # 33 examples: 12 updates in 3 epochs, the last of each short; over many more updates the
    # worst case of rounding compounded by the dynamics grows too fast to bound.
    images, labels = blobs(33, n_features=20, n_classes=4, seed=13)
    settings = TrainingSettings(epochs=3, mini_batch_size=10, learning_rate=3.0, seed=14)
    fast, reference = Network([20, 10, 4], seed=15), Network([20, 10, 4], seed=15)
    train(fast, (images, labels), replace(settings, engine=engine))
    train(reference, (images, labels), replace(settings, engine="reference"))
    rng = np.random.default_rng(14)  # the shuffles of train, as in the test above
    batches = [order[k : k + 10] for order in (rng.permutation(33) for _ in range(3))
               for k in range(0, 33, 10)]  # fmt: skip
    bound = BoundedNetwork.of(Network([20, 10, 4], seed=15))
    bound = bound.sgd(inputs(images, np.float64), one_hot(labels, 4), batches, 3.0)
    assert_parameters_within(fast, reference, tolerances(bound))
    assert not np.array_equal(fast.weights[0], Network([20, 10, 4], seed=15).weights[0])


def test_float32_training_keeps_float32_parameters():
    images, labels = blobs(100, seed=16)
    net = Network([6, 5, 3], seed=17, dtype="float32")
    sgd(net, (images, labels), epochs=2, seed=18)
    assert all(p.dtype == np.float32 for p in net.weights + net.biases)


@pytest.mark.parametrize("learning_rate", [100.0, 0.001])
def test_extreme_learning_rates_run_without_warnings(learning_rate):
    # filterwarnings=error (pyproject) turns any overflow warning into a failure.
    images, labels = blobs(200, seed=19)
    net = Network([6, 8, 3], seed=20)
    before = [w.copy() for w in net.weights]
    history = sgd(
        net,
        (images, labels),
        epochs=3,
        learning_rate=learning_rate,
        seed=21,
        monitor={"t": (images, labels)},
    )
    assert history.epochs_run == 3 and history.diverged_epoch is None
    assert all(np.isfinite(p).all() for p in net.weights + net.biases)
    assert not np.array_equal(before[0], net.weights[0])


def test_tiny_learning_rate_barely_moves_the_weights():
    images, labels = blobs(200, seed=19)
    net = Network([6, 8, 3], seed=20)
    before = [w.copy() for w in net.weights]
    sgd(net, (images, labels), epochs=1, learning_rate=0.001, seed=21)
    assert max(float(np.max(np.abs(w - b))) for w, b in zip(net.weights, before)) < 0.01


def diverging_setup():
    """A network with a zero first layer fed inputs of ~1e308: the first step, with the largest
    learning rate the settings accept (1e6), moves those weights by ~1e6 * 1e308 * 0.005,
    which overflows to inf."""
    rng = np.random.default_rng(22)
    images = 1e308 * rng.random((20, 4))
    labels = rng.integers(0, 2, size=20)
    net = Network([4, 3, 2], seed=23)
    net.weights[0][:] = 0.0
    return net, (images, labels)


@pytest.mark.parametrize("engine", ENGINES_TO_TEST)
def test_divergence_is_recorded_and_stops_training_without_warnings(engine):
    net, data = diverging_setup()
    epochs_seen = []
    settings = TrainingSettings(
        epochs=5,
        mini_batch_size=5,
        learning_rate=LIMITS["learning_rate"].high,
        seed=24,
        engine=engine,
    )
    history = train(
        net,
        data,
        settings,
        monitor={"training": data},
        on_epoch=lambda h: epochs_seen.append(h.epochs_run),
    )
    assert not all(np.isfinite(p).all() for p in net.weights + net.biases)
    assert history.diverged_epoch == 1
    assert history.epochs_run == 1 and epochs_seen == [1]
    assert len(history.correct["training"]) == 1
    assert history.interrupted is False


def test_network_with_non_finite_weights_diverges_in_its_first_epoch():
    images, labels = blobs(30, seed=25)
    net = Network([6, 4, 3], seed=26)
    net.weights[0][0, 0] = np.inf
    net.biases[1][0] = -np.inf
    history = sgd(net, (images, labels), epochs=3, seed=27, monitor={"t": (images, labels)})
    assert history.diverged_epoch == 1 and history.epochs_run == 1


@pytest.mark.parametrize(
    "settings",
    [
        {"epochs": 0},
        {"epochs": 2.0},
        {"epochs": True},
        {"mini_batch_size": -1},
        {"mini_batch_size": 0},
        {"learning_rate": 0},
        {"learning_rate": -1.0},
        {"learning_rate": float("nan")},
        {"learning_rate": float("inf")},
        {"learning_rate": "abc"},
        {"learning_rate": True},
        {"cost": "nope"},
    ],
    ids=str,
)
def test_training_settings_refuse_bad_values(settings):
    with pytest.raises(ConfigError, match=next(iter(settings))):
        TrainingSettings(**settings)


@pytest.mark.parametrize("seed", ["abc", -1, 1.5])
def test_training_settings_refuse_a_seed_that_is_not_a_non_negative_integer(seed):
    with pytest.raises(ConfigError, match="seed"):
        TrainingSettings(seed=seed)


def test_sgd_validates_its_hyperparameters_before_training():
    net = Network([6, 3], seed=0)
    before = net.weights[0].copy()
    with pytest.raises(ConfigError, match="learning_rate"):
        sgd(net, blobs(10), learning_rate=0)
    np.testing.assert_array_equal(net.weights[0], before)


@pytest.mark.parametrize(
    ("images", "labels", "match"),
    [
        (np.zeros((5, 7)), np.zeros(5, dtype=int), "shape"),
        (np.zeros(6), np.zeros(1, dtype=int), "shape"),
        (np.zeros((5, 6)), np.zeros(4, dtype=int), "labels"),
        (np.zeros((5, 6)), np.array([0, 1, 2, 3, 0]), "labels must lie"),
        (np.zeros((5, 6)), np.array([0, 1, -1, 2, 0]), "labels must lie"),
    ],
)
def test_training_data_of_the_wrong_shape_or_labels_is_refused(images, labels, match):
    with pytest.raises(ConfigError, match=match):
        sgd(Network([6, 3], seed=0), (images, labels), epochs=1)
    with pytest.raises(ConfigError, match=match):
        sgd(Network([6, 3], seed=0), blobs(10), epochs=1, monitor={"v": (images, labels)})


def test_sgd_accepts_a_dataset_with_images_and_labels_attributes():
    images, labels = blobs(50, seed=28)
    a, b = Network([6, 3], seed=1), Network([6, 3], seed=1)
    sgd(a, (images, labels), epochs=1, seed=2)
    sgd(b, SimpleNamespace(images=images, labels=labels), epochs=1, seed=2)
    np.testing.assert_array_equal(a.weights[0], b.weights[0])


def test_one_hot_marks_each_label():
    targets = one_hot([3, 0, 9])
    assert targets.shape == (3, 10)
    assert targets.sum(axis=1).tolist() == [1, 1, 1]
    assert np.argmax(targets, axis=1).tolist() == [3, 0, 9]


def test_history_round_trips_through_a_json_dict():
    images, labels = blobs(60, seed=29)
    history = sgd(
        Network([6, 4, 3], seed=30),
        (images, labels),
        epochs=3,
        seed=31,
        monitor={"validation": (images, labels)},
    )
    history.end = RunEnd.INTERRUPTED
    record = json.loads(json.dumps(history.to_dict()))
    assert History.from_dict(record) == history
    assert record["settings"]["seed"] == 31


def test_on_batch_reports_every_batch_of_a_short_epoch():
    calls = []
    images, labels = blobs(40, seed=32)
    sgd(
        Network([6, 3], seed=0),
        (images, labels),
        epochs=2,
        mini_batch_size=4,
        on_batch=lambda *a: calls.append(a),
    )
    assert calls == [(k, 10) for k in range(1, 11)] * 2


def test_on_batch_is_called_about_a_hundred_times_per_long_epoch():
    calls = []
    images, labels = blobs(1000, seed=33)
    sgd(
        Network([6, 3], seed=0),
        (images, labels),
        epochs=1,
        mini_batch_size=1,
        on_batch=lambda *a: calls.append(a),
    )
    assert len(calls) == PROGRESS_UPDATES_PER_EPOCH
    assert calls[-1] == (1000, 1000)
    assert all(total == 1000 for _, total in calls)
    assert [done for done, _ in calls] == sorted(done for done, _ in calls)


def test_on_epoch_receives_the_growing_history():
    seen = []
    images, labels = blobs(50, seed=34)

    def on_epoch(history):
        seen.append((history, history.epochs_run, list(history.correct["v"])))

    history = sgd(
        Network([6, 3], seed=0),
        (images, labels),
        epochs=3,
        monitor={"v": (images, labels)},
        on_epoch=on_epoch,
    )
    assert [epochs for _, epochs, _ in seen] == [1, 2, 3]
    assert all(h is history for h, _, _ in seen)
    assert [len(correct) for _, _, correct in seen] == [1, 2, 3]


def test_keyboard_interrupt_in_on_batch_stops_training_and_returns_the_history():
    calls = []

    def on_batch(done, total):
        calls.append(done)
        if len(calls) == 13:  # the third batch of the second epoch
            raise KeyboardInterrupt

    images, labels = blobs(50, seed=35)
    history = sgd(
        Network([6, 3], seed=0), (images, labels), epochs=5, mini_batch_size=5, on_batch=on_batch
    )
    assert history.interrupted is True
    assert history.epochs_run == 1
    assert len(calls) == 13


def test_a_mini_batch_larger_than_the_training_set_is_refused_before_training() -> None:
    images, labels = blobs(50, seed=35)
    network = Network([6, 3], seed=0)
    before = [w.copy() for w in network.weights]
    with pytest.raises(ConfigError, match="mini_batch_size 51 is more than the 50 training"):
        sgd(network, (images, labels), epochs=1, mini_batch_size=51)
    assert all(np.array_equal(a, b) for a, b in zip(before, network.weights))
    assert sgd(network, (images, labels), epochs=1, mini_batch_size=50).epochs_run == 1


# --- MNIST -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def mnist_slice(mnist):
    """The first 6,000 MNIST training images as floats in [0, 1], with their labels."""
    count = 6_000
    pixels, labels = mnist.training.images[:count], mnist.training.labels[:count]
    return pixels / PIXEL_MAX, labels.astype(np.int64)


def test_sgd_on_an_mnist_slice_reaches_85_percent(mnist_slice):
    images, labels = mnist_slice
    net = Network([784, 30, 10], seed=1)
    history = sgd(
        net,
        (images[:5000], labels[:5000]),
        epochs=3,
        mini_batch_size=10,
        learning_rate=3.0,
        seed=1,
        monitor={"validation": (images[5000:], labels[5000:])},
    )
    assert history.total["validation"] == 1000
    assert history.accuracy["validation"][-1] > 0.85


def test_learning_rate_100_learns_poorly_on_an_mnist_slice(mnist_slice):
    images, labels = mnist_slice
    net = Network([784, 30, 10], seed=1)
    history = sgd(
        net,
        (images[:2000], labels[:2000]),
        epochs=1,
        learning_rate=100.0,
        seed=1,
        monitor={"validation": (images[5000:], labels[5000:])},
    )
    assert history.diverged_epoch is None
    assert history.accuracy["validation"][-1] < 0.5


def test_a_learning_rate_too_large_for_a_float_is_a_config_error():
    with pytest.raises(ConfigError, match="finite number"):
        TrainingSettings(learning_rate=10**400)
