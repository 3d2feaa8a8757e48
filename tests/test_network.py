import numpy as np
import pytest
from tolerances import BoundedNetwork, assert_within, excess, inputs, tolerance

from digitnet.activations import sigmoid
from digitnet.errors import ConfigError
from digitnet.network import EVALUATION_CHUNK, Network


def book_feedforward(network, x):
    """The book's loop for one example: column vectors ``(n, 1)``, ``a <- sigma(w a + b)``."""
    a = np.asarray(x, dtype=np.float64).reshape(-1, 1)
    for w, b in zip(network.weights, network.biases, strict=True):
        a = sigmoid(np.dot(w, a) + b.reshape(-1, 1))
    return a.ravel()


@pytest.fixture
def small_net():
    return Network([4, 5, 3], seed=7)


@pytest.fixture
def batch():
    return np.random.default_rng(3).random((9, 4))


def test_weights_are_n_out_by_n_in_and_biases_n_out():
    net = Network([784, 30, 10], seed=0)
    assert net.sizes == (784, 30, 10)
    assert net.num_layers == 3
    assert [w.shape for w in net.weights] == [(30, 784), (10, 30)]
    assert [b.shape for b in net.biases] == [(30,), (10,)]
    assert all(p.dtype == np.float64 for p in net.weights + net.biases)


def test_same_seed_gives_same_weights_and_other_seeds_differ():
    a, b, c = Network([6, 4, 2], seed=5), Network([6, 4, 2], seed=5), Network([6, 4, 2], seed=6)
    for p, q, r in zip(
        a.weights + a.biases, b.weights + b.biases, c.weights + c.biases, strict=True
    ):
        np.testing.assert_array_equal(p, q)
        assert not np.array_equal(p, r)


def test_generator_seed_gives_the_same_weights_as_its_integer_seed():
    a, b = Network([6, 4, 2], seed=5), Network([6, 4, 2], seed=np.random.default_rng(5))
    for p, q in zip(a.weights + a.biases, b.weights + b.biases, strict=True):
        np.testing.assert_array_equal(p, q)


def test_float32_and_float64_from_the_same_seed_agree_to_float32_rounding():
    net32 = Network([8, 5, 3], seed=11, dtype="float32")
    net64 = Network([8, 5, 3], seed=11, dtype="float64")
    for p32, p64 in zip(net32.weights + net32.biases, net64.weights + net64.biases, strict=True):
        assert p32.dtype == np.float32
        np.testing.assert_array_equal(p32, p64.astype(np.float32))


def test_initial_weights_look_standard_normal():
    weights = Network([784, 100, 10], seed=0).weights[0]
    assert abs(weights.mean()) < 0.01
    assert abs(weights.std() - 1) < 0.01


def test_feedforward_of_one_example_equals_its_row_in_a_batch(small_net, batch):
    outputs = small_net.feedforward(batch)
    assert outputs.shape == (9, 3)
    within = tolerance(BoundedNetwork.of(small_net).feedforward(inputs(batch, np.float64)))
    for row, x, bound in zip(outputs, batch, within, strict=True):
        single = small_net.feedforward(x)
        assert single.shape == (3,)
        assert_within(single, row, bound)


def test_feedforward_matches_the_books_column_vector_loop(batch):
    net = Network([4, 6, 5, 3], seed=2)
    outputs = net.feedforward(batch)
    within = tolerance(BoundedNetwork.of(net).feedforward(inputs(batch, np.float64)))
    for row, x, bound in zip(outputs, batch, within, strict=True):
        assert_within(row, book_feedforward(net, x), bound)


def test_activations_for_start_with_the_input_and_end_with_the_output(small_net, batch):
    activations = small_net.activations_for(batch)
    assert [a.shape for a in activations] == [(9, 4), (9, 5), (9, 3)]
    np.testing.assert_array_equal(activations[0], batch)
    np.testing.assert_array_equal(activations[-1], small_net.feedforward(batch))


def test_feedforward_computes_in_the_networks_dtype(batch):
    net = Network([4, 5, 3], seed=7, dtype="float32")
    assert net.feedforward(batch).dtype == np.float32


def test_predict_returns_the_most_active_output(small_net, batch):
    predictions = small_net.predict(batch)
    np.testing.assert_array_equal(predictions, np.argmax(small_net.feedforward(batch), axis=1))
    assert small_net.predict(batch[0]) == np.argmax(small_net.feedforward(batch[0]))


def test_predict_handles_more_rows_than_one_evaluation_chunk():
    net = Network([2, 3], seed=1)
    x = np.random.default_rng(0).normal(size=(EVALUATION_CHUNK * 2 + 17, 2))
    predictions = net.predict(x)
    assert predictions.shape == (len(x),)
    np.testing.assert_array_equal(predictions, np.argmax(net.feedforward(x), axis=1))


def test_evaluate_counts_correct_predictions(small_net, batch):
    labels = small_net.predict(batch).copy()
    assert small_net.evaluate(batch, labels) == 9
    labels[[0, 4]] = (labels[[0, 4]] + 1) % 3
    assert small_net.evaluate(batch, labels) == 7


