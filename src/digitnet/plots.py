"""Pictures of a network and its training, drawn with matplotlib (``digitnet[plots]``).

Each drawing function takes plain data (a :class:`~digitnet.training.History`, a
:class:`~digitnet.network.Network`, arrays) and returns a matplotlib ``Figure``;
:func:`save_figure` writes one to a PNG or SVG file atomically. The figures are drawn on
matplotlib's Agg canvas, not through ``pyplot``: nothing needs a display, no global
backend is switched, and no figure stays registered (and alive) after it is saved.

This module is an interface, like the CLI: the core never imports it, nor matplotlib.
"""

from __future__ import annotations

import functools
import math
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar

import matplotlib
import numpy as np
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.cm import ScalarMappable
from matplotlib.colors import CenteredNorm, LogNorm
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator, PercentFormatter
from numpy.typing import ArrayLike, NDArray

from digitnet.atomic import atomic_open
from digitnet.data.mnist import MNIST_PIXELS, MNIST_SIDE
from digitnet.errors import ConfigError
from digitnet.network import Network
from digitnet.pixels import PIXEL_MAX
from digitnet.training import History

if TYPE_CHECKING:
    from matplotlib.typing import RcKeyType

    from digitnet.reproduce import RowCurves

#: File formats :func:`save_figure` writes.
FORMATS = ("png", "svg")
#: Pixels per inch of PNG files: sharp on screens, small on disk.
DPI = 130
#: Readable text at that DPI, and no box around the plots' top and right.
STYLE: dict[RcKeyType, Any] = {  # typed keys: mypy catches a misspelt setting
    "font.size": 11,
    "axes.titlesize": 12,
    "axes.labelsize": 11,
    "figure.titlesize": 14,
    "legend.fontsize": 10,
    "axes.spines.top": False,
    "axes.spines.right": False,
}
#: Inches: wide enough for a figure's title on one line.
MIN_WIDTH = 8.0
#: Diverging colour map for weights: blue negative, white zero, red positive.
WEIGHT_CMAP = "RdBu_r"
#: The weights' colour scale ends at this percentile of |w|, so that a few large weights
#: do not wash out the rest (the colour bar's arrows mark the clipped ends).
WEIGHT_PERCENTILE = 99.5
#: At most this many neurons' weights are drawn (a 10 x 10 grid).
MAX_NEURONS = 100
#: At most this many mistakes are drawn, ``GALLERY_COLUMNS`` to a row.
MAX_MISTAKES = 50
GALLERY_COLUMNS = 10
#: Cells of the confusion matrix darker than this (0..1 on the colour scale) get white text.
DARK_CELL = 0.6

P = ParamSpec("P")
R = TypeVar("R")


def _styled(draw: Callable[P, R]) -> Callable[P, R]:
    """Draw under :data:`STYLE` without changing matplotlib's global settings."""

    @functools.wraps(draw)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        with matplotlib.rc_context(STYLE):
            return draw(*args, **kwargs)

    return wrapper


def _new_figure(width: float, height: float) -> Figure:
    """A figure of ``width`` x ``height`` inches on an Agg canvas, laid out to fit."""
    figure = Figure(figsize=(width, height), dpi=DPI, layout="constrained")
    FigureCanvasAgg(figure)
    return figure


@_styled
def training_curves(history: History) -> Figure:
    """Accuracy and cost after each epoch, one line per monitored data set.

    Parameters
    ----------
    history : History
        A training run's history; every data set it monitored (e.g. ``validation`` and
        ``test``) gets a line labelled by its name. The best validation epoch is marked.

    Returns
    -------
    matplotlib.figure.Figure
        Two axes: accuracy (%) per epoch and cost per epoch.

    Raises
    ------
    ConfigError
        If the history has no epoch measured on any data set.
    """
    names = [name for name, correct in history.correct.items() if correct]
    if not names:
        raise ConfigError("the training history has no measured epoch to plot")
    figure = _new_figure(11, 4.4)
    accuracy_axes, cost_axes = figure.subplots(1, 2)
    accuracy = history.accuracy
    for name in names:
        epochs = np.arange(1, len(history.correct[name]) + 1)
        label = f"{name} ({history.total[name]:,} images)"
        accuracy_axes.plot(epochs, accuracy[name], marker=".", label=label)
        cost_axes.plot(epochs, history.cost[name], marker=".", label=label)
    if "validation" in names:
        best = history.best_epoch("validation")
        for axes in (accuracy_axes, cost_axes):
            axes.axvline(best, color="0.5", linestyle=":", label=f"best validation (epoch {best})")
    accuracy_axes.yaxis.set_major_formatter(PercentFormatter(xmax=1, decimals=1))
    accuracy_axes.set(title="Accuracy", xlabel="epoch", ylabel="classified correctly")
    cost_axes.set(
        title=f"{history.settings.cost.capitalize()} cost", xlabel="epoch", ylabel="mean cost"
    )
    for axes in (accuracy_axes, cost_axes):
        axes.xaxis.set_major_locator(MaxNLocator(integer=True))
        axes.grid(alpha=0.3)
    accuracy_axes.legend(loc="lower right")
    figure.suptitle(_run_title(history))
    return figure


