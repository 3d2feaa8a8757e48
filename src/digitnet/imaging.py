"""A user's image of one handwritten digit -> MNIST's 28x28 convention.

MNIST (LeCun et al.) stores grey levels with white ink (1.0) on black (0.0). Each digit was
cropped to the bounding box of its ink, scaled to fit a 20x20 box keeping its aspect ratio
(anti-aliased), and placed in a 28x28 field so that its intensity-weighted centre of mass is
at the centre of the field. A network trained on MNIST has only seen digits like that, so a
photo, a scan or a drawing is brought to the same convention::

    load_image -> to_grey_ink -> crop -> scale into DIGIT_BOX -> centre in MNIST_SIDE

Coordinates are array indices (row, column) with pixel centres at integers. In these
coordinates MNIST's centres of mass lie within half a pixel of (14, 14) - the digits were
shifted by whole pixels - and so do ours.
"""

from __future__ import annotations

import io
import math
import os
import struct
import warnings
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import BinaryIO, TypeAlias

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from numpy.typing import NDArray
from PIL import Image, ImageOps, UnidentifiedImageError

from digitnet.errors import ImageError

MNIST_SIDE = 28
DIGIT_BOX = 20
MNIST_CENTRE = 14  # where MNIST puts the centre of mass, as a row and a column index
MAX_IMAGE_PIXELS = 40_000_000  # refuse larger images: a decompression bomb, not a digit
MAX_IMAGE_BYTES = 50 * 2**20
FORMATS = ("PNG", "JPEG", "GIF", "BMP", "TIFF", "WEBP")  # JPEG includes phones' MPO files
WORK_SIDE = 1024  # larger images are box-averaged down to about this before analysis
BACKGROUND_SIDE = 64  # the lighting is estimated on a copy this size ...
BACKGROUND_KERNEL = 17  # ... whose min filter is this wide (wider than a stroke) ...
EDGE_MARGIN = 2  # ... and max filter wider by this on each side (see _background)
MIN_CONTRAST = 0.05  # ink must differ from the paper by this much of full scale
INK_PERCENTILE = 70  # of the clearly-inked pixels: this level and above become 1.0
NOISE_FLOOR = 0.25  # normalised levels below this are paper texture, not ink
CROP_TRIM = 0.005  # fraction of the ink mass ignored at each side when cropping (specks)

Source: TypeAlias = "str | os.PathLike[str] | bytes | BinaryIO"
Grey: TypeAlias = NDArray[np.float32]
_READ_ERRORS = (OSError, SyntaxError, ValueError, EOFError, struct.error, zlib.error)


@dataclass(frozen=True)
class PreprocessSteps:
    """The stages of the pipeline, each a float32 array in [0, 1] with ink = 1.

    Attributes
    ----------
    grey : ndarray, shape (H, W)
        The whole image, ink-normalised (box-averaged to at most about WORK_SIDE a side).
    cropped : ndarray, shape (h, w)
        The bounding box of the ink in `grey`.
    scaled : ndarray, shape (h', w')
        `cropped` resized so that ``max(h', w') == DIGIT_BOX``, keeping the aspect ratio.
    centred : ndarray, shape (MNIST_SIDE, MNIST_SIDE)
        `scaled` pasted so that its centre of mass is at (MNIST_CENTRE, MNIST_CENTRE).
    """

    grey: Grey
    cropped: Grey
    scaled: Grey
    centred: Grey

    @property
    def vector(self) -> Grey:
        """The network's input: `centred` as one row-major vector, shape (784,)."""
        return self.centred.reshape(MNIST_SIDE * MNIST_SIDE)


