"""The page's own level under its marks: the lighting and the paper's tint, to be removed.

Marks are narrower than the page's lighting changes, so a morphological opening (a min
filter then a max filter) wider than any stroke removes light marks and keeps the level
around them; for dark marks the same runs on the inverted page (a closing). It runs on a
BACKGROUND_SIDE copy, which makes it cheap and smooth once resized back up.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from numpy.typing import NDArray
from PIL import Image

Grey = NDArray[np.float32]

BACKGROUND_SIDE = 64  # the lighting is estimated on a copy this size ...
BACKGROUND_KERNEL = 17  # ... whose min filter is this wide (wider than a stroke) ...
EDGE_MARGIN = 2  # ... and max filter wider by this on each side (see background)


def rank_filter(image: Grey, size: int, reduce: Callable[..., Grey]) -> Grey:
    """The min or max over a ``size`` x ``size`` window around each pixel, edges replicated.

    The same values as Pillow's MinFilter/MaxFilter (a test holds them equal), computed as a
    row pass then a column pass: about 20 times faster, most of a prediction's time before.
    """
    half = size // 2
    padded = np.pad(image, half, mode="edge")
    rows = reduce(sliding_window_view(padded, size, axis=1), axis=-1)
    return reduce(sliding_window_view(rows, size, axis=0), axis=-1)


def background(up: Grey, *, wide_marks: bool = True) -> Grey:
    """The page's level under its light marks, shape of `up`: an opening (min then max
    filter) wider than the strokes, on a BACKGROUND_SIDE copy, resized back up (which
    smooths it).

    The max filter is wider than the min filter by EDGE_MARGIN on each side, so that a
    sharp edge in the background (a sheet of paper on a darker table) covers its own blur
    from the resizing rather than leaving a band of false ink. The copy is padded by odd
    reflection, which continues a lighting gradient past the image's edge, so the filters
    do not flatten it there. With `wide_marks`, a plateau higher than any of the page's
    edges is taken for a mark wider than the filters (a fat marker's blob), not for paper.
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
    if wide_marks:  # shading (vignettes, gradients) peaks at the edges; a blob need not
        ring = np.concatenate([opened[0], opened[-1], opened[:, 0], opened[:, -1]])
        opened = np.minimum(opened, ring.max())
    return np.asarray(
        Image.fromarray(opened).resize((w, h), Image.Resampling.BILINEAR), dtype=np.float32
    )
