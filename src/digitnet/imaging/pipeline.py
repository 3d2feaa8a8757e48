"""The whole pipeline, file to the network's input, keeping every stage to show it."""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np
from numpy.typing import NDArray
from PIL import Image

from digitnet.errors import ImageError
from digitnet.imaging.background import rank_filter
from digitnet.imaging.decode import MAX_IMAGE_PIXELS, Source, decode, name_of
from digitnet.imaging.ink import BLANK, MIN_CONTRAST, Ink, find_ink
from digitnet.imaging.layout import INKED, centre, crop, fit_box, ink_box, shape_doubt
from digitnet.imaging.levels import DETAIL_SIDE, WORK_SIDE, grey_page, reduce_page
from digitnet.imaging.strokes import pick_digit
from digitnet.mnist_shape import MNIST_PIXELS

Grey = NDArray[np.float32]


@dataclass(frozen=True)
class PreprocessSteps:
    """The stages of the pipeline, each a float32 array in [0, 1].

    Attributes
    ----------
    page : ndarray, shape (H, W)
        The image in grey levels as it looks (box-averaged to at most WORK_SIDE a side).
    paper : ndarray, shape (H, W)
        The paper's estimated level under the ink: its lighting and tint.
    grey : ndarray, shape (H, W)
        The page with the paper removed: ink = 1 on paper = 0, as MNIST's digits are.
    digit : ndarray, shape (H, W)
        `grey` with only the digit's marks (specks, lines and other marks set to 0).
    cropped : ndarray, shape (h, w)
        The bounding box of the ink in `digit`, cut from a copy of the page up to
        DETAIL_SIDE a side (finer than `digit` for a small digit on a big page).
    scaled : ndarray, shape (h', w')
        `cropped` resized so that ``max(h', w') == DIGIT_BOX``, keeping the aspect ratio.
    centred : ndarray, shape (MNIST_SIDE, MNIST_SIDE)
        `scaled` pasted so that its centre of mass is at (MNIST_CENTRE, MNIST_CENTRE).
    """

    page: Grey
    paper: Grey
    grey: Grey
    digit: Grey
    cropped: Grey
    scaled: Grey
    centred: Grey

    @property
    def vector(self) -> Grey:
        """The network's input: `centred` as one row-major vector, shape (784,)."""
        return self.centred.reshape(MNIST_PIXELS)

    @property
    def doubt(self) -> str | None:
        """Why the ink may not be a digit at all (a reason to be unsure), or None."""
        return shape_doubt(self.cropped)


def preprocess_steps(source: Source, *, name: str | None = None) -> PreprocessSteps:
    """Run the whole pipeline on an image file and keep every stage (for showing them).

    ``decode -> grey_page -> find_ink -> pick_digit -> crop -> fit_box -> centre``. The
    file is decoded reduced where it can be (JPEG) and kept one byte a pixel, at most
    DETAIL_SIDE a side; the page is analysed in float32 at most WORK_SIDE a side, and the
    digit cut from the finer copy.

    Raises
    ------
    ImageError
        For an unusable file (see :func:`load_image`) or a page with no ink.
    """
    name = name or name_of(source)
    img, turn = decode(source, name=name, min_side=DETAIL_SIDE)
    detail = grey_page(img, name, turn, side=DETAIL_SIDE)
    del img  # the full-size decode is no longer needed
    factor = math.ceil(max(detail.shape) / WORK_SIDE)
    page = reduce_page(detail, factor)
    ink = find_ink(page, name)
    digit = pick_digit(ink.level)
    cropped = crop(digit) if factor == 1 else _fine_crop(detail, factor, ink, digit)
    grey_levels = page.astype(np.float32) * np.float32(1 / 255)
    return _lay_out(grey_levels, ink.paper, ink.level, digit, cropped)


