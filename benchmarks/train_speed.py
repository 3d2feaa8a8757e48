"""Seconds per training epoch of [784, 30, 10] on MNIST, against the book's algorithm.

Trains the project's network (mini-batch SGD, float32 and float64) for a few epochs and, in
the same run, one epoch of a plain one-example-at-a-time implementation of the same maths,
written as the book's ``network.py`` does it (column vectors, a Python loop over the
examples of each mini-batch) in ``book_reference.py``. Each implementation runs in its own
fresh process, so its peak memory (RSS) is its own. Prints a table: seconds per epoch
(median), training examples per second, peak memory, best test accuracy, and the speed-up
over the reference. ``compare.py`` puts PyTorch and scikit-learn beside these.

    python benchmarks/train_speed.py [--epochs 3] [--data-dir DIR]

Not a test: it prints figures and asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys

import numpy as np
from book_reference import run_book

SIZES = [784, 30, 10]
MINI_BATCH_SIZE = 10
LEARNING_RATE = 3.0
SEED = 1


def run_digitnet(data, epochs: int, dtype: str) -> dict:
    from digitnet import Network, sgd

    network = Network(SIZES, seed=SEED, dtype=dtype)
    history = sgd(
        network,
        data.training,
        epochs=epochs,
        mini_batch_size=MINI_BATCH_SIZE,
        learning_rate=LEARNING_RATE,
        seed=SEED,
        monitor={"test": data.test},
    )
    return {"seconds": history.seconds, "accuracy": max(history.accuracy["test"])}


def worker(name: str, epochs: int, data_dir: str | None) -> None:
    from digitnet.data import load_mnist

    dtype = "float64" if name in ("reference", "digitnet-float64") else "float32"
    data = load_mnist(data_dir, dtype=np.dtype(dtype).type, download=False)
    if name == "reference":
        result = run_book(
            data,
            sizes=SIZES,
            epochs=epochs,
            mini_batch_size=MINI_BATCH_SIZE,
            learning_rate=LEARNING_RATE,
            seed=SEED,
        )
        result["accuracy"] = max(result["accuracy"])
    else:
        result = run_digitnet(data, epochs, dtype)
    result["peak_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(result))


def measure(name: str, epochs: int, data_dir: str | None) -> dict:
    command = [sys.executable, __file__, "--worker", name, "--epochs", str(epochs)]
    if data_dir:
        command += ["--data-dir", data_dir]
    out = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--epochs", type=int, default=3, help="epochs per implementation")
    parser.add_argument("--reference-epochs", type=int, default=1)
    parser.add_argument("--data-dir", default=None)
    parser.add_argument("--worker", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args.worker, args.epochs, args.data_dir)
        return
    runs = {
        "book's algorithm, one example at a time (float64)": measure(
            "reference", args.reference_epochs, args.data_dir
        ),
        "digitnet mini-batch SGD (float64)": measure(
            "digitnet-float64", args.epochs, args.data_dir
        ),
        "digitnet mini-batch SGD (float32)": measure(
            "digitnet-float32", args.epochs, args.data_dir
        ),
    }
    reference = statistics.median(next(iter(runs.values()))["seconds"])
    print(
        f"[784, 30, 10], mini-batch {MINI_BATCH_SIZE}, learning rate {LEARNING_RATE}, "
        f"50,000 training images; median over the epochs run\n"
    )
    columns = ["implementation", "epochs", "s/epoch", "examples/s", "x reference", "peak MiB"]
    print("| " + " | ".join([*columns, "best test acc"]) + " |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for name, run in runs.items():
        seconds = statistics.median(run["seconds"])
        print(
            f"| {name} | {len(run['seconds'])} | {seconds:.3f} | {50_000 / seconds:,.0f} | "
            f"{reference / seconds:.1f} | {run['peak_mib']:.0f} | {run['accuracy']:.2%} |"
        )


if __name__ == "__main__":
    main()
