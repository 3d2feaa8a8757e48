"""The options of ``digitnet train``: a preset, and the settings and network it may override."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, TypeVar

import click

from digitnet.activations import ACTIVATIONS
from digitnet.cli.options import Duration, parse_sizes
from digitnet.costs import COSTS
from digitnet.network import DTYPES, INITIALISATIONS
from digitnet.recipes import PRESETS
from digitnet.schedules import SCHEDULES
from digitnet.settings import ENGINES, LIMITS, MAX_SEED

F = TypeVar("F", bound=Callable[..., Any])

#: Options of `train` that a preset sets, mapped to where the preset keeps them.
NETWORK_OPTIONS = ("sizes", "layers", "activation", "init")
SETTINGS_OPTIONS = (
    "epochs", "mini_batch_size", "learning_rate", "cost", "l2", "momentum", "nesterov",
    "weight_decay", "dropout", "schedule", "patience", "early_stopping", "time_budget", "augment",
    "vary_ink", "clean_fraction", "expand",
)  # fmt: skip

#: What ``--time-budget none`` gives: no budget, not even a preset's (``best`` has one).
NO_TIME_BUDGET = math.inf


def limited(setting: str) -> click.FloatRange:
    """The option type of a real-valued setting: its range in :data:`digitnet.settings.LIMITS`."""
    bounds = LIMITS[setting]
    return click.FloatRange(
        min=bounds.low,
        max=None if bounds.high == float("inf") else bounds.high,
        min_open=bounds.low_open,
        max_open=bounds.high_open,
    )


def preset_help() -> str:
    return "; ".join(
        f"{name}: {p.layers or list(p.sizes)} {p.activation}, {p.settings.cost} cost"
        for name, p in PRESETS.items()
    )


def override(*names: str, **attrs: Any) -> Callable[[F], F]:
    """An option a preset sets: None unless given, so that the preset's value stands."""
    return click.option(*names, default=None, **attrs)


def preset_overrides(values: Mapping[str, Any]) -> dict[str, Any]:
    """The options given (not None), as a recipe spells them: ``--time-budget none`` is None."""
    given = {name: value for name, value in values.items() if value is not None}
    if given.get("time_budget") == NO_TIME_BUDGET:
        given["time_budget"] = None
    return given


