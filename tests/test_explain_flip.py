"""The flipping search: the change really changes the answer, stays in [0, 1], is measured
right; and the robustness curve built on it."""

import numpy as np
import pytest
from explain_fixtures import first_test_digits, small_trained

from digitnet.errors import ConfigError
from digitnet.explain.flip import flip, flips, robustness_curve
from digitnet.network import Network


@pytest.fixture(scope="module")
def net(mnist):
    return small_trained(mnist)[0]


def test_flip_changes_the_answer_and_stays_in_the_unit_interval(net, mnist):
    images, _ = first_test_digits(mnist, 20)
    for x in images:
        found = flip(net, x)
        assert found.flipped
        assert found.digit == net.predict(x)
        assert found.new_digit == net.predict(found.changed) != found.digit
        assert found.changed.min() >= 0 and found.changed.max() <= 1
        np.testing.assert_array_equal(found.original, x)
        np.testing.assert_allclose(found.l2, np.linalg.norm(found.change), rtol=1e-12)
        np.testing.assert_allclose(found.linf, np.abs(found.change).max(), rtol=1e-12)
        assert 0 < found.linf <= found.l2


def test_flip_shortens_the_path_it_walked(net, mnist):
    x = first_test_digits(mnist, 1)[0][0]
    found = flip(net, x)
    walked = found.steps * 0.1  # FLIP_STEP: the L2 length of the path before shortening
    assert found.l2 <= walked + 1e-9
    # half the change found no longer flips it: the bisection kept only what is needed
    assert net.predict(x + 0.5 * found.change) == found.digit


def test_flips_of_a_batch_answer_each_row(net, mnist):
    images, _ = first_test_digits(mnist, 8)
    batch = flips(net, images)
    assert batch.changed.shape == images.shape and batch.flipped.all()
    np.testing.assert_array_equal(batch.digits, net.predict(images))
    np.testing.assert_array_equal(batch.new_digits, net.predict(batch.changed))
    assert (batch.new_digits != batch.digits).all()


def test_flip_gives_up_after_max_steps_and_returns_the_original_size_zero():
    net = Network([4, 3, 2], seed=0)
    found = flip(net, np.full(4, 0.5), step=1e-9, max_steps=2)
    assert not found.flipped and found.new_digit == found.digit
    np.testing.assert_array_equal(found.changed, found.original)
    assert found.l2 == 0 and found.steps == 2


def test_flip_refuses_bad_settings():
    net = Network([4, 3, 2], seed=0)
    with pytest.raises(ConfigError, match="step"):
        flip(net, np.zeros(4), step=0)
    with pytest.raises(ConfigError, match="max_steps"):
        flip(net, np.zeros(4), max_steps=0)
    with pytest.raises(ConfigError, match="one image"):
        flip(net, np.zeros((2, 4)))


def test_robustness_curve_starts_at_the_accuracy_and_falls(net, mnist):
    images, labels = first_test_digits(mnist, 200)
    sizes = np.linspace(0, 4, 9)
    curve = robustness_curve(net, images, labels, sizes)
    accuracy = np.mean(net.predict(images) == labels)
    assert curve.accuracy[0] == pytest.approx(accuracy)
    assert np.all(np.diff(curve.accuracy) <= 0) and curve.accuracy[-1] < accuracy / 2
    wrong = net.predict(images) != labels
    assert np.all(curve.flip_sizes[wrong] == 0) and np.all(curve.flip_sizes[~wrong] > 0)


def test_robustness_curve_refuses_bad_sizes_and_labels(net, mnist):
    images, labels = first_test_digits(mnist, 5)
    with pytest.raises(ConfigError, match="sizes"):
        robustness_curve(net, images, labels, [-1.0])
    with pytest.raises(ConfigError, match="labels"):
        robustness_curve(net, images, labels[:3], [0.0])
