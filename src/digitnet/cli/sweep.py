"""``digitnet sweep``: a grid over ``train``'s options times seeds, here or on a Dask cluster."""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click
from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from digitnet.cli.backend import backend_options, chosen_backend
from digitnet.cli.options import create_folder, data_dir_option, load_data
from digitnet.cli.plot import write_plot_or_skip
from digitnet.cli.progress import progress_bar, stdout
from digitnet.cli.train_options import (
    NETWORK_OPTIONS,
    NO_TIME_BUDGET,
    SETTINGS_OPTIONS,
    train_options,
)
from digitnet.sweep import (
    RunRecord,
    Sweep,
    format_value,
    read_sweep_file,
    record_path,
    run_sweep,
    seeds_of,
    summarise,
    write_tables,
)

F = TypeVar("F", bound=Callable[..., Any])

#: The options of ``train`` a sweep takes lists of, in ``train --help``'s order.
SWEPT_OPTIONS = ("preset", *NETWORK_OPTIONS, *SETTINGS_OPTIONS, "dtype", "engine", "training_size")
#: What separates the values of an option: commas, but colons between networks' sizes.
SEPARATORS = {"sizes": ":"}
#: The figure of accuracy against each swept option.
PLOT_FILE = "accuracy.png"


@functools.cache
def train_parameters() -> dict[str, click.Parameter]:
    """``train``'s own options, by name: a sweep parses and checks each value with them."""
    probe = click.command()(train_options(lambda **_: None))
    return {param.name: param for param in probe.params if param.name}


def parse_values(
    ctx: click.Context, param: click.Parameter, text: str | None
) -> tuple[Any, ...] | None:
    """``"0.1,0.5,3"`` -> ``(0.1, 0.5, 3.0)``, each value checked as ``train`` checks it."""
    if text is None:
        return None
    assert param.name is not None
    train = train_parameters()[param.name]
    values = []
    for part in text.split(SEPARATORS.get(param.name, ",")):
        value = train.process_value(ctx, part.strip())
        values.append(None if value == NO_TIME_BUDGET else value)  # --time-budget none
    return tuple(values)


def swept_options(command: F) -> F:
    """One option per option of ``train`` that a sweep varies, taking a list of values."""
    for name in reversed(SWEPT_OPTIONS):
        train = train_parameters()[name]
        flag = f"--{name.replace('_', '-')}"
        separator = "colons" if name in SEPARATORS else "commas"
        if getattr(train, "is_flag", False):
            kinds = " (true, false)"
        elif isinstance(train.type, click.Choice):
            kinds = f" ({', '.join(map(str, train.type.choices))})"
        else:
            kinds = ""
        command = click.option(
            flag,
            name,
            metavar="VALUES",
            default=None,
            callback=parse_values,
            help=f"Values of train's {flag}{kinds}, separated by {separator}.",
        )(command)
    return command


def parse_seeds(ctx: click.Context, param: click.Parameter, text: str | None) -> Any:
    """``5`` -> seeds 1 to 5; ``3,7,42`` -> those seeds."""
    if text is None:
        return None
    try:
        values = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise click.BadParameter(f"expected a count or seeds like 3,7,42, got {text!r}") from None
    if "," in text:
        return tuple(values)
    if len(values) != 1 or values[0] < 1:
        raise click.BadParameter(f"expected a count of at least 1, got {text!r}")
    return seeds_of(values[0])


