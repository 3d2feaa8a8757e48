"""The ways a written digit reaches digitnet: pens and papers, apps, photos, scanned pages.

Each style is a function ``(digit's ink mask maker, rng) -> (image, file format)``: it
chooses the pen's width, the digit's size and place, the paper and ink colours, the light,
the blur and noise, and the file format the image is saved in. Colours are RGB in [0, 1].
"""

from __future__ import annotations

import io
from collections.abc import Callable

import numpy as np
from numpy.typing import NDArray
from PIL import Image, ImageFilter

#: Draws a digit's ink mask, given the pen's width range (box heights) and the digit's
#: height in pixels: ``(width_range, height) -> coverage``, (h, w) float32 in [0, 1].
DrawMask = Callable[[tuple[float, float], float], NDArray[np.float32]]
Style = Callable[[DrawMask, np.random.Generator], tuple[Image.Image, str]]

WHITE = (1.0, 1.0, 1.0)
BILEVEL_THRESHOLD = 128  # grey levels at least this become white in 1-bit files


def _paper(rng: np.random.Generator, shape: tuple[int, int], tint: float) -> NDArray[np.float32]:
    """An (h, w, 3) page of off-white paper, up to ``tint`` darker, a little coloured."""
    colour = 1.0 - rng.uniform(0.0, tint) - rng.uniform(0.0, tint / 4, 3)
    return np.broadcast_to(np.float32(colour), (*shape, 3)).copy()


def _place(
    page: NDArray[np.float32],
    mask: NDArray[np.float32],
    ink: tuple[float, ...] | NDArray[np.float64],
    rng: np.random.Generator,
    opacity: float = 1.0,
) -> NDArray[np.float32]:
    """Lay ``mask``'s ink of colour ``ink`` at a random place on ``page``, (h, w, channels),
    in place; a mask larger than the page is cut off at its right and bottom."""
    h, w = mask.shape
    top = int(rng.integers(0, max(1, page.shape[0] - h + 1)))
    left = int(rng.integers(0, max(1, page.shape[1] - w + 1)))
    region = page[top : top + h, left : left + w]
    alpha = (opacity * mask[: region.shape[0], : region.shape[1]])[..., None]
    region += alpha * (np.asarray(ink, np.float32) - region)
    return page


def _light(page: NDArray[np.float32], rng: np.random.Generator, depth: float) -> None:
    """Uneven light: a linear fall-off in a random direction, down to ``1 - depth``."""
    h, w = page.shape[:2]
    angle = rng.uniform(0, 2 * np.pi)
    rows, cols = np.mgrid[0:h, 0:w].astype(np.float32)
    ramp = np.cos(angle) * cols / w + np.sin(angle) * rows / h
    ramp = (ramp - ramp.min()) / max(float(np.ptp(ramp)), 1e-6)
    page *= (1.0 - depth * ramp)[..., None]


def _finish(
    page: NDArray[np.float32], rng: np.random.Generator, *, noise: float, blur: float
) -> Image.Image:
    """Sensor noise of deviation ``noise``, a Gaussian blur of ``blur`` pixels, to 8 bits."""
    if noise > 0:
        page += rng.normal(0.0, noise, page.shape).astype(np.float32)
    img = Image.fromarray(np.round(np.clip(page, 0, 1) * 255).astype(np.uint8), "RGB")
    return img.filter(ImageFilter.GaussianBlur(blur)) if blur > 0 else img


def _square(rng: np.random.Generator, height: float, low: float, high: float) -> tuple[int, int]:
    """A canvas whose sides are ``low``..``high`` times the digit's height."""
    return tuple(int(height * rng.uniform(low, high)) for _ in range(2))  # type: ignore[return-value]


def pen(draw: DrawMask, rng: np.random.Generator) -> tuple[Image.Image, str]:
    """Black or dark ink on white paper, cleanly scanned: a PNG."""
    height = rng.uniform(40, 220)
    mask = draw((0.05, 0.14), height)
    page = _paper(rng, _square(rng, height, 1.2, 2.5), 0.04)
    return _finish(_place(page, mask, rng.uniform(0, 0.2, 3), rng), rng, noise=0, blur=0), "PNG"


def pencil(draw: DrawMask, rng: np.random.Generator) -> tuple[Image.Image, str]:
    """Grey graphite, thin and faint, on textured paper: a JPEG."""
    height = rng.uniform(50, 200)
    mask = draw((0.02, 0.06), height)
    page = _paper(rng, _square(rng, height, 1.3, 2.5), 0.08)
    page = _place(page, mask, (0.25, 0.25, 0.27), rng, opacity=rng.uniform(0.45, 0.85))
    image = _finish(page, rng, noise=rng.uniform(0.01, 0.03), blur=rng.uniform(0, 0.8))
    return image, "JPEG"


