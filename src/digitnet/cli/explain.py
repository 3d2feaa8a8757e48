"""``digitnet explain``: how the network learns from one of your digits, as one figure.

Each view is a function of :data:`VIEWS` that takes the network, the 28 x 28 input, the
options and writes its figure; ``--view`` picks one (the step of learning is the first).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import click
import numpy as np
from numpy.typing import NDArray

from digitnet.cli.explain_input import model_and_digit
from digitnet.cli.plot import PLOT_FORMATS
from digitnet.cli.progress import spinner
from digitnet.cli.train_options import limited
from digitnet.extras import require
from digitnet.mnist_shape import N_DIGITS
from digitnet.modelfile import SavedModel, is_model_file


@dataclass(frozen=True)
class Explained:
    """What a view is asked for: the model, the input, the right digit, the options."""

    saved: SavedModel
    image: str
    pixels: NDArray[np.floating]
    label: int
    learning_rate: float
    steps: int


def step_view(asked: Explained, out: Path, image_format: str) -> str:
    """One step of gradient descent on the digit, stepped through; returns what to say."""
    from digitnet import plots
    from digitnet.explain.step import cost_of, learning_step
    from digitnet.plots.step import step_figure

    network, history = asked.saved.network, asked.saved.history
    cost = cost_of(network, history.settings.cost if history is not None else None)
    step = learning_step(
        network,
        asked.pixels,
        asked.label,
        learning_rate=asked.learning_rate,
        cost=cost,
        steps=asked.steps,
    )
    with spinner(f"Drawing {out.name}..."):
        written = plots.save_figure(step_figure(step, network), out, image_format)
    before, after = step.right_outputs[0], step.right_outputs[-1]
    steps = f"{step.steps} step{'s' if step.steps > 1 else ''}"
    return (
        f"Wrote {written}: {steps} of gradient descent on a {step.label} "
        f"(eta {step.learning_rate:g}, {step.cost_name} cost): the right output went from "
        f"{before:.4g} to {after:.4g}, the cost from {step.costs[0]:.4g} to {step.cost_after:.4g}"
    )


#: The views ``--view`` offers, by name: each writes one figure and says what it shows.
VIEWS: dict[str, Callable[[Explained, Path, str], str]] = {"step": step_view}


@click.command("explain")
@click.argument("args", nargs=-1, required=True, metavar="[MODEL] IMAGE")
@click.option(
    "--label",
    type=click.IntRange(0, N_DIGITS - 1),
    default=None,
    help="The right digit [default: the network's answer].",
)
@click.option(
    "--learning-rate",
    type=limited("learning_rate"),
    default=3.0,
    show_default=True,
    help="Step size eta of the gradient descent step.",
)
@click.option(
    "--steps",
    type=click.IntRange(1, 100),
    default=1,
    show_default=True,
    help="Steps taken on the digit; the figure lays out the last.",
)
@click.option(
    "--view",
    type=click.Choice(list(VIEWS)),
    default="step",
    show_default=True,
    help="What to show: step, one step of backpropagation and gradient descent.",
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="The figure's file [default: IMAGE's name with .VIEW.FORMAT, here].",
)
@click.option(
    "--format",
    "image_format",
    type=click.Choice(PLOT_FORMATS),
    default=None,
    help="png, svg or pdf [default: --out's extension, else png].",
)
def explain_command(
    args: Sequence[str],
    label: int | None,
    learning_rate: float,
    steps: int,
    view: str,
    out: Path | None,
    image_format: str | None,
) -> None:
    """Show how the network learns from IMAGE, one digit (needs digitnet[plots]).

    IMAGE goes through `digitnet predict`'s preprocessing to MNIST's 28x28. The step view
    takes one step of gradient descent on it towards --label, on a copy of MODEL (which is
    not changed), and draws it as one figure: the forward pass, the cost, the errors
    backpropagated (BP1, BP2), the gradients (BP3, BP4: the first layer's as one 28x28
    picture per neuron) and the outputs before and after the step. MODEL defaults to the
    default model (`digitnet models`), else the one that ships with digitnet.
    """
    require("digitnet.plots", "plots", "`digitnet explain`")
    model = Path(args[0]) if len(args) > 1 and _is_model(args[0]) else None
    named = list(args[1:] if model is not None else args)
    if len(named) != 1:
        raise click.UsageError(f"give one IMAGE to explain, got {len(named)}")
    image = named[0]
    saved, pixels = model_and_digit(model, image)
    answer = int(saved.network.predict(pixels))
    if label is None:
        click.echo(f"{image}: the network reads a {answer}; learning that (give --label N)")
    asked = Explained(
        saved, image, pixels, answer if label is None else label, learning_rate, steps
    )
    if image_format is None:
        suffix = out.suffix.removeprefix(".").lower() if out is not None else ""
        image_format = suffix if suffix in PLOT_FORMATS else PLOT_FORMATS[0]
    target = out if out is not None else Path(f"{Path(image).stem}.{view}.{image_format}")
    click.echo(VIEWS[view](asked, target.expanduser(), image_format))


def _is_model(argument: str) -> bool:
    return argument.lower().endswith(".npz") or is_model_file(argument)
