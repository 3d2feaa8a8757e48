"""``digitnet models``: the trained models kept in the models folder, and which is the default."""

from __future__ import annotations

import click
from rich.table import Table

from digitnet.cli.progress import stdout
from digitnet.data import N_TRAINING
from digitnet.models_store import StoredModel, user_store

#: How the table says an accuracy that is not known.
UNKNOWN = "-"


@click.group("models", invoke_without_command=True)
@click.pass_context
def models_command(ctx: click.Context) -> None:
    """List the trained models, newest last; * marks the default.

    `digitnet train` saves every run as a new file in the models folder
    ($DIGITNET_HOME/models, else a per-user folder), and makes it the default (the model
    `predict`, `evaluate`, `plot` and `serve` use when given none) only if it ended
    healthily and is at least as accurate as the default. No model is ever overwritten.
    """
    if ctx.invoked_subcommand is not None:
        return
    store = user_store()
    models = store.models()
    if not models:
        stdout.print(f"No models in {store.folder} yet: train one with `digitnet train`.")
        return
    default = store.default_name()
    table = Table(title=f"Models in {store.folder}")
    for column in ("", "name", "saved", "network", "recipe", "images", "epochs"):
        table.add_column(column, justify="right" if column in ("images", "epochs") else "left")
    table.add_column("validation", justify="right")
    table.add_column("test", justify="right")
    for model in models:
        table.add_row("*" if model.name == default else "", model.name, *columns(model))
    stdout.print(table)
    if default is None:
        stdout.print("No default model: choose one with `digitnet models use NAME`.")


def columns(model: StoredModel) -> list[str]:
    """The table's cells after the name: saved, network, recipe, images, epochs, accuracies."""
    saved = f"{model.saved_at:%Y-%m-%d %H:%M}"
    if model.metadata is None:
        return [saved, f"[red]unreadable: {model.problem}[/]", "", "", "", UNKNOWN, UNKNOWN]
    metadata, history = model.metadata, model.history
    network = "-".join(map(str, metadata["sizes"]))
    recipe, epochs = UNKNOWN, UNKNOWN
    if history is not None:
        settings = history.settings
        recipe = (
            f"{metadata['activation']}, {settings.cost}, rate {settings.learning_rate:g}, "
            f"batch {settings.mini_batch_size}"
        )
        epochs = f"{history.epochs_run}/{settings.epochs}"
        if history.end is not None and history.end.value != "completed":
            epochs += f" ({history.end.value})"
    images = f"{model.training_size or N_TRAINING:,}" if history is not None else UNKNOWN
    return [
        saved,
        network,
        recipe,
        images,
        epochs,
        percent(model, "validation"),
        percent(model, "test"),
    ]


def percent(model: StoredModel, name: str) -> str:
    accuracy = model.accuracy(name)
    return UNKNOWN if accuracy is None else f"{accuracy:.2%}"


@models_command.command("use")
@click.argument("name")
def use_command(name: str) -> None:
    """Make model NAME the default (as listed by `digitnet models`)."""
    model = user_store().use(name)
    stdout.print(f"The default model is now {model.name} ({model.path}).")


@models_command.command("remove")
@click.argument("name")
def remove_command(name: str) -> None:
    """Delete model NAME from the models folder (not the default: choose another first)."""
    model = user_store().remove(name)
    stdout.print(f"Removed {model.name} ({model.path}).")
