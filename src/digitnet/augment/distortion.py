"""Random distortions of a digit: affine maps and Simard's elastic fields, drawn per image.

See :mod:`digitnet.augment` for the maths of ``s(p) = M p + o + E d(p)``.
"""

from __future__ import annotations

import dataclasses
import math
import numbers
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from digitnet.errors import ConfigError
from digitnet.mnist_shape import MNIST_CENTRE, MNIST_PIXELS, MNIST_SIDE

#: Images per NumPy step: its ~20 work arrays of CHUNK x 784 then stay in the L2 cache
#: (measured: 256 takes 0.55 s per 50,000 images, 512 and more 1.3-1.8 s).
CHUNK = 256

#: Simard's Gaussian is cut off at this many standard deviations (as scipy's default).
GAUSSIAN_TRUNCATE = 4.0
N_SYMMETRIES = 8  # of the square: 4 rotations, each mirrored or not

#: The largest value each :class:`Distortion` setting may take (the least is 0).
DISTORTION_LIMITS = {
    "rotation_degrees": 180.0,
    "scale": 0.5,
    "shear": 1.0,
    "shift_pixels": MNIST_SIDE / 2,
    "elastic_alpha": 200.0,
    "elastic_sigma": 10.0,
}


@dataclass(frozen=True)
class Distortion:
    """How strongly to distort each image; every field 0 means no change.

    Each image draws its own values, uniformly in the ranges below. The defaults are
    Simard et al.'s elastic setting (alpha 34, sigma 4) with mild affine maps.

    Parameters
    ----------
    rotation_degrees : float
        Rotation angle, uniform in ``[-rotation_degrees, rotation_degrees]``.
    scale : float
        Scale factor, uniform in ``[1 - scale, 1 + scale]``.
    shear : float
        Shear ``k`` uniform in ``[-shear, shear]``: ``column += k * row``.
    shift_pixels : float
        Translation, uniform in ``[-shift_pixels, shift_pixels]`` along each axis.
    elastic_alpha : float
        Scale of the elastic displacements, in pixels (Simard's alpha).
    elastic_sigma : float
        Standard deviation, in pixels, of the Gaussian that smooths the random field
        (Simard's sigma): small values give noise, large ones an almost affine map.
    """

    rotation_degrees: float = 10.0
    scale: float = 0.1
    shear: float = 0.1
    shift_pixels: float = 2.0
    elastic_alpha: float = 34.0
    elastic_sigma: float = 4.0

    def __post_init__(self) -> None:
        for setting in dataclasses.fields(self):
            value, limit = getattr(self, setting.name), DISTORTION_LIMITS[setting.name]
            if not (
                isinstance(value, numbers.Real)
                and not isinstance(value, bool)
                and 0 <= float(value) <= limit  # False for NaN
            ):
                raise ConfigError(
                    f"Distortion.{setting.name} must be a number in [0, {limit:g}], got {value!r}"
                )


@dataclass(frozen=True)
class Warps:
    """One map per image from output pixels to source points: ``s(p) = M p + o + E d(p)``.

    ``p = (row, column)`` are array indices, and ``d(p) = fields[field, :, q(p)]`` with
    ``q(p) = SYMMETRIES[symmetry, p]`` (``fields`` flattened to (bank_size, 2, 784)).

    Parameters
    ----------
    matrix : ndarray of float32, shape (n_images, 2, 2)
        ``M``, the linear part of the inverse affine map.
    offset : ndarray of float32, shape (n_images, 2)
        ``o``, in pixels (row, column).
    elastic : ndarray of float32, shape (n_images, 2, 2)
        ``E``, which maps a field's displacement into the source image.
    field : ndarray of intp, shape (n_images,)
        Which field of the bank each image uses.
    symmetry : ndarray of intp, shape (n_images,)
        Which symmetry of the square (0..7) each image applies to its field.
    """

    matrix: NDArray[np.float32]
    offset: NDArray[np.float32]
    elastic: NDArray[np.float32]
    field: NDArray[np.intp]
    symmetry: NDArray[np.intp]


def _symmetries() -> NDArray[np.intp]:
    """``(8, 784)``: pixel ``p`` of a field turned or mirrored is its pixel ``SYMMETRIES[g, p]``."""
    grid = np.arange(MNIST_PIXELS).reshape(MNIST_SIDE, MNIST_SIDE)
    turns = [np.rot90(square, k) for square in (grid, grid.T) for k in range(4)]
    return np.stack(turns).reshape(N_SYMMETRIES, MNIST_PIXELS).astype(np.intp)


SYMMETRIES = _symmetries()


def gaussian_kernel(sigma: float) -> NDArray[np.float64]:
    """``w_k`` proportional to ``exp(-k^2 / (2 sigma^2))`` for ``|k| <= 4 sigma``, sum 1.

    ``sigma`` 0 gives ``[1.0]``, which leaves a field unsmoothed.
    """
    radius = math.ceil(GAUSSIAN_TRUNCATE * sigma)
    if radius == 0:
        return np.ones(1)
    k = np.arange(-radius, radius + 1)
    weights = np.exp(-(k**2) / (2.0 * sigma**2))
    return weights / weights.sum()


