"""One run of the table: an experiment with one seed, trained or counted, and its figures.

:func:`run_job` runs one :class:`~digitnet.reproduce.table.Job` in this process and
returns a :class:`RunResult`; :func:`run` runs every job of a table, the longest first, on
the sweeps' backends (:mod:`digitnet.sweep.backends`: joblib's processes on this machine,
one per core, or a Dask cluster).

The book quotes a network's best epoch (the highest test accuracy of any epoch), so a
run's ``accuracy`` is that statistic; the test accuracy at the epoch of best *validation*
accuracy, the honest choice, is kept beside it.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from digitnet.augment.shifts import SHIFTS
from digitnet.baselines import INSTALL_HINT, SVM, baseline_correct
from digitnet.conv.network import AnyNetwork, ConvNetwork
from digitnet.data.mnist import MNIST_PIXELS, N_TRAINING, Dataset, MnistSplit
from digitnet.errors import MissingExtra
from digitnet.network import Network
from digitnet.recipes import Recipe, recipe
from digitnet.reproduce.handwriting import handwriting_accuracy
from digitnet.reproduce.result import RunResult, ensemble_result, test_outputs
from digitnet.reproduce.table import (
    DTYPE,
    ENGINE,
    ENSEMBLE,
    MINI_BATCH_SIZE,
    NETWORK,
    Experiment,
    Job,
    jobs,
)
from digitnet.saturation import SATURATION_SAMPLE, saturated_fraction
from digitnet.sweep.backends import Backend, run_jobs
from digitnet.sweep.shared import Shared, forget, mnist_folder, mnist_of
from digitnet.training import train

#: The ``missing`` of a run that :func:`run`'s ``should_stop`` ended or kept from starting.
STOPPED = "stopped"


def _first(data: Dataset, n: int | None) -> Dataset:
    return data if n is None else Dataset(data.images[:n], data.labels[:n])


def run_job(job: Job, shared: Shared) -> RunResult:
    """Run one experiment with one seed on MNIST (a folder, loaded once per process, or the
    arrays themselves; see :mod:`digitnet.sweep.shared`).

    This is what each worker runs.
    """
    data = mnist_of(shared)
    experiment = job.experiment
    start = time.perf_counter()
    if experiment.method == NETWORK:
        return _train_network(job, data)
    test = data.test
    try:
        correct = baseline_correct(
            experiment.method,
            data.training,
            test,
            seed=job.seed,
            gamma=experiment.gamma,
            training_size=experiment.training_size,
        )
    except MissingExtra:
        missing = f"needs scikit-learn: {INSTALL_HINT}"
        return RunResult(experiment.key, job.seed, None, total=len(test), missing=missing)
    seconds = time.perf_counter() - start
    return RunResult(experiment.key, job.seed, correct / len(test), correct, len(test), seconds)


def initial_z_spread(network: AnyNetwork, images: NDArray[Any]) -> float | None:
    """Standard deviation of the first hidden layer's ``z = w . x + b`` over ``images``.

    With N(0, 1) weights ``z`` sums hundreds of pixels times random weights; its spread
    says how far out on the sigmoid's flat tails the neurons start. None without a hidden
    layer.
    """
    if not isinstance(network, Network) or network.num_layers < 3:
        return None
    x = network.activations_for(images[:SATURATION_SAMPLE])[0]
    z = x @ network.weights[0].T + network.biases[0]
    return float(np.std(z, dtype=np.float64))


def _recipe(job: Job) -> Recipe:
    """The recipe of ``job``'s network: the book's, with the row's network and settings."""
    experiment = job.experiment
    network: dict[str, Any] = (
        {"layers": experiment.layers} if experiment.layers else {"sizes": experiment.sizes}
    )
    return recipe(
        "book",
        **network,
        activation=experiment.activation,
        init=experiment.init,
        dtype=DTYPE,
        epochs=experiment.epochs,
        mini_batch_size=MINI_BATCH_SIZE,
        learning_rate=experiment.learning_rate,
        cost=experiment.cost,
        l2=experiment.l2,
        dropout=experiment.dropout,
        expand=experiment.expand,
        seed=job.seed,
        engine=ENGINE,
    )


