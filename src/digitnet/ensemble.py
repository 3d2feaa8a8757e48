"""An ensemble: several trained networks answering together by averaging their probabilities.

The book's chapter 6 trains five networks and lets them vote (each network's digit counts
once; the most votes win), 99.67% where the best single network had 99.60%. digitnet
averages the networks' output probabilities instead (soft voting),

    p(d | x) = 1/M sum_m p_m(d | x),    the answer: argmax_d p(d | x),

for three reasons: a network that is sure outweighs one that hesitates, which a vote throws
away; a tie of votes (2-2-1 among five) cannot happen short of equal probabilities; and the
result is again a probability for each digit, so an ensemble is used like a network
(``feedforward``, ``predict``, ``evaluate``). A softmax output is a probability already; a
sigmoid output (the chapter-1 networks) is made one by dividing by its sum, so that each
network weighs the same. An ensemble of one network answers as the network does.

>>> from digitnet import Ensemble, load                                    # doctest: +SKIP
>>> ensemble = Ensemble([load(p).network for p in ("a.npz", "b.npz")])     # doctest: +SKIP
>>> ensemble.predict(images)                                               # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike, NDArray

from digitnet.conv.network import AnyNetwork
from digitnet.errors import ConfigError
from digitnet.network import count_correct

#: The rule, in words, for reports.
ENSEMBLE_RULE = "mean probability"
#: The smallest sum of a sigmoid output that is divided by: an output of all zeros becomes
#: zeros, not NaN.
TINY_OUTPUT_SUM = 1e-12


def as_probabilities(outputs: ArrayLike, output_activation: str) -> NDArray[np.float64]:
    """One network's outputs ``(n_examples, n_digits)`` as probabilities, in float64.

    Softmax outputs are returned as they are; any other is divided by its row's sum.
    """
    p = np.asarray(outputs, dtype=np.float64)
    if output_activation == "softmax":
        return p
    return p / np.maximum(p.sum(axis=-1, keepdims=True), TINY_OUTPUT_SUM)


def average_probabilities(probabilities: Sequence[ArrayLike]) -> NDArray[np.float64]:
    """The ensemble's probabilities: the mean of its members' (each of one shape)."""
    if not probabilities:
        raise ConfigError("an ensemble needs at least one network")
    total = np.zeros(np.shape(probabilities[0]), dtype=np.float64)
    for p in probabilities:
        total += np.asarray(p, dtype=np.float64)
    return total / len(probabilities)


class Ensemble:
    """Networks (fully-connected or convolutional, any mix) answering together.

    Parameters
    ----------
    networks : sequence of Network or ConvNetwork
        The members; they must take the same inputs and have the same outputs.

    Attributes
    ----------
    networks : list
        The members, in the order given.
    sizes : tuple of int
        ``(n_in, n_out)``: what every member takes and answers, e.g. ``(784, 10)``.
    """

    def __init__(self, networks: Sequence[AnyNetwork]) -> None:
        self.networks = list(networks)
        if not self.networks:
            raise ConfigError("an ensemble needs at least one network")
        first = self.networks[0].sizes
        for i, network in enumerate(self.networks[1:], start=2):
            if (network.sizes[0], network.sizes[-1]) != (first[0], first[-1]):
                raise ConfigError(
                    f"ensemble member {i} takes {network.sizes[0]} inputs and answers "
                    f"{network.sizes[-1]} outputs, member 1 {first[0]} and {first[-1]}: "
                    f"the members must agree"
                )
        self.sizes = (first[0], first[-1])

    def member_probabilities(self, x: ArrayLike) -> list[NDArray[np.float64]]:
        """Each member's probabilities for ``x`` (see :func:`as_probabilities`)."""
        return [
            as_probabilities(network.feedforward(x), network.output_activation.name)
            for network in self.networks
        ]

    def feedforward(self, x: ArrayLike) -> NDArray[np.float64]:
        """The mean of the members' probabilities for inputs ``x`` ``(n_examples, n_in)`` or
        ``(n_in,)``: shape ``(n_examples, n_out)`` or ``(n_out,)``."""
        return average_probabilities(self.member_probabilities(x))

    def predict(self, x: ArrayLike) -> NDArray[np.intp]:
        """The digit each input is classified as: the most probable on average."""
        return np.argmax(self.feedforward(x), axis=-1)  # type: ignore[return-value]

    def evaluate(self, x: ArrayLike, labels: ArrayLike) -> int:
        """How many of the inputs ``x`` are classified as their ``labels``."""
        return count_correct(self.predict(x), labels)

    def __len__(self) -> int:
        return len(self.networks)

    def __repr__(self) -> str:
        return f"Ensemble({self.networks!r})"
