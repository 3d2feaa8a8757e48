"""Any image mode -> one page of grey levels, uint8, box-averaged to a working size.

Grey is ITU-R 601 luma (what libjpeg's Y and Pillow's 'L' are); transparent pixels show the
paper; 16-bit and float images are scaled by their full scale. The page stays uint8 (one
byte a pixel) until it is at the working size.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray
from PIL import Image

from digitnet.errors import ImageError

#: The page is analysed at most this many pixels a side. A digit drawn with 0.01% of a
#: page's pixels is about 1/50 of the page's side, so 1024 keeps it about DIGIT_BOX tall ...
WORK_SIDE = 1024
#: ... and the digit itself is cut from a copy of up to this side, so that a small digit on
#: a big page keeps its detail (a 30 px digit on a 1200 px page stays 30 px tall).
DETAIL_SIDE = 2048
#: The transparency's paper level is estimated on a copy this size.
PAPER_SAMPLE_SIDE = 64

Page = NDArray[np.uint8]


def grey_page(
    img: Image.Image, name: str, turn: Image.Transpose | None = None, *, side: int = WORK_SIDE
) -> Page:
    """The image's grey levels, shape (H, W), uint8, at most about `side` a side.

    `turn` (from :func:`decode.decode`) is applied to the reduced page, not the full image.
    The caller should hold no other reference to `img`: each conversion replaces it, so a
    large image is held at most twice.
    """
    sixteen_bit = img.mode.startswith("I;16")
    deep = sixteen_bit or img.mode in ("I", "F")
    try:
        if img.mode == "LAB":
            img = img.getchannel("L")
        elif deep:
            img = _reduce(img.convert("F"), side)
        elif img.mode == "RGBA" and img.getchannel("A").getextrema() == (255, 255):
            img = img.convert("L")  # a canvas: what _fill_transparent gives, without LA
        elif img.mode in ("RGBA", "LA", "PA", "RGBa") or "transparency" in img.info:
            img = _fill_transparent(img if img.mode == "LA" else img.convert("LA"))
        elif img.mode != "L":
            img = img.convert("L")
    except ValueError as exc:
        raise ImageError(f"{name}: cannot read colour mode {img.mode} ({exc})") from None
    img = _reduce(img, side)
    if turn is not None:
        img = img.transpose(turn)
    if not deep:
        return np.asarray(img, dtype=np.uint8)
    return _deep_to_bytes(np.asarray(img, dtype=np.float32), sixteen_bit)


def reduce_page(page: Page, factor: int) -> Page:
    """`page` box-averaged by a whole `factor` (a partial box at the right and bottom)."""
    return np.asarray(Image.fromarray(page).reduce(factor)) if factor > 1 else page


def _reduce(img: Image.Image, side: int) -> Image.Image:
    """Box-average by a whole factor to at most `side` pixels a side (no-op when smaller)."""
    factor = math.ceil(max(img.size) / side)
    return img.reduce(factor) if factor > 1 else img


def _deep_to_bytes(grey: NDArray[np.float32], sixteen_bit: bool) -> Page:
    """32-bit and float images carry no full scale: take the smallest usual one that fits."""
    grey = np.nan_to_num(grey, nan=0.0, posinf=0.0, neginf=0.0)
    top = float(grey.max())
    full = 65535.0 if sixteen_bit else next((s for s in (1.0, 255.0, 65535.0) if top <= s), top)
    return np.rint(np.clip(grey * np.float32(255 / full), 0, 255)).astype(np.uint8)


def _fill_transparent(la: Image.Image) -> Image.Image:
    """Composite an 'LA' image over its paper: the background, never the ink.

    If most of the image is opaque, the opaque part is mostly paper and lends its mean
    level; if most is transparent (strokes exported from a drawing app), the opaque part is
    the ink, and the paper is its opposite, white under dark strokes, black under light.
    An image with no transparent pixel (a canvas's PNG) is its grey channel as it is.
    """
    if la.getchannel("A").getextrema() == (255, 255):
        return la.getchannel("L")
    factor = math.ceil(max(la.size) / PAPER_SAMPLE_SIDE)
    small = np.asarray(la.reduce(factor), dtype=np.float64) / 255
    level, alpha = small[..., 0], small[..., 1]
    opacity = float(alpha.mean())
    tone = float((level * alpha).sum() / alpha.sum()) if opacity > 0 else 1.0
    paper = tone if opacity >= 0.5 else float(tone < 0.5)
    filled = Image.new("L", la.size, round(255 * paper))
    filled.paste(la.getchannel("L"), mask=la.getchannel("A"))
    return filled
