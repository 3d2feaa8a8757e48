"""``digitnet train``: a preset and its overrides, or a checkpoint to resume, trained on MNIST."""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Any

import click

from digitnet.checkpoint import (
    Checkpoint,
    check_resumable,
    checkpoint_path,
    load_checkpoint,
    locked_folder,
    save_checkpoint,
)
from digitnet.cli.keep import keep_model
from digitnet.cli.options import data_dir_option, load_data
from digitnet.cli.progress import epoch_bar, stdout
from digitnet.cli.train_options import preset_overrides, train_options
from digitnet.cli.train_report import describe, epoch_line, report_outcome
from digitnet.conv.network import AnyNetwork
from digitnet.errors import ConfigError
from digitnet.history import History, RunEnd
from digitnet.interrupt import INTERRUPTED_STATUS
from digitnet.recipes import recipe
from digitnet.settings import TrainingSettings, fresh_seed
from digitnet.training import check_mini_batch, train
from digitnet.training_state import TrainingState


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
    validation_size: int | None,
    engine: str,
    make_default: bool | None,
    checkpoint_dir: Path | None,
    resume: bool,
    data_dir: Path | None,
    **options: Any,
) -> None:
    """Train a network on MNIST by mini-batch stochastic gradient descent.

    The defaults are the book's experiment (--preset book); --preset best is the most
    accurate network this project trains in under 15 minutes; --layers (and --preset conv,
    conv-fast, conv-best) trains a convolutional network, the book's chapter 6. After each
    epoch it prints the accuracy on the validation images (the last 10,000 of MNIST's
    training file) and on the 10,000 test images, and the cost on the validation images.

    Each run is saved as a new model in the models folder (`digitnet models` lists them),
    which becomes the default only if the run ended healthily (not interrupted, diverged
    or stalled near chance) and is at least as accurate on the validation images as the
    default; --make-default or --keep-default decide instead. Ctrl-C keeps the epochs
    finished so far (nothing if none finished) and exits with 130; with --checkpoint,
    --resume later ends exactly as an uninterrupted run would.

    --data-dir may hold another data set in MNIST's form instead (EMNIST's digits,
    Fashion-MNIST, your own): IDX files under MNIST's four names, 28 x 28 images, labels
    0-9, any number of them; the last sixth of its training file validates, or
    --validation-size N.
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
    # Held for the whole run: a second run would overwrite this one's checkpoints.
    folder = contextlib.nullcontext() if checkpoint_dir is None else locked_folder(checkpoint_dir)
    with folder:
        if resume:
            assert checkpoint_dir is not None
            checkpoint = resumed_run(ctx, checkpoint_dir)
            network, state, settings = checkpoint.network, checkpoint.state, checkpoint.settings
            training_size = checkpoint.extra.get("training_size")
            validation_size = checkpoint.extra.get("validation_size")
            preset = checkpoint.extra.get("preset", preset)
        else:
            if seed is None:
                seed = fresh_seed()
            given = preset_overrides(options)
            chosen = recipe(preset, seed=seed, engine=engine, dtype=dtype, **given)
            network, state, settings = chosen.build(), TrainingState.fresh(seed), chosen.settings
        # With the settings, all it takes to repeat the run (and the data folder):
        # `digitnet train --preset P --seed S`.
        record = {
            "training_size": training_size,
            "validation_size": validation_size,
            "preset": preset,
        }
        history = run(network, settings, state, record, data_dir, checkpoint_dir)
    keep_model(network, history, out=out, make_default=make_default, extra=record)
    if history.interrupted:
        if checkpoint_dir is not None and history.epochs_run:
            stdout.print(
                f"The checkpoint holds epoch {history.epochs_run}; go on with: "
                f"digitnet train --checkpoint {checkpoint_dir} --resume"
            )
        ctx.exit(INTERRUPTED_STATUS)


def resumed_run(ctx: click.Context, checkpoint_dir: Path) -> Checkpoint:
    """The checkpoint in ``checkpoint_dir``, if the options typed do not differ from its run's."""
    checkpoint = load_checkpoint(checkpoint_dir)
    typed = option_names(ctx)
    given = preset_overrides(given_on_command_line(ctx))
    check_resumable(checkpoint, given, label=typed.__getitem__)
    stdout.print(
        f"Resuming {checkpoint.network} from {checkpoint_path(checkpoint_dir)}: "
        f"{checkpoint.history.epochs_run} of {checkpoint.settings.epochs} epochs done"
    )
    return checkpoint


def run(
    network: AnyNetwork,
    settings: TrainingSettings,
    state: TrainingState,
    record: dict[str, Any],
    data_dir: Path | None,
    checkpoint_dir: Path | None,
) -> History:
    """Train on MNIST with a progress bar and a line per epoch, checkpointing if asked.

    ``record`` (the training and validation sizes) goes into each checkpoint with the state.
    """
    data = load_data(data_dir, validation_size=record["validation_size"])
    training_size = record["training_size"]
    if training_size is not None and training_size > len(data.training):
        raise ConfigError(
            f"--training-size {training_size} is more than the {len(data.training):,} "
            f"training images"
        )
    training = data.training.first(training_size)
    check_mini_batch(settings.mini_batch_size, len(training))  # before saying "Training"
    if state.history is None:
        stdout.print(f"Training {network} on {len(training):,} images: {describe(settings)}")
    first = state.history.epochs_run + 1 if state.history is not None else 1
    waiting = "distorting the images" if settings.augment else ""
    with epoch_bar(settings.epochs, settings.mini_batch_size, first, waiting=waiting) as bar:

        def on_epoch(history: History) -> None:
            stdout.print(epoch_line(history))  # drawn with the bar of the epoch it ends
            bar.next_epoch(history.epochs_run + 1)
            if checkpoint_dir is not None and history.end is not RunEnd.DIVERGED:
                save_checkpoint(checkpoint_dir, network, state, extra=record)

        history = train(
            network,
            training,
            settings,
            monitor={"validation": data.validation, "test": data.test},
            on_batch=bar.on_batch,
            on_epoch=on_epoch,
            state=state,
        )
    report_outcome(history)
    return history


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
