"""ConvNetwork: its shapes, its forward pass, and training it with the one trainer."""

from dataclasses import replace

import numpy as np
import pytest

from digitnet.conv import layers
from digitnet.conv.network import ConvNetwork
from digitnet.engines.numba_kernels import numba_available
from digitnet.errors import ConfigError
from digitnet.history import RunEnd
from digitnet.settings import TrainingSettings
from digitnet.training import train

SMALL = "conv:4x5x5,pool:2,conv:6x3x3:same,pool:2,fc:20,softmax:10"


def test_a_kernel_that_does_not_fit_is_refused_in_one_line():
    with pytest.raises(ConfigError, match="does not fit its 12x12 input maps"):
        ConvNetwork("conv:2x5x5,pool:2,conv:2x13x13,softmax:10")


def test_feedforward_is_the_layers_one_after_another():
    net = ConvNetwork(SMALL, seed=0, dtype="float64", activation="tanh", init="scaled")
    x = np.random.default_rng(1).random((3, 784))
    a = x.reshape(3, 28, 28, 1)
    for l in range(2):
        c = layers.convolve(
            layers.pad(a, net.layers[l].size, net.layers[l].padding), net.weights[l]
        )
        a = np.tanh(layers.max_pool(c, 2)[0] + net.biases[l])
    a = np.tanh(a.reshape(3, -1) @ net.weights[2].T + net.biases[2])
    z = a @ net.weights[3].T + net.biases[3]
    expected = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
    # sums of at most 150 products of values below 1 in float64: gamma_150 ~ 2e-14 of them.
    np.testing.assert_allclose(net.feedforward(x), expected, rtol=0, atol=1e-12)
    np.testing.assert_allclose(net.feedforward(x[0]), expected[0], rtol=0, atol=1e-12)
    assert net.predict(x).tolist() == np.argmax(expected, axis=1).tolist()
    assert [a.shape for a in net.activations_for(x)] == [(3, n) for n in net.sizes]


def test_from_parameters_refuses_arrays_that_do_not_fit_the_layers():
    net = ConvNetwork(SMALL, seed=0)
    again = ConvNetwork.from_parameters(SMALL, net.weights, net.biases, activation="relu")
    assert all(np.array_equal(a, b) for a, b in zip(again.weights, net.weights))
    with pytest.raises(ConfigError, match=r"layer 2 \(conv:6x3x3:same,pool:2\)"):
        ConvNetwork.from_parameters(SMALL, [net.weights[0], *net.weights[:-1]], net.biases)


def test_a_network_with_non_finite_weights_is_unusable():
    net = ConvNetwork(SMALL, seed=0)
    assert net.overflow_problem() is None
    net.weights[1][0, 0, 0, 0] = np.inf
    assert "not finite" in net.overflow_problem()


ENGINES = ["reference", "numpy"] + (["compiled"] if numba_available() else [])


def test_every_engine_trains_the_same_conv_network(mnist):
    settings = TrainingSettings(
        epochs=1, mini_batch_size=10, learning_rate=0.05, cost="log-likelihood", seed=3,
        momentum=0.9, l2=0.1, dropout=0.2,
    )  # fmt: skip
    data = (mnist.training.images[:300], mnist.training.labels[:300])
    monitor = {"validation": (mnist.validation.images[:300], mnist.validation.labels[:300])}
    nets = {}
    for engine in ENGINES:
        nets[engine] = ConvNetwork(SMALL, seed=1, dtype="float64")
        history = train(nets[engine], data, replace(settings, engine=engine), monitor=monitor)
        assert history.end is RunEnd.COMPLETED
        assert history.correct["validation"][0] > 100  # chance is 30 of 300
    for engine in ENGINES[1:]:
        for got, want in zip(nets[engine].weights, nets["reference"].weights):
            # float64 after 30 updates: 1e-10 (see test_conv_steps) for each 3 steps.
            np.testing.assert_allclose(got, want, rtol=0, atol=1e-9)


def test_a_resumed_conv_run_ends_bit_identical_to_an_uninterrupted_one(mnist, tmp_path):
    from digitnet.checkpoint import load_checkpoint, save_checkpoint
    from digitnet.training_state import TrainingState

    settings = TrainingSettings(
        epochs=3, mini_batch_size=10, learning_rate=0.05, cost="log-likelihood", seed=2,
        momentum=0.9, dropout=0.2, engine="numpy",
    )  # fmt: skip
    data = (mnist.training.images[:100], mnist.training.labels[:100])
    whole = ConvNetwork(SMALL, seed=2)
    train(whole, data, settings)
    first, state = ConvNetwork(SMALL, seed=2), TrainingState.fresh(settings.seed)
    steps = []
    train(
        first, data, settings, state=state, should_stop=lambda: len(steps) > 10 or steps.append(1),
        on_epoch=lambda h: save_checkpoint(tmp_path, first, state),
    )  # fmt: skip
    checkpoint = load_checkpoint(tmp_path)
    assert isinstance(checkpoint.network, ConvNetwork) and checkpoint.history.epochs_run == 1
    train(checkpoint.network, data, checkpoint.settings, state=checkpoint.state)
    for got, want in zip(checkpoint.network.weights, whole.weights):
        np.testing.assert_array_equal(got, want)
