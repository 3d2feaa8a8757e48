"""``digitnet models``: the trained models kept in the models folder, and which is the default."""

from __future__ import annotations

from pathlib import Path

import click
from rich import box
from rich.table import Table

from digitnet.cli.progress import stdout
from digitnet.data import N_TRAINING
from digitnet.history import RunEnd
from digitnet.modelfile import shipped_model_path
from digitnet.models_store import StoredModel, user_store

#: How the table says an accuracy that is not known.
UNKNOWN = "-"


@click.group("models", invoke_without_command=True)
@click.pass_context
def models_command(ctx: click.Context) -> None:
    """List the trained models, oldest first; * marks the default.

    `digitnet train` saves every run as a new file in the models folder
    ($DIGITNET_HOME/models, else a per-user folder), named by when it was saved, its layer
    sizes and its validation accuracy. It becomes the default (the model `predict`,
    `evaluate`, `plot` and `serve` use when given none) only if the run ended healthily
    and is at least as accurate as the default. No model is ever overwritten.
    """
    if ctx.invoked_subcommand is not None:
        return
    store = user_store()
    models = store.models()
    if not models:
        stdout.print(
            f"No models in {store.folder} yet: predict, evaluate and serve use the model "
            f"shipped with digitnet ({shipped_model_path()}); train your own with "
            f"`digitnet train`.",
            soft_wrap=True,
        )
        return
    default = store.default_name()
    table = Table(
        title=f"Models in {store.folder}",
        caption="η: learning rate, m: mini-batch size",
        box=box.SIMPLE_HEAD,
        title_justify="left",
        pad_edge=False,
    )
    table.add_column("", no_wrap=True)
    table.add_column("name", no_wrap=True)
    table.add_column("recipe", overflow="fold")
    for column in ("epochs", "validation", "test"):
        table.add_column(column, justify="right", no_wrap=True)
    for model in models:
        marker = "*" if model.name == default else ""
        table.add_row(marker, name_cell(model, store.legacy), *columns(model))
    stdout.print(table)
    if default is None:
        stdout.print("No default model: choose one with `digitnet models use NAME`.")


def name_cell(model: StoredModel, legacy: Path) -> str:
    """The name, which says when the model was saved, its sizes and accuracy, except for
    the earlier single default, whose cell says them on lines of their own."""
    if model.path != legacy:
        return model.name
    sizes = "-".join(map(str, model.sizes)) if model.sizes else UNKNOWN
    return f"{model.name}\n{sizes}\nsaved {model.saved_at:%Y-%m-%d %H:%M}"


def columns(model: StoredModel) -> list[str]:
    """The cells after the name: the recipe, the epochs run (and why it ended), accuracies."""
    if model.metadata is None:
        return [f"[red]unreadable: {model.problem}[/]", UNKNOWN, UNKNOWN, UNKNOWN]
    history = model.history
    if history is None:
        return [f"{model.metadata['activation']}, no training record", UNKNOWN, UNKNOWN, UNKNOWN]
    settings = history.settings
    recipe = (
        f"{model.metadata['activation']}, {settings.cost}, η {settings.learning_rate:g}, "
        f"m {settings.mini_batch_size}, {model.training_size or N_TRAINING:,} images"
    )
    epochs = f"{history.epochs_run}/{settings.epochs}"
    if history.end is not None and history.end is not RunEnd.COMPLETED:
        epochs += f"\n{history.end.value}"
    return [recipe, epochs, percent(model, "validation"), percent(model, "test")]


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
