"""Teach it your handwriting: a few SGD steps on a learner's drawings mixed with MNIST digits.

"That was wrong, it is a 4": each drawing, with the digit it shows, is repeated ``copies``
times among ``n_mixed`` MNIST training digits drawn at random, so that the network learns
the new examples without forgetting the others, and the project's own trainer
(:func:`digitnet.training.train`) runs ``epochs`` sweeps over that small set. The network
taught is a copy; the one given is left as it was. The validation accuracy is measured
before and after, to see what the lesson cost.

The settings are the model's own where it recorded them (its cost and learning rate), as
plain SGD at a constant rate: without momentum, which at the shipped model's rate took its
validation accuracy from 99.1% to 70% in 28 steps (plain steps: 98.5%), and without L2,
whose ``lambda / n`` would weigh hundreds of times more on a few hundred examples than on
50,000.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from digitnet.conv.network import AnyNetwork
from digitnet.errors import ConfigError
from digitnet.history import VALIDATION, History
from digitnet.mnist_shape import N_DIGITS
from digitnet.pixels import as_unit_interval
from digitnet.settings import MAX_SEED, TrainingSettings
from digitnet.training import LabelledData, train

#: Times each drawing is repeated in the lesson.
TEACH_COPIES = 10
#: MNIST training digits mixed in, so that nothing else is forgotten.
TEACH_MIXED = 200
#: Sweeps over the lesson's examples: with 8 drawings, 28 mini-batches of 10 each.
TEACH_EPOCHS = 1
#: Mini-batch size of the lesson.
TEACH_MINI_BATCH = 10
#: The learning rate by cost when the model did not record how it was trained: the book's
#: 3.0 for the quadratic cost, and the rates its chapter 3 uses with the others.
DEFAULT_RATES = {"quadratic": 3.0, "cross-entropy": 0.5, "log-likelihood": 0.1}
#: The cost by output layer when the model did not record it.
DEFAULT_COSTS = {"sigmoid": "quadratic", "softmax": "log-likelihood"}


@dataclass(frozen=True)
class Lesson:
    """A network taught a learner's drawings, and what it reads before and after.

    Attributes
    ----------
    network : Network or ConvNetwork
        The taught copy.
    history : History
        The lesson's run, measured on the validation set.
    validation_before, validation_after : float
        Accuracy on the validation set, 0 to 1, before and after.
    digits_before, digits_after : ndarray of int, shape (k,)
        What each drawing was read as before and after.
    right_before, right_after : ndarray, shape (k,)
        The activation of each drawing's right output before and after.
    steps : int
        Mini-batches of gradient descent taken.
    seconds : float
        Wall time of the lesson, the two measurements included.
    """

    network: AnyNetwork
    history: History
    validation_before: float
    validation_after: float
    digits_before: NDArray[np.intp]
    digits_after: NDArray[np.intp]
    right_before: NDArray[np.floating]
    right_after: NDArray[np.floating]
    steps: int
    seconds: float


def lesson_settings(
    network: AnyNetwork, trained_with: TrainingSettings | None, *, epochs: int, seed: int | None
) -> TrainingSettings:
    """The lesson's settings: the model's cost and rate, plain SGD at a constant rate."""
    if trained_with is None:
        cost = DEFAULT_COSTS[network.output_activation.name]
        return TrainingSettings(
            epochs=epochs,
            mini_batch_size=TEACH_MINI_BATCH,
            learning_rate=DEFAULT_RATES[cost],
            cost=cost,
            seed=seed,
            engine="numpy",
        )
    return TrainingSettings(
        epochs=epochs,
        mini_batch_size=TEACH_MINI_BATCH,
        learning_rate=trained_with.learning_rate,
        cost=trained_with.cost,
        seed=seed,
        engine="numpy",  # a few steps: no compiling of the fused kernel for them
    )


def teach(
    network: AnyNetwork,
    images: ArrayLike,
    labels: ArrayLike,
    *,
    mnist: LabelledData,
    validation: LabelledData,
    trained_with: TrainingSettings | None = None,
    copies: int = TEACH_COPIES,
    n_mixed: int = TEACH_MIXED,
    epochs: int = TEACH_EPOCHS,
    seed: int | None = None,
) -> Lesson:
    """Teach a copy of ``network`` the drawings ``images`` (k, n_in) showing ``labels`` (k,).

    Parameters
    ----------
    mnist : Dataset
        Where the ``n_mixed`` digits mixed in are drawn from (MNIST's training set).
    validation : Dataset
        Measured before and after (MNIST's validation set).
    trained_with : TrainingSettings, optional
        How ``network`` was trained (its history's settings), see :func:`lesson_settings`.
    copies, n_mixed, epochs, seed
        Repeats of each drawing, MNIST digits mixed in, sweeps, and the seed of the draw
        and the shuffling.
    """
    start = time.perf_counter()
    drawings = as_unit_interval(np.atleast_2d(images), network.dtype)
    taught = np.asarray(labels)
    _check_drawings(network, drawings, taught, copies, n_mixed)
    rng = np.random.default_rng(seed)
    pick = rng.choice(len(mnist.labels), size=min(n_mixed, len(mnist.labels)), replace=False)
    lesson_images = np.concatenate(
        [np.repeat(drawings, copies, axis=0), as_unit_interval(mnist.images[pick], network.dtype)]
    )
    lesson_labels = np.concatenate([np.repeat(taught, copies), mnist.labels[pick]])
    settings = lesson_settings(
        network, trained_with, epochs=epochs, seed=int(rng.integers(MAX_SEED + 1))
    )
    pupil = network.astype(network.dtype)  # a copy: the given network is left as it was
    rows = np.arange(len(taught))
    before = network.feedforward(drawings)
    history = train(
        pupil, (lesson_images, lesson_labels), settings, monitor={VALIDATION: validation}
    )
    after = pupil.feedforward(drawings)
    n_validation = len(validation.labels)
    validation_before = network.evaluate(
        as_unit_interval(validation.images, network.dtype), validation.labels
    )
    return Lesson(
        pupil,
        history,
        validation_before / n_validation,
        history.correct[VALIDATION][-1] / n_validation,
        np.argmax(before, axis=1),
        np.argmax(after, axis=1),
        before[rows, taught],
        after[rows, taught],
        settings.epochs * -(-len(lesson_labels) // settings.mini_batch_size),
        time.perf_counter() - start,
    )


def _check_drawings(
    network: AnyNetwork, drawings: NDArray[np.floating], labels: NDArray, copies: int, n_mixed: int
) -> None:
    if drawings.ndim != 2 or drawings.shape[1] != network.sizes[0] or len(drawings) == 0:
        raise ConfigError(
            f"drawings must have shape (k, {network.sizes[0]}) with k >= 1, got {drawings.shape}"
        )
    if labels.shape != (len(drawings),) or not np.issubdtype(labels.dtype, np.integer):
        raise ConfigError(f"need one integer label per drawing, got {labels.shape} labels")
    if labels.min() < 0 or labels.max() >= N_DIGITS:
        raise ConfigError(f"labels must be digits 0 to {N_DIGITS - 1}, got {labels.tolist()}")
    for name, value, least in (("copies", copies, 1), ("n_mixed", n_mixed, 0)):
        if isinstance(value, bool) or not isinstance(value, int) or value < least:
            raise ConfigError(f"{name} must be an integer of at least {least}, got {value!r}")
