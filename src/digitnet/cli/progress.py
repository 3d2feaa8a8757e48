"""The consoles the commands print on, and the one factory of their progress displays.

Progress draws on stdout's console so that the lines printed above it stay in order; on a
pipe rich draws nothing at all and the printed lines come out alone.
"""

from __future__ import annotations

import time
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
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)

from digitnet.data.download import DownloadStep

stdout = Console(highlight=False, soft_wrap=True)
stderr = Console(stderr=True, highlight=False, soft_wrap=True)


def progress_bar(*columns: str | ProgressColumn, console: Console | None = None) -> Progress:
    """A progress display of ``columns`` that vanishes when done and hides on a pipe.

    ``console`` is where it draws: :data:`stdout` (the default), or :data:`stderr` for work
    that is not the command's output (a download before ``evaluate --json``).
    """
    console = stdout if console is None else console
    return Progress(*columns, console=console, transient=True, disable=not console.is_terminal)


@contextmanager
def spinner(text: str) -> Iterator[None]:
    """A spinner beside ``text`` (rich markup) and the time elapsed while the block runs, for
    work of unknown length."""
    columns = (
        SpinnerColumn(style="status.spinner"),
        TextColumn("{task.description}"),
        TimeElapsedColumn(),
    )
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


class EpochBar:
    """The bar within one epoch: ``epoch 3/30 ━━━━━━  2,500/5,000 batches  41,210 images/s
    0:00:04`` (time left in the epoch)."""

    def __init__(
        self, progress: Progress, epochs: int, mini_batch_size: int, first: int, waiting: str
    ):
        self.progress, self.epochs, self.mini_batch_size = progress, epochs, mini_batch_size
        self.waiting = waiting
        self.task: TaskID = progress.add_task("", total=None, **self._fields(first))
        self.first_report: tuple[int, float] | None = None  # (batches done, when)

    def _fields(self, epoch: int, batches: str | None = None, speed: str = "") -> dict[str, Any]:
        batches = self.waiting if batches is None else batches
        return {"epoch": epoch, "epochs": self.epochs, "batches": batches, "speed": speed}

    def on_batch(self, done: int, total: int) -> None:
        """``train``'s ``on_batch``: ``done`` of the epoch's ``total`` mini-batches."""
        # The speed of the mini-batches alone, from the first report of the epoch on (not
        # the distortions or the evaluation around them).
        now = time.perf_counter()
        if self.first_report is None:
            self.first_report = (done, now)
        since, start = self.first_report
        images = (done - since) * self.mini_batch_size
        speed = f"{images / (now - start):,.0f} images/s" if done > since else ""
        batches = f"{done:,}/{total:,} batches"
        self.progress.update(self.task, completed=done, total=total, batches=batches, speed=speed)
        if done == total:  # drawn now: the epoch's line is printed above this frame
            self.progress.refresh()

    def next_epoch(self, epoch: int) -> None:
        """Start the bar again for ``epoch`` (after the last one's line is printed)."""
        if epoch > self.epochs:
            return
        # reset() replaces a task's fields: give them all.
        self.progress.reset(self.task, total=None, **self._fields(epoch))
        self.first_report = None


@contextmanager
def epoch_bar(
    epochs: int, mini_batch_size: int, first: int = 1, *, waiting: str = ""
) -> Iterator[EpochBar]:
    """The progress of training within each epoch, from epoch ``first`` of ``epochs``.

    ``waiting`` is shown before an epoch's first mini-batch (e.g. while distorting the
    images), when the bar pulses.
    """
    columns = (
        TextColumn("epoch {task.fields[epoch]}/{task.fields[epochs]}"),
        BarColumn(),
        TextColumn("{task.fields[batches]}"),
        TextColumn("{task.fields[speed]}"),
        TimeRemainingColumn(),
    )
    with progress_bar(*columns) as progress:
        yield EpochBar(progress, epochs, mini_batch_size, first, waiting)
