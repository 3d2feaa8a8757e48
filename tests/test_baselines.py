"""The chapter's baselines: a random guess, average darkness and an SVM, on real MNIST."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from rich.console import Console

from digitnet import cli
from digitnet.baselines import (
    INSTALL_HINT,
    average_darkness,
    classify_by_darkness,
    random_guess_correct,
    svm_correct,
)
from digitnet.data import Dataset, MnistSplit, load_mnist
from digitnet.errors import ConfigError

HAS_SKLEARN = importlib.util.find_spec("sklearn") is not None


@pytest.fixture(scope="module")
def mnist(mnist_dir: Path) -> MnistSplit:
    return load_mnist(mnist_dir, dtype=np.uint8, download=False)


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


@pytest.mark.skipif(not HAS_SKLEARN, reason="scikit-learn is not installed")
def test_svm_on_a_slice_beats_85_percent(mnist: MnistSplit) -> None:
    # The last 1,000 test digits: 2,000 training images give about 90% there (88% on all).
    test = Dataset(mnist.test.images[-1000:], mnist.test.labels[-1000:])
    correct = svm_correct(mnist.training, test, gamma="auto", limit=2000)
    assert correct > 850


@pytest.fixture(autouse=True)
def wide_console(monkeypatch: pytest.MonkeyPatch) -> None:
    """A console wide enough that no table cell wraps, so rows can be matched whole."""
    monkeypatch.setattr(
        cli.baselines, "stdout", Console(width=200, highlight=False, soft_wrap=True)
    )


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli.main, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_cli_prints_darkness_and_random_rows(mnist_dir: Path) -> None:
    code, out, err = run("baselines", "--no-svm", "--data-dir", str(mnist_dir))
    assert code == 0, err
    darkness_row = next(line for line in out.splitlines() if "average darkness" in line)
    assert "2,225" in darkness_row and "22.25%" in darkness_row
    assert "random guess" in out and "SVM" not in out


def test_cli_without_sklearn_shows_the_hint_and_succeeds(mnist_dir: Path, no_sklearn: None) -> None:
    code, out, err = run("baselines", "--data-dir", str(mnist_dir))
    assert code == 0, err
    assert out.count("needs scikit-learn") == 2
    assert f"The SVM rows need scikit-learn: {INSTALL_HINT}" in out
    assert "2,225" in out


@pytest.mark.skipif(not HAS_SKLEARN, reason="scikit-learn is not installed")
def test_cli_svm_training_size_labels_the_rows(mnist_dir: Path) -> None:
    code, out, err = run("baselines", "--svm-training-size", "300", "--data-dir", str(mnist_dir))
    assert code == 0, err
    assert 'gamma="auto"' in out and 'gamma="scale"' in out and "first 300 images" in out
