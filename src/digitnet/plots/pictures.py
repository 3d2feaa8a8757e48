"""Pictures of a network and what it gets wrong: first-layer weights, confusion, mistakes."""

from __future__ import annotations

import math
from typing import Any

import matplotlib
import numpy as np
from matplotlib.axes import Axes
from matplotlib.cm import ScalarMappable
from matplotlib.colors import CenteredNorm, LogNorm
from matplotlib.figure import Figure
from numpy.typing import ArrayLike, NDArray

from digitnet.errors import ConfigError
from digitnet.mnist_shape import MNIST_PIXELS, MNIST_SIDE
from digitnet.network import Network
from digitnet.pixels import PIXEL_MAX
from digitnet.plots.canvas import MIN_WIDTH, new_figure, styled

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


@styled
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
    figure = new_figure(max(1.25 * columns + 1.3, MIN_WIDTH), 1.3 * rows + 0.8)
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


@styled
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
    figure = new_figure(side, side)
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


@styled
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
    figure = new_figure(max(1.05 * columns + 0.4, MIN_WIDTH), 1.25 * rows + 0.7)
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
    figure = new_figure(5, 1.5)
    axes = figure.subplots()
    axes.set_axis_off()
    axes.text(0.5, 0.5, f"No mistakes on {n_images:,} digits", ha="center", va="center")
    return figure
