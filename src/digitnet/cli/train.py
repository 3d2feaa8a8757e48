"""``digitnet train``: a preset and its overrides, or a checkpoint to resume, trained on MNIST."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
import numpy as np
from rich.progress import BarColumn, TextColumn, TimeRemainingColumn

from digitnet.checkpoint import check_resumable, checkpoint_path, load_checkpoint, save_checkpoint
from digitnet.cli.keep import keep_model
from digitnet.cli.options import data_dir_option, load_data
from digitnet.cli.progress import progress_bar, stdout
from digitnet.cli.train_options import train_options
from digitnet.cli.train_report import describe, epoch_line, report_outcome
from digitnet.errors import DigitnetError
from digitnet.interrupt import INTERRUPTED_STATUS
from digitnet.recipes import recipe
from digitnet.training import History, fresh_seed, train


@click.command("train")
@train_options
@data_dir_option
@click.pass_context
def train_command(
    ctx: click.Context,
    preset: str,
    seed: int | None,
    dtype: str,
    out: Path | None,
    training_size: int | None,
    engine: str,
    make_default: bool | None,
    checkpoint_dir: Path | None,
    resume: bool,
    data_dir: Path | None,
    **options: Any,
) -> None:
    """Train a network on MNIST by mini-batch stochastic gradient descent.

    The defaults are the book's experiment (--preset book); --preset best is the most
    accurate network this project trains in under 15 minutes. After each epoch it prints
    the accuracy on the 10,000 validation images (the last 10,000 of MNIST's training file)
    and on the 10,000 test images, and the cost on the validation images.

    Each run is saved as a new model in the models folder (`digitnet models` lists them),
    which becomes the default only if the run ended healthily (not interrupted, diverged
    or stalled near chance) and is at least as accurate on the validation images as the
    default; --make-default or --keep-default decide instead. Ctrl-C keeps the epochs
    finished so far (nothing if none finished) and exits with 130; with --checkpoint,
    --resume later ends exactly as an uninterrupted run would.
    """
    if resume and checkpoint_dir is None:
        raise click.UsageError("--resume needs --checkpoint DIR, the folder of the run")
    if out is not None:
        if make_default is not None:
            raise click.UsageError(
                "--make-default and --keep-default are for the models folder, not --out"
            )
        out = out.expanduser()
        out.parent.mkdir(parents=True, exist_ok=True)
    history: History | None = None
    if resume:
        assert checkpoint_dir is not None
        checkpoint = load_checkpoint(checkpoint_dir)
        typed = option_names(ctx)
        check_resumable(checkpoint, given_on_command_line(ctx), label=typed.__getitem__)
        network, history, rng = checkpoint.network, checkpoint.history, checkpoint.rng
        settings, training_size = history.settings, checkpoint.extra.get("training_size")
        stdout.print(
            f"Resuming {network} from {checkpoint_path(checkpoint_dir)}: "
            f"{history.epochs_run} of {settings.epochs} epochs done"
        )
    else:
        if seed is None:
            seed = fresh_seed()
        given = {name: value for name, value in options.items() if value is not None}
        chosen = recipe(preset, seed=seed, engine=engine, dtype=dtype, **given)
        settings = chosen.settings
        if checkpoint_dir is not None and (settings.momentum or settings.early_stopping):
            raise DigitnetError(
                "--checkpoint cannot resume runs with momentum or early stopping yet"
            )
        network = chosen.build()
        rng = np.random.default_rng(seed)
    data = load_data(data_dir)
    training = data.training.first(training_size)
    record = {"training_size": training_size}  # with the settings: all it takes to repeat it
    if not resume:
        stdout.print(f"Training {network} on {len(training):,} images: {describe(settings)}")
    with progress_bar(
        TextColumn("epoch {task.fields[epoch]}"),
        BarColumn(),
        TextColumn("{task.percentage:>3.0f}%"),
        TimeRemainingColumn(),
    ) as progress:
        task = progress.add_task("", total=1, epoch=1)

        def on_batch(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        def on_epoch(history: History) -> None:
            progress.update(task, completed=0, epoch=history.epochs_run + 1)
            stdout.print(epoch_line(history))
            if checkpoint_dir is not None:
                save_checkpoint(checkpoint_dir, network, history, rng, extra=record)

        history = train(
            network,
            training,
            settings,
            monitor={"validation": data.validation, "test": data.test},
            on_batch=on_batch,
            on_epoch=on_epoch,
            rng=rng,
            history=history,
        )
    report_outcome(history)
    keep_model(network, history, out=out, make_default=make_default, extra=record)
    if history.interrupted:
        if checkpoint_dir is not None and history.epochs_run:
            stdout.print(
                f"The checkpoint holds epoch {history.epochs_run}; go on with: "
                f"digitnet train --checkpoint {checkpoint_dir} --resume"
            )
        ctx.exit(INTERRUPTED_STATUS)


def given_on_command_line(ctx: click.Context) -> dict[str, Any]:
    """The options typed on the command line (not their defaults), by parameter name."""
    source = click.core.ParameterSource.COMMANDLINE
    return {
        name: value
        for name, value in ctx.params.items()
        if ctx.get_parameter_source(name) is source
    }


def option_names(ctx: click.Context) -> dict[str, str]:
    """Parameter name -> the option as typed: ``learning_rate`` -> ``--learning-rate``."""
    return {param.name: param.opts[0] for param in ctx.command.params if param.name}
