"""Pixels: images as raw uint8 grey levels, or as floats in [0, 1].

MNIST stores each pixel as a byte, 0 (background) to 255 (ink). The network wants values in
[0, 1]. A training set may stay uint8 (4x less memory) and be scaled wherever it enters the
network; every path scales through the same table of correctly rounded ``k / 255``, so
uint8 pixels and the floats made from them train bit for bit alike.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

PIXEL_MAX = 255


_TABLES: dict[str, NDArray[np.floating[Any]]] = {}


def pixel_values(dtype: type[np.floating[Any]]) -> NDArray[np.floating[Any]]:
    """The 256 values ``k / 255`` in ``dtype``, each correctly rounded; indexed by a pixel."""
    name = np.dtype(dtype).name
    if name not in _TABLES:
        table = np.arange(PIXEL_MAX + 1, dtype=dtype) / dtype(PIXEL_MAX)
        table.flags.writeable = False
        _TABLES[name] = table
    return _TABLES[name]


def as_unit_interval(images: ArrayLike, dtype: type[np.floating[Any]]) -> NDArray[np.floating[Any]]:
    """``images`` as floats of ``dtype``: uint8 pixels become ``k / 255``; floats are cast."""
    array = np.asarray(images)
    if array.dtype == np.uint8:
        return pixel_values(dtype)[array]
    return np.asarray(array, dtype=dtype)
