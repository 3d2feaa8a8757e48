"""Learning: stochastic gradient descent over shuffled mini-batches, and what goes with it.

Gradient descent moves every weight against the gradient of the cost,
``w <- w - eta * dC/dw`` (``eta`` is the learning rate: too large overshoots, too small
crawls). Stochastic gradient descent estimates the gradient on a small random mini-batch of
``m`` examples, ``dC/dw ~= 1/m sum_x dC_x/dw`` (computed by :mod:`digitnet.backprop`), and
sweeps the shuffled training set one mini-batch at a time; one sweep is an epoch.

:func:`train` runs the epochs: it picks the engine (the compiled kernel, NumPy, or the
readable reference), applies the learning-rate schedule, the update rule
(:mod:`digitnet.optimizer`), dropout and fresh distortions of the images
(:mod:`digitnet.augment`), measures the monitored data sets after every epoch, and stops
early when asked, on divergence, on a time budget or by early stopping.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any, Protocol

import numpy as np
from numpy.typing import ArrayLike, NDArray

from digitnet.conv.network import AnyNetwork
from digitnet.costs import COSTS, one_hot
from digitnet.engines.selection import FusedEpoch, choose_engine, make_runner
from digitnet.errors import ConfigError
from digitnet.history import VALIDATION, History, RunEnd
from digitnet.measuring import StopRequested, batches_per_check, measure
from digitnet.schedules import PlateauSchedule, cosine_rate
from digitnet.settings import TrainingSettings
from digitnet.training_state import TrainingState

FloatArray = NDArray[np.floating]


class LabelledData(Protocol):
    """Anything with ``images`` (n_examples, n_features) and ``labels`` (n_examples,)."""

    @property
    def images(self) -> NDArray[Any]: ...

    @property
    def labels(self) -> NDArray[Any]: ...


Data = LabelledData | tuple[ArrayLike, ArrayLike]


def _as_arrays(data: Data, name: str, network: AnyNetwork) -> tuple[FloatArray, NDArray[Any]]:
    if isinstance(data, tuple):
        images, labels = data
    else:
        images, labels = data.images, data.labels
    images = np.asarray(images)
    if images.dtype != np.uint8:  # uint8 pixels stay as they are: 4x less memory
        images = np.ascontiguousarray(images, dtype=network.dtype)
    labels = np.asarray(labels)
    if images.ndim != 2 or images.shape[1] != network.sizes[0]:
        raise ConfigError(
            f"{name} images must have shape (n_examples, {network.sizes[0]}), got {images.shape}"
        )
    if labels.shape != (images.shape[0],):
        raise ConfigError(f"{name}: {labels.shape[0]} labels for {images.shape[0]} images")
    if labels.size and (labels.min() < 0 or labels.max() >= network.sizes[-1]):
        raise ConfigError(f"{name} labels must lie in 0..{network.sizes[-1] - 1}")
    return images, labels


def check_mini_batch(mini_batch_size: int, n_examples: int) -> None:
    """Refuse a mini-batch larger than the training set, which could only be the whole set.

    Raises
    ------
    ConfigError
        If ``mini_batch_size`` is more than ``n_examples``.
    """
    if mini_batch_size > n_examples:
        raise ConfigError(
            f"mini_batch_size {mini_batch_size:,} is more than the {n_examples:,} training images"
        )


def _check_network_fits(network: AnyNetwork, settings: TrainingSettings, monitored: Any) -> None:
    cost = COSTS[settings.cost]
    if network.output_activation.name != cost.output_activation:
        raise ConfigError(
            f"the {cost.name} cost needs a {cost.output_activation} output layer, "
            f"the network has {network.output_activation.name}"
        )
    watches_validation = settings.schedule == "plateau" or settings.early_stopping is not None
    if watches_validation and VALIDATION not in monitored:
        raise ConfigError("the plateau schedule and early stopping need a 'validation' monitor")
    if settings.dropout and network.num_layers < 3:
        raise ConfigError("dropout needs a hidden layer")


class _Clock:
    """Wall time of a run, carried over from the epochs before a resume."""

    def __init__(self, already: float) -> None:
        self.start = time.perf_counter() - already

    def elapsed(self) -> float:
        return time.perf_counter() - self.start


def train(
    network: AnyNetwork,
    training_data: Data,
    settings: TrainingSettings,
    *,
    monitor: Mapping[str, Data] | None = None,
    on_batch: Callable[[int, int], None] | None = None,
    on_epoch: Callable[[History], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
    state: TrainingState | None = None,
) -> History:
    """Train ``network`` in place by mini-batch SGD as ``settings`` say; see :func:`sgd`.

    ``state`` (default: a fresh one, its generator seeded with ``settings.seed``) holds the
    generator that shuffles each epoch and draws the dropout masks and distortions, the
    history, the momentum's velocities and early stopping's best parameters (see
    :mod:`digitnet.training_state`); training keeps it up to date after every epoch. To
    resume a run, pass the network and the state saved after its last finished epoch (see
    :mod:`digitnet.checkpoint`): training goes on from the next epoch and ends exactly as
    the uninterrupted run would have. A run that had ended (every epoch run, early
    stopping, ...) is not trained further: it ends as it did.
    """
    images, labels = _as_arrays(training_data, "training", network)
    if settings.expand:
        from digitnet.augment.shifts import expand

        images, labels = expand(images, labels)
    monitored = {name: _as_arrays(d, name, network) for name, d in (monitor or {}).items()}
    _check_network_fits(network, settings, monitored)
    check_mini_batch(settings.mini_batch_size, images.shape[0])
    cost = COSTS[settings.cost]
    n, m = images.shape[0], settings.mini_batch_size
    engine = choose_engine(settings, network, m)
    state = TrainingState.fresh(settings.seed) if state is None else state
    history = _history_to_continue(state, settings, engine, monitored)
    parameters = network.weights + network.biases
    state.check_resumable(settings, parameters)
    finished = history.end not in (None, RunEnd.INTERRUPTED)
    if not finished:
        history.end = None
    clock, rng = _Clock(history.elapsed), state.rng
    augmenter = _make_augmenter(settings, images)
    runner = make_runner(
        engine,
        network,
        images,
        labels,
        lambda: one_hot(labels, network.sizes[-1], network.dtype),
        settings,
        rng,
    )
    for velocity, saved in zip(runner.velocities, state.velocities):
        velocity[...] = saved
    state.velocities = runner.velocities  # the rule's own arrays, up to date after each epoch
    forward = runner.feedforward if isinstance(runner, FusedEpoch) else None
    plateau = PlateauSchedule(settings.learning_rate, settings.patience)
    for correct in history.correct.get(VALIDATION, []):  # replayed when resuming
        plateau.end_epoch(correct)
    distorted = np.empty_like(images) if augmenter is not None else images  # never in place
    n_batches = -(-n // m)
    remaining = range(history.epochs_run + 1, settings.epochs + 1) if not finished else range(0)
    chunk = batches_per_check(network.multiply_adds, m, n_batches)
    try:
        for epoch in remaining:
            order = rng.permutation(n)
            start = time.perf_counter()
            if augmenter is not None:
                runner.images = augmenter.distort(images, rng, out=distorted)
            with np.errstate(over="ignore", invalid="ignore"):
                for first in range(0, n_batches, chunk):
                    rate = _learning_rate(settings, plateau, clock, epoch, first / n_batches)
                    runner.run(order[first * m : (first + chunk) * m], rate)
                    if on_batch is not None:
                        on_batch(min(first + chunk, n_batches), n_batches)
                    if should_stop is not None and should_stop():
                        raise StopRequested
                    if settings.time_budget is not None and clock.elapsed() >= settings.time_budget:
                        history.end = RunEnd.TIME_BUDGET
                        break
            seconds = time.perf_counter() - start
            history.learning_rates.append(rate)
            measure(history, network, monitored, cost, forward, should_stop)
            history.seconds.append(seconds)  # last: the epoch counts once all is recorded
            if network.overflow_problem() is not None:  # non-finite, or nearly
                history.end = RunEnd.DIVERGED
            elif VALIDATION in monitored:
                correct = history.correct[VALIDATION][-1]
                if settings.early_stopping is not None:
                    if history.best_epoch(VALIDATION) == epoch:
                        state.best = [p.copy() for p in parameters]
                    elif epoch - history.best_epoch(VALIDATION) >= settings.early_stopping:
                        history.end = RunEnd.EARLY_STOPPING
                if settings.schedule == "plateau":
                    plateau.end_epoch(correct)
                    if plateau.exhausted:
                        history.end = RunEnd.RATE_EXHAUSTED
            history.elapsed = clock.elapsed()
            if on_epoch is not None:
                on_epoch(history)
            if history.end is not None:
                break
        else:
            if history.end is None:
                history.end = RunEnd.COMPLETED
    except (KeyboardInterrupt, StopRequested):
        history.end = RunEnd.INTERRUPTED
        _forget_unfinished_epoch(history)
    history.elapsed = clock.elapsed()
    if settings.early_stopping is not None and state.best is not None:
        for p, best in zip(parameters, state.best):
            p[...] = best
        history.kept_epoch = history.best_epoch(VALIDATION)
    return history


def _history_to_continue(
    state: TrainingState,
    settings: TrainingSettings,
    engine: str,
    monitored: Mapping[str, tuple[FloatArray, NDArray[Any]]],
) -> History:
    """``state.history``, or a new one (stored there) for a run that has not begun."""
    if state.history is None:
        state.history = History(settings, engine=engine)
        for name, (x, _) in monitored.items():
            state.history.correct[name], state.history.cost[name] = [], []
            state.history.total[name] = x.shape[0]
    elif set(state.history.correct) != set(monitored) or state.history.settings != settings:
        raise ConfigError("the history to resume has other settings or monitored data sets")
    return state.history


def _forget_unfinished_epoch(history: History) -> None:
    """Drop what a Ctrl-C left of an epoch whose record was not finished (see the loop)."""
    epochs = history.epochs_run
    del history.learning_rates[epochs:], history.saturation[epochs:]
    for table in (history.correct, history.cost):
        for values in table.values():
            del values[epochs:]


def _learning_rate(
    settings: TrainingSettings, plateau: PlateauSchedule, clock: _Clock, epoch: int, within: float
) -> float:
    """The rate for the next mini-batches, ``within`` (0..1) of the way through ``epoch``."""
    if settings.schedule == "plateau":
        return plateau.rate
    if settings.schedule == "cosine":
        if settings.time_budget is not None:
            progress = clock.elapsed() / settings.time_budget
        else:
            progress = (epoch - 1 + within) / settings.epochs
        return cosine_rate(settings.learning_rate, progress)
    return settings.learning_rate


def _make_augmenter(settings: TrainingSettings, images: NDArray[Any]) -> Any:
    """Fresh distortions of the images each epoch (see :mod:`digitnet.augment`), or None."""
    if not (settings.augment or settings.vary_ink):
        return None
    from digitnet.augment import Augmenter, Distortion, InkVariation

    if images.dtype != np.uint8:
        raise ConfigError("augment and vary_ink need the training images as uint8 pixels (0-255)")
    # The bank of elastic fields comes from the seed alone, so a resumed run rebuilds it.
    return Augmenter(
        Distortion() if settings.augment else None,
        rng=np.random.default_rng([settings.seed or 0, 1]),
        ink=InkVariation() if settings.vary_ink else None,
        clean_fraction=settings.clean_fraction,
    )


def sgd(
    network: AnyNetwork,
    training_data: Data,
    *,
    epochs: int = 30,
    mini_batch_size: int = 10,
    learning_rate: float = 3.0,
    cost: str = "quadratic",
    seed: int | None = None,
    engine: str = "auto",
    l2: float = 0.0,
    momentum: float = 0.0,
    nesterov: bool = False,
    weight_decay: float = 0.0,
    dropout: float = 0.0,
    schedule: str = "constant",
    patience: int = 10,
    early_stopping: int | None = None,
    time_budget: float | None = None,
    augment: bool = False,
    vary_ink: bool = False,
    clean_fraction: float = 0.0,
    expand: bool = False,
    monitor: Mapping[str, Data] | None = None,
    on_batch: Callable[[int, int], None] | None = None,
    on_epoch: Callable[[History], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> History:
    """Train ``network`` in place by stochastic gradient descent over shuffled mini-batches.

    The book's ``SGD(training_data, epochs, mini_batch_size, eta)`` with its later chapters'
    options; :func:`train` is the same with the options in one :class:`TrainingSettings`.

    Parameters
    ----------
    network : Network
        Updated in place.
    training_data : Dataset or (images, labels)
        ``images`` of shape (n_examples, n_in) and integer ``labels`` of shape (n_examples,).
    epochs, mini_batch_size, learning_rate, cost, seed, engine
        Chapter 1's run (30 epochs of mini-batches of 10 at ``eta`` 3.0, quadratic cost),
        the seed of the shuffling, dropout and distortions, and the engine.
    l2, momentum, nesterov, weight_decay, dropout, schedule, patience, early_stopping,
    time_budget, augment, vary_ink, clean_fraction, expand
        The later chapters' options, all off by default (see :class:`TrainingSettings`).
    monitor : mapping of name -> Dataset or (images, labels), optional
        Held-out data measured (accuracy and cost) after every epoch, e.g.
        ``{"validation": split.validation}``; the plateau schedule and early stopping
        watch ``"validation"``.
    on_batch : callable(batches_done, batches_total), optional
        Called about 100 times per epoch, for a progress bar
        (:func:`digitnet.progress.print_batches` draws one on stderr).
    on_epoch : callable(History), optional
        Called after each epoch with the history so far
        (:func:`digitnet.progress.print_epoch` prints a line per epoch on stderr).
    should_stop : callable() -> bool, optional
        Asked as often as ``on_batch`` is called; True stops training as Ctrl-C does.

    Returns
    -------
    History
        Per-epoch seconds, and accuracy and cost on each monitored set; ``history.end``
        says why the run ended: all epochs run, divergence (weights blown up),
        Ctrl-C between mini-batches, the time budget or early stopping.
    """
    settings = TrainingSettings(
        epochs=epochs,
        mini_batch_size=mini_batch_size,
        learning_rate=learning_rate,
        cost=cost,
        seed=seed,
        engine=engine,
        l2=l2,
        momentum=momentum,
        nesterov=nesterov,
        weight_decay=weight_decay,
        dropout=dropout,
        schedule=schedule,
        patience=patience,
        early_stopping=early_stopping,
        time_budget=time_budget,
        augment=augment,
        vary_ink=vary_ink,
        clean_fraction=clean_fraction,
        expand=expand,
    )
    return train(
        network,
        training_data,
        settings,
        monitor=monitor,
        on_batch=on_batch,
        on_epoch=on_epoch,
        should_stop=should_stop,
    )
