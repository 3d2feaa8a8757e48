"""Distorted copies of digits: geometry, ink, randomness, settings, and Numba against NumPy."""

from __future__ import annotations

import math

import numpy as np
import pytest

from digitnet import augment
from digitnet.augment import (
    Augmenter,
    Distortion,
    Warps,
    affine_maps,
    elastic_fields,
    gaussian_kernel,
    random_warps,
    warp,
)
from digitnet.data.mnist import MNIST_PIXELS, MNIST_SIDE
from digitnet.engines.numba_kernels import numba_available
from digitnet.errors import ConfigError, DataError

NO_DISTORTION = Distortion(0, 0, 0, 0, 0, 0)
ENGINES = [
    False,
    pytest.param(
        True, marks=pytest.mark.skipif(not numba_available(), reason="Numba is not installed")
    ),
]
WARPERS = [
    warp,
    pytest.param(
        augment.warp_compiled,
        marks=pytest.mark.skipif(not numba_available(), reason="Numba is not installed"),
    ),
]


@pytest.fixture(scope="module")
def digits(mnist) -> np.ndarray:
    """300 MNIST training digits, uint8 rows of 784 pixels."""
    return mnist.training.images[:300].copy()


def noise_images(n: int, seed: int = 0) -> np.ndarray:
    """Random grey levels everywhere: every pixel matters, so any slip shows."""
    return np.random.default_rng(seed).integers(0, 256, (n, MNIST_PIXELS), dtype=np.uint8)


def as_squares(images: np.ndarray) -> np.ndarray:
    return images.reshape(-1, MNIST_SIDE, MNIST_SIDE).astype(np.float64)


def ink(images: np.ndarray) -> np.ndarray:
    return as_squares(images).sum(axis=(1, 2))


def centres_of_mass(images: np.ndarray) -> np.ndarray:
    """(n, 2): the intensity-weighted mean (row, column) of each image."""
    squares = as_squares(images)
    rows, columns = np.indices((MNIST_SIDE, MNIST_SIDE))
    mass = squares.sum(axis=(1, 2))
    return np.stack(
        [(squares * rows).sum(axis=(1, 2)) / mass, (squares * columns).sum(axis=(1, 2)) / mass],
        axis=1,
    )


def fixed_warps(theta=0.0, scale=1.0, shear=0.0, shift=(0.0, 0.0), n=1) -> Warps:
    """The same affine map for ``n`` images, without elastic displacement."""
    matrix, offset = affine_maps(
        np.full(n, theta), np.full(n, scale), np.full(n, shear), np.tile(shift, (n, 1))
    )
    return Warps(
        matrix=matrix.astype(np.float32),
        offset=offset.astype(np.float32),
        elastic=np.zeros((n, 2, 2), np.float32),
        field=np.zeros(n, np.intp),
        symmetry=np.zeros(n, np.intp),
    )


NO_FIELDS = np.zeros((1, 2, MNIST_SIDE, MNIST_SIDE), np.float32)


@pytest.mark.parametrize("compiled", ENGINES)
def test_no_distortion_returns_the_images_unchanged(compiled: bool) -> None:
    images = noise_images(300)
    augmenter = Augmenter(NO_DISTORTION, rng=np.random.default_rng(0), compiled=compiled)
    assert np.array_equal(augmenter.distort(images, np.random.default_rng(1)), images)


@pytest.mark.parametrize("resample", WARPERS)
@pytest.mark.parametrize("shift", [(2, -3), (-1, 0), (0, 5)])
def test_integer_shift_moves_every_pixel_by_exactly_that(resample, shift) -> None:
    images = noise_images(3)
    moved = resample(images, fixed_warps(shift=shift, n=3), NO_FIELDS, np.empty_like(images))
    dr, dc = shift
    expected = np.zeros((3, MNIST_SIDE, MNIST_SIDE), np.uint8)
    rows_to, rows_from = slice(max(dr, 0), MNIST_SIDE + min(dr, 0)), slice(max(-dr, 0), None)
    cols_to, cols_from = slice(max(dc, 0), MNIST_SIDE + min(dc, 0)), slice(max(-dc, 0), None)
    expected[:, rows_to, cols_to] = images.reshape(-1, MNIST_SIDE, MNIST_SIDE)[
        :, rows_from, cols_from
    ][:, : MNIST_SIDE - abs(dr), : MNIST_SIDE - abs(dc)]
    assert np.array_equal(moved.reshape(-1, MNIST_SIDE, MNIST_SIDE), expected)