def _run_title(history: History) -> str:
    settings = history.settings
    title = (
        f"Training: {history.epochs_run} epochs, mini-batch {settings.mini_batch_size}, "
        f"learning rate {settings.learning_rate:g}"
    )
    if settings.seed is not None:
        title += f", seed {settings.seed}"
    if history.diverged_epoch is not None:
        title += f" (diverged at epoch {history.diverged_epoch})"
    return title


@_styled
def hidden_weights(network: Network, *, limit: int = MAX_NEURONS) -> Figure:
    """The incoming weights of each first-layer neuron, drawn as a 28 x 28 image.

    Neuron ``j`` of the first hidden layer computes ``sigma(w_j . x + b_j)``; its weight
    row ``w_j`` (784 numbers) has one weight per pixel, so drawn as an image it shows which
    ink raises (red) or lowers (blue) its activation. All images share one colour scale
    centred at 0.

    Parameters
    ----------
    network : Network
        A network with 784 = 28 x 28 inputs.
    limit : int
        Draw at most the first ``limit`` neurons.

    Returns
    -------
    matplotlib.figure.Figure
        One image axes per neuron drawn, and a colour bar.

    Raises
    ------
    ConfigError
        If the network does not take 28 x 28 images or ``limit`` is below 1.
    """
    if network.sizes[0] != MNIST_PIXELS:
        raise ConfigError(
            f"network {list(network.sizes)} does not take {MNIST_SIDE}x{MNIST_SIDE} images"
        )
    if limit < 1:
        raise ConfigError(f"limit must be at least 1, got {limit}")
    weights = np.asarray(network.weights[0], dtype=np.float64)
    shown = weights[:limit]
    n = len(shown)
    columns = math.ceil(math.sqrt(n))
    rows = math.ceil(n / columns)
    figure = _new_figure(max(1.25 * columns + 1.3, MIN_WIDTH), 1.3 * rows + 0.8)
    grid = figure.subplots(rows, columns, squeeze=False)
    halfrange = float(np.percentile(np.abs(weights), WEIGHT_PERCENTILE)) or 1.0
    norm = CenteredNorm(vcenter=0.0, halfrange=halfrange)
    for j, axes in enumerate(grid.flat):
        if j >= n:
            axes.remove()
            continue
        axes.imshow(shown[j].reshape(MNIST_SIDE, MNIST_SIDE), cmap=WEIGHT_CMAP, norm=norm)
        axes.set_title(f"neuron {j}", fontsize=9, pad=2)
        axes.set_axis_off()
    scale = ScalarMappable(norm=norm, cmap=WEIGHT_CMAP)
    figure.colorbar(scale, ax=grid.flat[:n], shrink=0.8, extend="both", label="weight")
    layer = "hidden" if network.num_layers > 2 else "output"
    count = f"{n}" if n == len(weights) else f"the first {n} of {len(weights)}"
    figure.suptitle(f"Incoming weights of {count} {layer} neurons, one per pixel")
    return figure


@_styled
def confusion_matrix_figure(confusion: ArrayLike) -> Figure:
    """The confusion matrix as a grid of counts, rows the true class, columns the predicted.

    Cells are coloured on a log scale, so that the few mistakes show beside the many
    correct answers on the diagonal; empty cells stay white.

    Parameters
    ----------
    confusion : array_like of int, shape (n_classes, n_classes)
        ``confusion[i, j]`` examples of class ``i`` were predicted as ``j``
        (see :func:`digitnet.metrics.confusion_matrix`).

    Returns
    -------
    matplotlib.figure.Figure
        One axes with one image and a count in every cell.

    Raises
    ------
    ConfigError
        If ``confusion`` is not a square matrix of non-negative integers.
    """
    counts = np.asarray(confusion)
    if (
        counts.ndim != 2
        or counts.shape[0] != counts.shape[1]
        or counts.size == 0
        or counts.dtype.kind not in "iu"
        or counts.min() < 0
    ):
        raise ConfigError(
            f"confusion must be a square matrix of counts, got {counts.dtype} "
            f"with shape {counts.shape}"
        )
    n = counts.shape[0]
    side = max(4.0, 0.55 * n + 1.5)
    figure = _new_figure(side, side)
    axes = figure.subplots()
    norm = LogNorm(vmin=1, vmax=max(int(counts.max()), 10))
    cmap = matplotlib.colormaps["Blues"].with_extremes(bad="white")
    axes.imshow(np.ma.masked_less(counts, 1), cmap=cmap, norm=norm)
    _write_counts(axes, counts, norm)
    axes.set_xticks(range(n))
    axes.set_yticks(range(n))
    axes.tick_params(length=0)
    axes.spines[:].set_visible(False)
    axes.set(xlabel="predicted digit", ylabel="true digit")
    correct, total = int(np.trace(counts)), int(counts.sum())
    score = f": {correct:,} / {total:,} correct ({correct / total:.2%})" if total else ""
    axes.set_title(f"Confusion matrix{score}")
    return figure


