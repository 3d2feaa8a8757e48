"""The consoles the commands print on, and the one factory of their progress displays.

Progress draws on stdout's console so that the lines printed above it stay in order; on a
pipe rich draws nothing at all and the printed lines come out alone.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    ProgressColumn,
    SpinnerColumn,
    TextColumn,
)

stdout = Console(highlight=False, soft_wrap=True)
stderr = Console(stderr=True, highlight=False, soft_wrap=True)


def progress_bar(*columns: str | ProgressColumn) -> Progress:
    """A progress display of ``columns`` that vanishes when done and hides on a pipe."""
    return Progress(*columns, console=stdout, transient=True, disable=not stdout.is_terminal)


@contextmanager
def spinner(text: str) -> Iterator[None]:
    """A spinner beside ``text`` (rich markup) while the block runs, for work of unknown length."""
    columns = SpinnerColumn(style="status.spinner"), TextColumn("{task.description}")
    with progress_bar(*columns) as progress:
        progress.add_task(text, total=None)
        yield


@contextmanager
def download_progress() -> Iterator[Callable[[str, int, int | None], None]]:
    """A progress callback for downloads that draws one bar per file."""
    with progress_bar(TextColumn("{task.description}"), BarColumn(), DownloadColumn()) as progress:
        tasks: dict[str, Any] = {}

        def report(name: str, done: int, total: int | None) -> None:
            if name not in tasks:
                tasks[name] = progress.add_task(f"downloading {name}", total=total)
            progress.update(tasks[name], completed=done, total=total)

        yield report
