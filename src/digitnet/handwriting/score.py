"""A network's accuracy on the handwriting set, read through digitnet's own pipeline.

Each image file goes through :func:`digitnet.imaging.preprocess`, as ``digitnet predict``
would read it; an image the pipeline refuses (it finds no digit) counts as wrong. The
inputs are computed once (:func:`prepare`) and then score any number of networks.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from digitnet.conv.network import AnyNetwork
from digitnet.errors import ImageError
from digitnet.handwriting import Sample
from digitnet.imaging import preprocess
from digitnet.mnist_shape import MNIST_PIXELS

#: The key of the whole set's accuracy beside the styles'.
ALL = "all"


@dataclass(frozen=True)
class Prepared:
    """The set as the network sees it.

    Attributes
    ----------
    inputs : ndarray of float32, shape (n_images, 784)
        The pipeline's output (zeros where it refused the image).
    digits : ndarray of intp, shape (n_images,)
    styles : tuple of str
        Each image's style.
    refused : ndarray of bool, shape (n_images,)
        Where the pipeline raised an ImageError.
    """

    inputs: NDArray[np.float32]
    digits: NDArray[np.intp]
    styles: tuple[str, ...]
    refused: NDArray[np.bool_]


def prepare(samples: Sequence[Sample]) -> Prepared:
    """Run every sample's file through :func:`digitnet.imaging.preprocess`."""
    inputs = np.zeros((len(samples), MNIST_PIXELS), np.float32)
    refused = np.zeros(len(samples), bool)
    for i, item in enumerate(samples):
        try:
            inputs[i] = preprocess(item.data, name=f"{item.style} {i}")
        except ImageError:
            refused[i] = True
    digits = np.array([item.digit for item in samples], np.intp)
    return Prepared(inputs, digits, tuple(item.style for item in samples), refused)


def accuracy_by_style(network: AnyNetwork, prepared: Prepared) -> dict[str, float]:
    """The fraction read right, for each style in order of appearance and for ALL."""
    right = (network.predict(prepared.inputs) == prepared.digits) & ~prepared.refused
    styles = np.array(prepared.styles)
    scores = {style: float(right[styles == style].mean()) for style in dict.fromkeys(styles)}
    scores[ALL] = float(right.mean())
    return scores
