"""Varied ink: each change does what it says, keeps shapes and range, and repeats by seed."""

from __future__ import annotations

import numpy as np
import pytest

from digitnet.augment import Augmenter, InkVariation, vary_ink
from digitnet.errors import ConfigError

NONE = InkVariation(thicken=0.0, thin=0.0, blur=0.0, contrast=0.0)


def strokes(n=8, seed=0):
    """Crosses of random place and 2-pixel width, full ink, as uint8 rows."""
    rng = np.random.default_rng(seed)
    images = np.zeros((n, 28, 28), np.uint8)
    for image in images:
        r, c = rng.integers(6, 20, 2)
        image[r : r + 2, 4:24] = 255
        image[4:24, c : c + 2] = 255
    return images.reshape(n, 784)


def varied(images, variation, seed=1):
    return vary_ink(images, variation, np.random.default_rng(seed), np.empty_like(images))


def test_no_variation_changes_nothing():
    images = strokes()
    assert np.array_equal(varied(images, NONE), images)


def test_thicker_strokes_have_more_ink_and_thinner_less():
    images = strokes()
    thicker = varied(images, InkVariation(thicken=1.0, thin=0.0, blur=0.0, contrast=0.0))
    thinner = varied(images, InkVariation(thicken=0.0, thin=1.0, blur=0.0, contrast=0.0))
    ink = images.sum(axis=1, dtype=np.int64)
    assert (thicker.sum(axis=1, dtype=np.int64) > ink).all()
    assert (thinner.sum(axis=1, dtype=np.int64) < ink).all()
    assert (thicker >= images).all() and (thinner <= images).all()


def test_a_full_dilation_grows_a_stroke_by_a_pixel_on_each_side():
    images = np.zeros((1, 784), np.uint8)
    images[0, 14 * 28 + 14] = 255
    rng = np.random.default_rng(0)
    # thicken 1 with thin 0 draws t uniform in [0, 1]: find a seed's t by the result
    out = vary_ink(images, InkVariation(thicken=1.0, thin=0.0, blur=0, contrast=0), rng,
                   np.empty_like(images)).reshape(28, 28)  # fmt: skip
    t = np.random.default_rng(0).uniform(0.0, 1.0)
    neighbours = out[[13, 15, 14, 14], [14, 14, 13, 15]]
    assert np.all(neighbours == int(t * 255 + 0.5))
    assert out[13, 13] == 0 and out[14, 14] == 255  # a cross, not a square


def test_dimming_scales_the_ink_and_blur_keeps_its_mass():
    images = strokes()
    dim = varied(images, InkVariation(thicken=0, thin=0, blur=0, contrast=0.9))
    assert (dim.max(axis=1) <= 255).all() and (dim.max(axis=1) >= 25).all()
    assert (dim.sum(axis=1, dtype=np.int64) < images.sum(axis=1, dtype=np.int64)).all()
    blurred = varied(images, InkVariation(thicken=0, thin=0, blur=1.0, contrast=0))
    mass, blurred_mass = images.sum(axis=1, dtype=np.float64), blurred.sum(axis=1)
    # the binomial filter keeps the mass of ink away from the border; rounding moves each
    # pixel by at most half a level
    assert np.all(np.abs(blurred_mass - mass) <= 0.5 * 784)
    assert (blurred.max(axis=1) < 255).any()


def test_the_same_seed_gives_the_same_images_and_the_shape_holds():
    images = strokes(20)
    a, b = varied(images, InkVariation(), 5), varied(images, InkVariation(), 5)
    assert a.shape == images.shape and a.dtype == np.uint8
    assert np.array_equal(a, b)
    assert not np.array_equal(a, varied(images, InkVariation(), 6))


def test_out_may_be_the_images_themselves():
    images = strokes()
    expected = varied(images, InkVariation(), 3)
    vary_ink(images, InkVariation(), np.random.default_rng(3), images)
    assert np.array_equal(images, expected)


@pytest.mark.parametrize("fraction", [0.0, 0.3, 1.0])
def test_a_clean_fraction_leaves_that_share_of_the_images_unchanged(fraction):
    images = strokes(400)
    augmenter = Augmenter(None, rng=np.random.default_rng(0), ink=InkVariation(thicken=1.0,
                          thin=0.0, blur=0.0, contrast=0.0), clean_fraction=fraction)  # fmt: skip
    out = augmenter.distort(images, np.random.default_rng(1))
    unchanged = (out == images).all(axis=1).mean()
    assert unchanged == pytest.approx(fraction, abs=0.08)  # 400 draws: 3.5 deviations


def test_the_clean_share_survives_distorting_in_place():
    images = strokes(50)
    original = images.copy()
    augmenter = Augmenter(rng=np.random.default_rng(0), clean_fraction=0.5)
    augmenter.distort(images, np.random.default_rng(1), out=images)
    clean = (images == original).all(axis=1)
    assert 10 <= clean.sum() < 50


def test_settings_out_of_range_are_refused():
    with pytest.raises(ConfigError, match=r"InkVariation\.contrast"):
        InkVariation(contrast=1.5)
    with pytest.raises(ConfigError, match="clean_fraction"):
        Augmenter(rng=np.random.default_rng(0), clean_fraction=1.2)
