"""Ensemble: the mean of the members' probabilities, one network's answer, agreeing sizes."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest
from numpy.typing import NDArray

from digitnet.activations import SIGMOID, SOFTMAX, Activation
from digitnet.conv.network import ConvNetwork
from digitnet.ensemble import Ensemble, as_probabilities, average_probabilities
from digitnet.errors import ConfigError
from digitnet.network import Network

RNG = np.random.default_rng(0)
IMAGES = RNG.random((7, 784))


@dataclass
class Fixed:
    """A stand-in network that gives the same outputs for any input."""

    outputs: NDArray[np.float64]
    output_activation: Activation = SOFTMAX

    @property
    def sizes(self) -> tuple[int, int]:
        return (784, self.outputs.shape[-1])

    def feedforward(self, x: object) -> NDArray[np.float64]:
        return self.outputs


def test_an_ensemble_of_one_answers_as_the_network() -> None:
    network = ConvNetwork("conv:3x5x5,pool:2,softmax:10", seed=1, dtype="float64")
    ensemble = Ensemble([network])
    np.testing.assert_array_equal(ensemble.feedforward(IMAGES), network.feedforward(IMAGES))
    np.testing.assert_array_equal(ensemble.predict(IMAGES), network.predict(IMAGES))


def test_feedforward_is_the_mean_of_the_members_probabilities() -> None:
    dense = Network([784, 20, 10], seed=1, output="softmax")
    conv = ConvNetwork("conv:2x5x5,pool:2,fc:8,softmax:10", seed=2, dtype="float64")
    sigmoid = Network([784, 10], seed=3)
    p = Ensemble([dense, conv, sigmoid]).feedforward(IMAGES)
    s = sigmoid.feedforward(IMAGES)
    expected = (dense.feedforward(IMAGES) + conv.feedforward(IMAGES)) / 3
    expected += s / s.sum(axis=1, keepdims=True) / 3
    np.testing.assert_allclose(p, expected, rtol=1e-12)  # a few float64 additions
    np.testing.assert_allclose(p.sum(axis=1), 1.0, rtol=1e-12)
    assert Ensemble([dense]).feedforward(IMAGES[0]).shape == (10,)


def test_a_sure_member_outweighs_two_hesitant_ones_where_a_vote_would_not() -> None:
    sure = np.array([[0.02, 0.9, 0.08]])
    hesitant = np.array([[0.45, 0.1, 0.45 - 1e-3]])
    ensemble = Ensemble([Fixed(sure), Fixed(hesitant), Fixed(hesitant)])
    assert ensemble.predict(IMAGES).tolist() == [1]  # two votes for 0, one for 1
    assert ensemble.evaluate(IMAGES[:1], [1]) == 1 and ensemble.evaluate(IMAGES[:1], [0]) == 0


def test_sigmoid_outputs_weigh_as_much_as_softmax_ones() -> None:
    small = as_probabilities(np.array([[0.01, 0.03, 0.0]]), SIGMOID.name)
    np.testing.assert_allclose(small, [[0.25, 0.75, 0.0]], rtol=1e-15)
    assert as_probabilities(np.zeros((1, 3)), SIGMOID.name).tolist() == [[0.0, 0.0, 0.0]]
    softmax = np.array([[0.2, 0.3, 0.1]])  # not renormalised: softmax sums to 1 already
    assert as_probabilities(softmax, SOFTMAX.name).tolist() == softmax.tolist()


def test_members_must_agree_on_inputs_and_outputs() -> None:
    with pytest.raises(ConfigError, match="member 2 takes 784 inputs and answers 5") as caught:
        Ensemble([Network([784, 10]), Network([784, 30, 5])])
    assert "\n" not in str(caught.value)
    with pytest.raises(ConfigError, match="member 3 takes 100 inputs"):
        Ensemble([Network([784, 10]), Network([784, 10]), Network([100, 10])])


def test_an_ensemble_needs_a_network() -> None:
    with pytest.raises(ConfigError, match="at least one network"):
        Ensemble([])
    with pytest.raises(ConfigError, match="at least one network"):
        average_probabilities([])


def test_evaluate_refuses_labels_of_another_shape() -> None:
    with pytest.raises(ConfigError, match="labels"):
        Ensemble([Network([784, 10])]).evaluate(IMAGES, [1, 2])


def test_the_package_exports_it() -> None:
    import digitnet

    assert digitnet.Ensemble is Ensemble
