"""digitnet beside the book's algorithm, PyTorch and scikit-learn: seconds per epoch on MNIST.

Every implementation trains the book's network [784, 30, 10] (sigmoid neurons) by SGD on
the same 50,000 MNIST training images, mini-batches of 10, learning rate 3.0, shuffled
every epoch, and is timed per epoch (training only; the test accuracy is measured after
each epoch, outside the timer). Each runs in its own fresh process, so its peak memory is
its own. Rows:

- digitnet, compiled (Numba) and numpy engines, float32 and float64, fed the raw uint8
  pixels as ``digitnet train`` feeds them (digitnet scales them by 1/255), plus one row of
  the compiled engine fed float32 pixels in [0, 1];
- the book's algorithm, one example at a time, float64 (``book_reference.py``);
- PyTorch on the CPU (float32, 1 and 2 threads): ``nn.Linear`` + sigmoid layers started
  from digitnet's initial weights, the book's quadratic cost ``C = mean_x 0.5 ||y - a||^2``
  (so the gradients are the book's), plain ``torch.optim.SGD``, its fastest idiomatic loop
  (the images permuted once an epoch, then sliced into mini-batches);
- scikit-learn's ``MLPClassifier`` (float64 and float32) with sigmoid ("logistic") hidden
  neurons, plain SGD (no momentum, no L2), one ``partial_fit`` per epoch. Its loss is the
  cross-entropy of a softmax output layer, not the book's quadratic cost, so its learning
  rate is its own: ``--tune-sklearn`` tries several on the validation set.

PyTorch and scikit-learn are optional: without them their rows say how to install them.

    python benchmarks/compare.py [--epochs 5] [--book-epochs 3] [--data-dir DIR]
    python benchmarks/compare.py --tune-sklearn     # validation accuracy per learning rate

Not a test: it prints Markdown tables and asserts nothing.
"""

from __future__ import annotations

import argparse
import importlib.util
import statistics
import subprocess
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from book_reference import run_book
from harness import (
    blas_threads,
    current_rss_mib,
    machine_text,
    markdown_table,
    peak_rss_mib,
    print_json,
    run_worker,
)

SIZES = [784, 30, 10]
MINI_BATCH_SIZE = 10
LEARNING_RATE = 3.0
SEED = 1
N_TRAINING = 50_000
#: scikit-learn's learning rate for its cross-entropy loss, chosen with --tune-sklearn: the
#: best validation accuracy after 3 epochs among 0.01, 0.03, 0.1, 0.3, 1 (see README.md).
SKLEARN_LEARNING_RATE = 0.3
SKLEARN_CANDIDATE_RATES = (0.01, 0.03, 0.1, 0.3, 1.0)
TUNE_EPOCHS = 3
PIXEL_MAX = 255


@dataclass(frozen=True)
class Run:
    """One row of the table: a worker name, what it is, and what it needs installed."""

    worker: str
    label: str
    dtype: str
    needs: str | None = None  # a module name
    install: str = ""


RUNS = (
    Run("digitnet:compiled:float32:uint8", "digitnet, compiled engine", "float32", "numba",
        "pip install 'digitnet[fast]'"),
    Run("digitnet:compiled:float64:uint8", "digitnet, compiled engine", "float64", "numba",
        "pip install 'digitnet[fast]'"),
    Run("digitnet:compiled:float32:float", "digitnet, compiled engine, float pixels in [0, 1]",
        "float32", "numba", "pip install 'digitnet[fast]'"),
    Run("digitnet:numpy:float32:uint8", "digitnet, numpy engine", "float32"),
    Run("digitnet:numpy:float64:uint8", "digitnet, numpy engine", "float64"),
    Run("book", "the book's algorithm, one example at a time", "float64"),
    Run("torch:1", "PyTorch CPU, 1 thread", "float32", "torch", "pip install torch==2.13.0"),
    Run("torch:2", "PyTorch CPU, 2 threads", "float32", "torch", "pip install torch==2.13.0"),
    Run("sklearn:float64", "scikit-learn MLPClassifier", "float64", "sklearn",
        "pip install scikit-learn"),
    Run("sklearn:float32", "scikit-learn MLPClassifier", "float32", "sklearn",
        "pip install scikit-learn"),
)  # fmt: skip
BASELINE = RUNS[0].worker


