"""Pixels: images as raw uint8 grey levels, or as floats in [0, 1].

MNIST stores each pixel as a byte, 0 (background) to 255 (ink). The network wants values in
[0, 1]. A training set may stay uint8 (4x less memory) and be scaled wherever it enters the
network. Every path scales the same way, ``k / 255`` divided in the target float type and
so correctly rounded, which makes uint8 pixels and the floats made from them train bit for
bit alike (the compiled kernel divides the same way).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

PIXEL_MAX = 255


def as_unit_interval(
    images: ArrayLike,
    dtype: type[np.floating[Any]],
    *,
    out: NDArray[np.floating[Any]] | None = None,
) -> NDArray[np.floating[Any]]:
    """``images`` as floats of ``dtype``: uint8 pixels become ``k / 255``; floats are cast.

    ``out``, if given, receives the result (it must have ``images``' shape and ``dtype``).
    """
    array = np.asarray(images)
    if out is None:
        out = array.astype(dtype, copy=False)  # uint8: cast, then divide in place (1.5x faster)
    else:
        out[...] = array
    if array.dtype == np.uint8:  # divide in `dtype` itself: one correctly rounded division
        np.divide(out, dtype(PIXEL_MAX), out=out)
    return out
