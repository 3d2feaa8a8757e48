"""The digit laid out as MNIST's were: cropped to its ink, scaled into 20x20, centred by mass.

MNIST (LeCun et al.) cropped each digit to the bounding box of its ink, scaled it to fit a
DIGIT_BOX x DIGIT_BOX box keeping its aspect ratio (anti-aliased), and placed it in a 28x28
field so that its intensity-weighted centre of mass is at the centre of the field.
Coordinates are array indices (row, column) with pixel centres at integers; MNIST's centres
of mass lie within half a pixel of (14, 14) - the digits were shifted by whole pixels - and
so do ours.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray
from PIL import Image

from digitnet.mnist_shape import MNIST_CENTRE, MNIST_SIDE

Grey = NDArray[np.float32]

DIGIT_BOX = 20
INKED = 0.05  # a row or column holding a level this high holds ink (for growing the crop)
CROP_TRIM = 0.005  # fraction of the ink mass ignored at each side when cropping (specks)


def crop(ink: Grey) -> Grey:
    """The ink inside its bounding box (see ink_box)."""
    top, bottom, left, right = ink_box(ink)
    return ink[top : bottom + 1, left : right + 1]


def ink_box(ink: Grey) -> tuple[int, int, int, int]:
    """The bounding box of the ink, robust to specks: first the box of the ink's mass less
    CROP_TRIM of it on each side, then grown back over rows and columns next to it that hold
    ink (the digit's own thin ends), so that only ink detached from the digit is left out.
    `ink` must hold some ink. Returns (top, bottom, left, right), inclusive."""
    top, bottom = _mass_span(ink.sum(axis=1, dtype=np.float64))
    left, right = _mass_span(ink.sum(axis=0, dtype=np.float64))
    top, bottom = _grow(ink[:, left : right + 1].max(axis=1) >= INKED, top, bottom)
    left, right = _grow(ink[top : bottom + 1].max(axis=0) >= INKED, left, right)
    return top, bottom, left, right


def _mass_span(profile: NDArray[np.float64]) -> tuple[int, int]:
    cumulative = np.cumsum(profile)
    total = cumulative[-1]
    first = int(np.searchsorted(cumulative, CROP_TRIM * total, side="right"))
    last = int(np.searchsorted(cumulative, (1 - CROP_TRIM) * total, side="left"))
    return min(first, last), last


def _grow(inked: NDArray[np.bool_], first: int, last: int) -> tuple[int, int]:
    while first > 0 and inked[first - 1]:
        first -= 1
    while last < inked.size - 1 and inked[last + 1]:
        last += 1
    return first, last


def fit_box(cropped: Grey) -> Grey:
    """Resize so the longer side is DIGIT_BOX, keeping the aspect ratio (Lanczos)."""
    h, w = cropped.shape
    scale = DIGIT_BOX / max(h, w)
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    scaled = Image.fromarray(cropped).resize(size, Image.Resampling.LANCZOS)
    return np.clip(np.asarray(scaled, dtype=np.float32), 0.0, 1.0)


def centre(scaled: Grey) -> Grey:
    """Paste into the MNIST field, shifted by whole pixels (as MNIST was) so the centre of
    mass lands within half a pixel of (MNIST_CENTRE, MNIST_CENTRE), never off the field."""
    h, w = scaled.shape
    rows, cols = np.indices(scaled.shape)
    mass = float(scaled.sum())
    com_row = float((rows * scaled).sum()) / mass if mass > 0 else (h - 1) / 2
    com_col = float((cols * scaled).sum()) / mass if mass > 0 else (w - 1) / 2
    top = min(max(round(MNIST_CENTRE - com_row), 0), MNIST_SIDE - h)
    left = min(max(round(MNIST_CENTRE - com_col), 0), MNIST_SIDE - w)
    field = np.zeros((MNIST_SIDE, MNIST_SIDE), dtype=np.float32)
    field[top : top + h, left : left + w] = scaled
    return field


#: MNIST's widest digits are 2.2 times wider than tall (their ink's bounding box, over the
#: 60,000 training digits); ink wider than this is a bar or a line, not a digit.
MAX_WIDTH_RATIO = 3.0


def shape_doubt(cropped: Grey) -> str | None:
    """Why the cropped ink is not shaped like a digit, or None when it may be one."""
    h, w = cropped.shape
    if w > MAX_WIDTH_RATIO * h:
        return f"the ink is {w / h:.0f} times wider than tall, not shaped like a digit"
    return None
