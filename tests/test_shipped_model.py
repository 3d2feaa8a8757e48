"""The model that ships in the package: small, made by its preset, as accurate as recorded."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from digitnet.data.mnist import MnistSplit
from digitnet.modelfile import load, shipped_model_path
from digitnet.recipes import PRESETS

#: What the README promises of the shipped model.
MAX_BYTES = 4 * 2**20
MIN_TEST_ACCURACY = 0.97
PRESET = "handwriting"


@pytest.fixture(scope="module")
def shipped():
    return load(shipped_model_path())


def test_the_shipped_model_is_small_package_data():
    path = shipped_model_path()
    assert path.is_file() and path.parent.name == "models"
    assert path.stat().st_size <= MAX_BYTES


def test_its_recipe_is_the_preset_with_a_recorded_seed(shipped):
    assert shipped.metadata["preset"] == PRESET
    assert shipped.metadata["training_size"] is None  # all 50,000 training images
    preset = PRESETS[PRESET]
    assert shipped.settings is not None and shipped.settings.seed is not None
    assert tuple(shipped.network.sizes) == preset.sizes
    assert shipped.network.hidden_activation.name == preset.activation
    assert np.dtype(shipped.network.dtype) == np.float32
    expected = dataclasses.replace(
        preset.settings, seed=shipped.settings.seed, engine=shipped.settings.engine
    )
    assert shipped.settings == expected


def test_its_history_records_the_test_accuracy_the_readme_promises(shipped):
    assert shipped.history is not None
    assert shipped.history.epochs_run == shipped.settings.epochs  # ran to the end
    assert shipped.history.accuracy["test"][-1] >= MIN_TEST_ACCURACY


@pytest.mark.slow
def test_it_reads_mnists_test_set_as_recorded(shipped, mnist: MnistSplit):
    correct = shipped.network.evaluate(mnist.test.images, mnist.test.labels)
    assert correct == shipped.history.correct["test"][-1]
    assert correct / len(mnist.test) >= MIN_TEST_ACCURACY
