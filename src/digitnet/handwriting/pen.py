"""A hand holding a pen: a skeleton, wobbled and slanted, drawn as an antialiased mask.

The hand moves each control point a little (``jitter``, in box heights), then the whole
digit by ``x' = aspect * (x + slant * (0.5 - y))`` turned by ``rotation``; the pen traces a
Catmull-Rom spline through the points, ``width`` box heights wide with round ends, drawn
``SUPERSAMPLE`` times larger and box-averaged down, so every pixel holds the share of it
the ink covers.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from PIL import Image, ImageDraw

from digitnet.handwriting.skeletons import Skeleton, Stroke

SUPERSAMPLE = 4  # each output pixel is drawn as SUPERSAMPLE x SUPERSAMPLE
SPLINE_STEPS = 8  # points of the spline between two control points
MARGIN_PIXELS = 2  # blank pixels kept around the ink


@dataclass(frozen=True)
class Hand:
    """How one digit is written; lengths in heights of the digit's box.

    Attributes
    ----------
    jitter : float
        Standard deviation of each control point's wobble.
    slant : float
        Shear: the top moves right by ``slant / 2`` and the bottom left as much.
    rotation : float
        Degrees, clockwise on the page.
    aspect : float
        Width multiplier (narrow or wide writing).
    width : float
        The pen's width: 0.02 is a sharp pencil, 0.2 a fat marker.
    """

    jitter: float
    slant: float
    rotation: float
    aspect: float
    width: float

    @classmethod
    def draw(cls, rng: np.random.Generator, width: tuple[float, float]) -> Hand:
        """A random hand, its pen's width log-uniform in ``width``."""
        return cls(
            jitter=float(rng.uniform(0.0, 0.03)),
            slant=float(rng.normal(0.1, 0.2)),
            rotation=float(rng.uniform(-10, 10)),
            aspect=float(rng.uniform(0.75, 1.3)),
            width=float(np.exp(rng.uniform(*np.log(width)))),
        )


def trace(stroke: Stroke | NDArray[np.float64]) -> NDArray[np.float64]:
    """The Catmull-Rom spline through ``stroke``'s points: (n_points, 2), ``(x, y)``."""
    points = np.asarray(stroke, dtype=np.float64)
    if len(points) < 3:
        return points
    padded = np.concatenate([points[:1], points, points[-1:]])
    t = np.linspace(0.0, 1.0, SPLINE_STEPS, endpoint=False)[:, None]
    pieces = []
    for k in range(1, len(padded) - 2):
        p0, p1, p2, p3 = padded[k - 1], padded[k], padded[k + 1], padded[k + 2]
        pieces.append(
            0.5
            * (
                2 * p1
                + (p2 - p0) * t
                + (2 * p0 - 5 * p1 + 4 * p2 - p3) * t**2
                + (3 * p1 - p0 - 3 * p2 + p3) * t**3
            )
        )
    return np.concatenate([*pieces, points[-1:]])


def write(skeleton: Skeleton, hand: Hand, rng: np.random.Generator) -> list[NDArray[np.float64]]:
    """The pen's paths for ``skeleton`` in ``hand``: one (n, 2) array per stroke, box units."""
    turn = math.radians(hand.rotation)
    rotate = np.array([[math.cos(turn), -math.sin(turn)], [math.sin(turn), math.cos(turn)]])
    paths = []
    for stroke in skeleton:
        points = np.asarray(stroke) + rng.normal(0.0, hand.jitter, (len(stroke), 2))
        points[:, 0] = hand.aspect * (points[:, 0] + hand.slant * (0.5 - points[:, 1]))
        paths.append(trace(points - 0.5) @ rotate.T)
    return paths


def rasterise(paths: list[NDArray[np.float64]], height: float, width: float) -> NDArray[np.float32]:
    """The ink's coverage of each pixel, float32 in [0, 1], the digit ``height`` pixels tall.

    ``width`` is the pen's width in box heights; the array is cropped to the ink plus
    MARGIN_PIXELS.
    """
    points = np.concatenate(paths)
    top = points.min(axis=0)
    scale = height / max(float(np.ptp(points[:, 1])), 1e-6)
    pen = max(width * height, 0.6)  # pixels; thinner than this no pen draws
    pad = pen / 2 + MARGIN_PIXELS
    size = np.ceil(np.ptp(points, axis=0) * scale + 2 * pad).astype(int)
    canvas = Image.new("L", (int(size[0]) * SUPERSAMPLE, int(size[1]) * SUPERSAMPLE), 0)
    draw = ImageDraw.Draw(canvas)
    radius = pen * SUPERSAMPLE / 2
    for path in paths:
        xy = ((path - top) * scale + pad) * SUPERSAMPLE
        line = [tuple(p) for p in xy]
        draw.line(line, fill=255, width=max(1, round(2 * radius)), joint="curve")
        for x, y in (xy[0], xy[-1]):  # round ends
            draw.ellipse((x - radius, y - radius, x + radius, y + radius), fill=255)
    small = canvas.reduce(SUPERSAMPLE)
    return np.asarray(small, dtype=np.float32) / np.float32(255)