def elastic_fields(
    rng: np.random.Generator, count: int, *, alpha: float, sigma: float
) -> NDArray[np.float32]:
    """Smooth random displacement fields, Simard et al.'s recipe.

    ``d = alpha * (G_sigma * u)``, ``u`` uniform in (-1, 1) at every pixel, independently
    for the row and column displacement, and ``G_sigma`` a Gaussian filter. The noise is
    drawn ``radius`` pixels beyond the image on each side and the convolution kept where it
    is complete, so the border is as smooth as the middle. Each displacement then has
    standard deviation ``alpha * sqrt(1/3) * sum_k w_k^2`` (about 1.4 pixels for the
    defaults alpha 34, sigma 4).

    Returns
    -------
    ndarray of float32, shape (count, 2, 28, 28)
        ``[i, 0]`` row and ``[i, 1]`` column displacements, in pixels.
    """
    weights = gaussian_kernel(sigma)
    wide = MNIST_SIDE + len(weights) - 1
    # The separable convolution as two matrix products: (noise @ band)[..., j] is
    # sum_k noise[..., j + k] w_k, the "valid" part of the convolution along a row.
    band = np.zeros((wide, MNIST_SIDE), np.float32)
    for j in range(MNIST_SIDE):
        band[j : j + len(weights), j] = weights
    out = np.empty((count, 2, MNIST_SIDE, MNIST_SIDE), np.float32)
    for start in range(0, count, CHUNK):  # bounds the noise's memory for wide kernels
        n = min(CHUNK, count - start)
        noise = rng.random((n, 2, wide, wide), dtype=np.float32) * 2 - 1
        out[start : start + n] = band.T @ (noise @ band) * np.float32(alpha)
    return out


def affine_maps(
    theta: NDArray[np.float64],
    scale: NDArray[np.float64],
    shear: NDArray[np.float64],
    shift: NDArray[np.float64],
) -> tuple[NDArray[np.floating[Any]], NDArray[np.floating[Any]]]:
    """``M`` and ``o`` that undo ``p' - c = A (p - c) + t`` for each image: ``p = M p' + o``.

    ``A = scale R(theta) H(shear)`` acts on (row, column) vectors, with
    ``R = [[cos, -sin], [sin, cos]]`` and ``H = [[1, 0], [shear, 1]]``; ``c = (14, 14)``;
    ``t = shift``, (n_images, 2) in pixels. So ``M = A^-1`` and ``o = c - M (c + t)``.

    Returns
    -------
    matrix : ndarray, shape (n_images, 2, 2)
    offset : ndarray, shape (n_images, 2)
    """
    cos, sin = np.cos(theta), np.sin(theta)
    forward = np.empty((len(theta), 2, 2))  # R H, written out
    forward[:, 0, 0] = cos - sin * shear
    forward[:, 0, 1] = -sin
    forward[:, 1, 0] = sin + cos * shear
    forward[:, 1, 1] = cos
    forward *= scale[:, None, None]
    matrix = np.linalg.inv(forward)
    centre = np.full(2, float(MNIST_CENTRE))
    return matrix, centre - np.einsum("nij,nj->ni", matrix, centre + shift)


def random_warps(
    distortion: Distortion, rng: np.random.Generator, n_images: int, bank_size: int
) -> Warps:
    """Draw one random :class:`Warps` map per image (see the module's docstring)."""
    degrees, scale, shear = distortion.rotation_degrees, distortion.scale, distortion.shear
    matrix, offset = affine_maps(
        np.radians(rng.uniform(-degrees, degrees, n_images)),
        rng.uniform(1 - scale, 1 + scale, n_images),
        rng.uniform(-shear, shear, n_images),
        rng.uniform(-distortion.shift_pixels, distortion.shift_pixels, (n_images, 2)),
    )
    # S: the field's two components, each negated or not, swapped or not.
    signs = rng.choice((-1.0, 1.0), (n_images, 2))
    swap = rng.integers(0, 2, n_images).astype(bool)
    mixing = np.zeros((n_images, 2, 2))
    mixing[:, 0, 0] = np.where(swap, 0.0, signs[:, 0])
    mixing[:, 1, 1] = np.where(swap, 0.0, signs[:, 1])
    mixing[:, 0, 1] = np.where(swap, signs[:, 0], 0.0)
    mixing[:, 1, 0] = np.where(swap, signs[:, 1], 0.0)
    return Warps(
        matrix=matrix.astype(np.float32),
        offset=offset.astype(np.float32),
        elastic=(matrix @ mixing).astype(np.float32),
        field=rng.integers(0, bank_size, n_images).astype(np.intp),
        symmetry=rng.integers(0, N_SYMMETRIES, n_images).astype(np.intp),
    )