# --- data ------------------------------------------------------------------------------


def load(data_dir: str | None, dtype: str):
    """MNIST with images of ``dtype``: "float32"/"float64" in [0, 1], or "uint8" 0..255.

    digitnet versions whose loader does not take uint8 get float32 rounded back to bytes.
    """
    from digitnet.data import load_mnist
    from digitnet.errors import ConfigError

    if dtype != "uint8":
        return load_mnist(data_dir, dtype=np.dtype(dtype).type, download=False)
    try:
        return load_mnist(data_dir, dtype=np.uint8, download=False)
    except ConfigError:
        from digitnet.data import Dataset, MnistSplit

        split = load_mnist(data_dir, dtype=np.float32, download=False)
        as_bytes = [
            Dataset(np.round(d.images * PIXEL_MAX).astype(np.uint8), d.labels)
            for d in (split.training, split.validation, split.test)
        ]
        return MnistSplit(*as_bytes)


# --- workers: each trains one implementation and returns per-epoch figures ---------------


def digitnet_worker(engine: str, dtype: str, pixels: str, data_dir: str | None, epochs: int):
    from digitnet import Network, sgd

    data = load(data_dir, "uint8" if pixels == "uint8" else dtype)
    network = Network(SIZES, seed=SEED, dtype=dtype)
    rss_before = current_rss_mib()
    history = sgd(
        network,
        data.training,
        epochs=epochs,
        mini_batch_size=MINI_BATCH_SIZE,
        learning_rate=LEARNING_RATE,
        seed=SEED,
        engine=engine,
        monitor={"test": data.test},
    )
    threads = "1" if history.engine == "compiled" else f"BLAS {blas_threads()}"
    return {
        "seconds": history.seconds,
        "accuracy": history.accuracy["test"],
        "threads": threads,
        "rss_before_mib": rss_before,
        "engine": history.engine,
    }


def book_worker(data_dir: str | None, epochs: int):
    data = load(data_dir, "float64")
    rss_before = current_rss_mib()
    result = run_book(
        data,
        sizes=SIZES,
        epochs=epochs,
        mini_batch_size=MINI_BATCH_SIZE,
        learning_rate=LEARNING_RATE,
        seed=SEED,
    )
    return {**result, "threads": f"BLAS {blas_threads()}", "rss_before_mib": rss_before}


def torch_model(torch):
    """The network as ``nn.Sequential`` of Linear + Sigmoid, with digitnet's initial weights."""
    from digitnet import Network

    start = Network(SIZES, seed=SEED, dtype="float32")
    layers = []
    for w, b in zip(start.weights, start.biases):
        linear = torch.nn.Linear(w.shape[1], w.shape[0])
        with torch.no_grad():
            linear.weight.copy_(torch.from_numpy(w))
            linear.bias.copy_(torch.from_numpy(b))
        layers += [linear, torch.nn.Sigmoid()]
    return torch.nn.Sequential(*layers)


def torch_worker(threads: int, data_dir: str | None, epochs: int):
    import torch

    torch.set_num_threads(threads)
    data = load(data_dir, "float32")
    with warnings.catch_warnings():  # the loader's arrays are read-only; nothing writes them
        warnings.filterwarnings("ignore", "The given NumPy array is not writable")
        x, x_test = torch.from_numpy(data.training.images), torch.from_numpy(data.test.images)
    labels_test = torch.from_numpy(data.test.labels.astype(np.int64))
    labels = torch.from_numpy(data.training.labels.astype(np.int64))
    y = torch.nn.functional.one_hot(labels, SIZES[-1]).float()
    model = torch_model(torch)
    optimizer = torch.optim.SGD(model.parameters(), lr=LEARNING_RATE)
    generator = torch.Generator().manual_seed(SEED)
    rss_before = current_rss_mib()
    seconds, accuracy = [], []
    for _ in range(epochs):
        start = time.perf_counter()
        order = torch.randperm(len(x), generator=generator)
        shuffled_x, shuffled_y = x[order], y[order]  # permuted once, then sliced: its fastest
        for k in range(0, len(x), MINI_BATCH_SIZE):
            a = model(shuffled_x[k : k + MINI_BATCH_SIZE])
            batch_y = shuffled_y[k : k + MINI_BATCH_SIZE]
            cost = 0.5 * (a - batch_y).pow(2).sum(dim=1).mean()  # the book's quadratic cost
            optimizer.zero_grad()
            cost.backward()
            optimizer.step()
        seconds.append(time.perf_counter() - start)
        with torch.no_grad():
            correct = (model(x_test).argmax(dim=1) == labels_test).float().mean()
        accuracy.append(float(correct))
    return {
        "seconds": seconds,
        "accuracy": accuracy,
        "threads": str(torch.get_num_threads()),
        "rss_before_mib": rss_before,
    }


