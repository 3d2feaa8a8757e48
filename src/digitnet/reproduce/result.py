"""What one run of the table measured (:class:`RunResult`), and an ensemble row's result.

An ensemble row (chapter 6's last) trains nothing: :func:`ensemble_result` combines the
test-set probabilities that the runs of the row it names kept, by
:mod:`digitnet.ensemble`'s rule, the mean probability.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from digitnet.conv.network import AnyNetwork
from digitnet.data.mnist import Dataset
from digitnet.ensemble import as_probabilities, average_probabilities
from digitnet.history import is_stalled
from digitnet.reproduce.table import FIRST_SEED, Experiment


@dataclass(frozen=True)
class RunResult:
    """What one run measured on the 10,000 test images (and, for a network, on the way).

    Attributes
    ----------
    key, seed
        The experiment's key and the run's seed.
    accuracy : float or None
        The figure the table reports: a network's best-epoch test accuracy, a baseline's
        test accuracy; None when the run could not happen (see ``missing``).
    correct : int or None
        Test images classified correctly at that epoch (of ``total``).
    total : int
        Test images.
    seconds : float
        Wall time of the run, loading the data not included.
    best_epoch : int or None
        The epoch of ``accuracy`` (1-based).
    test_at_best_validation : float or None
        Test accuracy at the epoch of best validation accuracy.
    validation, test : tuple of float
        Accuracy after each epoch.
    saturation_start, saturation_end : float or None
        Share of saturated hidden neuron-image pairs on the validation set before training
        and after the last epoch (see :mod:`digitnet.saturation`); None without hidden layers.
    z_spread_start : float or None
        Standard deviation of the first hidden layer's ``z = w . x + b`` over the validation
        sample, before training.
    diverged_epoch : int or None
        The epoch whose weights blew up, if any.
    engine : str or None
        The engine that trained the network.
    handwriting : float or None
        The last epoch's accuracy on digitnet's own handwriting set, if it was scored.
    missing : str or None
        Why the run could not happen, with how to fix it (e.g. scikit-learn missing).
    test_outputs : ndarray or None
        The trained network's probabilities on the test images ``(n_test, 10)``, float32,
        kept for an ensemble row (see :attr:`Experiment.keep_outputs`).
    """

    key: str
    seed: int
    accuracy: float | None
    correct: int | None = None
    total: int = 0
    seconds: float = 0.0
    best_epoch: int | None = None
    test_at_best_validation: float | None = None
    validation: tuple[float, ...] = ()
    test: tuple[float, ...] = ()
    saturation_start: float | None = None
    saturation_end: float | None = None
    z_spread_start: float | None = None
    diverged_epoch: int | None = None
    engine: str | None = None
    handwriting: float | None = None
    missing: str | None = None
    test_outputs: NDArray[np.float32] | None = field(default=None, compare=False, repr=False)

    @property
    def stalled(self) -> bool:
        """Whether this network run stalled near chance, as :attr:`History.stalled
        <digitnet.history.History.stalled>` says: from its validation accuracies."""
        return self.accuracy is not None and is_stalled(self.validation)


def test_outputs(network: AnyNetwork, test: Dataset) -> NDArray[np.float32]:
    outputs = network.feedforward(test.images)
    return as_probabilities(outputs, network.output_activation.name).astype(np.float32)


def ensemble_result(
    experiment: Experiment, results: Sequence[RunResult], labels: NDArray[Any]
) -> RunResult:
    """Row ``experiment`` (an ensemble): the mean probability of the networks of the row
    it combines (their last epochs), its accuracy on the test ``labels``."""
    members = [
        r.test_outputs
        for r in results
        if r.key == experiment.ensemble_of and r.test_outputs is not None
    ]
    if not members:
        missing = f"no network of row {experiment.ensemble_of} to combine"
        return RunResult(experiment.key, FIRST_SEED, None, total=len(labels), missing=missing)
    start = time.perf_counter()
    predictions = average_probabilities(members).argmax(axis=1)
    correct = int(np.count_nonzero(predictions == labels))
    seconds = time.perf_counter() - start
    return RunResult(
        experiment.key, FIRST_SEED, correct / len(labels), correct, len(labels), seconds
    )
