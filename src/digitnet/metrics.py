"""How well a classifier does, counted: the confusion matrix and the scores per class.

``confusion[i, j]`` is the number of examples of true class ``i`` that were predicted as
class ``j``; the diagonal holds the correct answers, so ``trace(confusion) / n`` is the
accuracy, row ``i`` shows what digit ``i`` gets mistaken for, and ``confusion[i, i]`` over
the sum of row ``i`` is the accuracy on digit ``i`` (its recall). Column ``j`` shows what
the answer ``j`` really was: ``confusion[j, j]`` over its sum is the precision of ``j``.
"""

from __future__ import annotations

from dataclasses import dataclass

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
    matrix = _checked(confusion)
    return _ratio(np.diagonal(matrix), matrix.sum(axis=1))


def _checked(confusion: ArrayLike) -> NDArray[np.int64]:
    matrix = np.asarray(confusion)
    if matrix.ndim != 2 or matrix.shape[0] != matrix.shape[1]:
        raise ConfigError(f"a confusion matrix must be square, got shape {matrix.shape}")
    if matrix.size and matrix.dtype.kind not in "iu":
        raise ConfigError(f"a confusion matrix holds integer counts, got {matrix.dtype}")
    if matrix.size and matrix.min() < 0:
        raise ConfigError(f"a confusion matrix holds non-negative counts, got {matrix.min()}")
    return matrix.astype(np.int64, copy=False)


def _ratio(numerator: ArrayLike, denominator: ArrayLike) -> NDArray[np.float64]:
    """``numerator / denominator`` elementwise, NaN where the denominator is 0."""
    top = np.asarray(numerator, dtype=np.float64)
    bottom = np.asarray(denominator, dtype=np.float64)
    out = np.full(top.shape, np.nan)
    return np.divide(top, bottom, out=out, where=bottom > 0)


@dataclass(frozen=True)
class ClassScores:
    """Precision, recall and F1 of each class, as scikit-learn's ``classification_report``.

    For class ``i`` with ``tp = confusion[i, i]``:
    ``precision = tp / (predicted as i)`` (column sum), ``recall = tp / (truly i)`` (row sum,
    the per-class accuracy), ``f1 = 2 p r / (p + r)``, the harmonic mean of the two, and
    ``support`` the number of examples truly of class ``i``. A score whose denominator is
    zero is NaN (scikit-learn reports 0 with a warning). ``macro`` averages a score over the
    classes (NaN ignored); ``weighted`` weights the classes by their support.

    Attributes
    ----------
    precision, recall, f1 : ndarray of float64, shape (n_classes,)
    support : ndarray of int64, shape (n_classes,)
    accuracy : float
        ``trace(confusion) / n``; NaN with no examples.
    """

    precision: NDArray[np.float64]
    recall: NDArray[np.float64]
    f1: NDArray[np.float64]
    support: NDArray[np.int64]
    accuracy: float

    def macro(self, score: str) -> float:
        """The unweighted mean over the classes of ``"precision"``, ``"recall"`` or ``"f1"``."""
        values = self._score(score)
        finite = values[np.isfinite(values)]
        return float(finite.mean()) if finite.size else float("nan")

    def weighted(self, score: str) -> float:
        """The mean of ``score`` over the classes, each weighted by its support."""
        values = self._score(score)
        keep = np.isfinite(values) & (self.support > 0)
        total = self.support[keep].sum()
        return float(values[keep] @ self.support[keep] / total) if total else float("nan")

    def _score(self, score: str) -> NDArray[np.float64]:
        if score not in ("precision", "recall", "f1"):
            raise ConfigError(f"score must be precision, recall or f1, got {score!r}")
        values: NDArray[np.float64] = getattr(self, score)
        return values


def class_scores(confusion: ArrayLike) -> ClassScores:
    """Precision, recall, F1 and support of each class of a confusion matrix.

    Parameters
    ----------
    confusion : array_like of int, shape (n_classes, n_classes)
        Rows are the true classes, columns the predicted ones (:func:`confusion_matrix`).

    Returns
    -------
    ClassScores

    Raises
    ------
    ConfigError
        If ``confusion`` is not a square matrix of non-negative counts.
    """
    matrix = _checked(confusion)
    correct = np.diagonal(matrix)
    support = matrix.sum(axis=1)
    precision = _ratio(correct, matrix.sum(axis=0))
    recall = _ratio(correct, support)
    f1 = _ratio(2 * precision * recall, precision + recall)
    f1[(precision == 0) & (recall == 0)] = 0.0  # both zero: no right answer, F1 is 0
    accuracy = _ratio(correct.sum(), support.sum())
    return ClassScores(precision, recall, f1, support, float(accuracy))
