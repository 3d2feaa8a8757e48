"""One step of learning on one digit as one figure: what the page's step-through shows.

Rows, top to bottom: the forward pass (the input, each layer's activations, the outputs
against ``y``); the errors sent back (BP1 for the outputs, BP2 for each hidden layer, with
the saturated neurons, ``f'(z) ~ 0``, greyed); the first layer's ``dC/dw`` (BP4) as one
28 x 28 picture per neuron; the outputs before and after the step.
"""

from __future__ import annotations

import math

import numpy as np
from matplotlib.axes import Axes
from matplotlib.cm import ScalarMappable
from matplotlib.colors import CenteredNorm
from matplotlib.figure import Figure, SubFigure
from numpy.typing import NDArray

from digitnet.errors import ConfigError
from digitnet.explain.step import LearningStep
from digitnet.mnist_shape import MNIST_PIXELS, MNIST_SIDE
from digitnet.network import Network
from digitnet.plots.canvas import MIN_WIDTH, new_figure, styled
from digitnet.plots.pictures import WEIGHT_CMAP

#: At most this many first-layer neurons' dC/dw are drawn (those with the largest |delta|).
MAX_GRADIENT_NEURONS = 30
GRADIENT_COLUMNS = 15
RIGHT = "#0f766e"  # the right digit: the page's accent colour
OTHER = "#9aa5b1"
SATURATED = "#d9dde2"
COST_TEXT = {
    "quadratic": r"$C = \frac{1}{2}\|y - a^L\|^2$",
    "cross-entropy": r"$C = -\sum_j [y_j \ln a_j + (1 - y_j) \ln(1 - a_j)]$",
    "log-likelihood": r"$C = -\ln a_y$",
}


@styled
def step_figure(step: LearningStep, network: Network) -> Figure:
    """The step ``step`` of ``network`` (the network before it) as one figure.

    Raises
    ------
    ConfigError
        If the network does not take 28 x 28 images, or ``step`` is not one of its steps.
    """
    if network.sizes[0] != MNIST_PIXELS:
        raise ConfigError(
            f"network {list(network.sizes)} does not take {MNIST_SIDE}x{MNIST_SIDE} images"
        )
    if [len(a) for a in step.activations] != list(network.sizes):
        raise ConfigError(f"the step is not one of network {list(network.sizes)}'s")
    n_hidden = network.num_layers - 2
    width = max(MIN_WIDTH, 3.2 * (n_hidden + 2))
    figure = new_figure(width, 11.5)
    panels = figure.subfigures(4, 1, height_ratios=[1, 1, 1.2, 0.8])
    assert isinstance(panels, np.ndarray)  # four rows, not one SubFigure
    _forward(panels[0], step, network)
    _backward(panels[1], step, network)
    _gradient(panels[2], step)
    _after(panels[3], step)
    cost = COST_TEXT.get(step.cost_name, step.cost_name)
    figure.suptitle(
        f"One step of gradient descent on a {step.label} ({step.cost_name} cost {cost}, "
        rf"$\eta$ = {step.learning_rate:g}"
        + (f", step {step.steps}" if step.steps > 1 else "")
        + ")"
    )
    return figure


def _forward(panel: SubFigure, step: LearningStep, network: Network) -> None:
    axes = panel.subplots(1, network.num_layers, squeeze=False)[0]
    panel.suptitle(r"Forward: $z^l = w^l a^{l-1} + b^l$, $a^l = f(z^l)$", fontsize=11)
    axes[0].imshow(step.activations[0].reshape(MNIST_SIDE, MNIST_SIDE), cmap="gray", vmin=0)
    axes[0].set_title("the input $x = a^0$", fontsize=10)
    axes[0].set_axis_off()
    for l in range(network.num_layers - 2):
        _neuron_bars(axes[l + 1], step.activations[l + 1], step.saturated(l, network))
        axes[l + 1].set_title(f"hidden layer {l + 1}: $a^{l + 1}$ (grey: saturated)", fontsize=10)
    _output_bars(axes[-1], step.outputs, step.label, target=True)
    axes[-1].set_title(f"outputs $a^L$ (dashes: $y$), C = {step.cost:.4g}", fontsize=10)


