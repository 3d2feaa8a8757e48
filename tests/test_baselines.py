"""The chapter's baselines: a random guess, average darkness and an SVM, on real MNIST."""

from __future__ import annotations

import importlib.util
import sys

import numpy as np
import pytest

from digitnet.baselines import (
    DARKNESS,
    RANDOM_GUESS,
    SVM,
    average_darkness,
    baseline_correct,
    classify_by_darkness,
    random_guess_correct,
    svm_correct,
)
from digitnet.data import Dataset, MnistSplit
from digitnet.errors import ConfigError, MissingExtra

HAS_SKLEARN = importlib.util.find_spec("sklearn") is not None


@pytest.fixture
def no_sklearn(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make ``import sklearn`` fail as it does when scikit-learn is not installed."""
    for name in ("sklearn", "sklearn.svm"):
        monkeypatch.setitem(sys.modules, name, None)


def test_average_darkness_gets_the_books_2225(mnist: MnistSplit) -> None:
    darkness = average_darkness(mnist.training.images, mnist.training.labels)
    predicted = classify_by_darkness(darkness, mnist.test.images)
    assert int(np.count_nonzero(predicted == mnist.test.labels)) == 2225


def test_uint8_and_float_pixels_give_the_same_darkness(mnist: MnistSplit) -> None:
    images, labels = mnist.training.images[:5000], mnist.training.labels[:5000]
    floats = images.astype(np.float64) / 255
    np.testing.assert_allclose(average_darkness(images, labels), average_darkness(floats, labels))


def test_random_guess_is_seeded_and_near_a_tenth() -> None:
    labels = np.random.default_rng(7).integers(0, 10, size=10_000)
    correct = random_guess_correct(labels, seed=0)
    assert correct == random_guess_correct(labels, seed=0)
    assert 900 <= correct <= 1100


def test_darkness_ties_go_to_the_smaller_digit() -> None:
    # Digits 2 and 3 average 2 and 4 pixels of ink; an image of 3 is equally near both.
    darkness = np.array([0.0, 10.0, 2.0, 4.0, 20.0, 30.0, 40.0, 50.0, 60.0, 70.0])
    images = np.zeros((2, 10), dtype=np.uint8)
    images[0, :3] = 255  # total ink 3: tie between 2 and 3
    images[1, :5] = 255  # total ink 5: tie between 3 (4) and ... nearest is 3 alone
    assert classify_by_darkness(darkness, images).tolist() == [2, 3]


def test_darkness_needs_every_digit() -> None:
    with pytest.raises(ConfigError, match="none of 9"):
        average_darkness(np.zeros((9, 4), np.uint8), np.arange(9))


def test_svm_without_sklearn_says_how_to_install_it(no_sklearn: None) -> None:
    data = Dataset(np.zeros((2, 4), np.uint8), np.array([0, 1], np.uint8))
    with pytest.raises(ConfigError, match=r"pip install 'digitnet\[baselines\]'"):
        svm_correct(data, data, gamma="auto")


def test_svm_without_sklearn_is_a_missing_extra_naming_the_extra(no_sklearn: None) -> None:
    data = Dataset(np.zeros((2, 4), np.uint8), np.array([0, 1], np.uint8))
    with pytest.raises(MissingExtra, match="the SVM baseline") as caught:
        baseline_correct(SVM, data, data, gamma="auto")
    assert caught.value.extra == "baselines"


def test_baseline_correct_runs_each_baseline_by_name(mnist: MnistSplit) -> None:
    train, test = mnist.training, mnist.test
    labels = test.labels
    assert baseline_correct(RANDOM_GUESS, train, test, seed=3) == random_guess_correct(
        labels, seed=3
    )
    assert baseline_correct(DARKNESS, train, test) == 2225
    darkness = average_darkness(train.images[:1000], train.labels[:1000])
    expected = int(np.count_nonzero(classify_by_darkness(darkness, test.images) == labels))
    assert baseline_correct(DARKNESS, train, test, training_size=1000) == expected


@pytest.mark.parametrize(
    "method, options",
    [("coin toss", {}), (SVM, {}), (DARKNESS, {"training_size": 0})],
)
def test_baseline_correct_rejects_a_bad_method_gamma_or_size(
    method: str, options: dict[str, object]
) -> None:
    data = Dataset(np.zeros((2, 4), np.uint8), np.array([0, 1], np.uint8))
    with pytest.raises(ConfigError):
        baseline_correct(method, data, data, **options)  # type: ignore[arg-type]


@pytest.mark.skipif(not HAS_SKLEARN, reason="scikit-learn is not installed")
def test_svm_on_a_slice_beats_85_percent(mnist: MnistSplit) -> None:
    # The last 1,000 test digits: 2,000 training images give about 90% there (88% on all).
    test = Dataset(mnist.test.images[-1000:], mnist.test.labels[-1000:])
    correct = svm_correct(mnist.training, test, gamma="auto", limit=2000)
    assert correct > 850
