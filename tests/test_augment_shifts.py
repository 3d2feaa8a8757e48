"""The book's expanded training set: each image and its four one-pixel shifts."""

import numpy as np

from digitnet.augment.shifts import expand, shifted
from digitnet.network import Network
from digitnet.training import sgd


def test_a_shift_moves_every_pixel_one_place_and_fills_with_background():
    image = np.arange(1, 785, dtype=np.int64).reshape(1, 784)
    square = image.reshape(28, 28)
    down = shifted(image, 1, 0).reshape(28, 28)
    assert (down[0] == 0).all() and np.array_equal(down[1:], square[:-1])
    left = shifted(image, 0, -1).reshape(28, 28)
    assert (left[:, -1] == 0).all() and np.array_equal(left[:, :-1], square[:, 1:])


def test_expand_gives_five_images_for_each_with_its_label():
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (3, 784), dtype=np.uint8)
    labels = np.array([4, 1, 7])
    expanded, expanded_labels = expand(images, labels)
    assert expanded.shape == (15, 784) and expanded.dtype == np.uint8
    assert expanded_labels.tolist() == [4, 1, 7] * 5
    assert np.array_equal(expanded[:3], images)
    up = expanded[6:9].reshape(3, 28, 28)
    assert np.array_equal(up[:, :-1], images.reshape(3, 28, 28)[:, 1:])


def test_training_with_expand_sweeps_five_times_the_images(mnist):
    data = (mnist.training.images[:40], mnist.training.labels[:40])
    batches = []
    sgd(
        Network([784, 5, 10], seed=0), data, epochs=1, mini_batch_size=2, expand=True, seed=1,
        on_batch=lambda done, total: batches.append(total),
    )  # fmt: skip
    assert batches[-1] == 100  # 200 images in batches of 2
