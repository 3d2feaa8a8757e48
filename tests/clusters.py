"""A Dask cluster of two worker processes on 127.0.0.1, for the tests of the Dask backend."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest


@contextmanager
def local_cluster() -> Iterator[str]:
    """A scheduler and two single-threaded worker processes on 127.0.0.1; its address.

    Skips the test when Dask is not installed (``digitnet[cluster]``); stopped after.
    """
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address=None,
    ) as cluster:
        yield cluster.scheduler_address
