"""From the output activations to an answer: the digit, the value behind it, and "unsure".

The network's answer is the most active output neuron (the book's ``argmax``), and the value
shown beside it is that neuron's activation, named for what it is: ten sigmoid outputs are
each in [0, 1] but are not probabilities (they need not sum to 1), so it is the "output
activation"; only a softmax output layer's activations are probabilities, the "softmax
probability". An answer is marked unsure when

- no output neuron fires: the winning activation is below FIRING_LEVEL (0.5, where
  ``z = w.a + b`` crosses 0), or
- the runner-up is close: its activation is more than RUNNER_UP_SHARE (half) of the
  winner's, or
- the preprocessing doubts the image holds a digit at all (`doubt`, e.g. a 100000x1 bar,
  whose ink is far wider than any MNIST digit's): a network trained only on digits answers
  such an input as firmly as a digit.

Checked on MNIST's 10,000 test digits with [784, 30, 10] trained for 5 epochs (93.5%
accurate): the rule marks 6.5% of them unsure, and those are right only about half the
time, against 96.5% for the rest; it catches half of the network's mistakes. The same
holds for test digits drawn as 280x280 black-on-white images and sent through
:mod:`digitnet.imaging`. Of scribbles, letters, blobs and lone dots it marks about half;
the other half the network answers firmly, as a network trained only on digits will.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from digitnet.errors import ConfigError

#: Below this winning activation no output neuron fires (sigma(z) = 0.5 at z = 0).
FIRING_LEVEL = 0.5
#: The runner-up is close when its activation exceeds this share of the winner's.
RUNNER_UP_SHARE = 0.5
#: What the winning activation is called, by the output layer's activation; others:
#: OUTPUT_ACTIVATION_LABEL.
ACTIVATION_LABELS = {"softmax": "softmax probability"}
OUTPUT_ACTIVATION_LABEL = "output activation"


@dataclass(frozen=True)
class Decision:
    """The answer for one image.

    Attributes
    ----------
    digit : int
        The index of the most active output neuron.
    activation : float
        That neuron's activation, in [0, 1].
    label : str
        What ``activation`` is: "output activation", or "softmax probability" for a softmax
        output layer (see :data:`ACTIVATION_LABELS`).
    unsure : bool
        True when no output fires or the runner-up is close (see the module docstring).
    reason : str or None
        Why the answer is unsure, in a few words with the numbers; None when it is not.
    """

    digit: int
    activation: float
    label: str
    unsure: bool
    reason: str | None

    def shown(self) -> str:
        """``2 (output activation 0.32)``: the digit and the value behind it, in words.

        The value as :func:`activation_text` writes it.
        """
        return f"{self.digit} ({self.label} {activation_text(self.activation)})"


def activation_text(activation: float) -> str:
    """Two decimals, and ``> 0.99`` rather than a rounded-up 1.00 for what is not 1."""
    return "> 0.99" if 0.995 <= activation < 1 else f"{activation:.2f}"


def top(outputs: ArrayLike, k: int) -> list[tuple[int, float]]:
    """The ``k`` most active outputs as ``(digit, activation)``, most active first; on a tie
    the lower digit first, as :func:`decide` and ``Network.predict`` answer."""
    a = np.asarray(outputs, dtype=np.float64)
    order = np.argsort(-a, kind="stable")[:k]
    return [(int(i), float(a[i])) for i in order]


def decide(
    outputs: ArrayLike, *, output_activation: str = "sigmoid", doubt: str | None = None
) -> Decision:
    """The digit, its activation and whether to trust it, from one image's output activations.

    Parameters
    ----------
    outputs : array_like, shape (n_outputs,)
        The output layer's activations for one image, each in [0, 1]; at least two.
    output_activation : str
        The output layer's activation (``Network.output_activation.name``), which names
        the value shown.
    doubt : str, optional
        Why the image may not be a digit (``PreprocessSteps.doubt``); the answer is then
        unsure for that reason, whatever the outputs.

    Returns
    -------
    Decision

    Raises
    ------
    ConfigError
        If `outputs` is not a 1-D array of at least two finite numbers.
    """
    a = np.asarray(outputs, dtype=np.float64)
    if a.ndim != 1 or a.size < 2:
        raise ConfigError(f"outputs must be a 1-D array of at least 2 values, got {a.shape}")
    if not np.isfinite(a).all():
        raise ConfigError("outputs must be finite numbers, got NaN or infinity")
    digit = int(np.argmax(a))  # on a tie the lowest index, as Network.predict answers
    others = np.where(np.arange(a.size) == digit, -np.inf, a)
    runner_up = int(np.argmax(others))
    winner, second = float(a[digit]), float(a[runner_up])
    label = ACTIVATION_LABELS.get(output_activation, OUTPUT_ACTIVATION_LABEL)
    reason = doubt
    if reason is None and winner < FIRING_LEVEL:
        reason = f"no output fires: the highest, {digit}, is {winner:.2f} < {FIRING_LEVEL:g}"
    elif reason is None and second > RUNNER_UP_SHARE * winner:
        reason = f"{runner_up} is close behind: {second:.2f} against {winner:.2f}"
    return Decision(digit, winner, label, reason is not None, reason)