def sklearn_model(learning_rate: float):
    from sklearn.neural_network import MLPClassifier

    return MLPClassifier(
        hidden_layer_sizes=tuple(SIZES[1:-1]),
        activation="logistic",
        solver="sgd",
        batch_size=MINI_BATCH_SIZE,
        momentum=0.0,
        alpha=0.0,
        learning_rate="constant",
        learning_rate_init=learning_rate,
        shuffle=True,
        random_state=SEED,
    )


def sklearn_worker(
    dtype: str, data_dir: str | None, epochs: int, learning_rate: float, monitor: str = "test"
):
    data = load(data_dir, dtype)
    model = sklearn_model(learning_rate)
    classes = np.arange(SIZES[-1])
    held_out = getattr(data, monitor)
    rss_before = current_rss_mib()
    seconds, accuracy = [], []
    for _ in range(epochs):
        start = time.perf_counter()
        model.partial_fit(data.training.images, data.training.labels, classes=classes)
        seconds.append(time.perf_counter() - start)
        accuracy.append(float(model.score(held_out.images, held_out.labels)))
    assert model.coefs_[0].dtype == np.dtype(dtype), "scikit-learn changed the dtype"
    return {
        "seconds": seconds,
        "accuracy": accuracy,
        "threads": f"BLAS {blas_threads()}",
        "rss_before_mib": rss_before,
    }


def worker(name: str, args: argparse.Namespace) -> dict:
    """Run the worker ``name`` (e.g. ``digitnet:compiled:float32:uint8``, ``torch:1``)."""
    kind, *params = name.split(":")
    if kind == "digitnet":
        engine, dtype, pixels = params
        return digitnet_worker(engine, dtype, pixels, args.data_dir, args.epochs)
    if kind == "book":
        return book_worker(args.data_dir, args.book_epochs)
    if kind == "torch":
        return torch_worker(int(params[0]), args.data_dir, args.epochs)
    if kind == "sklearn":
        return sklearn_worker(params[0], args.data_dir, args.epochs, SKLEARN_LEARNING_RATE)
    if kind == "sklearn-tune":
        rate = float(params[0])
        return sklearn_worker("float64", args.data_dir, TUNE_EPOCHS, rate, "validation")
    raise SystemExit(f"unknown worker {name!r}")


# --- the parent: start the workers, print the tables ------------------------------------


def measure(name: str, args: argparse.Namespace) -> dict:
    options = ["--epochs", str(args.epochs), "--book-epochs", str(args.book_epochs)]
    if args.data_dir:
        options += ["--data-dir", args.data_dir]
    return run_worker(__file__, name, options)


def row(run: Run, result: dict, baseline: float | None) -> list[str]:
    """The table cells of one run (or of a skipped or failed one)."""
    if "skipped" in result or "error" in result:
        note = result.get("skipped") or f"failed: {result['error']}"
        return [run.label, run.dtype, "", "", note, "", "", "", "", "", ""]
    seconds = result["seconds"]
    median = statistics.median(seconds)
    faster = f"{median / baseline:.1f}" if baseline else ""
    return [
        run.label,
        run.dtype,
        result["threads"],
        str(len(seconds)),
        f"{median:.3f}",
        f"{min(seconds):.3f}-{max(seconds):.3f}",
        f"{N_TRAINING / median:,.0f}",
        faster,
        f"{result['peak_mib']:.0f}",
        f"{result['rss_before_mib']:.0f}",
        f"{max(result['accuracy']):.2%}",
    ]


