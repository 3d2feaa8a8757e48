"""How often a trained network reads MNIST test digits put on real-world pages.

For each kind of page of ``tests/pages.py`` (small digits on big sheets, gradients, tint,
blue and pencil ink, grain, JPEG, specks, ruled lines, light on dark), puts the first N
MNIST test digits on such pages, runs each file through ``digitnet.imaging.preprocess``
and the network, and prints how many are right, how many were refused (blank), and the
milliseconds a page. Beside it: how many of the same digits the network reads straight
from MNIST, the most the pages can give.

    python benchmarks/imaging_pages.py MODEL.npz [--digits 40] [--data-dir DIR]

Not a test: it prints figures and asserts nothing.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from pages import KINDS, ink_share, render


def main() -> None:
    from digitnet.data import load_mnist
    from digitnet.errors import ImageError
    from digitnet.imaging import preprocess
    from digitnet.modelfile import load

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model", type=Path)
    parser.add_argument("--digits", type=int, default=40)
    parser.add_argument("--data-dir", default=None)
    args = parser.parse_args()
    network = load(args.model).network
    test = load_mnist(args.data_dir, dtype=np.uint8, download=False).test
    images, labels = test.images[: args.digits], test.labels[: args.digits]
    direct = int((network.predict(images.astype(np.float32) / 255) == labels).sum())
    print(f"{args.model}: {direct}/{len(labels)} of these digits right straight from MNIST\n")
    print("| page | median ink share | right | refused | ms a page |")
    print("|---|---:|---:|---:|---:|")
    for kind, page in KINDS.items():
        rng = np.random.default_rng(0)
        right = refused = 0
        seconds = 0.0
        shares = []
        for digit, label in zip(images.reshape(-1, 28, 28), labels):
            data = render(digit, page, rng)
            shares.append(ink_share(digit, page))
            start = time.perf_counter()
            try:
                pixels = preprocess(data)
            except ImageError:
                refused += 1
                continue
            finally:
                seconds += time.perf_counter() - start
            right += int(np.argmax(network.feedforward(pixels)) == label)
        print(
            f"| {kind} | {100 * np.median(shares):.3f}% | {right}/{len(labels)} | {refused} "
            f"| {1000 * seconds / len(labels):.0f} |"
        )


if __name__ == "__main__":
    main()
