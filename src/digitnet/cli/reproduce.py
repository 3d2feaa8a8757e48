"""``digitnet reproduce``: chapter 1's or chapter 6's results table, every experiment with
several seeds."""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from digitnet.cli.backend import backend_options, chosen_backend
from digitnet.cli.options import create_folder, data_dir_option, load_data
from digitnet.cli.plot import write_plot_or_skip
from digitnet.cli.progress import progress_bar, stdout
from digitnet.data import N_TRAINING

#: Columns `digitnet reproduce` may use for its table when stdout is not a terminal, and
#: the narrowest the experiments' names may get in a narrow terminal.
REPRODUCE_TABLE_WIDTH = 160
REPRODUCE_NAME_WIDTH = 20
#: What the first line says of --quick.
QUICK_NOTE = " (quick look)"


@click.command("reproduce")
@click.option(
    "--chapter",
    type=click.Choice(["1", "6"]),
    default="1",
    show_default=True,
    help="The book's table to reproduce: 1 (sigmoid networks and the baselines, minutes) or "
    "6 (convolutional networks and their ensemble, about 2 days without --quick).",
)
@click.option(
    "--quick",
    is_flag=True,
    help="A short look, not a reproduction. Chapter 1: 2 seeds and 4 epochs a row, the SVMs "
    "on the first 3,000 training images, well under two minutes. Chapter 6: 1 epoch on the "
    "first 2,000 training images, 1 seed a row (3 for the ensemble's row), a few minutes.",
)
@click.option(
    "--out-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("reproduce-results"),
    show_default=True,
    help="Folder for the report, the CSV files and the curves (created if missing).",
)
@click.option(
    "--rows",
    "row_keys",
    default=None,
    metavar="KEYS",
    help="Only these rows of the table, by their letters, comma-separated (e.g. a,d); an "
    "ensemble row brings the row it combines (chapter 6's h brings g).",
)
@backend_options
@click.option(
    "--svm/--no-svm",
    default=True,
    show_default=True,
    help="Chapter 1: include the SVM baselines (needs digitnet[baselines]; about 4 minutes "
    "each without --quick).",
)
@click.option("--epochs", type=click.IntRange(min=1), default=None, hidden=True)
@click.option("--training-size", type=click.IntRange(1, N_TRAINING), default=None, hidden=True)
@click.option("--handwriting", type=click.IntRange(min=0), default=None, hidden=True)
@data_dir_option
@click.pass_context
def reproduce_command(
    ctx: click.Context,
    chapter: str,
    quick: bool,
    out_dir: Path,
    row_keys: str | None,
    workers: int,
    dask_address: str | None,
    svm: bool,
    epochs: int | None,
    training_size: int | None,
    handwriting: int | None,
    data_dir: Path | None,
) -> None:
    """The book's results table in one command: every experiment, several seeds each.

    Chapter 1 (the default): trains [784, 30, 10] and [784, 100, 10] as the book did
    (learning rate 3.0, N(0, 1) weights), [784, 100, 10] with N(0, 1/n_in) weights,
    learning rates 0.001 and 100, and [784, 10] without a hidden layer, and chapter 3's
    [784, 100, 10] with cross-entropy, L2 and scaled weights (3 seeds a row, 5 for the two
    compared [784, 100, 10] rows, 30 epochs), and runs the baselines: random guess, average
    darkness and the SVMs. The full run takes several minutes on two cores; --quick takes
    well under two.

    Chapter 6 (--chapter 6): the book's convolutional networks, row by row (fc 100; + a
    conv-pool layer of 20 maps; + one of 40; ReLU and L2; the expanded data; a second fc
    100; two fc 1,000 with dropout), 60 epochs (40 with dropout) of mini-batches of 10, 3
    seeds a row and 5 for the dropout row, whose five networks are then combined as an
    ensemble (the mean of their probabilities). That is about 80 hours of one process
    (7 h a run of the dropout row): roughly 2 days on two cores. --quick takes about 3
    minutes.

    The table puts the book's figures beside the mean and spread of ours; the files in
    --out-dir hold the report (results.md), the statistics per row and per run (CSV), and
    the accuracy curves of every row (curves.png, needs digitnet[plots]). --dask runs them
    on a Dask cluster instead, with the same figures.
    """
    from digitnet import reproduce

    backend = chosen_backend(ctx, workers, dask_address)
    rows = reproduce.chapter_experiments(
        int(chapter),
        "quick" if quick else "full",
        svm=svm,
        epochs=epochs,
        training_size=training_size,
        handwriting=handwriting,
    )
    if row_keys is not None:
        keys = [key.strip() for key in row_keys.split(",") if key.strip()]
        rows = reproduce.select_rows(rows, keys)
    out_dir = create_folder(out_dir)
    load_data(data_dir)  # download now if missing: local workers read the files, Dask's get them
    total = len(reproduce.jobs(rows))
    stdout.print(
        f"Reproducing chapter {chapter}{QUICK_NOTE if quick else ''}: {len(rows)} "
        f"row{'s' * (len(rows) != 1)}, {total} run{'s' * (total != 1)}, {backend.describe()}"
    )
    by_key = {experiment.key: experiment for experiment in rows}
    start = time.perf_counter()
    columns = TextColumn("runs"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn()
    with progress_bar(*columns) as progress:
        task = progress.add_task("", total=total)

        def on_result(done: int, total: int, result: reproduce.RunResult) -> None:
            progress.update(task, completed=done)
            line = reproduce.describe_run(result, by_key[result.key])
            stdout.print(f"[{done}/{total}] {line}", markup=False)

        results = reproduce.run(rows, data_dir=data_dir, backend=backend, on_result=on_result)
    stdout.print(f"All {total} runs took {time.perf_counter() - start:.0f} s.")
    summaries = reproduce.summarise_all(rows, results)
    table = Table(title=reproduce.title(rows))
    for i, name in enumerate(reproduce.TABLE_HEADER):  # only the experiment's name wraps
        if i == 0:
            table.add_column(name, min_width=REPRODUCE_NAME_WIDTH)
        else:
            table.add_column(name, justify="right", no_wrap=True)
    for cells in reproduce.table_rows(summaries):
        table.add_row(*(Text(cell) for cell in cells))  # text, not rich markup
    # On a pipe or in a file the table keeps its natural width rather than rich's 80 columns.
    wide = Console(highlight=False, width=REPRODUCE_TABLE_WIDTH)
    (stdout if stdout.is_terminal else wide).print(table)
    stdout.print(reproduce.caption(rows), markup=False)
    paragraph = reproduce.explanation(summaries)
    if paragraph is not None:
        stdout.print()
        stdout.print(paragraph, markup=False)
    stdout.print()
    for path in reproduce.write_reports(out_dir, rows, results).values():
        stdout.print(f"Wrote {path}", markup=False)
    write_reproduction_curves(out_dir / "curves.png", reproduce.row_curves(rows, results))


def write_reproduction_curves(path: Path, rows: Sequence[Any]) -> None:
    """Draw the rows' accuracy curves to ``path``, or say in one line what is missing."""
    if not rows:
        return
    write_plot_or_skip(
        path,
        lambda plots: plots.reproduction_curves(rows),
        "drawing the curves",
        "accuracy per epoch of each network row",
    )
