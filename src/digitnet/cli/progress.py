"""The consoles the commands print on, and the one factory of their progress displays.

Progress draws on stdout's console so that the lines printed above it stay in order; on a
pipe rich draws nothing at all and the printed lines come out alone.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from rich.console import Console
from rich.filesize import decimal
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    ProgressColumn,
    SpinnerColumn,
    TextColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)

from digitnet.data.download import DownloadStep

stdout = Console(highlight=False, soft_wrap=True)
stderr = Console(stderr=True, highlight=False, soft_wrap=True)


def progress_bar(*columns: str | ProgressColumn, console: Console = stdout) -> Progress:
    """A progress display of ``columns`` that vanishes when done and hides on a pipe.

    ``console`` is where it draws: stdout, or stderr for work that is not the command's
    output (a download before ``evaluate --json``).
    """
    return Progress(*columns, console=console, transient=True, disable=not console.is_terminal)


@contextmanager
def spinner(text: str) -> Iterator[None]:
    """A spinner beside ``text`` (rich markup) while the block runs, for work of unknown length."""
    columns = SpinnerColumn(style="status.spinner"), TextColumn("{task.description}")
    with progress_bar(*columns) as progress:
        progress.add_task(text, total=None)
        yield


@contextmanager
def download_progress() -> Iterator[Callable[[DownloadStep], None]]:
    """A progress callback for downloads, on stderr: each file's source, size and bar, then
    the checksum's verdict in one line."""
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
        TimeRemainingColumn(),
    )
    with progress_bar(*columns, console=stderr) as progress:
        tasks: dict[str, Any] = {}

        def report(step: DownloadStep) -> None:
            key = step.url
            if step.status == "fetching" and key not in tasks:
                size = "size not announced" if step.total is None else decimal(step.total)
                stderr.print(f"Downloading {step.name} ({size}) from {step.url}", markup=False)
                tasks[key] = progress.add_task(step.name, total=step.total)
            if key in tasks:
                progress.update(tasks[key], completed=step.done, total=step.total)
            if step.status == "verified":
                stderr.print(
                    f"  SHA-256 of the content verified; saved {step.target}", markup=False
                )
            elif step.status == "failed" and key in tasks:  # else the error says it all
                stderr.print(f"  {step.url}: {step.problem}", markup=False)
            if step.status != "fetching" and key in tasks:
                progress.remove_task(tasks.pop(key))

        yield report