@click.command("sweep")
@swept_options
@click.option(
    "--seeds",
    callback=parse_seeds,
    metavar="N|SEEDS",
    default=None,
    help="Seeds of each setting: N for 1 to N, or a list like 3,7,42 [1].",
)
@click.option(
    "--samples",
    type=click.IntRange(min=1),
    default=None,
    help="Run only this many settings of the grid, drawn at random [every setting].",
)
@click.option(
    "--sample-seed", type=click.IntRange(min=0), default=None, help="Seed of --samples [0]."
)
@click.option(
    "--validation-size",
    type=click.IntRange(min=1),
    default=None,
    help="Validate on the last N images of the training file [MNIST's 10,000].",
)
@click.option(
    "--file",
    "sweep_file",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    default=None,
    help="A sweep in a TOML or YAML file (see README); options given here override its own.",
)
@click.option(
    "--out-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("sweep-results"),
    show_default=True,
    help="Folder of the runs (one file each) and the tables; runs found there are not rerun.",
)
@backend_options
@data_dir_option
@click.pass_context
def sweep_command(
    ctx: click.Context,
    seeds: tuple[int, ...] | None,
    samples: int | None,
    sample_seed: int | None,
    validation_size: int | None,
    sweep_file: Path | None,
    out_dir: Path,
    workers: int,
    dask_address: str | None,
    data_dir: Path | None,
    **options: tuple[Any, ...] | None,
) -> None:
    """Train many networks: every setting of a grid over train's options, with each seed.

    Each option of train takes a list of values, e.g. --learning-rate 0.1,0.5,3 --sizes
    784,30,10:784,100,10 --seeds 5 --epochs 30 (3 x 2 settings x 5 seeds: 30 runs). Each
    run's record (settings, seed, accuracy per epoch, best validation and test accuracy,
    seconds, where it ran) is written to --out-dir as it ends, in a file named by a hash of
    its settings and seed: a sweep stopped or killed resumes when run again and reruns
    nothing done. At the end: runs.csv, runs.jsonl and summary.csv (mean, sd, median,
    min-max of the test accuracy at the best validation epoch per setting), and accuracy.png.
    Runs go --workers at a time on this machine, or to a Dask cluster with --dask.
    """
    backend = chosen_backend(ctx, workers, dask_address)
    given = read_sweep_file(sweep_file) if sweep_file is not None else {}
    grid = dict(given.pop("grid", {}))
    grid.update({name: values for name, values in options.items() if values is not None})
    for name, value in (
        ("seeds", seeds),
        ("samples", samples),
        ("sample_seed", sample_seed),
        ("validation_size", validation_size),
    ):
        if value is not None:
            given[name] = value
    sweep = Sweep(grid=grid, **given)
    out_dir = create_folder(out_dir)
    # Now: download if missing, and check the split. Then local workers read the files
    # themselves, and a Dask cluster's workers get them scattered.
    load_data(data_dir, validation_size=sweep.validation_size)
    runs = sweep.runs()
    settings = len(runs) // len(sweep.seeds)
    done = done_runs(sweep, out_dir)
    stdout.print(
        f"Sweeping {settings} setting{'s' * (settings != 1)} x {len(sweep.seeds)} "
        f"seed{'s' * (len(sweep.seeds) != 1)}: {len(runs)} run{'s' * (len(runs) != 1)}"
        + (f" ({done} done already in {out_dir})" if done else "")
        + f", {backend.describe()}",
        markup=False,
    )
    records = [r for r in _run(sweep, out_dir, data_dir, backend) if r is not None]
    _print_summary(records, sweep.swept)
    for path in write_tables(out_dir, records).values():
        stdout.print(f"Wrote {path}", markup=False)
    _write_plot(out_dir / PLOT_FILE, records, sweep.swept)


def done_runs(sweep: Sweep, out_dir: Path) -> int:
    """How many of the sweep's runs have their record in ``out_dir``."""
    return sum(record_path(out_dir, run.id).is_file() for run in sweep.runs())


def _run(sweep: Sweep, out_dir: Path, data_dir: Path | None, backend: Any) -> list[Any]:
    """Run the sweep under a progress bar, a line per run as it ends."""
    columns = TextColumn("runs"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn()
    swept = sweep.swept
    with progress_bar(*columns) as progress:
        task = progress.add_task("", total=len(sweep.runs()))

        def on_result(done: int, total: int, record: RunRecord, ran: bool) -> None:
            progress.update(task, completed=done)
            if ran:
                stdout.print(f"[{done}/{total}] {describe_record(record, swept)}", markup=False)

        try:
            return run_sweep(
                sweep, out_dir, data_dir=data_dir, backend=backend, on_result=on_result
            )
        except KeyboardInterrupt:
            stdout.print(
                f"{done_runs(sweep, out_dir)} of {len(sweep.runs())} runs are saved in "
                f"{out_dir}; the same command goes on from there.",
                markup=False,
            )
            raise


def describe_record(record: RunRecord, swept: tuple[str, ...]) -> str:
    """``learning_rate 0.5, seed 2: test 91.23% (validation 91.50%, epoch 3), 4 s on host``."""
    setting = ", ".join(f"{name} {format_value(record.options[name])}" for name in swept)
    head = f"{setting}, seed {record.seed}" if setting else f"seed {record.seed}"
    if record.test_accuracy is None or record.best_validation is None:
        return f"{head}: no epoch ended ({record.end})"
    return (
        f"{head}: test {record.test_accuracy:.2%} (best validation {record.best_validation:.2%}"
        f", epoch {record.best_epoch}), {record.seconds:.1f} s on {record.where}"
    )


def _percent(value: float | None) -> str:
    return "" if value is None else f"{value:.2%}"


def _print_summary(records: list[RunRecord], swept: tuple[str, ...]) -> None:
    table = Table(title="Test accuracy at the best validation epoch, per setting")
    for name in swept:
        table.add_column(name)
    for name in ("runs", "mean", "sd", "median", "min-max"):
        table.add_column(name, justify="right", no_wrap=True)
    for s in summarise(records):
        spread = "" if s.sd is None else f"{s.sd:.2%}"
        span = "" if s.low is None else f"{_percent(s.low)}-{_percent(s.high)}"
        cells = [format_value(s.options[name]) for name in swept]
        cells += [str(s.runs), _percent(s.mean), spread, _percent(s.median), span]
        table.add_row(*(Text(cell) for cell in cells))
    stdout.print(table)


def _write_plot(path: Path, records: list[RunRecord], swept: tuple[str, ...]) -> None:
    """Draw the accuracy against each swept option, or say in one line what is missing."""
    if not swept or not records:
        return
    write_plot_or_skip(
        path,
        lambda plots: plots.sweep_accuracy(records, swept),
        "drawing the plot",
        "test accuracy against each swept option",
    )
