"""Where ``reproduce`` and ``sweep`` run their runs: ``--workers N`` here, or ``--dask ADDRESS``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click

from digitnet.sweep.backends import DEFAULT_WORKERS, Backend, Dask, Local, cores

F = TypeVar("F", bound=Callable[..., Any])


def backend_options(command: F) -> F:
    """Add ``--workers`` and ``--dask`` to ``command``; :func:`chosen_backend` reads them."""
    most = cores()
    command = click.option(
        "--dask",
        "dask_address",
        metavar="ADDRESS",
        default=None,
        help="Run on the Dask cluster whose scheduler is at ADDRESS (tcp://HOST:8786; "
        "needs digitnet[cluster]) instead of this machine's processes.",
    )(command)
    return click.option(
        "--workers",
        type=click.IntRange(1, most),
        default=min(DEFAULT_WORKERS, most),
        show_default=True,
        help=f"Runs at once on this machine, each in its own process with "
        f"cores / workers BLAS threads (this machine has {most} cores); 1 runs them here.",
    )(command)


def chosen_backend(ctx: click.Context, workers: int, dask_address: str | None) -> Backend:
    """The backend the options name; ``--workers`` typed with ``--dask`` is a usage error."""
    if dask_address is None:
        return Local(workers)
    if ctx.get_parameter_source("workers") is click.core.ParameterSource.COMMANDLINE:
        raise click.UsageError("--workers is for this machine; a Dask cluster has its own")
    return Dask(dask_address)