def test_quarter_turn_about_the_mnist_centre_is_rot90_one_row_down() -> None:
    # p' - c = R (p - c) with c = (14, 14) sends (row, col) to (28 - col, row), which is
    # np.rot90's (27 - col, row) one row lower.
    images = noise_images(2)
    turned = warp(images, fixed_warps(theta=math.pi / 2, n=2), NO_FIELDS, np.empty_like(images))
    expected = np.zeros((2, MNIST_SIDE, MNIST_SIDE), np.uint8)
    expected[:, 1:] = np.rot90(images.reshape(-1, MNIST_SIDE, MNIST_SIDE), axes=(1, 2))[:, :-1]
    assert np.array_equal(turned.reshape(-1, MNIST_SIDE, MNIST_SIDE), expected)


def test_scaling_by_a_tenth_grows_the_ink_by_its_square(digits) -> None:
    n = len(digits)
    larger = warp(digits, fixed_warps(scale=1.1, n=n), NO_FIELDS, np.empty_like(digits))
    ratios = ink(larger) / ink(digits)  # bilinear blur changes a thin stroke's ink a little
    assert abs(ratios.mean() - 1.1**2) < 0.01 and np.all(np.abs(ratios - 1.1**2) < 0.06)


@pytest.mark.parametrize("compiled", ENGINES)
def test_rotation_and_scale_keep_the_ink_and_its_centre(digits, compiled: bool) -> None:
    distortion = Distortion(
        rotation_degrees=15, scale=0.05, shear=0, shift_pixels=0, elastic_alpha=0
    )
    augmenter = Augmenter(distortion, rng=np.random.default_rng(0), compiled=compiled)
    moved = augmenter.distort(digits, np.random.default_rng(1))
    assert not np.array_equal(moved, digits)
    assert np.all(np.abs(ink(moved) / ink(digits) - 1) < 0.15)
    assert np.all(np.abs(centres_of_mass(moved) - centres_of_mass(digits)) < 1.0)


def test_shifts_move_the_centre_of_mass_at_most_shift_pixels(digits) -> None:
    augmenter = Augmenter(Distortion(0, 0, 0, 2.0, 0, 0), rng=np.random.default_rng(0))
    moved = augmenter.distort(digits, np.random.default_rng(1))
    steps = np.abs(centres_of_mass(moved) - centres_of_mass(digits))
    assert steps.max() <= 2.0 + 0.05  # + rounding to grey levels
    assert steps.max() > 1.5  # 600 draws uniform in [-2, 2]: some come close to 2


def test_default_distortion_keeps_digits_whole(digits) -> None:
    """Guards against gross mistakes (a field 10x too strong, a shift in the wrong units)."""
    moved = Augmenter(rng=np.random.default_rng(0)).distort(digits, np.random.default_rng(1))
    ratios = ink(moved) / ink(digits)  # elastic stretching changes a stroke's ink ~ +-50%
    assert abs(np.median(ratios) - 1) < 0.05 and ratios.min() > 0.4 and ratios.max() < 2.5
    steps = np.hypot(*(centres_of_mass(moved) - centres_of_mass(digits)).T)
    assert steps.max() < 6 and steps.mean() < 2
    border = moved.reshape(-1, MNIST_SIDE, MNIST_SIDE)[:, [0, -1]]
    assert border.mean() < 5  # little ink pushed to the edge


def test_same_seeds_give_the_same_images_and_each_call_differs() -> None:
    images = noise_images(50)

    def run(bank_seed, seed):
        return Augmenter(rng=np.random.default_rng(bank_seed)).distort(
            images, np.random.default_rng(seed)
        )

    assert np.array_equal(run(0, 1), run(0, 1))
    assert not np.array_equal(run(0, 1), run(0, 2))
    assert not np.array_equal(run(0, 1), run(3, 1))  # another bank of fields
    augmenter, rng = Augmenter(rng=np.random.default_rng(0)), np.random.default_rng(1)
    first, second = augmenter.distort(images, rng), augmenter.distort(images, rng)
    assert np.all(np.any(first != second, axis=1))  # every image is distorted afresh


def test_distort_returns_uint8_rows_of_the_same_shape_and_fills_out() -> None:
    images = noise_images(7)
    augmenter = Augmenter(rng=np.random.default_rng(0), bank_size=4)
    result = augmenter.distort(images, np.random.default_rng(1))
    assert result.dtype == np.uint8 and result.shape == images.shape
    out = np.zeros_like(images)
    assert augmenter.distort(images, np.random.default_rng(1), out=out) is out
    assert np.array_equal(out, result)
    in_place = images.copy()
    augmenter.distort(in_place, np.random.default_rng(1), out=in_place)
    assert np.array_equal(in_place, result)
    assert augmenter.distort(images[:0], np.random.default_rng(1)).shape == (0, MNIST_PIXELS)


