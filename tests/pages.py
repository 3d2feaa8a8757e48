"""Real-world pages made from MNIST digits: a digit written small on a big sheet, lit unevenly,
on tinted paper, in blue ink, grainy, JPEG-compressed, with specks and lines beside it.

`render` draws one page from a `Page` description; `KINDS` are the kinds of page the
imaging tests and ``benchmarks/imaging_pages.py`` read. The digit is an MNIST digit
upscaled (bicubic) to `digit_height` pixels and used as the ink's coverage: each pixel's
colour is ``light * (paper * (1 - a) + ink * a) + grain``.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from PIL import Image, ImageDraw

Colour = tuple[int, int, int]
WHITE_PAPER: Colour = (245, 245, 240)
BLACK_INK: Colour = (20, 20, 25)


@dataclass(frozen=True)
class Page:
    """How a digit is put on a page.

    size: the page's (width, height) in pixels; digit_height: the digit's 28 rows become
    this many pixels; at: where the digit's box is centred, as fractions of the page;
    gradient: the light falls by this share from the left edge to the right (and half of it
    from top to bottom); grain: the noise's deviation in grey levels; jpeg: quality, or None
    for PNG; specks: this many 3-8 px dots scattered away from the digit; line: a ruled line
    across the page under the digit.
    """

    size: tuple[int, int] = (1200, 900)
    digit_height: int = 120
    at: tuple[float, float] = (0.5, 0.5)
    ink: Colour = BLACK_INK
    paper: Colour = WHITE_PAPER
    gradient: float = 0.0
    grain: float = 0.0
    jpeg: int | None = None
    specks: int = 0
    line: bool = False


#: The kinds of page of issue 15, each a Page (the digit and seed vary per example).
KINDS: dict[str, Page] = {
    "canvas-like 280x280": Page(size=(280, 280), digit_height=240),
    "small digit, big page (0.01% ink)": Page(size=(3000, 2250), digit_height=60),
    "200 px digit on a 3000 px sheet": Page(size=(3000, 2250), digit_height=200),
    "30 px digit on 600 px": Page(size=(600, 450), digit_height=30, at=(0.3, 0.6)),
    "gradient lighting, off-centre": Page(
        size=(2000, 1500), digit_height=150, at=(0.7, 0.35), gradient=0.55, grain=6, jpeg=85
    ),
    "tinted paper, blue ink": Page(
        size=(1600, 1200), digit_height=110, ink=(30, 50, 170), paper=(235, 220, 170)
    ),
    "pencil grey on grey paper": Page(
        size=(1200, 900), digit_height=100, ink=(120, 120, 125), paper=(200, 200, 195)
    ),
    "JPEG noise": Page(size=(1200, 900), digit_height=140, grain=10, jpeg=60),
    "specks beside the digit": Page(size=(1200, 900), digit_height=120, specks=12),
    "ruled line": Page(size=(1200, 900), digit_height=120, line=True),
    "light on dark, fat marker": Page(
        size=(200, 200), digit_height=230, ink=(250, 250, 250), paper=(15, 15, 15)
    ),
}


def render(digit: NDArray[np.uint8], page: Page, rng: np.random.Generator) -> bytes:
    """The page's encoded file (PNG, or JPEG when ``page.jpeg``) with `digit` on it.

    `digit` is a 28x28 MNIST image (ink 255 on 0).
    """
    width, height = page.size
    coverage = _coverage(digit, page)
    h, w = coverage.shape
    top = round(page.at[1] * height - h / 2)
    left = round(page.at[0] * width - w / 2)
    a = np.zeros((height, width), dtype=np.float32)
    _paste(a, coverage, top, left)
    if page.specks:
        _specks(a, page.specks, (top, left, h, w), rng)
    if page.line:
        row = min(height - 3, top + h + max(2, h // 10))
        a[row : row + 2, :] = np.maximum(a[row : row + 2, :], 0.6)
    paper = np.asarray(page.paper, dtype=np.float32)
    ink = np.asarray(page.ink, dtype=np.float32)
    colour = paper * (1 - a[..., None]) + ink * a[..., None]
    colour *= _light(width, height, page.gradient)[..., None]
    if page.grain:
        colour += rng.normal(0.0, page.grain, (height, width, 1)).astype(np.float32)
    img = Image.fromarray(np.clip(np.rint(colour), 0, 255).astype(np.uint8), "RGB")
    buffer = io.BytesIO()
    if page.jpeg is None:
        img.save(buffer, "PNG", compress_level=1)
    else:
        img.save(buffer, "JPEG", quality=page.jpeg)
    return buffer.getvalue()


def ink_share(digit: NDArray[np.uint8], page: Page) -> float:
    """The share of the page's pixels the digit inks (coverage over one half)."""
    return float((_coverage(digit, page) > 0.5).sum()) / (page.size[0] * page.size[1])


def _coverage(digit: NDArray[np.uint8], page: Page) -> NDArray[np.float32]:
    side = page.digit_height
    img = Image.fromarray(digit).resize((side, side), Image.Resampling.BICUBIC)
    return np.clip(np.asarray(img, dtype=np.float32) / 255, 0, 1)


def _paste(a: NDArray[np.float32], patch: NDArray[np.float32], top: int, left: int) -> None:
    """Paste `patch` into `a` at (top, left), clipped at the page's edges."""
    h, w = patch.shape
    rows = slice(max(top, 0), min(top + h, a.shape[0]))
    cols = slice(max(left, 0), min(left + w, a.shape[1]))
    inside = patch[rows.start - top : rows.stop - top, cols.start - left : cols.stop - left]
    a[rows, cols] = np.maximum(a[rows, cols], inside)


def _specks(
    a: NDArray[np.float32], count: int, box: tuple[int, int, int, int], rng: np.random.Generator
) -> None:
    """`count` dots of 4-10 px beside the digit: within its size of its box, but no nearer
    than a third of it."""
    height, width = a.shape
    top, left, h, w = box
    img = Image.fromarray(np.zeros_like(a, dtype=np.uint8))
    draw = ImageDraw.Draw(img)
    placed = 0
    while placed < count:
        x = int(rng.integers(max(0, left - w), min(width, left + 2 * w)))
        y = int(rng.integers(max(0, top - h), min(height, top + 2 * h)))
        if left - w / 3 < x < left + w * 4 / 3 and top - h / 3 < y < top + h * 4 / 3:
            continue
        r = int(rng.integers(2, 5))
        draw.ellipse((x - r, y - r, x + r, y + r), fill=255)
        placed += 1
    np.maximum(a, np.asarray(img, dtype=np.float32) / 255, out=a)


def _light(width: int, height: int, gradient: float) -> NDArray[np.float32]:
    """The light falling on the page: 1 at the top left, less by `gradient` to the right."""
    cols = np.linspace(0, 1, width, dtype=np.float32)[None, :]
    rows = np.linspace(0, 1, height, dtype=np.float32)[:, None]
    return 1 - gradient * cols - 0.5 * gradient * rows
