"""Random changes of the ink, drawn per image: thicker or thinner strokes, fainter, blurred.

Real pens, cameras and the pipeline that brings a photo to 28 x 28 leave digits whose
strokes are fatter or thinner than MNIST's, whose ink is greyer and whose edges are
softer. Each image ``x`` (grey levels in [0, 1], ink 1) draws its own

- thickness ``t`` uniform in ``[-thin, thicken]``: ``x <- x + t (D x - x)`` for ``t >= 0``
  and ``x <- x + |t| (E x - x)`` below, ``D`` and ``E`` the grey dilation and erosion by
  a 3 x 3 cross (the max and the min of a pixel and its four neighbours);
- blur ``b`` uniform in ``[0, blur]``: ``x <- x + b (G x - x)``, ``G`` the 3 x 3 binomial
  filter ``[1, 2, 1]^T [1, 2, 1] / 16``;
- contrast ``c`` uniform in ``[1 - contrast, 1]``: ``x <- c x``.

Pixels outside the image count as paper (0). The result is rounded back to uint8.
"""

from __future__ import annotations

import dataclasses
import numbers
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from digitnet.errors import ConfigError
from digitnet.mnist_shape import MNIST_SIDE

#: The largest value each :class:`InkVariation` setting may take (the least is 0).
INK_LIMITS = {"thicken": 1.0, "thin": 1.0, "blur": 1.0, "contrast": 0.9}

#: Images per step: the (CHUNK, 28, 28) float32 work arrays (400 kB each) stay in the L2
#: cache (measured on 50,000 images, 2 loaded cores: 1024 took 5.4 s, 256 4.0 s, 128 3.3 s).
CHUNK = 128
PIXEL_ROUNDING = 0.5


@dataclass(frozen=True)
class InkVariation:
    """How much to change each image's ink; every field 0 means no change.

    Parameters
    ----------
    thicken, thin : float
        The most a stroke grows toward its dilation (1: a whole pixel on each side) or
        shrinks toward its erosion.
    blur : float
        The most each image is mixed with its binomial blur.
    contrast : float
        The most each image's ink is dimmed, as a fraction of full scale.
    """

    thicken: float = 1.0
    thin: float = 0.5
    blur: float = 0.6
    contrast: float = 0.4

    def __post_init__(self) -> None:
        for setting in dataclasses.fields(self):
            value, limit = getattr(self, setting.name), INK_LIMITS[setting.name]
            if not (
                isinstance(value, numbers.Real)
                and not isinstance(value, bool)
                and 0 <= float(value) <= limit  # False for NaN
            ):
                raise ConfigError(
                    f"InkVariation.{setting.name} must be a number in [0, {limit:g}], got {value!r}"
                )


def _cross(x: NDArray[np.float32], reduce: np.ufunc) -> NDArray[np.float32]:
    """``reduce`` (np.maximum or np.minimum) of each pixel and its four neighbours, the
    border padded with 0: images (n, 28, 28)."""
    out = x.copy()
    reduce(out[:, 1:], x[:, :-1], out=out[:, 1:])  # the pixel above
    reduce(out[:, :-1], x[:, 1:], out=out[:, :-1])  # below
    reduce(out[:, :, 1:], x[:, :, :-1], out=out[:, :, 1:])  # left
    reduce(out[:, :, :-1], x[:, :, 1:], out=out[:, :, :-1])  # right
    if reduce is np.minimum:  # the paper around the image erodes the edge pixels
        for edge in (out[:, 0], out[:, -1], out[:, :, 0], out[:, :, -1]):
            edge[...] = 0
    return out


def _binomial(x: NDArray[np.float32]) -> NDArray[np.float32]:
    """The 3 x 3 binomial blur ``[1, 2, 1]^T [1, 2, 1] / 16``, 0 outside: (n, 28, 28)."""
    padded = np.pad(x, ((0, 0), (1, 1), (1, 1)))
    quarter = np.float32(0.25)
    rows = (padded[:, :-2] + 2 * padded[:, 1:-1] + padded[:, 2:]) * quarter
    return (rows[:, :, :-2] + 2 * rows[:, :, 1:-1] + rows[:, :, 2:]) * quarter


def vary_ink(
    images: NDArray[np.uint8],
    variation: InkVariation,
    rng: np.random.Generator,
    out: NDArray[np.uint8],
) -> NDArray[np.uint8]:
    """``out`` <- each of ``images`` with its own random ink (see the module's docstring).

    ``images`` and ``out`` are (n_images, 784) uint8, white ink on black; they may be the
    same array. The same generator state gives the same images.
    """
    n = len(images)
    thickness = rng.uniform(-variation.thin, variation.thicken, n).astype(np.float32)
    blur = rng.uniform(0.0, variation.blur, n).astype(np.float32)
    contrast = rng.uniform(1.0 - variation.contrast, 1.0, n).astype(np.float32)
    for start in range(0, n, CHUNK):
        rows = slice(start, min(start + CHUNK, n))
        x = images[rows].reshape(-1, MNIST_SIDE, MNIST_SIDE).astype(np.float32)
        t = thickness[rows, None, None]
        grow = t[:, 0, 0] >= 0
        x[grow] += t[grow] * (_cross(x[grow], np.maximum) - x[grow])
        x[~grow] -= t[~grow] * (_cross(x[~grow], np.minimum) - x[~grow])
        x += blur[rows, None, None] * (_binomial(x) - x)
        x *= contrast[rows, None, None]
        x += np.float32(PIXEL_ROUNDING)
        out[rows] = x.reshape(len(x), -1)  # truncation: 0 <= x < 255.5
    return out
