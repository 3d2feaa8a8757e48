"""Does MNIST-style deslanting (by image moments) help on the own handwriting set?

    python benchmarks/deslant.py --seed 0

Trains the same network twice, on MNIST as it is and on MNIST deslanted, each digit
sheared so that its ink's second moment ``mu11 / mu02`` is 0 (the slant of its principal
axis), and scores each on MNIST's test set and on the handwriting set deslanted alike.
Prints one line per variant. The handwriting inputs come from --cache as written by
``handwriting_training.py``.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

from digitnet.data import Dataset, load_mnist
from digitnet.handwriting.score import Prepared, accuracy_by_style
from digitnet.mnist_shape import MNIST_CENTRE, MNIST_SIDE
from digitnet.recipes import recipe
from digitnet.training import train


def deslant(images: np.ndarray) -> np.ndarray:
    """Each row (784 pixels, any dtype) sheared along x so that its ``mu11`` is 0, keeping
    the centre row fixed: ``x' = x - (mu11 / mu02) (y - y_c)``, bilinear resampling."""
    x = images.reshape(-1, MNIST_SIDE, MNIST_SIDE).astype(np.float32)
    rows, cols = np.mgrid[0:MNIST_SIDE, 0:MNIST_SIDE].astype(np.float32)
    mass = x.sum(axis=(1, 2)) + 1e-6
    yc = (x * rows).sum(axis=(1, 2)) / mass
    xc = (x * cols).sum(axis=(1, 2)) / mass
    dy, dx = rows - yc[:, None, None], cols - xc[:, None, None]
    slant = (x * dx * dy).sum(axis=(1, 2)) / ((x * dy * dy).sum(axis=(1, 2)) + 1e-6)
    # output pixel (r, c) reads the source at c + slant * (r - centre)
    source = cols[None] + slant[:, None, None] * (rows[None] - MNIST_CENTRE)
    left = np.floor(source).astype(int)
    frac = source - left
    out = np.zeros_like(x)
    n = np.arange(len(x))[:, None, None]
    r = rows.astype(int)[None].repeat(len(x), 0)
    for offset, weight in ((0, 1 - frac), (1, frac)):
        c = left + offset
        inside = (c >= 0) & (c < MNIST_SIDE)
        out += np.where(inside, x[n, r, np.clip(c, 0, MNIST_SIDE - 1)], 0) * weight
    if images.dtype == np.uint8:
        return np.clip(np.round(out), 0, 255).astype(np.uint8).reshape(len(x), -1)
    return np.clip(out, 0, 1).astype(images.dtype).reshape(len(x), -1)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--cache", type=Path, default=Path("/tmp/hw200.npz"))
    args = parser.parse_args()
    with np.load(args.cache) as f:
        prepared = Prepared(f["inputs"], f["digits"], tuple(f["styles"]), f["refused"])
    mnist = load_mnist(dtype=np.uint8, download=False)
    for name, change in (("as is", lambda a: a), ("deslanted", deslant)):
        made = recipe("best", sizes=(784, 256, 10), epochs=15, time_budget=None, augment=False,
                      seed=args.seed)  # fmt: skip
        network = made.build()
        training = Dataset(change(mnist.training.images), mnist.training.labels)
        start = time.perf_counter()
        train(network, training, made.settings)
        seconds = time.perf_counter() - start
        test = network.evaluate(change(mnist.test.images), mnist.test.labels) / 100
        own = Prepared(change(prepared.inputs), prepared.digits, prepared.styles,
                       prepared.refused)  # fmt: skip
        scores = accuracy_by_style(network, own)
        by_style = " ".join(f"{k}={100 * v:.1f}" for k, v in scores.items())
        print(f"{name} seed {args.seed} | {seconds:.0f}s | test {test:.2f} | {by_style}")


if __name__ == "__main__":
    main()