def _backward(panel: SubFigure, step: LearningStep, network: Network) -> None:
    n_layers = network.num_layers - 1
    axes = panel.subplots(1, n_layers, squeeze=False)[0]
    panel.suptitle(
        r"Backward: $\delta^L = \partial C / \partial z^L$ (BP1), "
        r"$\delta^l = ((w^{l+1})^T \delta^{l+1}) \odot f'(z^l)$ (BP2), "
        r"$\partial C / \partial b = \delta$ (BP3)",
        fontsize=11,
    )
    for l in range(n_layers - 1):
        _neuron_bars(axes[l], step.deltas[l], step.saturated(l, network), signed=True)
        flat = int(step.saturated(l, network).sum())
        axes[l].set_title(f"$\\delta^{l + 1}$ ({flat} saturated, grey)", fontsize=10)
    colours = [RIGHT if d == step.label else OTHER for d in range(len(step.deltas[-1]))]
    axes[-1].bar(range(len(colours)), step.deltas[-1], color=colours)
    axes[-1].axhline(0, color="black", linewidth=0.6)
    axes[-1].set_xticks(range(len(colours)))
    bp1 = "(a^L - y) \\odot \\sigma'(z^L)" if step.cost_name == "quadratic" else "a^L - y"
    axes[-1].set_title(f"$\\delta^L = {bp1}$", fontsize=10)


def _gradient(panel: SubFigure, step: LearningStep) -> None:
    delta, nabla_w = step.deltas[0], step.nabla_w[0]
    shown = np.sort(np.argsort(-np.abs(delta), kind="stable")[:MAX_GRADIENT_NEURONS])
    columns = min(GRADIENT_COLUMNS, len(shown))
    rows = math.ceil(len(shown) / columns)
    grid = panel.subplots(rows, columns, squeeze=False)
    halfrange = float(np.abs(nabla_w[shown]).max()) or 1.0
    norm = CenteredNorm(vcenter=0.0, halfrange=halfrange)
    for i, axes in enumerate(grid.flat):
        axes.set_axis_off()
        if i < len(shown):
            j = shown[i]
            picture = -nabla_w[j].reshape(MNIST_SIDE, MNIST_SIDE)  # where the step moves w
            axes.imshow(picture, cmap=WEIGHT_CMAP, norm=norm)
            axes.set_title(str(j), fontsize=8, pad=1)
    panel.colorbar(
        ScalarMappable(norm=norm, cmap=WEIGHT_CMAP),
        ax=grid.ravel().tolist(),
        shrink=0.8,
        label=r"$-\partial C / \partial w$",
    )
    count = f"{len(shown)}" if len(shown) == len(delta) else f"the {len(shown)} of largest |δ|"
    panel.suptitle(
        r"BP4: $\partial C / \partial w_{jk} = a_k^{l-1} \delta_j^l$, first layer, "
        f"{count} neurons (red: the step raises the weight)",
        fontsize=11,
    )


def _after(panel: SubFigure, step: LearningStep) -> None:
    axes = panel.subplots()
    digits = np.arange(len(step.outputs))
    axes.bar(digits - 0.2, step.outputs, 0.4, color=OTHER, label="before")
    colours = [RIGHT if d == step.label else "#52606d" for d in digits]
    axes.bar(digits + 0.2, step.outputs_after, 0.4, color=colours, label="after")
    axes.set_xticks(digits)
    axes.set_ylim(0, 1.05)
    axes.legend(loc="upper left", frameon=False)
    before, after = step.right_outputs[-2], step.right_outputs[-1]
    verb = "rose" if after > before else "fell" if after < before else "stayed"
    panel.suptitle(
        r"The step: $w \to w - \eta\, \partial C / \partial w$; "
        f"the right output ({step.label}) {verb} from {before:.4g} to {after:.4g}, "
        f"C from {step.cost:.4g} to {step.cost_after:.4g}",
        fontsize=11,
    )


def _neuron_bars(
    axes: Axes, values: NDArray[np.floating], saturated: NDArray[np.bool_], signed: bool = False
) -> None:
    colours = np.where(saturated, SATURATED, "#1f2933" if not signed else OTHER)
    axes.bar(range(len(values)), values, width=1.0, color=colours)
    if signed:
        axes.axhline(0, color="black", linewidth=0.6)
    else:
        axes.set_ylim(min(0.0, float(values.min())), max(1.0, float(values.max())))
    axes.set_xlabel("neuron", fontsize=9)


def _output_bars(axes: Axes, outputs: NDArray[np.floating], label: int, target: bool) -> None:
    digits = np.arange(len(outputs))
    axes.bar(digits, outputs, color=[RIGHT if d == label else OTHER for d in digits])
    if target:
        axes.hlines(digits == label, digits - 0.4, digits + 0.4, colors="#b42318", linestyles="--")
    axes.set_xticks(digits)
    axes.set_ylim(0, 1.05)
