"""A convolutional network's pictures: its learned filters, and what it sees in one image.

Both are drawn a block per conv layer, at most MAX_COLUMNS pictures to a line: the filters
of :func:`digitnet.conv.feature_maps.filters` on the weights' blue-white-red scale, centred
at 0, one scale a layer (a deeper layer's kernels are summarised by their mean over its
input maps); the feature maps of :func:`digitnet.conv.feature_maps.feature_maps` in grey,
black at ``min(0, lowest)`` and white at the layer's highest value, after the image itself.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from matplotlib.colors import CenteredNorm, Normalize
from matplotlib.figure import Figure, SubFigure
from numpy.typing import ArrayLike, NDArray

from digitnet.conv.feature_maps import feature_maps, filters
from digitnet.conv.network import ConvNetwork
from digitnet.conv.spec import Conv
from digitnet.errors import ConfigError
from digitnet.mnist_shape import MNIST_SIDE
from digitnet.pixels import as_unit_interval
from digitnet.plots.canvas import MIN_WIDTH, new_figure, styled
from digitnet.plots.pictures import WEIGHT_CMAP

#: Pictures to a line of a layer's block (the book's 20 and 40 maps: one and two lines).
MAX_COLUMNS = 20
#: Inches a picture takes, and a block's title above its lines.
PICTURE_INCHES = 0.6
TITLE_INCHES = 0.45
MAPS_CMAP = "gray"


@styled
def conv_filters(network: ConvNetwork) -> Figure:
    """Each conv layer's filters as ``K x K`` pictures, a block per layer.

    Returns
    -------
    matplotlib.figure.Figure
        One image axes per filter, in layer order; each block titled with its layer.

    Raises
    ------
    ConfigError
        If the network has no conv layer.
    """
    pictures = filters(network)
    layers = _conv_layers(network, "filters")
    figure, blocks, columns = _blocks([len(p) for p in pictures])
    for number, (block, layer, kernels, w) in enumerate(
        zip(blocks, layers, pictures, _conv_weights(network)), start=1
    ):
        values = kernels.astype(np.float64)
        norm = CenteredNorm(vcenter=0.0, halfrange=float(np.abs(values).max()) or 1.0)
        inputs = w.shape[3]
        what = "its kernels" if inputs == 1 else f"each kernel's mean over its {inputs} input maps"
        _draw(block, values, columns, WEIGHT_CMAP, norm)
        block.suptitle(
            f"Layer {number} ({layer}): {what}, {layer.size} x {layer.size} "
            f"(red excites, blue inhibits)",
            fontsize=10,
        )
    figure.suptitle(f"Learned filters of {network.spec}")
    return figure


@styled
def feature_maps_figure(
    network: ConvNetwork, image: ArrayLike, *, title: str = "an image"
) -> Figure:
    """``image`` (784,) and each conv layer's feature maps of it, a block per layer.

    Returns
    -------
    matplotlib.figure.Figure
        The image's axes first, then one image axes per map, in layer order.

    Raises
    ------
    ConfigError
        If the network has no conv layer or ``image`` is not one image of 784 pixels.
    """
    layers = _conv_layers(network, "feature maps")
    maps = [m.astype(np.float64) for m in feature_maps(network, image)]
    figure, blocks, columns = _blocks([1] + [m.shape[2] for m in maps])
    pixels = as_unit_interval(image, np.float64).reshape(1, MNIST_SIDE, MNIST_SIDE)
    _draw(blocks[0], pixels, columns, MAPS_CMAP, Normalize(0.0, 1.0))
    blocks[0].suptitle(f"The input: {title}, {MNIST_SIDE} x {MNIST_SIDE}", fontsize=10)
    for number, (block, layer, values) in enumerate(zip(blocks[1:], layers, maps), start=1):
        low, high = min(0.0, float(values.min())), float(values.max())
        height, width, n_maps = values.shape
        norm = Normalize(low, max(high, low + 1e-12))  # an all-zero layer: black
        _draw(block, np.moveaxis(values, 2, 0), columns, MAPS_CMAP, norm)
        block.suptitle(
            f"Layer {number} ({layer}): {n_maps} maps of {height} x {width}, "
            f"black {low:.2f} to white {high:.2f}",
            fontsize=10,
        )
    figure.suptitle(f"What {network.spec} sees in {title}")
    return figure


def _conv_layers(network: ConvNetwork, what: str) -> list[Conv]:
    layers = [layer for layer in network.layers if isinstance(layer, Conv)]
    if not layers:
        raise ConfigError(f"{what}: {network.spec} has no conv layer")
    return layers


def _conv_weights(network: ConvNetwork) -> list[NDArray[np.floating]]:
    return [w for layer, w in zip(network.layers, network.weights) if isinstance(layer, Conv)]


def _blocks(counts: Sequence[int]) -> tuple[Figure, list[SubFigure], int]:
    """A figure of one block (a subfigure) per count of pictures, and how many pictures go
    to a line of every block (at most MAX_COLUMNS), so that their lines align."""
    columns = min(MAX_COLUMNS, max(counts))
    heights = [PICTURE_INCHES * math.ceil(n / columns) + TITLE_INCHES for n in counts]
    width = max(PICTURE_INCHES * columns + 0.4, MIN_WIDTH)
    figure = new_figure(width, sum(heights) + TITLE_INCHES)
    blocks = figure.subfigures(len(counts), 1, height_ratios=heights, squeeze=False)
    return figure, list(blocks.flat), columns


def _draw(
    block: SubFigure, pictures: NDArray[np.floating], columns: int, cmap: str, norm: Normalize
) -> None:
    """``pictures`` (n, rows, columns) in ``block``, ``columns`` to a line."""
    grid = block.subplots(math.ceil(len(pictures) / columns), columns, squeeze=False)
    for k, axes in enumerate(grid.flat):
        if k < len(pictures):
            axes.imshow(pictures[k], cmap=cmap, norm=norm)
            axes.set_axis_off()
        else:
            axes.remove()
