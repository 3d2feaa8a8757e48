"""Measuring a network while it trains, and the pace of the questions to stop.

After each epoch :func:`measure` records the cost and accuracy on every monitored set and
the share of saturated hidden neurons. Work is cut into pieces of at most STOP_CHECK_WORK
multiply-adds (:func:`batches_per_check` mini-batches, :func:`rows_per_check` examples fed
forward) so that a ``should_stop`` callback asked between them is honoured within a
fraction of a second whatever the network's size; True raises :class:`StopRequested`.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
from numpy.typing import NDArray

from digitnet.conv.network import AnyNetwork
from digitnet.costs import QUADRATIC, Cost, one_hot
from digitnet.history import VALIDATION, History
from digitnet.network import EVALUATION_CHUNK
from digitnet.saturation import SATURATION_SAMPLE, saturated_fraction

FloatArray = NDArray[np.floating]

#: How many times per epoch the ``on_batch`` callback is called (for a progress bar).
PROGRESS_UPDATES_PER_EPOCH = 100

#: Multiply-adds of work between two questions to ``should_stop``: a few hundredths of a
#: second of one core, so a stop is honoured at once whatever the network's size (a
#: mini-batch, once begun, is always finished).
STOP_CHECK_WORK = 500_000_000


class StopRequested(Exception):
    """Raised inside :func:`train` when its ``should_stop`` callback returns True."""


def rows_per_check(parameters: int) -> int:
    """Examples fed forward between two questions to ``should_stop`` (and so at once) by a
    network of ``parameters`` weights and biases: EVALUATION_CHUNK, fewer if their forward
    pass would be over STOP_CHECK_WORK multiply-adds."""
    return max(1, min(EVALUATION_CHUNK, STOP_CHECK_WORK // parameters))


def step_work(parameters: int, mini_batch_size: int) -> int:
    """Multiply-adds of one mini-batch step: about 3 forward passes (forward, the errors
    back, the gradient) of each example."""
    return 3 * parameters * mini_batch_size


def batches_per_check(parameters: int, mini_batch_size: int, n_batches: int) -> int:
    """Mini-batches run between two calls of ``on_batch`` and ``should_stop``: a hundredth
    of an epoch, fewer if that is over STOP_CHECK_WORK, at least one."""
    most = STOP_CHECK_WORK // step_work(parameters, mini_batch_size)
    return max(1, min(n_batches // PROGRESS_UPDATES_PER_EPOCH, most))


def evaluate_cost_and_correct(
    network: AnyNetwork,
    images: FloatArray,
    labels: NDArray[Any],
    cost: Cost = QUADRATIC,
    *,
    feedforward: Callable[[NDArray[Any]], FloatArray] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> tuple[float, int]:
    """The mean cost and the number classified correctly, in chunks to bound memory.

    ``feedforward`` (default ``network.feedforward``) computes the outputs of a chunk; the
    compiled engine passes its own, about twice as fast on uint8 pixels. Chunks have
    :func:`rows_per_check` rows; ``should_stop`` is asked between them, and True raises
    :class:`StopRequested`.
    """
    forward = network.feedforward if feedforward is None else feedforward
    total_cost, correct, n = 0.0, 0, images.shape[0]
    rows = rows_per_check(network.multiply_adds)
    with np.errstate(over="ignore", invalid="ignore"):
        for i in range(0, n, rows):
            if i and should_stop is not None and should_stop():
                raise StopRequested
            outputs = forward(images[i : i + rows])
            chunk_labels = labels[i : i + rows]
            targets = one_hot(chunk_labels, network.sizes[-1], network.dtype)
            total_cost += cost.value(outputs, targets) * outputs.shape[0]
            correct += int(np.count_nonzero(np.argmax(outputs, axis=1) == chunk_labels))
    return total_cost / max(n, 1), correct


def measure(
    history: History,
    network: AnyNetwork,
    monitored: Mapping[str, tuple[FloatArray, NDArray[Any]]],
    cost: Cost,
    forward: Callable[[NDArray[Any]], FloatArray] | None,
    should_stop: Callable[[], bool] | None,
) -> None:
    """Accuracy and cost on every monitored set, and saturation on the validation set.

    With the compiled engine's ``forward`` (one core, without the GIL) the sets are measured
    at once, a thread each; NumPy's products use every core already. Nothing is recorded
    until all is measured: a stop in between leaves no half epoch.
    """
    measured = _measure_sets(network, monitored, cost, forward, should_stop)
    sample = monitored.get(VALIDATION, next(iter(monitored.values()), None))
    saturation = None if sample is None else saturation_of(network, sample[0], should_stop)
    for name, (value, correct) in measured.items():
        history.cost[name].append(value)
        history.correct[name].append(correct)
    if sample is not None:
        history.saturation.append(saturation)


def _measure_sets(
    network: AnyNetwork,
    monitored: Mapping[str, tuple[FloatArray, NDArray[Any]]],
    cost: Cost,
    forward: Callable[[NDArray[Any]], FloatArray] | None,
    should_stop: Callable[[], bool] | None,
) -> dict[str, tuple[float, int]]:
    """(cost, correct) of each monitored set, by name: one thread a set for ``forward``."""
    one_set = functools.partial(
        evaluate_cost_and_correct, network, cost=cost, feedforward=forward, should_stop=should_stop
    )
    if forward is None or len(monitored) < 2:
        return {name: one_set(x, y) for name, (x, y) in monitored.items()}
    with ThreadPoolExecutor(len(monitored)) as threads:
        running = {name: threads.submit(one_set, x, y) for name, (x, y) in monitored.items()}
        return {name: future.result() for name, future in running.items()}


def saturation_of(
    network: AnyNetwork, images: NDArray[Any], should_stop: Callable[[], bool] | None
) -> float | None:
    """:func:`saturated_fraction` of SATURATION_SAMPLE images, in :func:`rows_per_check`
    rows at a time (asking ``should_stop`` between them): the mean of the chunks' shares,
    each weighted by its rows."""
    sample, rows = images[:SATURATION_SAMPLE], rows_per_check(network.multiply_adds)
    if rows >= sample.shape[0] or network.num_layers < 3:  # one chunk: the exact figure
        with np.errstate(over="ignore", invalid="ignore"):
            return saturated_fraction(network, sample)
    total = 0.0
    with np.errstate(over="ignore", invalid="ignore"):
        for i in range(0, sample.shape[0], rows):
            if i and should_stop is not None and should_stop():
                raise StopRequested
            share = saturated_fraction(network, sample[i : i + rows])
            assert share is not None  # the network has hidden layers
            total += share * sample[i : i + rows].shape[0]
    return total / sample.shape[0]
