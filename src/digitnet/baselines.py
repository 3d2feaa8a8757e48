"""The chapter's baselines: what a network has to beat on MNIST.

Three ways to classify a digit without a neural network, on the book's split (trained on
the 50,000 training images, counted on the 10,000 test images):

- a random guess: right one time in ten, about 1,000 of 10,000;
- average darkness: a digit's total ink ``sum_j x_j`` (pixels ``k / 255`` in [0, 1]), and
  the digit whose mean total ink over the training images is nearest wins (the book: 2,225);
- a support vector machine, scikit-learn's ``SVC`` with an RBF kernel, as the book ran it
  with the defaults of its day, ``C = 1`` and ``gamma = 1 / 784`` (``gamma="auto"``; the
  book: 9,435), or today's default ``gamma="scale"``. scikit-learn is an optional extra,
  ``pip install 'digitnet[baselines]'``.

:func:`baseline_correct` runs any of them by name; ``digitnet baselines`` and
:mod:`digitnet.reproduce` both call it.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from digitnet.data.mnist import N_DIGITS, Dataset
from digitnet.errors import ConfigError
from digitnet.extras import require
from digitnet.pixels import PIXEL_MAX, as_unit_interval

#: The baselines by name, as :func:`baseline_correct` and the results table call them.
RANDOM_GUESS = "random guess"
DARKNESS = "average darkness"
SVM = "SVM"
BASELINES = (RANDOM_GUESS, DARKNESS, SVM)

#: The book's SVM: scikit-learn's ``SVC`` with the defaults of 2015 (RBF kernel, C = 1).
SVM_KERNEL = "rbf"
SVM_C = 1.0
#: ``"auto"`` is ``1 / n_features`` = 1/784, the book's; ``"scale"`` is today's default,
#: ``1 / (n_features * X.var())``.
SVM_GAMMAS = ("auto", "scale")
#: The extra that installs scikit-learn, and how to install it.
EXTRA = "baselines"
INSTALL_HINT = f"pip install 'digitnet[{EXTRA}]'"

#: The book's figures, correct of its 10,000 test images: average darkness, and the SVM
#: with ``gamma="auto"``.
BOOK_TEST_IMAGES = 10_000
BOOK_CORRECT = {"darkness": 2225, "auto": 9435}


def random_guess_correct(labels: NDArray[np.integer[Any]], *, seed: int) -> int:
    """How many of ``labels`` a uniform random guess of a digit 0..9 gets right.

    Expected ``len(labels) / 10``: about 1,000 of MNIST's 10,000 test images.
    """
    guesses = np.random.default_rng(seed).integers(0, N_DIGITS, size=len(labels))
    return int(np.count_nonzero(guesses == labels))


def total_ink(images: NDArray[Any]) -> NDArray[np.float64]:
    """Each image's darkness ``sum_j x_j``, pixels as ``k / 255``, shape (n_examples,).

    uint8 pixels are summed exactly as integers, then divided by 255; this gives the same
    classifications as summing the book's float pixels (2,225 on MNIST either way).
    """
    if images.dtype == np.uint8:
        return images.sum(axis=1, dtype=np.int64) / float(PIXEL_MAX)
    return np.asarray(images, dtype=np.float64).sum(axis=1)


def average_darkness(
    train_images: NDArray[Any], train_labels: NDArray[np.integer[Any]]
) -> NDArray[np.float64]:
    """Mean total ink of each digit's training images, shape (10,): ``darkness[d]``.

    Parameters
    ----------
    train_images : ndarray, shape (n_examples, n_pixels)
        uint8 pixels 0..255 or floats in [0, 1]; the book uses the 50,000 training images.
    train_labels : ndarray of int, shape (n_examples,)
        The digit each image shows.
    """
    ink = total_ink(train_images)
    counts = np.bincount(train_labels, minlength=N_DIGITS)
    if counts.min() == 0:
        missing = int(np.argmin(counts))
        raise ConfigError(
            f"average darkness needs training images of every digit, none of {missing}"
        )
    return np.bincount(train_labels, weights=ink, minlength=N_DIGITS) / counts


def classify_by_darkness(darkness: NDArray[np.float64], images: NDArray[Any]) -> NDArray[np.intp]:
    """The digit whose average darkness is nearest each image's total ink, shape (n_examples,).

    Ties go to the smaller digit, as in the book's ``min(avgs, key=lambda k:
    abs(avgs[k] - darkness))``, which scans the digits in order 0..9 (``argmin`` does too).
    """
    distance = np.abs(total_ink(images)[:, np.newaxis] - darkness[np.newaxis, :])
    return np.argmin(distance, axis=1)


def svm_correct(train: Dataset, test: Dataset, *, gamma: str, limit: int | None = None) -> int:
    """How many of ``test`` an RBF support vector machine trained on ``train`` gets right.

    Slow: about 4 minutes per gamma on the full 50,000 training and 10,000 test images.

    Parameters
    ----------
    train, test : Dataset
        Images as uint8 pixels or floats in [0, 1]; the SVM sees float64 in [0, 1].
    gamma : {"auto", "scale"}
        The RBF kernel's width: ``"auto"`` = 1/784, the book's; ``"scale"``, today's default.
    limit : int, optional
        Train on only the first ``limit`` training images (all of them by default).

    Raises
    ------
    MissingExtra
        If scikit-learn is not installed (the message says how to install it).
    ConfigError
        If ``gamma`` is not one of :data:`SVM_GAMMAS` or ``limit`` is not positive.
    """
    if gamma not in SVM_GAMMAS:
        raise ConfigError(f"gamma must be one of {', '.join(SVM_GAMMAS)}, got {gamma!r}")
    if limit is not None and limit < 1:
        raise ConfigError(f"limit must be a positive number of training images, got {limit}")
    svm = require("sklearn.svm", EXTRA, "the SVM baseline")
    n = len(train) if limit is None else min(limit, len(train))
    classifier = svm.SVC(C=SVM_C, kernel=SVM_KERNEL, gamma=gamma)
    classifier.fit(as_unit_interval(train.images[:n], np.float64), train.labels[:n])
    predicted = classifier.predict(as_unit_interval(test.images, np.float64))
    return int(np.count_nonzero(predicted == test.labels))


def baseline_correct(
    method: str,
    train: Dataset,
    test: Dataset,
    *,
    seed: int = 0,
    gamma: str | None = None,
    training_size: int | None = None,
) -> int:
    """How many of ``test`` the baseline ``method``, trained on ``train``, gets right.

    Parameters
    ----------
    method : {"random guess", "average darkness", "SVM"}
        One of :data:`BASELINES`.
    train, test : Dataset
        The training images (unused by the random guess) and the images counted.
    seed : int
        The random guess's seed (the others ignore it).
    gamma : {"auto", "scale"}, optional
        The SVM's kernel width; required for the SVM, ignored by the others.
    training_size : int, optional
        Train on only the first this-many training images (all of them by default).

    Raises
    ------
    MissingExtra
        For the SVM, if scikit-learn is not installed.
    ConfigError
        If ``method`` is not a baseline, ``training_size`` is not positive or the SVM has
        no valid ``gamma``.
    """
    if method not in BASELINES:
        raise ConfigError(f"method must be one of {', '.join(BASELINES)}, got {method!r}")
    if training_size is not None and training_size < 1:
        raise ConfigError(f"training_size must be a positive number of images, got {training_size}")
    if method == RANDOM_GUESS:
        return random_guess_correct(test.labels, seed=seed)
    if method == SVM:
        if gamma is None:
            raise ConfigError(f"the SVM needs a gamma, one of {', '.join(SVM_GAMMAS)}")
        return svm_correct(train, test, gamma=gamma, limit=training_size)
    n = training_size  # None: all of them
    darkness = average_darkness(train.images[:n], train.labels[:n])
    return int(np.count_nonzero(classify_by_darkness(darkness, test.images) == test.labels))