def _train_network(job: Job, data: MnistSplit) -> RunResult:
    experiment = job.experiment
    chosen = _recipe(job)
    network, settings = chosen.build(), chosen.settings
    sigmoid = experiment.activation == "sigmoid"  # saturation is a sigmoid's trouble
    saturation_start = saturated_fraction(network, data.validation.images) if sigmoid else None
    spread = initial_z_spread(network, data.validation.images) if sigmoid else None
    start = time.perf_counter()
    history = train(
        network,
        _first(data.training, experiment.training_size),
        settings,
        monitor={"validation": data.validation, "test": data.test},
    )
    seconds = time.perf_counter() - start
    total = history.total["test"]
    if history.epochs_run == 0:  # interrupted before the first epoch ended
        return RunResult(experiment.key, job.seed, None, total=total, missing="interrupted")
    best = history.best_epoch("test")
    accuracy = history.accuracy
    return RunResult(
        experiment.key,
        job.seed,
        accuracy["test"][best - 1],
        history.correct["test"][best - 1],
        total,
        seconds,
        best_epoch=best,
        test_at_best_validation=accuracy["test"][history.best_epoch("validation") - 1],
        validation=tuple(accuracy["validation"]),
        test=tuple(accuracy["test"]),
        saturation_start=saturation_start,
        saturation_end=history.saturation[-1] if history.saturation and sigmoid else None,
        z_spread_start=spread,
        diverged_epoch=history.diverged_epoch,
        engine=history.engine,
        handwriting=(
            handwriting_accuracy(network, experiment.handwriting)
            if experiment.handwriting
            else None
        ),
        test_outputs=test_outputs(network, data.test) if experiment.keep_outputs else None,
    )


def expected_work(job: Job) -> float:
    """A rough cost of ``job`` in multiply-adds, to start the longest runs first.

    A network's epoch costs about 3 passes (forward, backward, update) over every weight
    for every training image; an RBF SVM compares every pair of training images.
    """
    experiment = job.experiment
    n = (experiment.training_size or N_TRAINING) * (len(SHIFTS) if experiment.expand else 1)
    if experiment.method == NETWORK and experiment.layers:
        return 3.0 * experiment.epochs * n * ConvNetwork(experiment.layers).multiply_adds
    if experiment.method == NETWORK:
        weights = sum(a * b for a, b in zip(experiment.sizes[:-1], experiment.sizes[1:]))
        return 3.0 * experiment.epochs * n * weights
    if experiment.method == SVM:
        return 3.0 * n * n * MNIST_PIXELS
    return float(n)


OnResult = Callable[[int, int, RunResult], None]


def run(
    rows: Sequence[Experiment],
    *,
    data_dir: str | os.PathLike[str] | None = None,
    backend: Backend | None = None,
    on_result: OnResult | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> list[RunResult]:
    """Run every experiment of ``rows`` with each of its seeds.

    Parameters
    ----------
    rows : sequence of Experiment
        What to run, e.g. ``experiments("quick")``.
    data_dir : str or path-like, optional
        Folder of the MNIST files, which must be there already (default as in
        :func:`digitnet.data.load_mnist`).
    backend : digitnet.sweep.Local or digitnet.sweep.Dask, optional
        Where the runs run (default ``Local()``: two processes, each one run at a time with
        one BLAS thread; ``Local(1)`` runs everything in this process). The longest runs
        start first.
    on_result : callable(done, total, result), optional
        Called in this process after each run ends, in the order they end.
    should_stop : callable() -> bool, optional
        Asked while the runs go on (see :func:`digitnet.sweep.backends.run_jobs`); True
        ends the running runs at once.

    Returns
    -------
    list of RunResult
        One per run, in the order of :func:`jobs` (row by row, seed by seed), then one per
        ensemble row; a run that ``should_stop`` ended or kept from starting has
        ``missing`` :data:`STOPPED`.
    """
    todo = jobs(rows)
    order = sorted(range(len(todo)), key=lambda i: expected_work(todo[i]), reverse=True)
    done = 0

    def finished(_: int, result: RunResult) -> None:
        nonlocal done
        done += 1
        if on_result is not None:
            on_result(done, len(todo), result)

    try:
        results = run_jobs(
            run_job,
            [todo[i] for i in order],
            backend=backend,
            shared=mnist_folder(data_dir),
            on_result=finished,
            should_stop=should_stop,
        )
        by_job = {order[position]: result for position, result in results.items()}
        done_runs = [by_job[i] if i in by_job else _stopped(job) for i, job in enumerate(todo)]
        ensembles = [e for e in rows if e.method == ENSEMBLE]
        if ensembles:
            labels = mnist_of(mnist_folder(data_dir)).test.labels
            done_runs += [ensemble_result(e, done_runs, labels) for e in ensembles]
    finally:
        forget()  # the MNIST this process loaded when it ran jobs itself
    return done_runs


def _stopped(job: Job) -> RunResult:
    return RunResult(job.experiment.key, job.seed, None, missing=STOPPED)
