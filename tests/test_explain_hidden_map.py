"""The map of the hidden layer: shapes, PCA's maths, determinism, a drawn digit's place."""

import numpy as np
import pytest
from explain_fixtures import first_test_digits, small_trained

from digitnet.errors import ConfigError
from digitnet.explain.hidden_map import MAP_NEIGHBOURS, hidden_map, last_hidden
from digitnet.network import Network

N = 500


@pytest.fixture(scope="module")
def net(mnist):
    return small_trained(mnist)[0]


def test_pca_map_places_each_digit_by_its_centred_hidden_layer(net, mnist):
    images, labels = first_test_digits(mnist, N)
    found = hidden_map(net, images, labels)
    assert found.points.shape == (N, 2) and found.hidden.shape == (N, 30)
    np.testing.assert_array_equal(found.labels, labels)
    np.testing.assert_array_equal(found.predictions, net.predict(images))
    np.testing.assert_allclose(found.components @ found.components.T, np.eye(2), atol=1e-12)
    hidden = last_hidden(net, images)
    np.testing.assert_allclose(found.points, (hidden - hidden.mean(0)) @ found.components.T)
    # the first direction holds the most variance, and the shares are those of the SVD
    variance = found.points.var(axis=0)
    assert variance[0] >= variance[1]
    total = ((hidden - hidden.mean(0)) ** 2).sum(axis=1).mean()
    np.testing.assert_allclose(found.explained, variance / total, rtol=1e-9)
    for row in (0, 17):
        np.testing.assert_allclose(found.place(net, images[row]), found.points[row], atol=1e-12)


def test_pca_map_is_the_same_every_time_and_its_signs_are_fixed(net, mnist):
    images, labels = first_test_digits(mnist, N)
    first, again = hidden_map(net, images, labels), hidden_map(net, images[::-1], labels[::-1])
    np.testing.assert_allclose(first.points, again.points[::-1], atol=1e-10)
    for direction in first.components:
        assert direction[np.abs(direction).argmax()] > 0


def test_tsne_map_places_a_new_digit_among_its_neighbours(net, mnist):
    pytest.importorskip("sklearn", reason="t-SNE needs the baselines extra (scikit-learn)")
    images, labels = first_test_digits(mnist, 200)
    found = hidden_map(net, images, labels, method="tsne", seed=0)
    assert found.points.shape == (200, 2) and found.components is None
    again = hidden_map(net, images, labels, method="tsne", seed=0)
    np.testing.assert_array_equal(found.points, again.points)
    hidden = last_hidden(net, images)
    nearest = np.argsort(np.linalg.norm(hidden - hidden[3], axis=1))[:MAP_NEIGHBOURS]
    np.testing.assert_allclose(found.place(net, images[3]), found.points[nearest].mean(0))


def test_map_refuses_an_unknown_method_and_a_network_without_hidden_layer(mnist):
    images, labels = first_test_digits(mnist, 10)
    with pytest.raises(ConfigError, match="method"):
        hidden_map(Network([784, 5, 10], seed=0), images, labels, method="umap")
    with pytest.raises(ConfigError, match="hidden layer"):
        hidden_map(Network([784, 10], seed=0), images, labels)
