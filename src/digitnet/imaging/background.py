"""The page's own level under its marks: the lighting and the paper's tint, to be removed.

Marks are narrower than the page's lighting changes, so a morphological opening (a min
filter then a max filter) wider than any stroke removes light marks and keeps the level
around them; for dark marks the same runs on the inverted page (a closing). It runs on a
BACKGROUND_SIDE copy, which makes it cheap and smooth once resized back up.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.typing import NDArray
from PIL import Image
from scipy import ndimage

Grey = NDArray[np.float32]

BACKGROUND_SIDE = 64  # the lighting is estimated on a copy this size ...
BACKGROUND_KERNEL = 17  # ... whose min filter is this wide (wider than a stroke) ...
EDGE_MARGIN = 2  # ... and max filter wider by this on each side (see background)


def rank_filter(image: Grey, size: int, reduce: Callable[..., Grey]) -> Grey:
    """The min (`reduce` np.min) or max (np.max) over a ``size`` x ``size`` window around
    each pixel, edges replicated.

    The same values as Pillow's MinFilter/MaxFilter (a test holds them equal), by SciPy's
    separable filters, whose cost does not grow with `size` (a NumPy sliding window's did:
    most of a canvas prediction's time).
    """
    rank = ndimage.minimum_filter if reduce is np.min else ndimage.maximum_filter
    return rank(image, size=size, mode="nearest")


def background(up: Grey) -> tuple[Grey, Grey]:
    """The page's level under its light marks, shape of `up`: an opening (min then max
    filter) wider than the strokes, on a BACKGROUND_SIDE copy, resized back up (which
    smooths it). Returned twice: as it is, and under wide marks (below).

    The max filter is wider than the min filter by EDGE_MARGIN on each side, so that a
    sharp edge in the background (a sheet of paper on a darker table) covers its own blur
    from the resizing rather than leaving a band of false ink. The copy is padded by odd
    reflection, which continues a lighting gradient past the image's edge, so the filters
    do not flatten it there. Under wide marks, a plateau higher than any of the page's edges
    is taken for a mark wider than the filters (a fat marker's blob), not for paper; when
    there is none, the second array is the first.
    """
    h, w = up.shape
    scale = BACKGROUND_SIDE / max(h, w)
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    small = np.asarray(Image.fromarray(up).resize(size, Image.Resampling.BOX))
    pad = BACKGROUND_KERNEL + EDGE_MARGIN
    padded = np.pad(small, pad, mode="reflect", reflect_type="odd")
    padded = rank_filter(padded, BACKGROUND_KERNEL, np.min)
    padded = rank_filter(padded, BACKGROUND_KERNEL + 2 * EDGE_MARGIN, np.max)
    opened = padded[pad:-pad, pad:-pad]
    # Shading (vignettes, gradients) peaks at the edges; a blob of ink need not.
    ring = np.concatenate([opened[0], opened[-1], opened[:, 0], opened[:, -1]])
    plain = _resized(opened, (w, h))
    if opened.max() <= ring.max():
        return plain, plain
    return plain, _resized(np.minimum(opened, ring.max()), (w, h))


def _resized(small: Grey, size: tuple[int, int]) -> Grey:
    return np.asarray(Image.fromarray(small).resize(size, Image.Resampling.BILINEAR), np.float32)
