"""Where runs run: joblib's loky processes on this machine, or a Dask cluster.

:func:`run_jobs` calls ``work(job, shared)`` for every job and hands each result to a
callback as it ends, on either backend:

- :class:`Local`: ``workers`` loky processes (joblib's executor: fresh interpreters, killed
  at once on a stop), each one job at a time with its BLAS pinned by threadpoolctl to
  ``cores // workers`` threads, so that processes x threads never exceeds the cores; one
  worker runs every job here, one after the other.
- :class:`Dask`: the workers of a running Dask scheduler (``dask scheduler``, ``dask
  worker``), one job per worker thread with single-threaded BLAS. ``shared`` (MNIST: a
  :class:`~digitnet.sweep.shared.MnistFolder` is loaded here first) is scattered to every
  worker once, not sent with each job.

The jobs know nothing of the backend: the same work gives the same results on both.
"""

from __future__ import annotations

import functools
import itertools
import os
import re
import signal
import socket
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from threadpoolctl import threadpool_limits

from digitnet.errors import ConfigError
from digitnet.extras import require
from digitnet.sweep.shared import MnistFolder, load_split

#: Processes that run at once by default: one per core of a two-core machine.
DEFAULT_WORKERS = 2
#: Seconds to wait for a Dask scheduler before saying it cannot be reached.
CONNECT_TIMEOUT = 5.0
#: The environment variables that size the BLAS and OpenMP thread pools of a new process.
BLAS_THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")
#: Seconds between two questions to a ``should_stop`` callback while workers run.
POLL_SECONDS = 0.1
#: Seconds an idle local worker waits for more work before it exits.
IDLE_SECONDS = 60

#: A scheduler's address: an optional protocol, a host name or [IPv6] address, a port.
SCHEDULER_ADDRESS = re.compile(r"([a-z]+://)?([\w.-]+|\[[0-9a-fA-F:]+\]):\d{1,5}")

J = TypeVar("J")
R = TypeVar("R")


class SchedulerUnreachable(ConfigError):
    """No Dask scheduler answered at the address given."""


