"""The confusion matrix (counts of (true class, predicted class) pairs) and per-class accuracy."""

from __future__ import annotations

import re

import numpy as np
import pytest

from digitnet.errors import ConfigError
from digitnet.metrics import confusion_matrix, per_class_accuracy


def test_confusion_matrix_counts_each_pair_by_true_row_and_predicted_column() -> None:
    labels = [0, 0, 1, 2, 2, 2]
    predicted = [0, 1, 1, 2, 0, 2]
    expected = np.array([[1, 1, 0], [0, 1, 0], [1, 0, 2]])
    np.testing.assert_array_equal(confusion_matrix(labels, predicted, n_classes=3), expected)


def test_confusion_matrix_matches_a_loop_over_examples() -> None:
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 10, size=500, dtype=np.uint8)
    predicted = rng.integers(0, 10, size=500)
    expected = np.zeros((10, 10), dtype=np.int64)
    for true, guess in zip(labels, predicted):
        expected[true, guess] += 1
    confusion = confusion_matrix(labels, predicted)
    assert confusion.dtype == np.int64 and confusion.shape == (10, 10)
    np.testing.assert_array_equal(confusion, expected)
    np.testing.assert_array_equal(confusion.sum(axis=1), np.bincount(labels, minlength=10))
    assert np.trace(confusion) == np.count_nonzero(labels == predicted)


def test_confusion_matrix_of_no_examples_is_all_zeros() -> None:
    confusion = confusion_matrix([], [], n_classes=4)
    np.testing.assert_array_equal(confusion, np.zeros((4, 4)))


@pytest.mark.parametrize(
    ("labels", "predicted", "message"),
    [
        ([0, 1, 2], [0, 1], "3 labels for 2 predictions"),
        ([0, 10], [0, 1], "labels[1] = 10"),
        ([0, 1], [-1, 1], "predicted[0] = -1"),
        ([0.0, 1.0], [0, 1], "integer classes"),
        ([[0, 1]], [[0, 1]], "1-D"),
    ],
)
def test_confusion_matrix_rejects_bad_classes(labels, predicted, message) -> None:
    with pytest.raises(ConfigError, match=re.escape(message)):
        confusion_matrix(labels, predicted)


@pytest.mark.parametrize("n_classes", [0, -3, True, 2.5])
def test_confusion_matrix_rejects_a_bad_number_of_classes(n_classes) -> None:
    with pytest.raises(ConfigError, match="n_classes"):
        confusion_matrix([0], [0], n_classes=n_classes)


def test_per_class_accuracy_is_each_rows_diagonal_share() -> None:
    confusion = np.array([[3, 1, 0], [0, 2, 2], [0, 0, 5]])
    np.testing.assert_array_equal(per_class_accuracy(confusion), [0.75, 0.5, 1.0])


def test_per_class_accuracy_of_a_class_without_examples_is_nan() -> None:
    confusion = confusion_matrix([0, 0, 2], [0, 1, 2], n_classes=3)
    accuracy = per_class_accuracy(confusion)
    assert accuracy[0] == 0.5 and np.isnan(accuracy[1]) and accuracy[2] == 1.0


def test_per_class_accuracy_weighted_by_class_sizes_is_the_accuracy() -> None:
    rng = np.random.default_rng(3)
    labels, predicted = rng.integers(0, 10, 500), rng.integers(0, 10, 500)
    confusion = confusion_matrix(labels, predicted)
    sizes = confusion.sum(axis=1)
    overall = np.count_nonzero(labels == predicted) / 500
    assert np.isclose(np.sum(per_class_accuracy(confusion) * sizes) / 500, overall)


@pytest.mark.parametrize(
    ("confusion", "message"),
    [
        (np.zeros((2, 3), np.int64), "must be square"),
        (np.zeros(4, np.int64), "must be square"),
        (np.full((2, 2), 0.5), "integer counts"),
        (np.array([[1, -1], [0, 2]]), "non-negative counts"),
    ],
)
def test_per_class_accuracy_rejects_what_is_not_a_confusion_matrix(confusion, message) -> None:
    with pytest.raises(ConfigError, match=message):
        per_class_accuracy(confusion)