def ballpoint(draw: DrawMask, rng: np.random.Generator) -> tuple[Image.Image, str]:
    """Blue ballpoint on cream paper, JPEG-compressed hard."""
    height = rng.uniform(40, 180)
    mask = draw((0.03, 0.08), height)
    page = _paper(rng, _square(rng, height, 1.2, 2.2), 0.12)
    blue = (rng.uniform(0.05, 0.2), rng.uniform(0.1, 0.3), rng.uniform(0.45, 0.75))
    page = _place(page, mask, blue, rng, opacity=rng.uniform(0.7, 1.0))
    return _finish(page, rng, noise=rng.uniform(0, 0.02), blur=rng.uniform(0, 0.6)), "JPEG"


def marker(draw: DrawMask, rng: np.random.Generator) -> tuple[Image.Image, str]:
    """Fat light strokes on a dark board (chalk, a paint app's white on black): a PNG."""
    height = rng.uniform(60, 240)
    mask = draw((0.12, 0.24), height)
    board = rng.uniform(0.0, 0.25, 3)
    page = np.broadcast_to(np.float32(board), (*_square(rng, height, 1.2, 2.0), 3)).copy()
    page = _place(page, mask, 1.0 - rng.uniform(0, 0.15, 3), rng)
    return _finish(page, rng, noise=rng.uniform(0, 0.02), blur=0), "PNG"


def canvas(draw: DrawMask, rng: np.random.Generator) -> tuple[Image.Image, str]:
    """A drawing app's export: strokes on a transparent layer, or white on black, 280 px."""
    height = rng.uniform(120, 240)
    mask = draw((0.06, 0.16), height)
    side = 280
    if rng.random() < 0.5:  # strokes alone on a transparent layer (RGBA)
        alpha = _place(np.zeros((side, side, 1), np.float32), mask, (1.0,), rng)
        rgba = np.empty((side, side, 4), np.uint8)
        rgba[..., :3] = np.round(rng.uniform(0, 0.3, 3) * 255)
        rgba[..., 3] = np.round(alpha[..., 0] * 255)
        return Image.fromarray(rgba, "RGBA"), "PNG"
    page = np.zeros((side, side, 3), np.float32)
    return _finish(_place(page, mask, WHITE, rng), rng, noise=0, blur=0), "PNG"


def formats(draw: DrawMask, rng: np.random.Generator) -> tuple[Image.Image, str]:
    """Pen on paper saved as GIF, BMP (some 1-bit), WEBP or TIFF, some of them greyscale."""
    image, _ = pen(draw, rng)
    kind = str(rng.choice(["GIF", "BMP", "WEBP", "TIFF"]))
    mode = str(rng.choice(["RGB", "L", "1"] if kind == "BMP" else ["RGB", "L"]))
    if mode == "1":  # a fax-like threshold, not dithering's speckled paper
        return image.convert("L").point(lambda v: 255 if v >= BILEVEL_THRESHOLD else 0, "1"), kind
    return image.convert(mode), kind


def photo(draw: DrawMask, rng: np.random.Generator) -> tuple[Image.Image, str]:
    """A phone's photo of a note: tinted paper, a shadow across it, noise, blur, JPEG."""
    short = int(rng.uniform(360, 720))
    shape = (int(short * rng.uniform(1.0, 1.4)), short)
    height = short * rng.uniform(0.3, 0.7)
    mask = draw((0.04, 0.12), height)
    page = _paper(rng, shape, 0.2)
    page = _place(page, mask, rng.uniform(0, 0.25, 3), rng)
    _light(page, rng, rng.uniform(0.1, 0.5))
    image = _finish(page, rng, noise=rng.uniform(0.01, 0.04), blur=rng.uniform(0.3, 1.5))
    return image, "JPEG"


def page(draw: DrawMask, rng: np.random.Generator) -> tuple[Image.Image, str]:
    """A small digit on a big scanned or photographed page (1,000-2,000 px): a JPEG."""
    short = int(rng.uniform(1000, 1600))
    shape = (int(short * rng.uniform(1.2, 1.45)), short)
    height = rng.uniform(40, 140)
    mask = draw((0.04, 0.12), height)
    paper = _paper(rng, shape, 0.15)
    paper = _place(paper, mask, rng.uniform(0, 0.25, 3), rng)
    _light(paper, rng, rng.uniform(0.0, 0.35))
    image = _finish(paper, rng, noise=rng.uniform(0.005, 0.03), blur=rng.uniform(0, 1.0))
    return image, "JPEG"


#: Name -> style, in the order reports list them.
STYLES: dict[str, Style] = {
    "pen": pen,
    "pencil": pencil,
    "ballpoint": ballpoint,
    "marker": marker,
    "canvas": canvas,
    "formats": formats,
    "photo": photo,
    "page": page,
}


def encode(image: Image.Image, kind: str, rng: np.random.Generator) -> bytes:
    """``image`` as the bytes of a ``kind`` file (JPEG and WEBP at a random quality)."""
    buffer = io.BytesIO()
    options = {"quality": int(rng.integers(55, 95))} if kind in ("JPEG", "WEBP") else {}
    image.save(buffer, format=kind, **options)
    return buffer.getvalue()
