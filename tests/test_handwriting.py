"""The handwriting set: deterministic, labelled, every style an image file the pipeline reads."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from digitnet.errors import ConfigError
from digitnet.handwriting import STYLES, make_set, sample
from digitnet.handwriting.pen import Hand, rasterise, trace, write
from digitnet.handwriting.score import ALL, accuracy_by_style, prepare
from digitnet.handwriting.skeletons import SKELETONS
from digitnet.network import Network


def test_the_same_seed_gives_the_same_files():
    assert make_set(3, styles=("pen", "photo")) == make_set(3, styles=("pen", "photo"))


def test_another_seed_gives_other_files():
    assert sample("pen", 0, seed=1).data != sample("pen", 0, seed=2).data


def test_a_subset_holds_the_same_images_as_the_whole_set():
    whole = make_set(4, styles=tuple(STYLES))
    assert make_set(2, styles=("marker",)) == [s for s in whole if s.style == "marker"][:2]


def test_digits_take_turns_so_each_style_is_balanced():
    assert [s.digit for s in make_set(12, styles=("pen",))] == [*range(10), 0, 1]


@pytest.mark.parametrize("style", STYLES)
def test_each_style_is_a_readable_file_of_its_format(style):
    item = sample(style, 7)
    with Image.open(io.BytesIO(item.data)) as img:
        assert img.format == item.kind
        assert min(img.size) >= 28


def test_every_digit_has_several_ways_of_writing_it():
    assert set(SKELETONS) == set(range(10))
    assert all(len(variants) >= 2 for variants in SKELETONS.values())


def test_the_spline_passes_through_its_control_points():
    points = np.array([(0.0, 0.0), (1.0, 0.5), (0.3, 1.0), (0.8, 0.2)])
    path = trace(points)
    for point in points:
        assert np.min(np.linalg.norm(path - point, axis=1)) < 1e-12


def test_a_wider_pen_leaves_more_ink():
    rng = np.random.default_rng(0)
    hand = Hand(jitter=0.0, slant=0.0, rotation=0.0, aspect=1.0, width=0.05)
    paths = write(SKELETONS[8][0], hand, rng)
    thin, fat = rasterise(paths, 100, 0.03), rasterise(paths, 100, 0.15)
    assert fat.sum() > 3 * thin.sum()
    assert 0.0 <= thin.min() and fat.max() <= 1.0
    assert thin.shape[0] == pytest.approx(100 + 2 * (1.5 + 2), abs=1)  # height, pen and margin


def test_the_pipeline_reads_the_clean_styles():
    prepared = prepare(make_set(10, styles=("pen", "canvas")))
    assert not prepared.refused.any()
    assert prepared.inputs.shape == (20, 784)
    assert prepared.inputs.max(axis=1).min() > 0.5  # every image holds ink


def test_accuracy_counts_refused_images_as_wrong():
    prepared = prepare(make_set(10, styles=("pen",)))
    # a network that answers 0 to everything: all ten outputs equal, the first wins
    network = Network.from_parameters([np.zeros((10, 784), np.float32)], [np.zeros(10, np.float32)])
    scores = accuracy_by_style(network, prepared)
    assert scores["pen"] == pytest.approx(0.1)  # all answer 0, one image in ten is a 0
    assert scores[ALL] == scores["pen"]
    prepared.refused[0] = True  # the 0 refused: no longer right
    assert accuracy_by_style(network, prepared)["pen"] == pytest.approx(0.0)


def test_a_bad_request_is_one_line_error():
    with pytest.raises(ConfigError, match="style must be one of"):
        sample("crayon", 0)
    with pytest.raises(ConfigError, match="per_style"):
        make_set(0)
