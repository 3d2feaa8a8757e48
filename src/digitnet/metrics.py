"""How well a classifier does, counted: the confusion matrix and the accuracy per class.

``confusion[i, j]`` is the number of examples of true class ``i`` that were predicted as
class ``j``; the diagonal holds the correct answers, so ``trace(confusion) / n`` is the
accuracy, row ``i`` shows what digit ``i`` gets mistaken for, and ``confusion[i, i]`` over
the sum of row ``i`` is the accuracy on digit ``i``.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from digitnet.data.mnist import N_DIGITS
from digitnet.errors import ConfigError


def _as_classes(values: ArrayLike, name: str, n_classes: int) -> NDArray[np.intp]:
    array = np.asarray(values)
    if array.ndim != 1 or (array.size and array.dtype.kind not in "iu"):
        raise ConfigError(
            f"{name} must be a 1-D array of integer classes, got {array.dtype} "
            f"with shape {array.shape}"
        )
    if array.size and (array.min() < 0 or array.max() >= n_classes):
        bad = int(np.argmax((array < 0) | (array >= n_classes)))
        raise ConfigError(f"{name}[{bad}] = {array[bad]} is not a class 0..{n_classes - 1}")
    return array.astype(np.intp, copy=False)


def confusion_matrix(
    labels: ArrayLike, predicted: ArrayLike, n_classes: int = N_DIGITS
) -> NDArray[np.int64]:
    """Count each (true class, predicted class) pair.

    Parameters
    ----------
    labels, predicted : array_like of int, shape (n_examples,)
        The true classes and the classes a model gave, each in ``0 .. n_classes - 1``.
    n_classes : int
        Number of classes; the matrix is ``(n_classes, n_classes)``.

    Returns
    -------
    numpy.ndarray of int64, shape (n_classes, n_classes)
        ``confusion[i, j]``: how many examples of class ``i`` were predicted as ``j``. Rows
        sum to the number of examples of each class, and the whole matrix to ``n_examples``.

    Raises
    ------
    ConfigError
        If the arrays are not 1-D integer arrays of the same length with classes in range.
    """
    if isinstance(n_classes, bool) or not isinstance(n_classes, (int, np.integer)):
        raise ConfigError(f"n_classes must be a positive integer, got {n_classes!r}")
    if n_classes < 1:
        raise ConfigError(f"n_classes must be a positive integer, got {n_classes!r}")
    true = _as_classes(labels, "labels", n_classes)
    guess = _as_classes(predicted, "predicted", n_classes)
    if true.shape != guess.shape:
        raise ConfigError(f"got {true.shape[0]} labels for {guess.shape[0]} predictions")
    # Each pair (i, j) becomes one index i * n + j, so one bincount counts them all.
    counts = np.bincount(true * n_classes + guess, minlength=n_classes * n_classes)
    return counts.reshape(n_classes, n_classes).astype(np.int64, copy=False)


def per_class_accuracy(confusion: ArrayLike) -> NDArray[np.float64]:
    """The share of each class's examples predicted correctly: ``confusion[i, i] / n_i``.

    Parameters
    ----------
    confusion : array_like of int, shape (n_classes, n_classes)
        A confusion matrix as :func:`confusion_matrix` counts it (rows: true classes).

    Returns
    -------
    numpy.ndarray of float64, shape (n_classes,)
        ``accuracy[i]`` is ``confusion[i, i]`` over the sum of row ``i``; NaN for a class
        with no examples (a row of zeros), whose accuracy is undefined.

    Raises
    ------
    ConfigError
        If ``confusion`` is not a square matrix of non-negative counts.
    """
    matrix = np.asarray(confusion)
    if matrix.ndim != 2 or matrix.shape[0] != matrix.shape[1]:
        raise ConfigError(f"a confusion matrix must be square, got shape {matrix.shape}")
    if matrix.size and matrix.dtype.kind not in "iu":
        raise ConfigError(f"a confusion matrix holds integer counts, got {matrix.dtype}")
    if matrix.size and matrix.min() < 0:
        raise ConfigError(f"a confusion matrix holds non-negative counts, got {matrix.min()}")
    totals = matrix.sum(axis=1)
    correct = np.diagonal(matrix).astype(np.float64)
    accuracy = np.full(len(totals), np.nan)
    return np.divide(correct, totals, out=accuracy, where=totals > 0)