@dataclass(frozen=True)
class Local:
    """Processes on this machine through joblib's loky executor; ``workers=1`` runs here."""

    workers: int = DEFAULT_WORKERS

    def __post_init__(self) -> None:
        workers = self.workers
        if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
            raise ConfigError(f"workers must be a positive integer, got {workers!r}")

    @property
    def threads(self) -> int:
        """BLAS threads of each process: the cores shared out, at least one."""
        return max(1, cores() // self.workers)

    def describe(self) -> str:
        return f"{self.workers} at a time"


@dataclass(frozen=True)
class Dask:
    """The workers of the Dask scheduler at ``address`` (``tcp://HOST:8786``)."""

    address: str
    timeout: float = CONNECT_TIMEOUT

    def __post_init__(self) -> None:
        if not isinstance(self.address, str) or not SCHEDULER_ADDRESS.fullmatch(self.address):
            raise ConfigError(
                f"a Dask scheduler's address is like tcp://HOST:8786, got {self.address!r}"
            )

    def describe(self) -> str:
        return f"on the Dask cluster at {self.address}"


Backend = Local | Dask


def cores() -> int:
    """The cores this process may use (its CPU affinity, else the machine's)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def where() -> str:
    """``host:pid`` of the process running this: where a run ran."""
    return f"{socket.gethostname()}:{os.getpid()}"


def _pinned(work: Callable[[J, Any], R], threads: int, job: J, shared: Any) -> R:
    """``work(job, shared)`` with every BLAS pool of this process held to ``threads``."""
    with threadpool_limits(limits=threads):
        return work(job, shared)


def run_jobs(
    work: Callable[[J, Any], R],
    jobs: Sequence[J],
    *,
    backend: Backend | None = None,
    shared: Any = None,
    on_result: Callable[[int, R], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> dict[int, R]:
    """Call ``work(job, shared)`` for every job on ``backend``, starting them in order.

    Parameters
    ----------
    work : callable(job, shared) -> result
        What to run; on worker processes it, the jobs and ``shared`` must pickle (a
        module's function or a :func:`functools.partial` of one).
    jobs : sequence
        The jobs, in the order they should start.
    backend : Local or Dask, optional
        Where to run them (default ``Local()``: two processes).
    shared : object, optional
        Passed to every call: sent once to each Dask worker, with each job locally (so
        keep it small there: a path, not arrays).
    on_result : callable(index, result), optional
        Called in this process as each job ends, in the order they end, with the job's
        index in ``jobs``.
    should_stop : callable() -> bool, optional
        Asked every :data:`POLL_SECONDS` while jobs run (before each job in this process);
        True ends the running jobs at once and drops the others.

    Returns
    -------
    dict of int to result
        Each finished job's result, by its index in ``jobs``.

    A job that raises, or Ctrl-C, ends the running jobs, drops the queued ones and
    re-raises.
    """
    backend = Local() if backend is None else backend
    results: dict[int, R] = {}

    def finished(index: int, result: R) -> None:
        results[index] = result
        if on_result is not None:
            on_result(index, result)

    stop = should_stop or _never
    if isinstance(backend, Dask):
        _run_on_dask(backend, work, jobs, shared, finished, stop)
    elif backend.workers == 1:
        pinned = functools.partial(_pinned, work, backend.threads)
        for index, job in enumerate(jobs):
            if stop():
                break
            finished(index, pinned(job, shared))
    else:
        _run_on_loky(backend, work, jobs, shared, finished, stop, polled=should_stop is not None)
    return results


def _never() -> bool:
    return False


def _deaf() -> None:
    """Ignore Ctrl-C in a worker: the terminal sends it to every process of the command, and
    the command ends its workers itself (no traceback from each)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _run_on_loky(
    backend: Local,
    work: Callable[[J, Any], R],
    jobs: Sequence[J],
    shared: Any,
    finished: Callable[[int, R], None],
    stop: Callable[[], bool],
    *,
    polled: bool,
) -> None:
    """Run the jobs in joblib's reusable loky executor, killing its workers on a stop.

    Only as many jobs as workers are handed to it at a time: the others wait here, in
    order, so that a stop has nothing queued to drop but the running jobs to end.
    """
    import concurrent.futures

    from joblib.externals.loky import get_reusable_executor

    # The variables size each worker's BLAS pools when it starts; threadpoolctl then holds
    # every pool, whatever loaded it, to the same count for each job.
    threads = dict.fromkeys(BLAS_THREAD_VARIABLES, str(backend.threads))
    executor = get_reusable_executor(
        max_workers=backend.workers, timeout=IDLE_SECONDS, env=threads, initializer=_deaf
    )
    pinned = functools.partial(_pinned, work, backend.threads)
    timeout = POLL_SECONDS if polled else None
    waiting = iter(enumerate(jobs))
    running: dict[concurrent.futures.Future[R], int] = {}

    def start_more() -> None:
        for index, job in itertools.islice(waiting, backend.workers - len(running)):
            running[executor.submit(pinned, job, shared)] = index

    try:
        start_more()
        while running and not stop():
            done, _ = concurrent.futures.wait(
                running, timeout, return_when=concurrent.futures.FIRST_COMPLETED
            )
            for future in done:
                finished(running.pop(future), future.result())
            # Asked again before more start: loky's executor must not be shut down while
            # it hands a job just submitted to a worker (its manager thread then fails).
            if not stop():
                start_more()
    except BaseException:  # Ctrl-C or a failed run: end the others, then re-raise
        executor.shutdown(wait=True, kill_workers=True)
        raise
    if running:  # should_stop said so
        executor.shutdown(wait=True, kill_workers=True)


def connect(backend: Dask) -> Any:
    """A ``distributed.Client`` of the scheduler at ``backend.address``, or one line why not."""
    distributed = require("distributed", "cluster", "running on a Dask cluster")
    try:
        return distributed.Client(backend.address, timeout=backend.timeout, set_as_default=False)
    except (OSError, TimeoutError) as exc:  # OSError: refused; TimeoutError: no answer
        raise SchedulerUnreachable(
            f"no Dask scheduler answered at {backend.address} within {backend.timeout:g} s: "
            "is `dask scheduler` running there, and its port open?"
        ) from exc


def _run_on_dask(
    backend: Dask,
    work: Callable[[J, Any], R],
    jobs: Sequence[J],
    shared: Any,
    finished: Callable[[int, R], None],
    stop: Callable[[], bool],
) -> None:
    """Scatter ``shared`` to every worker once, then run a task per job on the cluster."""
    distributed = require("distributed", "cluster", "running on a Dask cluster")
    client = connect(backend)
    try:
        if isinstance(shared, MnistFolder):  # the workers may have no such folder: the arrays
            shared = load_split(shared)
        # In a list, so that Dask scatters the object whole, not its items.
        [data] = client.scatter([shared], broadcast=True, hash=False)
        pinned = functools.partial(_pinned, work, 1)
        futures = {client.submit(pinned, job, data, pure=False): i for i, job in enumerate(jobs)}
        pending = set(futures)
        arrivals = distributed.as_completed(list(futures), loop=client.loop)
        try:
            while pending and not stop():
                done = arrivals.next_batch(block=False)
                if not done:
                    time.sleep(POLL_SECONDS)
                for future in done:
                    pending.discard(future)
                    finished(futures[future], future.result())
        finally:  # a stop, Ctrl-C or a failed run: drop what has not run
            if pending:
                client.cancel(list(pending), force=True)
    finally:
        client.close()