def load_image(source: Source, *, name: str | None = None) -> Image.Image:
    """Open an image file safely and return its first frame, turned upright by its EXIF tag.

    Parameters
    ----------
    source : str, os.PathLike, bytes or binary file object
        The image file or its contents.
    name : str, optional
        What error messages call the file; defaults to the path or ``<bytes>``.

    Returns
    -------
    PIL.Image.Image
        Decoded, detached from the file, in the file's own mode ('L', 'RGBA', 'P', ...).

    Raises
    ------
    ImageError
        If the file is missing, over MAX_IMAGE_BYTES or MAX_IMAGE_PIXELS, empty, truncated,
        corrupt or not an image in one of FORMATS.
    """
    name = name or _name_of(source)
    data = _read_bytes(source, name)
    try:
        with warnings.catch_warnings():
            # Between its own limit and twice it Pillow only warns: refuse such a bomb too.
            # Its other warnings are about damaged metadata (common in phone photos) after
            # which it carries on; so do we, and the pixels decide.
            # (Filters are process-wide before Python 3.14; these two are harmless if seen.)
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            warnings.filterwarnings("ignore", category=UserWarning, module="PIL")
            img = Image.open(io.BytesIO(data), formats=FORMATS)
            width, height = img.size
            if width * height > MAX_IMAGE_PIXELS:
                raise ImageError(
                    f"{name}: image is {width}x{height} pixels, "
                    f"over the limit of {MAX_IMAGE_PIXELS:,}"
                )
            img.load()  # decode now, so a truncated file fails here
            upright = ImageOps.exif_transpose(img)  # a copy of the first frame only
    except ImageError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        limit = f"{MAX_IMAGE_PIXELS:,} pixels"
        raise ImageError(
            f"{name}: image is over the limit of {limit} (a decompression bomb?)"
        ) from None
    except UnidentifiedImageError:
        raise ImageError(f"{name}: not an image Pillow can read ({', '.join(FORMATS)})") from None
    except _READ_ERRORS as exc:
        if "truncated" in str(exc).lower():
            raise ImageError(f"{name}: truncated image file") from None
        detail = " ".join(str(exc).split()) or type(exc).__name__
        raise ImageError(f"{name}: damaged image file ({detail})") from None
    assert upright is not None  # exif_transpose returns a new image unless in_place
    return upright


def to_grey_ink(img: Image.Image, *, name: str = "image") -> Grey:
    """Turn an image of any mode into grey levels with ink = 1 and paper = 0.

    Transparent pixels show the paper. The paper is the majority of the pixels, so its level
    is the median; the ink is the far tail: if the 0.5th percentile lies farther below the
    median than the 99.5th lies above it, the ink is dark. The paper's level under uneven
    light, `lit`, is estimated by a rank-filter opening on a small copy; dark ink becomes
    ``d = 1 - grey / lit`` (the share of light it absorbs), light ink ``d = grey - lit``.
    Then ``v = d / ink_level``, clipped to [0, 1], with `ink_level` the INK_PERCENTILE of the
    clearly-inked pixels; levels below NOISE_FLOOR (or four noise deviations) become 0.

    Returns
    -------
    ndarray, shape (H, W), float32 in [0, 1]
        At the image's size, box-averaged to at most about WORK_SIDE on a side.

    Raises
    ------
    ImageError
        If the image is blank (no ink differs from the paper by MIN_CONTRAST).
    """
    grey = _luminance(img, name)
    paper = float(np.median(grey))
    low, high = np.percentile(grey, [0.5, 99.5])
    if paper - low > high - paper:  # dark ink: a fraction of the light the paper reflects
        lit = 1.0 - _background(1.0 - grey)  # the paper's level under uneven light
        return _normalise(1.0 - grey / np.maximum(lit, MIN_CONTRAST), name)
    return _normalise(grey - _background(grey), name)  # light ink: a glow above the dark