def _write_counts(axes: Axes, counts: NDArray[Any], norm: LogNorm) -> None:
    size = 10 if counts.shape[0] <= 10 else 7
    for (i, j), count in np.ndenumerate(counts):
        dark = count > 0 and float(norm(count)) > DARK_CELL
        colour = "white" if dark else ("0.75" if count == 0 else "black")
        axes.text(j, i, str(count), ha="center", va="center", fontsize=size, color=colour)


@_styled
def misclassified_gallery(
    images: ArrayLike,
    labels: ArrayLike,
    predicted: ArrayLike,
    *,
    limit: int = MAX_MISTAKES,
) -> Figure:
    """The images a model gets wrong, each titled ``true -> predicted``.

    Parameters
    ----------
    images : array_like, shape (n_examples, 784) or (n_examples, 28, 28)
        uint8 pixels 0-255 or floats in [0, 1], white ink on black as in MNIST; drawn as
        dark ink on white paper.
    labels, predicted : array_like of int, shape (n_examples,)
        The true digits and the model's answers.
    limit : int
        Draw at most the first ``limit`` mistakes, in the order of ``images``.

    Returns
    -------
    matplotlib.figure.Figure
        One image axes per mistake drawn (one axes with a note when there is none).

    Raises
    ------
    ConfigError
        If the shapes do not match or ``limit`` is below 1.
    """
    pictures = np.asarray(images)
    if pictures.ndim == 2 and pictures.shape[1] == MNIST_PIXELS:
        pictures = pictures.reshape(-1, MNIST_SIDE, MNIST_SIDE)
    if pictures.ndim != 3 or pictures.shape[1:] != (MNIST_SIDE, MNIST_SIDE):
        raise ConfigError(
            f"images must have shape (n, {MNIST_PIXELS}) or (n, {MNIST_SIDE}, {MNIST_SIDE}), "
            f"got {np.shape(images)}"
        )
    true, guess = np.asarray(labels), np.asarray(predicted)
    if true.shape != (len(pictures),) or guess.shape != true.shape:
        raise ConfigError(
            f"need one label and one prediction per image: {len(pictures)} images, "
            f"labels {true.shape}, predictions {guess.shape}"
        )
    if limit < 1:
        raise ConfigError(f"limit must be at least 1, got {limit}")
    wrong = np.flatnonzero(true != guess)
    if len(wrong) == 0:
        return _no_mistakes(len(pictures))
    shown = wrong[:limit]
    columns = min(GALLERY_COLUMNS, len(shown))
    rows = math.ceil(len(shown) / columns)
    figure = _new_figure(max(1.05 * columns + 0.4, MIN_WIDTH), 1.25 * rows + 0.7)
    grid = figure.subplots(rows, columns, squeeze=False)
    brightest = PIXEL_MAX if pictures.dtype == np.uint8 else 1.0
    for k, axes in enumerate(grid.flat):
        if k >= len(shown):
            axes.remove()
            continue
        i = shown[k]
        axes.imshow(pictures[i], cmap="gray_r", vmin=0, vmax=brightest)
        axes.set_title(f"{true[i]} \N{RIGHTWARDS ARROW} {guess[i]}", fontsize=11, pad=3)
        axes.set_xticks([])
        axes.set_yticks([])
        axes.spines[:].set_visible(True)  # a light frame around each digit, all four sides
        axes.spines[:].set_color("0.8")
    count = f"all {len(wrong)}" if len(shown) == len(wrong) else f"the first {len(shown)}"
    figure.suptitle(
        f"Mistakes: {len(wrong):,} of {len(pictures):,} digits, {count} shown "
        f"(true \N{RIGHTWARDS ARROW} predicted)"
    )
    return figure


def _no_mistakes(n_images: int) -> Figure:
    figure = _new_figure(5, 1.5)
    axes = figure.subplots()
    axes.set_axis_off()
    axes.text(0.5, 0.5, f"No mistakes on {n_images:,} digits", ha="center", va="center")
    return figure


