"""digitnet.sweep.backends: jobs run here, in loky processes or on Dask, and stop at once."""

from __future__ import annotations

import os
import socket
import sys
import time
from collections.abc import Iterator
from typing import Any

import pytest
from clusters import local_cluster
from threadpoolctl import threadpool_info

from digitnet.errors import ConfigError, MissingExtra
from digitnet.sweep import Dask, Local, SchedulerUnreachable, run_jobs
from digitnet.sweep.backends import cores

#: Generous bounds for what a busy machine does before a stop: they time nothing.
STARTUP_TIMEOUT = 300


def sleep(seconds: float, shared: Any) -> float:
    time.sleep(seconds)
    return seconds


def blas_threads(job: int, shared: Any) -> tuple[int, int]:
    """The BLAS threads this job may use, and the process it ran in."""
    return max(pool["num_threads"] for pool in threadpool_info()), os.getpid()


def shared_identity(job: int, shared: Any) -> tuple[int, int, int]:
    """``job``, the process, and which copy of ``shared`` the job was handed."""
    return job, os.getpid(), id(shared)


def fail(job: int, shared: Any) -> int:
    if job == 1:
        raise ConfigError("job 1 is bad")
    time.sleep(job)
    return job


def test_should_stop_ends_the_running_jobs_at_once_and_keeps_the_finished() -> None:
    ended: list[int] = []
    asked_after_first: list[float] = []

    def should_stop() -> bool:  # stop once the short job has ended: the long ones run then
        if ended and not asked_after_first:
            asked_after_first.append(time.monotonic())
        return bool(ended)

    results = run_jobs(
        sleep,
        [0.0, 60.0, 60.0],
        backend=Local(2),
        on_result=lambda index, _: ended.append(index),
        should_stop=should_stop,
    )
    assert time.monotonic() - asked_after_first[0] < 10  # not the 60 s of a running job
    assert results == {0: 0.0} and ended == [0]


def test_a_failed_job_ends_the_others_and_is_raised() -> None:
    start = time.monotonic()
    with pytest.raises(ConfigError, match="job 1 is bad"):
        run_jobs(fail, [60, 1, 60], backend=Local(2))
    assert time.monotonic() - start < STARTUP_TIMEOUT / 5  # the 60 s jobs did not run out


def test_should_stop_in_this_process_is_asked_before_each_job() -> None:
    ran: list[int] = []

    def work(job: int, shared: Any) -> int:
        ran.append(job)
        return 10 * job + shared

    results = run_jobs(
        work, [1, 2, 3], backend=Local(1), shared=5, should_stop=lambda: len(ran) == 2
    )
    assert results == {0: 15, 1: 25} and ran == [1, 2]


def test_processes_times_blas_threads_is_at_most_the_cores() -> None:
    here = run_jobs(blas_threads, [0], backend=Local(1))
    assert here[0] == (cores(), os.getpid())
    if cores() < 2:
        pytest.skip("one core: no two processes to share it")
    apart = run_jobs(blas_threads, list(range(4)), backend=Local(2))
    assert {threads for threads, _ in apart.values()} == {cores() // 2}
    assert os.getpid() not in {pid for _, pid in apart.values()}


@pytest.mark.parametrize("workers", [0, -1, 1.5, True])
def test_workers_must_be_a_positive_integer(workers: Any) -> None:
    with pytest.raises(ConfigError, match="workers must be a positive integer"):
        Local(workers)


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_an_unreachable_scheduler_is_one_line_naming_its_address() -> None:
    pytest.importorskip("distributed")
    address = f"tcp://127.0.0.1:{closed_port()}"
    start = time.monotonic()
    with pytest.raises(SchedulerUnreachable, match=f"no Dask scheduler answered at {address}"):
        run_jobs(sleep, [0.0], backend=Dask(address, timeout=1))
    assert time.monotonic() - start < 30  # gives up after its timeout, not never


def test_without_dask_the_cluster_backend_says_which_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "distributed", None)
    with pytest.raises(MissingExtra, match=r"pip install 'digitnet\[cluster\]'"):
        run_jobs(sleep, [0.0], backend=Dask("tcp://127.0.0.1:8786"))


@pytest.fixture(scope="module")
def cluster() -> Iterator[str]:
    with local_cluster() as address:
        yield address


@pytest.mark.slow
def test_dask_runs_every_job_and_sends_the_shared_data_once_per_worker(cluster: str) -> None:
    ended: list[int] = []
    results = run_jobs(
        shared_identity,
        list(range(12)),
        backend=Dask(cluster),
        shared=list(range(1000)),
        on_result=lambda index, _: ended.append(index),
    )
    assert sorted(results) == sorted(ended) == list(range(12))
    assert all(results[i][0] == i for i in results)
    copies: dict[int, set[int]] = {}
    for _, pid, copy in results.values():
        copies.setdefault(pid, set()).add(copy)
    assert os.getpid() not in copies
    assert all(len(ids) == 1 for ids in copies.values())  # one copy per worker, every job


@pytest.mark.slow
def test_dask_pins_blas_to_one_thread_a_task(cluster: str) -> None:
    results = run_jobs(blas_threads, [0, 1], backend=Dask(cluster))
    assert {threads for threads, _ in results.values()} == {1}


@pytest.mark.slow
def test_dask_should_stop_drops_the_jobs_not_ended(cluster: str) -> None:
    ended: list[int] = []
    results = run_jobs(
        sleep,
        [0.0, 30.0, 30.0, 30.0],
        backend=Dask(cluster),
        on_result=lambda index, _: ended.append(index),
        should_stop=lambda: bool(ended),
    )
    assert results == {0: 0.0}
