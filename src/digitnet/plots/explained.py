"""Figures of why a network answers (:mod:`digitnet.explain`): saliency, the change that
flips an answer, the robustness curve."""

from __future__ import annotations

import numpy as np
from matplotlib.axes import Axes
from matplotlib.colors import CenteredNorm
from matplotlib.figure import Figure
from numpy.typing import NDArray

from digitnet.explain.flip import Flip, RobustnessCurve
from digitnet.explain.saliency import Saliency
from digitnet.mnist_shape import MNIST_SIDE
from digitnet.plots.canvas import MIN_WIDTH, new_figure, styled
from digitnet.plots.pictures import WEIGHT_CMAP

#: Inches of one 28 x 28 panel.
PANEL = 2.2


def _digit(axes: Axes, pixels: NDArray[np.floating], title: str) -> None:
    axes.imshow(np.reshape(pixels, (MNIST_SIDE, MNIST_SIDE)), cmap="gray_r", vmin=0, vmax=1)
    axes.set_title(title)
    axes.set_axis_off()


def _signed(axes: Axes, values: NDArray[np.floating], title: str) -> None:
    """Blue negative, white 0, red positive, scaled to the picture's own largest size."""
    largest = float(np.abs(values).max(initial=0.0)) or 1.0
    image = np.reshape(values, (MNIST_SIDE, MNIST_SIDE))
    axes.imshow(image, cmap=WEIGHT_CMAP, norm=CenteredNorm(0, largest))
    axes.set_title(f"{title}\n(max {largest:.2g})")
    axes.set_axis_off()


@styled
def saliency_figure(found: Saliency, pixels: NDArray[np.floating]) -> Figure:
    """The digit, then ``d a_j / d x`` and ``x d a_j / d x`` of the answer and the runner-up."""
    figure = new_figure(max(MIN_WIDTH, 5 * PANEL), PANEL + 0.9)
    panels = figure.subplots(1, 5)
    answer = found.digits[0]
    _digit(panels[0], pixels, f"read as {answer}")
    for row, digit in enumerate(found.digits):
        a = found.outputs[digit]
        _signed(panels[1 + 2 * row], found.gradient[row], f"d a{digit}/dx ({a:.2f})")
        _signed(panels[2 + 2 * row], found.gradient_times_input[row], f"x d a{digit}/dx")
    figure.suptitle(f"Why {answer}: red pixels raise the output, blue lower it")
    return figure


@styled
def flip_figure(found: Flip) -> Figure:
    """The digit, the changed digit and the change, with its sizes and the new answer."""
    figure = new_figure(max(MIN_WIDTH, 3 * PANEL), PANEL + 0.9)
    panels = figure.subplots(1, 3)
    _digit(panels[0], found.original, f"read as {found.digit}")
    _digit(panels[1], found.changed, f"changed: read as {found.new_digit}")
    _signed(panels[2], found.change, "the change")
    if found.flipped:
        title = (
            f"A change of L2 size {found.l2:.2f} (no pixel over {found.linf:.2f}) turns "
            f"{found.digit} into {found.new_digit}"
        )
    else:
        title = f"No change found in {found.steps} steps flips this {found.digit}"
    figure.suptitle(title)
    return figure


@styled
def robustness_figure(curve: RobustnessCurve) -> Figure:
    """Accuracy (percent) against the L2 size of the change allowed."""
    figure = new_figure(MIN_WIDTH, 4.0)
    axes = figure.subplots()
    axes.plot(curve.sizes, 100 * curve.accuracy, marker="o")
    axes.set_xlabel("L2 size of the change, ||dx||_2")
    axes.set_ylabel("accuracy (%)")
    axes.set_ylim(0, 100)
    axes.grid(alpha=0.3)
    axes.set_title(
        f"Robustness on {curve.flip_sizes.size:,} test digits (an upper bound: the search "
        "may miss smaller changes)"
    )
    return figure
