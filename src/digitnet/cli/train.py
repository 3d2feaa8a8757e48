"""``digitnet train``: a preset and its overrides, or a checkpoint to resume, trained on MNIST."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
import numpy as np

from digitnet.checkpoint import check_resumable, checkpoint_path, load_checkpoint, save_checkpoint
from digitnet.cli.options import data_dir_option, load_data
from digitnet.cli.progress import epoch_bar, stdout
from digitnet.cli.train_options import train_options
from digitnet.cli.train_report import describe, epoch_line, report_outcome
from digitnet.errors import DigitnetError
from digitnet.modelfile import save
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
    out: Path,
    training_size: int | None,
    engine: str,
    checkpoint_dir: Path | None,
    resume: bool,
    data_dir: Path | None,
    **options: Any,
) -> None:
    """Train a network on MNIST by mini-batch stochastic gradient descent.

    The defaults are the book's experiment (--preset book); --preset best is the most
    accurate network this project trains in under 15 minutes. After each epoch it prints
    the accuracy on the 10,000 validation images (the last 10,000 of MNIST's training file)
    and on the 10,000 test images, and the cost on the validation images. Ctrl-C stops and
    keeps the model so far; with --checkpoint, --resume later ends exactly as an
    uninterrupted run would.
    """
    if resume and checkpoint_dir is None:
        raise click.UsageError("--resume needs --checkpoint DIR, the folder of the run")
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
    first = history.epochs_run + 1 if history is not None else 1
    waiting = "distorting the images" if settings.augment else ""
    with epoch_bar(settings.epochs, settings.mini_batch_size, first, waiting=waiting) as bar:

        def on_epoch(history: History) -> None:
            stdout.print(epoch_line(history))  # drawn with the bar of the epoch it ends
            bar.next_epoch(history.epochs_run + 1)
            if checkpoint_dir is not None:
                save_checkpoint(checkpoint_dir, network, history, rng, extra=record)

        history = train(
            network,
            training,
            settings,
            monitor={"validation": data.validation, "test": data.test},
            on_batch=bar.on_batch,
            on_epoch=on_epoch,
            rng=rng,
            history=history,
        )
    report_outcome(history)
    save(out, network, history=history, extra=record)
    stdout.print(f"Saved the model to {out}")
    if history.interrupted and checkpoint_dir is not None:
        stdout.print(
            f"The checkpoint holds epoch {history.epochs_run}; go on with: "
            f"digitnet train --checkpoint {checkpoint_dir} --resume"
        )


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
