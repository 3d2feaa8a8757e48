"""``digitnet plot``: a model's training curves, weights, confusions and mistakes as images."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from digitnet.cli.options import (
    create_folder,
    data_dir_option,
    load_data,
    load_model,
    model_argument,
)
from digitnet.data.mnist import check_classifier_sizes
from digitnet.extras import require
from digitnet.metrics import confusion_matrix

#: What `digitnet plot` writes: digitnet.plots.FORMATS, named here so that the CLI does not
#: import matplotlib (an extra) until it draws.
PLOT_FORMATS = ("png", "svg")


@click.command("plot")
@model_argument
@click.option(
    "--out-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("."),
    show_default=True,
    help="Folder for the image files (created if missing).",
)
@click.option(
    "--format", "image_format", type=click.Choice(PLOT_FORMATS), default="png", show_default=True
)
@data_dir_option
def plot_command(
    model: Path | None, out_dir: Path, image_format: str, data_dir: Path | None
) -> None:
    """Draw MODEL's training and its test results as image files (needs digitnet[plots]).

    Writes into --out-dir: curves (accuracy and cost per epoch on each monitored data set),
    weights (each hidden neuron's incoming weights as a 28x28 image), confusion (the
    confusion matrix on the 10,000 test images) and mistakes (test digits the model gets
    wrong). MODEL defaults to the default model (`digitnet models`).
    """
    require("digitnet.plots", "plots", "`digitnet plot`")
    from digitnet import plots

    path, saved = load_model(model)
    network = saved.network
    check_classifier_sizes(network.sizes, str(path))
    out_dir = create_folder(out_dir)
    test = load_data(data_dir).test
    predicted = network.predict(test.images)

    def write(name: str, figure: Any, what: str) -> None:
        written = plots.save_figure(figure, out_dir / f"{name}.{image_format}", image_format)
        click.echo(f"Wrote {written}: {what}")

    history = saved.history
    if history is None or not any(history.correct.values()):
        click.echo(f"{path} holds no training history: skipping the training curves.")
    else:
        write("curves", plots.training_curves(history), "accuracy and cost per epoch")
    write("weights", plots.hidden_weights(network), "the first layer's incoming weights")
    confusion = confusion_matrix(test.labels, predicted)
    write("confusion", plots.confusion_matrix_figure(confusion), "the test confusion matrix")
    mistakes = plots.misclassified_gallery(test.images, test.labels, predicted)
    write("mistakes", mistakes, "test digits the model gets wrong")
