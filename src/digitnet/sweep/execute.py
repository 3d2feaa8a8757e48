"""Running a sweep: each run trained where the backend puts it, its record saved as it ends.

:func:`train_run` is one run (what a worker runs); :func:`run_sweep` runs every run of a
:class:`~digitnet.sweep.space.Sweep` not already recorded in its folder, through
:func:`~digitnet.sweep.backends.run_jobs`, and writes each record the moment it comes back:
a sweep stopped, killed or crashed resumes where it was and reruns nothing done.
"""

from __future__ import annotations

import functools
import os
import time
from collections.abc import Callable
from pathlib import Path

from digitnet.errors import ConfigError
from digitnet.sweep.backends import Backend, Dask, Local, run_jobs, where
from digitnet.sweep.records import RunRecord, load_record, save_record
from digitnet.sweep.shared import Shared, forget, mnist_folder, mnist_of
from digitnet.sweep.space import Run, Sweep
from digitnet.training import check_mini_batch, train

#: ``on_result(done, total, record, ran)``: ``ran`` is False for a run found already done.
OnRecord = Callable[[int, int, RunRecord, bool], None]


def train_run(run: Run, shared: Shared, backend: str = "local") -> RunRecord:
    """Train ``run`` on the MNIST of ``shared`` and say what it measured."""
    data = mnist_of(shared)
    chosen = run.recipe()
    size = run.training_size
    if size is not None and size > len(data.training):
        raise ConfigError(
            f"training_size {size} is more than the {len(data.training):,} training images"
        )
    training = data.training.first(size)
    check_mini_batch(chosen.settings.mini_batch_size, len(training))
    network = chosen.build()
    start = time.perf_counter()
    history = train(
        network,
        training,
        chosen.settings,
        monitor={"validation": data.validation, "test": data.test},
    )
    seconds = time.perf_counter() - start
    accuracy = history.accuracy
    best = history.best_epoch("validation") if history.epochs_run else None
    return RunRecord(
        id=run.id,
        preset=run.base,
        options={k: list(v) if isinstance(v, tuple) else v for k, v in run.options},
        seed=run.seed,
        validation=tuple(accuracy["validation"]),
        test=tuple(accuracy["test"]),
        best_epoch=best,
        best_validation=None if best is None else accuracy["validation"][best - 1],
        test_accuracy=None if best is None else accuracy["test"][best - 1],
        end=history.end.value if history.end is not None else "completed",
        engine=history.engine,
        seconds=seconds,
        where=where(),
        backend=backend,
    )


def backend_name(backend: Backend) -> str:
    return backend.address if isinstance(backend, Dask) else "local"


def run_sweep(
    sweep: Sweep,
    out_dir: str | os.PathLike[str],
    *,
    data_dir: str | os.PathLike[str] | None = None,
    backend: Backend | None = None,
    on_result: OnRecord | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> list[RunRecord | None]:
    """Run every run of ``sweep`` not yet recorded in ``out_dir``; return every record.

    Parameters
    ----------
    sweep : Sweep
        What to run.
    out_dir : str or path-like
        The sweep's folder: ``runs/<id>.json`` per finished run, written atomically as each
        ends; runs found there are not run again.
    data_dir : str or path-like, optional
        Folder of the MNIST files, which must be there already.
    backend : Local or Dask, optional
        Where the runs run (default: two local processes).
    on_result : callable(done, total, record, ran), optional
        Called after each run is recorded (and first for each run already done, with
        ``ran`` False).
    should_stop : callable() -> bool, optional
        True ends the running runs at once (see :func:`~digitnet.sweep.backends.run_jobs`).

    Returns
    -------
    list of RunRecord or None
        One per run of ``sweep.runs()``, in that order; None for a run a stop kept from
        ending.
    """
    backend = Local() if backend is None else backend
    runs = sweep.runs()
    folder = Path(out_dir)
    records: list[RunRecord | None] = [load_record(folder, run.id) for run in runs]
    todo = [i for i, record in enumerate(records) if record is None]
    done = 0
    for record in records:
        if record is not None:
            done += 1
            if on_result is not None:
                on_result(done, len(runs), record, False)

    def finished(position: int, record: RunRecord) -> None:
        nonlocal done
        save_record(folder, record)
        records[todo[position]] = record
        done += 1
        if on_result is not None:
            on_result(done, len(runs), record, True)

    work = functools.partial(train_run, backend=backend_name(backend))
    try:
        run_jobs(
            work,
            [runs[i] for i in todo],
            backend=backend,
            shared=mnist_folder(data_dir, sweep.validation_size),
            on_result=finished,
            should_stop=should_stop,
        )
    finally:
        forget()  # the MNIST this process loaded when it ran runs itself
    return records