def preprocess_array(ink: NDArray[np.generic], *, name: str = "ink array") -> PreprocessSteps:
    """Pick, crop, scale and centre an array that is already ink = 1 (e.g. from a canvas).

    Parameters
    ----------
    ink : ndarray, shape (H, W)
        Real numbers in [0, 1], ink = 1 on background = 0.
    name : str
        What error messages call the array.

    Returns
    -------
    PreprocessSteps
        `page` and `grey` are `ink` as float32, `paper` is 0; ``.vector`` is the network's
        input, shape (784,).

    Raises
    ------
    ImageError
        If `ink` is not a 2-D array of real numbers in [0, 1], or holds no ink.
    """
    if not isinstance(ink, np.ndarray) or ink.ndim != 2 or ink.size == 0:
        got = f"shape {ink.shape}" if isinstance(ink, np.ndarray) else type(ink).__name__
        raise ImageError(f"{name}: expected a non-empty 2-D array, got {got}")
    if ink.dtype.kind not in "biuf":
        raise ImageError(f"{name}: expected real numbers, got dtype {ink.dtype}")
    if ink.size > MAX_IMAGE_PIXELS:
        raise ImageError(f"{name}: {ink.size:,} values, over the limit of {MAX_IMAGE_PIXELS:,}")
    values = ink.astype(np.float64)
    if not np.isfinite(values).all() or values.min() < 0.0 or values.max() > 1.0:
        raise ImageError(f"{name}: values must lie in [0, 1] (ink = 1)")
    return _laid_out_ink(values.astype(np.float32), np.zeros(ink.shape, np.float32), name)


def _laid_out_ink(grey: Grey, paper: Grey, name: str) -> PreprocessSteps:
    """Pick, crop, scale and centre `grey`, float32 in [0, 1] (ink = 1); `paper` is kept
    as the page's paper. Raises ImageError if it holds no ink."""
    if float(grey.max()) < MIN_CONTRAST:
        raise ImageError(f"{name}: {BLANK}")
    digit = pick_digit(grey)
    return _lay_out(grey, paper, grey, digit, crop(digit))


def preprocess_drawing(source: Source, *, name: str | None = None) -> PreprocessSteps:
    """A drawing's image file (the web page's canvas: dark ink on white) -> every stage.

    A drawing has no lighting, tint or light-on-dark ink to undo, so the analysis photos and
    scans need (the paper's level, the ink's polarity: most of the pipeline's time) is left
    out: ``decode -> grey_page -> ink = 1 - grey -> preprocess_array``. `page` is the
    drawing in grey as it looks and `paper` plain white (1).

    Raises
    ------
    ImageError
        For an unusable file (see :func:`load_image`) or a drawing with no ink.
    """
    name = name or name_of(source)
    img, turn = decode(source, name=name, min_side=DETAIL_SIDE)
    detail = grey_page(img, name, turn, side=DETAIL_SIDE)
    del img
    page = reduce_page(detail, math.ceil(max(detail.shape) / WORK_SIDE))
    grey_levels = page.astype(np.float32) * np.float32(1 / 255)
    # float32 in [0, 1] already: preprocess_array's checks and float64 copy are not needed
    steps = _laid_out_ink(np.float32(1) - grey_levels, np.ones_like(grey_levels), name)
    return replace(steps, page=grey_levels)


def preprocess(source: Source, *, name: str | None = None) -> Grey:
    """An image file of one digit -> the network's input, shape (784,), float32 in [0, 1].

    Row-major 28x28, ink = 1 on 0, as MNIST (see preprocess_steps). Raises ImageError.
    """
    return preprocess_steps(source, name=name).vector


def _lay_out(page: Grey, paper: Grey, grey: Grey, digit: Grey, cropped: Grey) -> PreprocessSteps:
    scaled = fit_box(cropped)
    return PreprocessSteps(page, paper, grey, digit, cropped, scaled, centre(scaled))


def _fine_crop(detail: NDArray[np.uint8], factor: int, ink: Ink, digit: Grey) -> Grey:
    """The digit cut from the `factor` times finer page: the same ink mapping (see
    Ink.levels_of), with the paper's level resized to it, inside the digit's marks (grown by
    one working pixel), then cropped as :func:`crop` does."""
    top, bottom, left, right = ink_box(digit)
    top, left = max(top - 1, 0), max(left - 1, 0)
    bottom, right = min(bottom + 1, digit.shape[0] - 1), min(right + 1, digit.shape[1] - 1)
    rows = slice(top * factor, min((bottom + 1) * factor, detail.shape[0]))
    cols = slice(left * factor, min((right + 1) * factor, detail.shape[1]))
    grey = detail[rows, cols].astype(np.float32) * np.float32(1 / 255)
    size = (grey.shape[1], grey.shape[0])
    paper = Image.fromarray(ink.paper[top : bottom + 1, left : right + 1])
    paper_fine = np.asarray(paper.resize(size, Image.Resampling.BILINEAR), dtype=np.float32)
    marks = rank_filter(
        (digit[top : bottom + 1, left : right + 1] > 0).astype(np.float32), 3, np.max
    )
    inside = np.kron(marks, np.ones((factor, factor), np.float32))[: size[1], : size[0]]
    fine = ink.levels_of(grey, paper_fine) * inside
    return crop(fine) if float(fine.max()) >= INKED else crop(digit)