@pytest.mark.parametrize(
    ("setting", "value"),
    [
        ("rotation_degrees", -1.0),
        ("rotation_degrees", 181.0),
        ("scale", 0.6),
        ("shear", float("nan")),
        ("shift_pixels", float("inf")),
        ("elastic_alpha", "34"),
        ("elastic_sigma", True),
        ("elastic_sigma", 11.0),
    ],
)
def test_invalid_distortion_raises_config_error_naming_it(setting, value) -> None:
    with pytest.raises(ConfigError, match=f"Distortion.{setting} must be"):
        Distortion(**{setting: value})


@pytest.mark.parametrize("bank_size", [0, 8193, 2.0])
def test_invalid_bank_size_raises_config_error(bank_size) -> None:
    with pytest.raises(ConfigError, match="bank_size"):
        Augmenter(rng=np.random.default_rng(0), bank_size=bank_size)


def test_compiled_without_numba_raises_config_error(monkeypatch) -> None:
    monkeypatch.setattr(augment, "numba_available", lambda: False)
    with pytest.raises(ConfigError, match="Numba"):
        Augmenter(rng=np.random.default_rng(0), compiled=True)
    assert Augmenter(rng=np.random.default_rng(0)).compiled is False


@pytest.mark.parametrize(
    "images",
    [
        np.zeros((3, MNIST_PIXELS), np.float32),
        np.zeros((3, 28, 28), np.uint8),
        np.zeros((3, 783), np.uint8),
    ],
)
def test_images_that_are_not_uint8_rows_raise_data_error(images) -> None:
    with pytest.raises(DataError, match="uint8 rows of 784 pixels"):
        Augmenter(rng=np.random.default_rng(0)).distort(images, np.random.default_rng(1))


def test_out_of_the_wrong_shape_raises_data_error() -> None:
    augmenter = Augmenter(rng=np.random.default_rng(0))
    with pytest.raises(DataError, match="out must be"):
        augmenter.distort(noise_images(3), np.random.default_rng(1), out=noise_images(2))


def test_elastic_fields_have_simards_spread_and_are_smooth() -> None:
    alpha, sigma = 34.0, 4.0
    fields = elastic_fields(np.random.default_rng(0), 256, alpha=alpha, sigma=sigma)
    assert fields.shape == (256, 2, MNIST_SIDE, MNIST_SIDE) and fields.dtype == np.float32
    # Each value is alpha * sum_ij w_i w_j u_ij, u uniform(-1, 1) of variance 1/3.
    expected_std = alpha * math.sqrt(1 / 3) * np.sum(gaussian_kernel(sigma) ** 2)
    assert abs(fields.std() / expected_std - 1) < 0.05
    assert abs(fields.mean()) < 0.05 * expected_std
    neighbours = np.corrcoef(fields[..., :-1].ravel(), fields[..., 1:].ravel())[0, 1]
    assert neighbours > 0.9  # smooth: the Gaussian's correlation at one pixel is ~0.97


def test_gaussian_kernel_sums_to_one_and_sigma_zero_leaves_noise_alone() -> None:
    kernel = gaussian_kernel(2.0)
    assert len(kernel) == 17 and math.isclose(kernel.sum(), 1.0)
    assert np.array_equal(kernel, kernel[::-1])
    assert np.array_equal(gaussian_kernel(0.0), [1.0])


def test_random_warps_with_no_distortion_are_the_identity() -> None:
    warps = random_warps(NO_DISTORTION, np.random.default_rng(0), 5, bank_size=8)
    assert np.array_equal(warps.matrix, np.tile(np.eye(2, dtype=np.float32), (5, 1, 1)))
    assert np.array_equal(warps.offset, np.zeros((5, 2), np.float32))


@pytest.mark.skipif(not numba_available(), reason="Numba is not installed")
@pytest.mark.parametrize(
    "distortion", [Distortion(), Distortion(45, 0.3, 0.5, 6, 100, 2)], ids=["default", "strong"]
)
def test_compiled_kernel_matches_numpy_reference(distortion: Distortion) -> None:
    images = noise_images(600)  # more than one NumPy chunk
    augmenter = Augmenter(distortion, rng=np.random.default_rng(0), bank_size=64)
    warps = random_warps(distortion, np.random.default_rng(1), len(images), 64)
    reference = warp(images, warps, augmenter.fields, np.empty_like(images))
    fast = augment.warp_compiled(images, warps, augmenter.fields, np.empty_like(images))
    # The same float32 operations in the same order, none fused (no fastmath): IEEE 754
    # rounds each the same way, so the pixels are identical.
    np.testing.assert_array_equal(fast, reference)