def save_figure(figure: Figure, path: str | os.PathLike[str], format: str | None = None) -> Path:
    """Write ``figure`` to ``path`` atomically as PNG or SVG, then close it.

    Parameters
    ----------
    figure : matplotlib.figure.Figure
        The figure; a ``pyplot`` figure is closed through ``pyplot`` afterwards, whether
        or not the write succeeded.
    path : str or path-like
        The file to create or replace; its folder must exist. A failed write leaves the
        old file (or none) and no temporary file behind.
    format : {"png", "svg"}, optional
        Default: the file name's extension.

    Returns
    -------
    pathlib.Path
        The path written.

    Raises
    ------
    ConfigError
        If the format is not one of :data:`FORMATS`.
    DigitnetError
        If the file cannot be written (a missing folder, no permission, a full disk).
    """
    path = Path(path)
    chosen = (format or path.suffix.removeprefix(".")).lower()
    try:
        if chosen not in FORMATS:
            raise ConfigError(
                f"{path}: image format must be one of {', '.join(FORMATS)}, got {chosen!r}"
            )
        # No timestamp in SVG files, so the same figure always gives the same file.
        metadata = {"Date": None} if chosen == "svg" else None
        with atomic_open(path, "wb") as stream:
            figure.savefig(stream, format=chosen, dpi=DPI, metadata=metadata)
    except OSError as exc:
        raise ConfigError(f"{path}: cannot write: {exc.strerror or exc}") from exc
    finally:
        _close(figure)
    return path


def _close(figure: Figure) -> None:
    """Let pyplot forget a figure it manages; figures made here have no manager to close."""
    if figure.canvas.manager is not None:
        import matplotlib.pyplot as plt

        plt.close(figure)


#: Panels per row of :func:`reproduction_curves`, and each panel's size in inches.
CURVE_PANEL_COLUMNS = 3
CURVE_PANEL_SIZE = (4.4, 3.3)
#: Opacity of the min-max band behind each mean line.
BAND_ALPHA = 0.25
#: A panel's accuracy scale spans at least this much (5 percentage points), so that a flat
#: curve at chance does not fill the panel with noise.
MIN_ACCURACY_SPAN = 0.05


@_styled
def reproduction_curves(rows: Sequence[RowCurves]) -> Figure:
    """Validation and test accuracy per epoch of each experiment of ``digitnet reproduce``.

    One panel per network row: for each data set the mean over the row's runs as a line,
    with a band from the lowest to the highest run; the book's figure, when it gives one,
    as a dashed line. Each panel has its own accuracy scale, so that the spread of a good
    row shows as well as the level of a poor one.

    Parameters
    ----------
    rows : sequence of digitnet.reproduce.RowCurves
        From :func:`digitnet.reproduce.row_curves`.

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    ConfigError
        If there is no row to draw.
    """
    if not rows:
        raise ConfigError("no experiment with training curves to plot")
    columns = min(CURVE_PANEL_COLUMNS, len(rows))
    lines = math.ceil(len(rows) / columns)
    width, height = CURVE_PANEL_SIZE
    figure = _new_figure(max(width * columns, MIN_WIDTH), height * lines + 0.9)
    grid = figure.subplots(lines, columns, squeeze=False)
    for k, axes in enumerate(grid.flat):
        if k >= len(rows):
            axes.remove()
            continue
        _draw_row_curves(axes, rows[k])
    handles, labels = grid.flat[0].get_legend_handles_labels()
    figure.legend(handles, labels, loc="outside lower center", ncols=len(labels), frameon=False)
    figure.suptitle("Accuracy after each epoch: mean of the runs, band from lowest to highest")
    return figure


def _draw_row_curves(axes: Axes, row: RowCurves) -> None:
    experiment = row.experiment
    for band in row.bands:
        epochs = np.arange(1, len(band.mean) + 1)
        (line,) = axes.plot(epochs, band.mean, label=f"{band.name} (mean)")
        axes.fill_between(
            epochs, band.low, band.high, color=line.get_color(), alpha=BAND_ALPHA, linewidth=0
        )
    if experiment.book_accuracy is not None:
        axes.axhline(experiment.book_accuracy, color="0.4", linestyle="--", label="the book")
    sizes = ", ".join(map(str, experiment.sizes))
    init = "N(0, 1/n_in)" if experiment.init == "scaled" else "N(0, 1)"
    runs = f"{row.runs} run" + ("s" if row.runs != 1 else "")
    axes.set_title(
        f"{experiment.key}. [{sizes}], rate {experiment.learning_rate:g}, {init}\n"
        f"best epoch {row.mean_accuracy:.2%} (mean of {runs})"
    )
    low, high = axes.get_ylim()
    if high - low < MIN_ACCURACY_SPAN:
        middle = (low + high) / 2
        axes.set_ylim(middle - MIN_ACCURACY_SPAN / 2, middle + MIN_ACCURACY_SPAN / 2)
    axes.yaxis.set_major_formatter(PercentFormatter(xmax=1, decimals=1))
    axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    axes.set_xlabel("epoch")
    axes.grid(alpha=0.3)
