"""Running jobs in worker processes: jobs in, results out, stopped at once when asked.

A small hand-made pool over :class:`concurrent.futures.ProcessPoolExecutor`: spawned
processes (fresh interpreters, no forked state) with single-threaded BLAS, one job each at
a time, every result handed to a callback as it ends, and a ``should_stop`` callback that
ends the running jobs at once. It knows nothing of MNIST or networks, so that another
runner (joblib, Dask) can take its place behind :func:`run_jobs`.
"""

from __future__ import annotations

import concurrent.futures
import multiprocessing
import os
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import TypeVar

#: Processes that run the experiments at once: one per core of a two-core machine.
DEFAULT_WORKERS = 2
#: BLAS thread pools, set to one thread in the worker processes so that two workers do not
#: fight over the cores with four threads.
BLAS_THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


T = TypeVar("T")
R = TypeVar("R")

#: Seconds between two questions to a ``should_stop`` callback while workers run.
POLL_SECONDS = 0.1


@contextmanager
def single_threaded_children() -> Iterator[None]:
    """Set the BLAS thread counts to 1 for processes started inside; restore them after.

    Spawned processes inherit the environment at their start; this process's own thread
    pools were sized when NumPy was imported and do not change.
    """
    saved = {name: os.environ.get(name) for name in BLAS_THREAD_VARIABLES}
    os.environ.update(dict.fromkeys(BLAS_THREAD_VARIABLES, "1"))
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def run_jobs(
    work: Callable[[T], R],
    jobs: Sequence[T],
    *,
    workers: int = DEFAULT_WORKERS,
    on_result: Callable[[int, R], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> dict[int, R]:
    """Call ``work(job)`` for every job, ``workers`` at a time, starting them in order.

    Parameters
    ----------
    work : callable(job) -> result
        What to run; with more than one worker it and the jobs must pickle (a module's
        function or a :func:`functools.partial` of one).
    jobs : sequence
        The jobs, in the order they should start.
    workers : int
        Spawned processes running at once, each one job at a time with single-threaded
        BLAS; 1 runs every job here, one after the other.
    on_result : callable(index, result), optional
        Called in this process as each job ends, in the order they end, with the job's
        index in ``jobs``.
    should_stop : callable() -> bool, optional
        Asked every :data:`POLL_SECONDS` while workers run (before each job when
        ``workers`` is 1); True ends the running jobs at once and drops the others.

    Returns
    -------
    dict of int to result
        Each finished job's result, by its index in ``jobs``: every job unless
        ``should_stop`` ended the run early.

    A job that raises, or Ctrl-C, ends the running jobs at once, drops the queued ones and
    re-raises.
    """
    results: dict[int, R] = {}

    def finished(index: int, result: R) -> None:
        results[index] = result
        if on_result is not None:
            on_result(index, result)

    stop = should_stop or _never
    if workers == 1:
        for index, job in enumerate(jobs):
            if stop():
                break
            finished(index, work(job))
    else:
        _run_in_pool(work, jobs, workers, finished, should_stop)
    return results


def _never() -> bool:
    return False


def _run_in_pool(
    work: Callable[[T], R],
    jobs: Sequence[T],
    workers: int,
    finished: Callable[[int, R], None],
    should_stop: Callable[[], bool] | None,
) -> None:
    """Run the jobs in ``workers`` spawned processes (fresh interpreters: no forked state)."""
    # Without should_stop there is nothing to poll: wait for each result as it comes.
    timeout = None if should_stop is None else POLL_SECONDS
    stop = should_stop or _never
    with single_threaded_children():
        pool = concurrent.futures.ProcessPoolExecutor(
            max_workers=workers, mp_context=multiprocessing.get_context("spawn")
        )
        try:
            futures = {pool.submit(work, job): index for index, job in enumerate(jobs)}
            pending = set(futures)
            while pending and not stop():
                done, pending = concurrent.futures.wait(
                    pending, timeout, return_when=concurrent.futures.FIRST_COMPLETED
                )
                for future in done:
                    finished(futures[future], future.result())
        except BaseException:  # Ctrl-C or a failed run: stop the others, then re-raise
            stop_workers(pool)
            raise
        if pending:  # should_stop said so
            stop_workers(pool)
        else:
            pool.shutdown()


def stop_workers(pool: concurrent.futures.ProcessPoolExecutor) -> None:
    """Drop ``pool``'s queued jobs and end its running ones now.

    An SVM deep in scikit-learn's C code does not see Ctrl-C for minutes, and the pool
    would wait for it at exit. Python 3.14 has ``terminate_workers``; before it, the
    pool's own table of its processes is the only handle on them. On return the workers
    have ended and so has the pool's management thread, which reaps them too: until it
    has, a worker reaped by it may still say ``is_alive()``.
    """
    manager = getattr(pool, "_executor_manager_thread", None)
    terminate = getattr(pool, "terminate_workers", None)
    if terminate is not None:
        terminate()
    else:
        processes = list((getattr(pool, "_processes", None) or {}).values())
        pool.shutdown(wait=False, cancel_futures=True)
        for process in processes:
            process.terminate()
        for process in processes:
            process.join()
    if manager is not None:
        manager.join()
