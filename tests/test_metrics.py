"""The confusion matrix (counts of (true class, predicted class) pairs) and per-class accuracy."""

from __future__ import annotations

import re

import numpy as np
import pytest

from digitnet.errors import ConfigError
from digitnet.metrics import class_scores, confusion_matrix, per_class_accuracy


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


def test_class_scores_by_hand() -> None:
    # class 0: 2 right of 3 true, 2 of 2 predicted; class 1: 1 of 1, 1 of 2; class 2: 0.
    confusion = np.array([[2, 1, 0], [0, 1, 0], [0, 0, 0]])
    scores = class_scores(confusion)
    np.testing.assert_allclose(scores.precision[:2], [1.0, 0.5])
    np.testing.assert_allclose(scores.recall[:2], [2 / 3, 1.0])
    np.testing.assert_allclose(scores.f1[:2], [0.8, 2 / 3])
    assert np.isnan(scores.precision[2]) and np.isnan(scores.recall[2])
    np.testing.assert_array_equal(scores.support, [3, 1, 0])
    assert scores.accuracy == 0.75
    assert scores.macro("recall") == pytest.approx((2 / 3 + 1) / 2)
    assert scores.weighted("recall") == pytest.approx(0.75)  # weighted recall is accuracy


def test_a_class_never_predicted_right_has_f1_zero() -> None:
    scores = class_scores(np.array([[0, 2], [0, 3]]))
    assert np.isnan(scores.precision[0])  # never predicted: precision undefined
    assert scores.recall[0] == 0.0 and np.isnan(scores.f1[0])
    scores = class_scores(np.array([[0, 2], [1, 3]]))
    assert scores.precision[0] == 0.0 and scores.recall[0] == 0.0 and scores.f1[0] == 0.0


def test_class_scores_match_scikit_learn() -> None:
    metrics = pytest.importorskip("sklearn.metrics")
    rng = np.random.default_rng(3)
    labels = rng.integers(0, 10, size=2000)
    predicted = np.where(rng.random(2000) < 0.7, labels, rng.integers(0, 10, size=2000))
    scores = class_scores(confusion_matrix(labels, predicted))
    p, r, f1, support = metrics.precision_recall_fscore_support(labels, predicted)
    # Precision and recall are one rounded division of exact counts: equal to the last bit.
    # F1 adds a product, a sum and a division of those (the two libraries order them
    # differently): a few roundings of 1.1e-16 each, well within 1e-15.
    np.testing.assert_array_equal(scores.precision, p)
    np.testing.assert_array_equal(scores.recall, r)
    np.testing.assert_allclose(scores.f1, f1, rtol=1e-15)
    np.testing.assert_array_equal(scores.support, support)
    for average in ("macro", "weighted"):
        expected = metrics.precision_recall_fscore_support(labels, predicted, average=average)
        mine = getattr(scores, average)
        assert [mine(s) for s in ("precision", "recall", "f1")] == pytest.approx(
            expected[:3], rel=1e-14
        )


def test_class_scores_refuse_what_is_not_a_confusion_matrix() -> None:
    with pytest.raises(ConfigError, match="square"):
        class_scores(np.zeros((2, 3), dtype=int))
    with pytest.raises(ConfigError, match="score must be"):
        class_scores(np.eye(2, dtype=int)).macro("accuracy")
