"""Seconds to distort the 50,000 training digits once (one epoch's worth), per engine.

Times :meth:`digitnet.augment.Augmenter.distort` end to end (drawing the random maps and
resampling) with the NumPy reference and, if Numba is installed, the compiled kernel:
the median of several runs after one warm-up run (the compiled kernel's first call
compiles it or loads it from Numba's disk cache; that call is reported apart). Also the
time to build the bank of elastic fields. Prints a Markdown table.

    python benchmarks/augment_speed.py [--repeats 5] [--data-dir DIR]

Not a test: it prints figures and asserts nothing.
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
from harness import machine_text, markdown_table

from digitnet.augment import Augmenter, Distortion
from digitnet.data.mnist import load_mnist
from digitnet.engines.numba_kernels import numba_available

SEED = 1


def seconds(run) -> float:
    start = time.perf_counter()
    run()
    return time.perf_counter() - start


def measure(images: np.ndarray, compiled: bool, repeats: int) -> list[str]:
    build = seconds(lambda: Augmenter(Distortion(), rng=np.random.default_rng(SEED)))
    augmenter = Augmenter(Distortion(), rng=np.random.default_rng(SEED), compiled=compiled)
    rng, out = np.random.default_rng(SEED), np.empty_like(images)
    first = seconds(lambda: augmenter.distort(images, rng, out=out))
    times = [seconds(lambda: augmenter.distort(images, rng, out=out)) for _ in range(repeats)]
    median = statistics.median(times)
    return [
        "compiled (Numba, serial)" if compiled else "numpy",
        f"{median:.3f}",
        f"{len(images) / median:,.0f}",
        f"{first:.2f}",
        f"{build * 1000:.0f}",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data-dir", default=None, help="MNIST folder [$DIGITNET_DATA]")
    parser.add_argument("--repeats", type=int, default=5, help="timed runs per engine")
    args = parser.parse_args()
    images = load_mnist(args.data_dir, dtype=np.uint8, download=False).training.images
    engines = [False, True] if numba_available() else [False]
    rows = [measure(images, compiled, args.repeats) for compiled in engines]
    print(machine_text())
    print(f"\nDistorting {len(images):,} MNIST training images, default Distortion():\n")
    columns = ["engine", "s per epoch", "images/s", "first call s", "bank ms"]
    print(markdown_table(columns, rows, "lrrrr"))


if __name__ == "__main__":
    main()