def preprocess_array(ink: NDArray[np.generic], *, name: str = "ink array") -> PreprocessSteps:
    """Crop, scale and centre an array that is already ink = 1 (e.g. from a browser canvas).

    Parameters
    ----------
    ink : ndarray, shape (H, W)
        Real numbers in [0, 1], ink = 1 on background = 0.
    name : str
        What error messages call the array.

    Returns
    -------
    PreprocessSteps
        `grey` is `ink` as float32; ``.vector`` is the network's input, shape (784,).

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
    grey = values.astype(np.float32)
    cropped = _crop(grey, name)
    scaled = _fit_box(cropped)
    return PreprocessSteps(grey, cropped, scaled, _centre(scaled))


def preprocess_steps(source: Source, *, name: str | None = None) -> PreprocessSteps:
    """Run the whole pipeline on an image file and keep every stage (for showing them).

    ``load_image -> to_grey_ink -> preprocess_array``; see those for `source`, `name` and
    the ImageError raised for an unusable file or a blank image.
    """
    name = name or _name_of(source)
    return preprocess_array(to_grey_ink(load_image(source, name=name), name=name), name=name)


def preprocess(source: Source, *, name: str | None = None) -> Grey:
    """An image file of one digit -> the network's input, shape (784,), float32 in [0, 1].

    Row-major 28x28, ink = 1 on 0, as MNIST (see preprocess_steps). Raises ImageError.
    """
    return preprocess_steps(source, name=name).vector


def _name_of(source: Source) -> str:
    if isinstance(source, (str, os.PathLike)):
        return str(os.fspath(source))
    if isinstance(source, (bytes, bytearray)):
        return "<bytes>"
    stream_name = getattr(source, "name", None)
    return stream_name if isinstance(stream_name, str) else "<stream>"


def _read_bytes(source: Source, name: str) -> bytes:
    """Read at most MAX_IMAGE_BYTES + 1 bytes, so an over-size file is refused unread."""
    limit = MAX_IMAGE_BYTES
    too_big = ImageError(f"{name}: file is over the limit of {limit:,} bytes")
    try:
        if isinstance(source, (bytes, bytearray)):
            data = bytes(source)
        elif isinstance(source, (str, os.PathLike)):
            if os.stat(source).st_size > limit:
                raise too_big
            with open(source, "rb") as file:
                data = file.read(limit + 1)
        else:
            data = source.read(limit + 1)
    except OSError as exc:
        raise ImageError(f"{name}: cannot read the file ({exc.strerror or exc})") from None
    if len(data) > limit:
        raise too_big
    if not data:
        raise ImageError(f"{name}: the file is empty")
    return data


def _luminance(img: Image.Image, name: str) -> Grey:
    """Grey levels in [0, 1] (ITU-R 601 luma), transparent pixels filled with the paper."""
    sixteen_bit = img.mode.startswith("I;16")
    deep = sixteen_bit or img.mode in ("I", "F")
    try:
        if img.mode == "LAB":
            img = img.getchannel("L")
        elif deep:
            img = img.convert("F")
        elif img.mode in ("RGBA", "LA", "PA", "RGBa") or "transparency" in img.info:
            img = _fill_transparent(img.convert("RGBA").convert("LA"))
        else:
            img = img.convert("L")
    except ValueError as exc:
        raise ImageError(f"{name}: cannot read colour mode {img.mode} ({exc})") from None
    factor = math.ceil(max(img.size) / WORK_SIDE)
    grey = np.asarray(img.reduce(factor) if factor > 1 else img, dtype=np.float32)
    if not deep:
        return grey / np.float32(255)
    # 32-bit and float images carry no full scale: take the smallest usual one that fits
    grey = np.nan_to_num(grey, nan=0.0, posinf=0.0, neginf=0.0)
    top = float(grey.max())
    full = 65535.0 if sixteen_bit else next((s for s in (1.0, 255.0, 65535.0) if top <= s), top)
    return np.clip(grey / np.float32(full), 0.0, 1.0)


def _fill_transparent(la: Image.Image) -> Image.Image:
    """Composite an 'LA' image over its paper: the background, never the ink.

    If most of the image is opaque, the opaque part is mostly paper and lends its mean
    level; if most is transparent (strokes exported from a drawing app), the opaque part is
    the ink, and the paper is its opposite, white under dark strokes, black under light.
    """
    factor = math.ceil(max(la.size) / BACKGROUND_SIDE)
    small = np.asarray(la.reduce(factor), dtype=np.float64) / 255
    level, alpha = small[..., 0], small[..., 1]
    opacity = float(alpha.mean())
    tone = float((level * alpha).sum() / alpha.sum()) if opacity > 0 else 1.0
    paper = tone if opacity >= 0.5 else float(tone < 0.5)
    filled = Image.new("L", la.size, round(255 * paper))
    filled.paste(la.getchannel("L"), mask=la.getchannel("A"))
    return filled


def _rank_filter(image: Grey, size: int, reduce: Callable[..., Grey]) -> Grey:
    """The min or max over a ``size`` x ``size`` window around each pixel, edges replicated.

    The same values as Pillow's MinFilter/MaxFilter (a test holds them equal), computed as a
    row pass then a column pass: about 20 times faster, most of a prediction's time before.
    """
    half = size // 2
    padded = np.pad(image, half, mode="edge")
    rows = reduce(sliding_window_view(padded, size, axis=1), axis=-1)
    return reduce(sliding_window_view(rows, size, axis=0), axis=-1)


def _background(up: Grey) -> Grey:
    """The paper's level under light ink: an opening (min then max filter) wider than the
    strokes, on a BACKGROUND_SIDE copy, resized back up (which smooths it).

    The max filter is wider than the min filter by EDGE_MARGIN on each side, so that a
    sharp edge in the background (a sheet of paper on a darker table) covers its own blur
    from the resizing rather than leaving a band of false ink. The copy is padded by odd
    reflection, which continues a lighting gradient past the image's edge, so the filters
    do not flatten it there.
    """
    h, w = up.shape
    scale = BACKGROUND_SIDE / max(h, w)
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    small = np.asarray(Image.fromarray(up).resize(size, Image.Resampling.BOX))
    pad = BACKGROUND_KERNEL + EDGE_MARGIN
    padded = np.pad(small, pad, mode="reflect", reflect_type="odd")
    padded = _rank_filter(padded, BACKGROUND_KERNEL, np.min)
    padded = _rank_filter(padded, BACKGROUND_KERNEL + 2 * EDGE_MARGIN, np.max)
    opened = padded[pad:-pad, pad:-pad]
    # Shading (vignettes, gradients) peaks at the edges; a plateau higher than any edge is a
    # blob of ink wider than the filters, so it is not taken for paper.
    ring = np.concatenate([opened[0], opened[-1], opened[:, 0], opened[:, -1]])
    opened = np.minimum(opened, ring.max())
    return np.asarray(
        Image.fromarray(opened).resize((w, h), Image.Resampling.BILINEAR), dtype=np.float32
    )


def _normalise(d: Grey, name: str) -> Grey:
    """Map the paper to 0 and the ink to 1; noise is estimated by the median absolute
    deviation, which the minority of ink pixels barely moves."""
    d = d - np.median(d)
    noise = 1.4826 * float(np.median(np.abs(d)))
    clear = d[d > max(MIN_CONTRAST, 4 * noise)]
    if clear.size == 0:
        raise ImageError(f"{name}: no digit found (the image is blank)")
    ink_level = float(np.percentile(clear, INK_PERCENTILE))
    v = np.clip(d / ink_level, 0.0, 1.0).astype(np.float32)
    v[v < max(NOISE_FLOOR, 4 * noise / ink_level)] = 0.0
    return v


def _crop(grey: Grey, name: str) -> Grey:
    """The bounding box of the ink, robust to specks: first the box of the ink's mass less
    CROP_TRIM of it on each side, then grown back over rows and columns next to it that hold
    ink (the digit's own thin ends), so that only ink detached from the digit is left out."""
    if float(grey.max()) < MIN_CONTRAST:
        raise ImageError(f"{name}: no digit found (the image is blank)")
    top, bottom = _mass_span(grey.sum(axis=1, dtype=np.float64))
    left, right = _mass_span(grey.sum(axis=0, dtype=np.float64))
    top, bottom = _grow(grey[:, left : right + 1].max(axis=1) >= MIN_CONTRAST, top, bottom)
    left, right = _grow(grey[top : bottom + 1].max(axis=0) >= MIN_CONTRAST, left, right)
    return grey[top : bottom + 1, left : right + 1]


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


def _fit_box(cropped: Grey) -> Grey:
    """Resize so the longer side is DIGIT_BOX, keeping the aspect ratio (Lanczos)."""
    h, w = cropped.shape
    scale = DIGIT_BOX / max(h, w)
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    scaled = Image.fromarray(cropped).resize(size, Image.Resampling.LANCZOS)
    return np.clip(np.asarray(scaled, dtype=np.float32), 0.0, 1.0)


def _centre(scaled: Grey) -> Grey:
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
