"""``digitnet plot``: a model's training curves, weights, confusions and mistakes as images;
several models' curves on one figure."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from digitnet.cli.options import create_folder, data_dir_option, load_data, load_model
from digitnet.cli.progress import spinner, stdout
from digitnet.data.mnist import check_classifier_sizes
from digitnet.errors import DigitnetError, MissingExtra
from digitnet.extras import EXTRAS, require
from digitnet.history import History
from digitnet.metrics import confusion_matrix
from digitnet.network import Network

#: What `digitnet plot` writes: digitnet.plots.FORMATS, named here so that the CLI does not
#: import matplotlib (an extra) until it draws.
PLOT_FORMATS = ("png", "svg", "pdf")
#: The MNIST test digit whose feature maps are drawn for a convolutional model.
MAPS_DIGIT = 0


def write_plot_or_skip(path: Path, draw: Callable[[Any], Any], feature: str, shows: str) -> None:
    """Save ``draw(plots)`` to ``path`` and say what it ``shows``; without the plots extra,
    say in one line that ``path`` was skipped and how to get it (a command's other results
    stand: the plot is the one part that needs matplotlib)."""
    try:
        require("digitnet.plots", "plots", feature)
    except MissingExtra as missing:
        stdout.print(
            f"Skipped {path.name}: {missing.feature} needs {' and '.join(EXTRAS[missing.extra])}: "
            f"pip install 'digitnet[{missing.extra}]'",
            markup=False,
        )
        return
    from digitnet import plots

    written = plots.save_figure(draw(plots), path)
    stdout.print(f"Wrote {written}: {shows}", markup=False)


@click.command("plot")
@click.argument("models", nargs=-1, type=click.Path(dir_okay=False, path_type=Path))
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
    models: tuple[Path, ...], out_dir: Path, image_format: str, data_dir: Path | None
) -> None:
    """Draw MODEL's training and its test results as image files (needs digitnet[plots]).

    With one MODEL, writes into --out-dir: curves (accuracy and cost per epoch on each
    monitored data set), weights (each hidden neuron's incoming weights as a 28x28 image;
    for a convolutional network, filters: each conv layer's kernels, a deeper layer's as
    their mean over its input maps, and maps: each conv layer's feature maps of test digit
    0), confusion (the confusion matrix on the 10,000 test images) and mistakes (test
    digits the model gets wrong). MODEL defaults to the default model (`digitnet models`).

    With several, writes compare: their validation accuracy and cost per epoch on one
    figure, each line labelled by its file and the settings in which the runs differ.
    """
    require("digitnet.plots", "plots", "`digitnet plot`")
    from digitnet import plots

    def write(name: str, draw: Callable[[], Any], what: str) -> None:
        path = out_dir / f"{name}.{image_format}"
        with spinner(f"Drawing {path.name}: {what}..."):
            written = plots.save_figure(draw(), path, image_format)
        click.echo(f"Wrote {written}: {what}")

    if len(models) > 1:
        runs = [(path.stem, _history(path)) for path in models]
        out_dir = create_folder(out_dir)
        write("compare", lambda: plots.compared_curves(runs), f"{len(runs)} runs' curves")
        return
    path, saved = load_model(models[0] if models else None)
    network = saved.network
    check_classifier_sizes(network.sizes, str(path))
    out_dir = create_folder(out_dir)
    test = load_data(data_dir).test
    predicted = network.predict(test.images)

    history = saved.history
    if history is None or not any(history.correct.values()):
        click.echo(f"{path} holds no training history: skipping the training curves.")
    else:
        write("curves", lambda: plots.training_curves(history), "accuracy and cost per epoch")
    if isinstance(network, Network):
        write(
            "weights", lambda: plots.hidden_weights(network), "the first layer's incoming weights"
        )
    else:
        write("filters", lambda: plots.conv_filters(network), "the conv layers' learned filters")
        digit = f"test digit {MAPS_DIGIT}, a {test.labels[MAPS_DIGIT]}"
        write(
            "maps",
            lambda: plots.feature_maps_figure(network, test.images[MAPS_DIGIT], title=digit),
            f"the conv layers' feature maps of {digit}",
        )
    confusion = confusion_matrix(test.labels, predicted)
    write(
        "confusion", lambda: plots.confusion_matrix_figure(confusion), "the test confusion matrix"
    )
    write(
        "mistakes",
        lambda: plots.misclassified_gallery(test.images, test.labels, predicted),
        "test digits the model gets wrong",
    )


def _history(path: Path) -> History:
    """The training history in model file ``path``, or a one-line error saying it has none."""
    _, saved = load_model(path)
    if saved.history is None or not any(saved.history.correct.values()):
        raise DigitnetError(f"{path} holds no training history to compare")
    return saved.history