def test_evaluate_refuses_a_label_count_that_does_not_match(small_net, batch):
    with pytest.raises(ConfigError, match="labels"):
        small_net.evaluate(batch, np.zeros(8, dtype=int))


@pytest.mark.parametrize(
    "sizes",
    [[784], [784, 0, 10], "784,30", [784, 2.5], [], [784, -3], [784, True], [784, 30.0]],
)
def test_bad_sizes_are_refused(sizes):
    with pytest.raises(ConfigError):
        Network(sizes)


def test_numpy_integer_sizes_are_accepted():
    assert Network(np.array([3, 2])).sizes == (3, 2)


@pytest.mark.parametrize("dtype", ["float16", "int32", "double precision"])
def test_unsupported_dtypes_are_refused(dtype):
    with pytest.raises(ConfigError, match="dtype"):
        Network([3, 2], dtype=dtype)


def test_unknown_activation_is_refused():
    with pytest.raises(ConfigError, match="activation"):
        Network([3, 2], activation="relu6")


@pytest.mark.parametrize("shape", [(9, 5), (5,), (9, 4, 1), (2, 3, 4), ()])
def test_input_of_the_wrong_width_is_refused(small_net, shape):
    x = np.zeros(shape)
    for method in (small_net.feedforward, small_net.predict):
        with pytest.raises(ConfigError, match="input must have shape"):
            method(x)
    with pytest.raises(ConfigError):
        small_net.evaluate(x, np.zeros(shape[:1], dtype=int))


def test_from_parameters_round_trips_and_copies(small_net, batch):
    net = Network.from_parameters(small_net.weights, small_net.biases)
    assert net.sizes == small_net.sizes
    assert net.dtype == np.float64
    np.testing.assert_array_equal(net.feedforward(batch), small_net.feedforward(batch))
    net.weights[0][0, 0] += 1.0
    assert net.weights[0][0, 0] != small_net.weights[0][0, 0]


def test_from_parameters_accepts_the_books_column_vector_biases(small_net, batch):
    column_biases = [b.reshape(-1, 1) for b in small_net.biases]
    net = Network.from_parameters(small_net.weights, column_biases)
    assert [b.shape for b in net.biases] == [(5,), (3,)]
    np.testing.assert_array_equal(net.feedforward(batch), small_net.feedforward(batch))


def test_from_parameters_takes_its_dtype_from_the_weights(small_net):
    weights32 = [w.astype(np.float32) for w in small_net.weights]
    net = Network.from_parameters(weights32, small_net.biases)
    assert net.dtype == np.float32
    assert all(p.dtype == np.float32 for p in net.weights + net.biases)


@pytest.mark.parametrize(
    ("weight_shapes", "bias_shapes"),
    [
        ([(5, 4), (3, 6)], [(5,), (3,)]),  # weights do not chain
        ([(5, 4), (3, 5)], [(5,), (4,)]),  # a bias of the wrong length
        ([(5, 4), (3, 5)], [(5,)]),  # one bias missing
        ([], []),  # no layers
        ([(5,)], [(5,)]),  # 1-D weights
        ([(5, 4, 1)], [(5,)]),  # 3-D weights
        ([(0, 4)], [(0,)]),  # an empty layer
    ],
)
def test_from_parameters_refuses_mismatched_shapes(weight_shapes, bias_shapes):
    weights = [np.zeros(s) for s in weight_shapes]
    biases = [np.zeros(s) for s in bias_shapes]
    with pytest.raises(ConfigError):
        Network.from_parameters(weights, biases)


def test_from_parameters_refuses_integer_weights():
    with pytest.raises(ConfigError, match="dtype"):
        Network.from_parameters([np.zeros((2, 3), dtype=int)], [np.zeros(2)])


def test_astype_makes_a_converted_copy(small_net, batch):
    net32 = small_net.astype("float32")
    assert net32.dtype == np.float32
    assert small_net.dtype == np.float64
    for p32, p64 in zip(net32.weights + net32.biases, small_net.weights + small_net.biases):
        assert p32.dtype == np.float32 and p64.dtype == np.float64
        np.testing.assert_array_equal(p32, p64.astype(np.float32))
    outputs32 = net32.feedforward(batch)
    assert outputs32.dtype == np.float32
    # float32 rounds the weights, the inputs and every step; float64 every step.
    bound32 = BoundedNetwork.of(small_net, np.float32).feedforward(
        inputs(batch, np.float32, rounded=True)
    )
    bound64 = BoundedNetwork.of(small_net).feedforward(inputs(batch, np.float64))
    within = tolerance(bound32, bound64)
    assert_within(outputs32, small_net.feedforward(batch), within)
    without_bias = small_net.astype("float32")
    without_bias.biases[0][:] = 0
    assert excess(without_bias.feedforward(batch), small_net.feedforward(batch), within) > 1
    net32.weights[0][0, 0] = 123.0
    assert small_net.weights[0][0, 0] != 123.0


def test_astype_back_to_float64_preserves_float32_values(small_net):
    round_trip = small_net.astype(np.float32).astype(np.float64)
    assert round_trip.dtype == np.float64
    for p, q in zip(round_trip.weights, small_net.weights, strict=True):
        np.testing.assert_array_equal(p, q.astype(np.float32).astype(np.float64))
