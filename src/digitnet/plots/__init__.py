"""Pictures of a network and its training, drawn with matplotlib (``digitnet[plots]``).

Each drawing function takes plain data (a :class:`~digitnet.history.History`, a
:class:`~digitnet.network.Network`, arrays) and returns a matplotlib ``Figure``;
:func:`save_figure` writes one to a PNG, SVG or PDF file atomically. The figures are drawn on
matplotlib's Agg canvas, not through ``pyplot``: nothing needs a display, no global
backend is switched, and no figure stays registered (and alive) after it is saved.

This module is an interface, like the CLI: the core never imports it, nor matplotlib.
"""

from digitnet.plots.canvas import DPI, FORMATS, STYLE, save_figure
from digitnet.plots.conv_pictures import conv_filters, feature_maps_figure
from digitnet.plots.curves import compared_curves, reproduction_curves, training_curves
from digitnet.plots.explained import flip_figure, robustness_figure, saliency_figure
from digitnet.plots.pictures import (
    WEIGHT_CMAP,
    confusion_matrix_figure,
    hidden_weights,
    misclassified_gallery,
)
from digitnet.plots.sweeps import sweep_accuracy

__all__ = [
    "DPI",
    "FORMATS",
    "STYLE",
    "WEIGHT_CMAP",
    "compared_curves",
    "confusion_matrix_figure",
    "conv_filters",
    "feature_maps_figure",
    "flip_figure",
    "hidden_weights",
    "misclassified_gallery",
    "reproduction_curves",
    "robustness_figure",
    "saliency_figure",
    "save_figure",
    "sweep_accuracy",
    "training_curves",
]
