"""Teaching a network a learner's digits: the taught examples improve, validation holds,
the network given is left alone, bad drawings are refused in one line."""

import numpy as np
import pytest
from explain_fixtures import first_test_digits, small_trained

from digitnet.errors import ConfigError
from digitnet.explain.teach import lesson_settings, teach
from digitnet.network import Network
from digitnet.settings import TrainingSettings

#: Validation digits measured before and after (a slice, to keep the test quick).
N_VALIDATION = 2_000


@pytest.fixture(scope="module")
def trained(mnist):
    return small_trained(mnist)


def test_teach_improves_the_taught_digits_without_dropping_validation_much(trained, mnist):
    net, history = trained
    images, labels = first_test_digits(mnist, 300)
    wrong = np.flatnonzero(net.predict(images) != labels)[:5]
    assert wrong.size == 5
    weights_before = [w.copy() for w in net.weights]
    validation = mnist.validation.first(N_VALIDATION)
    lesson = teach(
        net,
        images[wrong],
        labels[wrong],
        mnist=mnist.training,
        validation=validation,
        trained_with=history.settings,
        seed=0,
    )
    # a saturated wrong output learns slowly under the quadratic cost (chapter 3), so not
    # every digit is read right after one sweep; on the whole the right outputs rise
    assert lesson.right_after.mean() > lesson.right_before.mean() + 0.1
    assert np.count_nonzero(lesson.digits_after == labels[wrong]) >= 2
    np.testing.assert_array_equal(lesson.digits_before, net.predict(images[wrong]))
    expected_before = net.evaluate(validation.images / 255, validation.labels) / N_VALIDATION
    assert lesson.validation_before == pytest.approx(expected_before)
    assert lesson.validation_after >= lesson.validation_before - 0.03
    after = lesson.network.evaluate(validation.images / 255, validation.labels) / N_VALIDATION
    assert lesson.validation_after == pytest.approx(after)
    for w, saved in zip(net.weights, weights_before):  # the given network is untouched
        np.testing.assert_array_equal(w, saved)
    assert lesson.history.epochs_run == 1 and lesson.seconds > 0


def test_teach_is_repeatable_with_a_seed(trained, mnist):
    net = trained[0]
    images, labels = first_test_digits(mnist, 2)
    validation = mnist.validation.first(100)
    runs = [
        teach(net, images, labels, mnist=mnist.training, validation=validation, seed=5)
        for _ in range(2)
    ]
    for a, b in zip(runs[0].network.weights, runs[1].network.weights):
        np.testing.assert_array_equal(a, b)


def test_lesson_settings_keep_the_models_cost_and_rate_as_plain_sgd():
    net = Network([4, 3, 2], seed=0, output="softmax")
    trained_with = TrainingSettings(
        learning_rate=0.05, cost="log-likelihood", momentum=0.9, l2=0.5, schedule="cosine"
    )
    settings = lesson_settings(net, trained_with, epochs=2, seed=1)
    assert (settings.cost, settings.learning_rate, settings.epochs) == ("log-likelihood", 0.05, 2)
    assert (settings.momentum, settings.l2, settings.schedule) == (0.0, 0.0, "constant")
    unknown = lesson_settings(net, None, epochs=1, seed=None)
    assert unknown.cost == "log-likelihood"


@pytest.mark.parametrize(
    ("images", "labels", "needle"),
    [
        (np.zeros((0, 784)), np.zeros(0, dtype=int), "shape"),
        (np.zeros((2, 100)), np.array([1, 2]), "shape"),
        (np.zeros((2, 784)), np.array([1]), "label"),
        (np.zeros((1, 784)), np.array([10]), "digits 0 to 9"),
        (np.zeros((1, 784)), np.array([1.5]), "integer"),
    ],
)
def test_teach_refuses_bad_drawings_in_one_line(trained, mnist, images, labels, needle):
    with pytest.raises(ConfigError, match=needle):
        teach(trained[0], images, labels, mnist=mnist.training, validation=mnist.validation)