def git_text() -> str:
    """The commit measured, and whether src/ had uncommitted changes."""
    root = Path(__file__).resolve().parent.parent
    try:
        head = subprocess.run(
            ["git", "-C", str(root), "rev-parse", "--short", "HEAD"],
            capture_output=True, text=True, check=True,
        ).stdout.strip()  # fmt: skip
        dirty = subprocess.run(
            ["git", "-C", str(root), "status", "--porcelain", "--", "src"],
            capture_output=True, text=True, check=True,
        ).stdout.strip()  # fmt: skip
    except (OSError, subprocess.CalledProcessError):
        return "digitnet (not a git checkout)"
    return f"digitnet at {head}" + (" with uncommitted changes in src/" if dirty else "")


def compare(args: argparse.Namespace) -> None:
    print(f"{machine_text()}\n{git_text()}\n")
    results = {}
    for run in RUNS:
        if run.needs and importlib.util.find_spec(run.needs) is None:
            results[run.worker] = {"skipped": f"skipped: {run.install}"}
        else:
            results[run.worker] = measure(run.worker, args)
    base = results[BASELINE]
    baseline = statistics.median(base["seconds"]) if "seconds" in base else None
    print(
        f"{SIZES}, mini-batch {MINI_BATCH_SIZE}, learning rate {LEARNING_RATE:g}, "
        f"{N_TRAINING:,} training images; seconds per epoch are medians over the epochs run "
        f"(other work shares the machine); scikit-learn learning rate "
        f"{SKLEARN_LEARNING_RATE:g} (cross-entropy loss)\n"
    )
    columns = [
        "implementation", "dtype", "threads", "epochs", "s/epoch (median)", "s/epoch range",
        "examples/s", "compiled f32 is N x faster", "peak RSS MiB", "RSS before training MiB",
        "best test acc",
    ]  # fmt: skip
    rows = [row(run, results[run.worker], baseline) for run in RUNS]
    print(markdown_table(columns, rows, "lllrrrrrrrr"))


def tune_sklearn(args: argparse.Namespace) -> None:
    """Validation accuracy of scikit-learn's MLP for each candidate learning rate."""
    if importlib.util.find_spec("sklearn") is None:
        print("skipped: pip install scikit-learn")
        return
    print(f"{machine_text()}\n")
    print(
        f"scikit-learn MLPClassifier {SIZES}, logistic hidden layer, softmax + cross-entropy, "
        f"SGD mini-batch {MINI_BATCH_SIZE}, no momentum, no L2; validation accuracy "
        f"(images 50,000-59,999 of MNIST's training file) after each of {TUNE_EPOCHS} epochs\n"
    )
    rows = []
    for rate in SKLEARN_CANDIDATE_RATES:
        result = measure(f"sklearn-tune:{rate}", args)
        if "error" in result:
            rows.append([f"{rate:g}", f"failed: {result['error']}", "", ""])
            continue
        accuracies = ", ".join(f"{a:.2%}" for a in result["accuracy"])
        rows.append(
            [f"{rate:g}", accuracies, f"{max(result['accuracy']):.2%}",
             f"{statistics.median(result['seconds']):.2f}"]
        )  # fmt: skip
    columns = ["learning_rate_init", "validation acc per epoch", "best", "s/epoch"]
    print(markdown_table(columns, rows, "lrrr"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--epochs", type=int, default=5, help="epochs per implementation")
    parser.add_argument("--book-epochs", type=int, default=3, help="epochs of the book's loop")
    parser.add_argument("--data-dir", default=None, help="MNIST folder [$DIGITNET_DATA]")
    parser.add_argument("--tune-sklearn", action="store_true", help=tune_sklearn.__doc__)
    parser.add_argument("--worker", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        result = worker(args.worker, args)
        print_json({**result, "peak_mib": peak_rss_mib()})
    elif args.tune_sklearn:
        tune_sklearn(args)
    else:
        compare(args)


if __name__ == "__main__":
    main()