#: The options in the order `digitnet train --help` lists them.
TRAIN_OPTIONS: tuple[Callable[[Any], Any], ...] = (
    click.option(
        "--preset",
        type=click.Choice(sorted(PRESETS)),
        default="book",
        show_default=True,
        help="A ready recipe; options given as well override it. " + preset_help() + ".",
    ),
    override("--sizes", callback=parse_sizes, help="Neurons per layer, input first [784,30,10]."),
    override(
        "--layers",
        metavar="SPEC",
        help="A convolutional network instead of --sizes, e.g. "
        "conv:20x5x5,pool:2,conv:40x5x5,pool:2,fc:100,softmax:10 (conv:FxKxK[:same], "
        "pool:P, fc:N, softmax:N last; needs --cost log-likelihood).",
    ),
    override("--epochs", type=click.IntRange(min=1), help="[30]"),
    override("--mini-batch-size", type=click.IntRange(min=1), help="[10]"),
    override(
        "--learning-rate",
        type=limited("learning_rate"),
        help="Step size eta of gradient descent (the peak rate of a schedule) [3.0].",
    ),
    override(
        "--activation",
        type=click.Choice(list(ACTIVATIONS)),
        help="Activation of the hidden neurons [sigmoid].",
    ),
    override(
        "--cost",
        type=click.Choice(list(COSTS)),
        help="quadratic, cross-entropy, or log-likelihood with a softmax output layer [quadratic].",
    ),
    override(
        "--init",
        type=click.Choice(list(INITIALISATIONS)),
        help="Initial weights: normal N(0,1) (chapter 1), scaled N(0,1/n_in), "
        "he N(0,2/n_in) [normal].",
    ),
    override(
        "--l2",
        type=limited("l2"),
        help="L2 regularisation lambda, scaled by the training-set size as in the book [0].",
    ),
    override("--momentum", type=limited("momentum"), help="[0]"),
    override("--nesterov/--no-nesterov", help="Nesterov momentum [no]."),
    override(
        "--weight-decay",
        type=limited("weight_decay"),
        help="Decoupled weight decay d: w <- w - eta d w each step [0].",
    ),
    override(
        "--dropout",
        type=limited("dropout"),
        help="Probability of dropping each hidden neuron from a mini-batch [0].",
    ),
    override(
        "--schedule",
        type=click.Choice(SCHEDULES),
        help="Learning rate: constant; plateau (halve after --patience epochs without a better "
        "validation accuracy, stop at 1/128); cosine (down to 0 over the run) [constant].",
    ),
    override("--patience", type=click.IntRange(min=1), help="[10]"),
    override(
        "--early-stopping",
        type=click.IntRange(min=1),
        metavar="EPOCHS",
        help="Stop after EPOCHS without a better validation accuracy; "
        "keep the best epoch's weights.",
    ),
    override(
        "--time-budget",
        type=Duration(none_is_infinite=True),
        help="Stop after this long (e.g. 90s, 13.5m); a cosine schedule spans it. "
        "none: no budget (the best preset has 14m), so that the run repeats bit for bit.",
    ),
    override(
        "--augment/--no-augment",
        help="Train on fresh random distortions of the images each epoch [no].",
    ),
    override(
        "--vary-ink/--no-vary-ink",
        help="Also thicken or thin the strokes, blur and dim the ink each epoch, as pens, "
        "photos and scans do [no].",
    ),
    override(
        "--expand/--no-expand",
        help="Train on the book's expanded set: each image and its four one-pixel shifts, "
        "5x the images an epoch [no].",
    ),
    override(
        "--clean-fraction",
        type=limited("clean_fraction"),
        help="Share of the images that --augment and --vary-ink leave as they are [0].",
    ),
    click.option(
        "--seed",
        type=click.IntRange(0, MAX_SEED),
        default=None,
        help="Seed for the initial weights and the shuffling "
        "[default: random, recorded in the model].",
    ),
    click.option(
        "--dtype", type=click.Choice(sorted(DTYPES)), default="float32", show_default=True
    ),
    click.option(
        "--out",
        type=click.Path(dir_okay=False, path_type=Path),
        default=None,
        help="Save the model to this file [default: a new file in the models folder, "
        "see `digitnet models`].",
    ),
    click.option(
        "--make-default/--keep-default",
        "make_default",
        default=None,
        help="Make the new model the default, or keep the current default [default: the new "
        "model becomes the default if the run ended healthily and is at least as accurate].",
    ),
    click.option(
        "--training-size",
        type=click.IntRange(min=1),
        default=None,
        help="Train on only the first N training images (for quick experiments).",
    ),
    click.option(
        "--validation-size",
        type=click.IntRange(min=1),
        default=None,
        help="Validate on the last N images of the training file "
        "[default: its last sixth, MNIST's 10,000].",
    ),
    click.option(
        "--engine",
        type=click.Choice(ENGINES),
        default="auto",
        show_default=True,
        help="compiled: the Numba kernel (digitnet[fast]); numpy: NumPy only; "
        "reference: the readable backprop; auto: the fastest available.",
    ),
    click.option(
        "--checkpoint",
        "checkpoint_dir",
        type=click.Path(file_okay=False, path_type=Path),
        default=None,
        help="Save a checkpoint in this folder after every epoch (atomically), for --resume.",
    ),
    click.option(
        "--resume",
        is_flag=True,
        help="Go on with the run saved by --checkpoint DIR, with its settings, "
        "from its last epoch.",
    ),
)


def train_options(command: F) -> F:
    """Decorate ``command`` with every option of TRAIN_OPTIONS, in their order."""
    for option in reversed(TRAIN_OPTIONS):
        command = option(command)
    return command
