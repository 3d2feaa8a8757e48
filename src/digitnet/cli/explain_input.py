"""What the explain commands share (`explain`, `saliency`, `flip`, `robustness`): the model,
the image, the figure to write."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
import numpy as np
from numpy.typing import NDArray

from digitnet.cli.options import load_model
from digitnet.cli.plot import PLOT_FORMATS
from digitnet.data.mnist import check_classifier_sizes
from digitnet.errors import DigitnetError
from digitnet.extras import require
from digitnet.modelfile import SavedModel
from digitnet.network import Network

model_option = click.option(
    "--model",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="The model file [default: the default model, else the shipped one].",
)


def _figure_path(ctx: click.Context, param: click.Parameter, value: Path | None) -> Path | None:
    """A figure's file, refused before any work unless it ends in .png, .svg or .pdf."""
    if value is not None and value.suffix.removeprefix(".").lower() not in PLOT_FORMATS:
        raise click.BadParameter(
            f"{value}: the figure's name must end in .{', .'.join(PLOT_FORMATS)}"
        )
    return value


out_option = click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    callback=_figure_path,
    help="Also draw it as a figure: FILE.png, .svg or .pdf (needs digitnet[plots]).",
)


def fully_connected_model(model: Path | None) -> tuple[Path, SavedModel]:
    """The model file and its model, refused unless a fully-connected digit classifier:
    the explain commands follow a :class:`~digitnet.network.Network`'s layers."""
    path, saved = load_model(model)
    if not isinstance(saved.network, Network):
        command = click.get_current_context().info_name
        raise DigitnetError(
            f"{path}: `digitnet {command}` opens fully-connected networks and this one is "
            f"convolutional (its filters and feature maps: `digitnet plot {path}`)"
        )
    check_classifier_sizes(saved.network.sizes, str(path))
    return path, saved


def model_and_digit(model: Path | None, image: str) -> tuple[SavedModel, NDArray[np.floating]]:
    """The saved model (a fully-connected digit classifier) and the image as MNIST's 784
    pixels, through `predict`'s pipeline."""
    from digitnet.imaging import preprocess_steps

    _, saved = fully_connected_model(model)
    return saved, np.asarray(preprocess_steps(image).vector, dtype=np.float64)


def network_and_digit(model: Path | None, image: str) -> tuple[Network, NDArray[np.floating]]:
    """The model's network and the image as MNIST's 784 pixels (:func:`model_and_digit`)."""
    saved, pixels = model_and_digit(model, image)
    return saved.network, pixels


def write_figure(out: Path | None, draw: Callable[[Any], Any], what: str) -> None:
    """Draw with ``draw(plots)`` and save to ``out``, if given."""
    if out is None:
        return
    require("digitnet.plots", "plots", f"--out ({what})")
    from digitnet import plots

    written = plots.save_figure(draw(plots), out)
    click.echo(f"Wrote {written}: {what}")
