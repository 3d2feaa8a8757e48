"""The book's algorithm, one example at a time: the reference the benchmarks time.

Written as Nielsen's ``network.py`` writes it (chapter 1): column vectors, and a Python loop
over the examples of each mini-batch, each one backpropagated on its own with ``np.dot``;
the gradients are summed over the mini-batch and the step is ``w <- w - (eta/m) sum nabla_w``.
Weights are ``(n_out, n_in)`` and biases ``(n_out, 1)``, drawn from N(0, 1). float64
throughout, as the book's NumPy code computes.

Shared by ``train_speed.py`` and ``compare.py``; not part of digitnet.
"""

from __future__ import annotations

import time

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]


def sigmoid(z: FloatArray) -> FloatArray:
    return 1.0 / (1.0 + np.exp(-z))


def sigmoid_prime(z: FloatArray) -> FloatArray:
    return sigmoid(z) * (1 - sigmoid(z))


def initial_parameters(
    sizes: list[int], rng: np.random.Generator
) -> tuple[list[FloatArray], list[FloatArray]]:
    """Weights ``(n_out, n_in)`` and biases ``(n_out, 1)`` drawn from N(0, 1)."""
    weights = [rng.standard_normal((o, i)) for i, o in zip(sizes[:-1], sizes[1:])]
    biases = [rng.standard_normal((o, 1)) for o in sizes[1:]]
    return weights, biases


def book_epoch(
    weights: list[FloatArray],
    biases: list[FloatArray],
    images: FloatArray,
    targets: FloatArray,
    rng: np.random.Generator,
    *,
    mini_batch_size: int,
    learning_rate: float,
) -> None:
    """One epoch of the book's SGD, in place: per-example backprop summed over each batch.

    ``images`` is (n_examples, n_in) in [0, 1]; ``targets`` the one-hot (n_examples, n_out).
    """
    n = len(images)
    order = rng.permutation(n)
    for k in range(0, n, mini_batch_size):
        nabla_b = [np.zeros(b.shape) for b in biases]
        nabla_w = [np.zeros(w.shape) for w in weights]
        batch = order[k : k + mini_batch_size]
        for i in batch:
            activation = images[i].reshape(-1, 1)
            activations, zs = [activation], []
            for b, w in zip(biases, weights):
                z = np.dot(w, activation) + b
                zs.append(z)
                activation = sigmoid(z)
                activations.append(activation)
            delta = (activations[-1] - targets[i].reshape(-1, 1)) * sigmoid_prime(zs[-1])
            nabla_b[-1] += delta
            nabla_w[-1] += np.dot(delta, activations[-2].T)
            for l in range(2, len(weights) + 1):
                delta = np.dot(weights[-l + 1].T, delta) * sigmoid_prime(zs[-l])
                nabla_b[-l] += delta
                nabla_w[-l] += np.dot(delta, activations[-l - 1].T)
        for w, nw in zip(weights, nabla_w):
            w -= (learning_rate / len(batch)) * nw
        for b, nb in zip(biases, nabla_b):
            b -= (learning_rate / len(batch)) * nb


def accuracy(
    weights: list[FloatArray], biases: list[FloatArray], images: FloatArray, labels: NDArray
) -> float:
    """Share of ``images`` (n_examples, n_in) whose most active output is the label."""
    a = images.T
    for b, w in zip(biases, weights):
        a = sigmoid(w @ a + b)
    return float(np.mean(np.argmax(a, axis=0) == labels))


def run_book(
    data,  # an MnistSplit (training, test)
    *,
    sizes: list[int],
    epochs: int,
    mini_batch_size: int,
    learning_rate: float,
    seed: int,
) -> dict:
    """Train with :func:`book_epoch`; ``{"seconds": [...per epoch], "accuracy": [...test]}``."""
    rng = np.random.default_rng(seed)
    weights, biases = initial_parameters(sizes, rng)
    images = np.asarray(data.training.images, dtype=np.float64)  # no copy if float64
    targets = np.eye(sizes[-1])[data.training.labels]
    test_images = np.asarray(data.test.images, dtype=np.float64)
    seconds, accuracies = [], []
    for _ in range(epochs):
        start = time.perf_counter()
        book_epoch(
            weights,
            biases,
            images,
            targets,
            rng,
            mini_batch_size=mini_batch_size,
            learning_rate=learning_rate,
        )
        seconds.append(time.perf_counter() - start)
        accuracies.append(accuracy(weights, biases, test_images, data.test.labels))
    return {"seconds": seconds, "accuracy": accuracies}
