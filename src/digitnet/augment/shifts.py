"""The book's expanded training set: every image and its four one-pixel shifts.

Chapter 6 grows MNIST's 50,000 training images to 250,000 (``expand_mnist.py``): each
image, then the same image moved one pixel up, down, left and right, the row or column
that comes in filled with background (0). Unlike :mod:`digitnet.augment`'s distortions,
the set is made once, before training, and every epoch sweeps all of it.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from digitnet.mnist_shape import MNIST_SIDE

#: (rows, columns) each copy is moved by: none (the image itself), down, up, right, left.
SHIFTS = ((0, 0), (1, 0), (-1, 0), (0, 1), (0, -1))


def shifted(images: NDArray[Any], rows: int, columns: int) -> NDArray[Any]:
    """``images`` (n, 784) moved by ``rows`` down and ``columns`` right (each -1, 0 or 1),
    what comes in set to 0."""
    square = images.reshape(-1, MNIST_SIDE, MNIST_SIDE)
    out = np.zeros_like(square)
    source_rows = slice(max(-rows, 0), MNIST_SIDE - max(rows, 0))
    target_rows = slice(max(rows, 0), MNIST_SIDE - max(-rows, 0))
    source_columns = slice(max(-columns, 0), MNIST_SIDE - max(columns, 0))
    target_columns = slice(max(columns, 0), MNIST_SIDE - max(-columns, 0))
    out[:, target_rows, target_columns] = square[:, source_rows, source_columns]
    return out.reshape(images.shape)


def expand(images: NDArray[Any], labels: NDArray[Any]) -> tuple[NDArray[Any], NDArray[Any]]:
    """The images (n, 784) and their one-pixel shifts, ``5 n`` images in all, with their
    labels: the originals first, then each shift of all of them."""
    expanded = np.concatenate([shifted(images, r, c) for r, c in SHIFTS])
    return expanded, np.tile(labels, len(SHIFTS))
