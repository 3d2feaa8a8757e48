"""The best preset's network, one epoch: digitnet against PyTorch, each in its own process.

The network of ``--preset best``: [784, 1024, 1024, 10], ReLU, He's initial weights, a
softmax output with the log-likelihood cost, Nesterov momentum 0.9, L2 0.5, mini-batches of
128, float32 fed uint8 pixels, on MNIST's 50,000 training images. digitnet runs
``training.train`` with the preset's settings for one epoch (``engine="auto"``, no
schedule, no time budget, nothing monitored), with its distortions off and on (on, the
epoch includes distorting the 50,000 images). PyTorch 2 (CPU) runs the same network and
update idiomatically: the images converted to float once, permuted once per epoch and
sliced into batches, ``torch.optim.SGD(momentum=0.9, nesterov=True, weight_decay)`` with
the L2 term as ``weight_decay = l2 / n``, ``log_softmax`` and ``nll_loss``. Each runs a short
warm-up first (compiling Numba's kernels, PyTorch's first calls), then ``--epochs`` timed
epochs; the row gives the median.

    python benchmarks/best_network.py [--epochs 2] [--rounds 1] [--threads 2] [--data-dir DIR]
                                      [--examples 50000]

``--examples N`` trains on the first N images only (a shorter "epoch", for a quick ratio on
a busy machine). ``--rounds R`` runs the workers R times in turn (A B C A B C ...), so that
the ratios come from the same stretch of a noisy machine. Not a test: it prints a Markdown table.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

import numpy as np
from harness import machine_text, markdown_table, print_json, run_worker

SIZES = (784, 1024, 1024, 10)
N_TRAINING = 50_000
WARMUP_EXAMPLES = 1_280  # ten mini-batches
WORKERS = ("digitnet:off", "digitnet:on", "torch:off")


def digitnet_worker(augment: bool, data_dir: str | None, epochs: int, examples: int) -> dict:
    from digitnet.data import load_mnist
    from digitnet.recipes import recipe
    from digitnet.training import train

    data = load_mnist(data_dir, dtype=np.uint8, download=False)
    chosen = recipe(
        "best", seed=1, epochs=1, augment=augment, schedule="constant", time_budget=None
    )
    warm = chosen.build()
    train(warm, data.training.first(WARMUP_EXAMPLES), chosen.settings)
    seconds = []
    for _ in range(epochs):
        network = chosen.build()
        history = train(network, data.training.first(examples), chosen.settings)
        seconds.append(history.seconds[0])
    return {"seconds": seconds, "engine": history.engine}


def torch_worker(threads: int, data_dir: str | None, epochs: int, examples: int) -> dict:
    import torch
    import torch.nn.functional as functional

    from digitnet.data import load_mnist
    from digitnet.recipes import recipe

    torch.set_num_threads(threads)
    settings = recipe("best").settings
    data = load_mnist(data_dir, dtype=np.uint8, download=False)
    x = torch.from_numpy(np.asarray(data.training.images[:examples])).float().div_(255)
    y = torch.from_numpy(data.training.labels[:examples].astype(np.int64))
    generator = torch.Generator().manual_seed(1)

    def model() -> torch.nn.Module:
        layers: list[torch.nn.Module] = []
        for n_in, n_out in zip(SIZES[:-1], SIZES[1:]):
            linear = torch.nn.Linear(n_in, n_out)
            torch.nn.init.kaiming_normal_(linear.weight, nonlinearity="relu")
            torch.nn.init.zeros_(linear.bias)
            layers += [linear, torch.nn.ReLU()]
        return torch.nn.Sequential(*layers[:-1])

    def epoch(network: torch.nn.Module, images: torch.Tensor, labels: torch.Tensor) -> float:
        optimizer = torch.optim.SGD(
            network.parameters(),
            lr=settings.learning_rate,
            momentum=settings.momentum,
            nesterov=True,
            weight_decay=settings.l2 / N_TRAINING,
        )
        begun = time.perf_counter()
        order = torch.randperm(len(images), generator=generator)
        shuffled_x, shuffled_y = images[order], labels[order]
        m = settings.mini_batch_size
        for i in range(0, len(images), m):
            optimizer.zero_grad(set_to_none=True)
            loss = functional.nll_loss(
                functional.log_softmax(network(shuffled_x[i : i + m]), dim=1),
                shuffled_y[i : i + m],
            )
            loss.backward()
            optimizer.step()
        return time.perf_counter() - begun

    epoch(model(), x[:WARMUP_EXAMPLES], y[:WARMUP_EXAMPLES])
    seconds = [epoch(model(), x, y) for _ in range(epochs)]
    return {"seconds": seconds, "threads": torch.get_num_threads()}


def worker(name: str, args: argparse.Namespace) -> dict:
    kind, option = name.split(":")
    if kind == "digitnet":
        return digitnet_worker(option == "on", args.data_dir, args.epochs, args.examples)
    return torch_worker(args.threads, args.data_dir, args.epochs, args.examples)


def measure_all(args: argparse.Namespace) -> dict[str, list[float]]:
    """Every worker's epoch seconds, the workers run in turn ``--rounds`` times."""
    options = ["--epochs", str(args.epochs), "--threads", str(args.threads)]
    options += ["--examples", str(args.examples)]
    if args.data_dir:
        options += ["--data-dir", args.data_dir]
    seconds: dict[str, list[float]] = {name: [] for name in WORKERS}
    for _ in range(args.rounds):
        for name in WORKERS:
            result = run_worker(__file__, name, options)
            if "error" in result:
                sys.exit(f"{name}: {result['error']}")
            seconds[name] += result["seconds"]
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--threads", type=int, default=2, help="PyTorch's threads")
    parser.add_argument("--examples", type=int, default=N_TRAINING, help="images an epoch")
    parser.add_argument("--data-dir", default=os.environ.get("DIGITNET_DATA"))
    args = parser.parse_args()
    if args.worker:
        print_json(worker(args.worker, args))
        return
    print(machine_text())
    seconds = measure_all(args)
    torch_median = statistics.median(seconds["torch:off"])
    rows = [
        [
            name,
            " ".join(f"{s:.2f}" for s in values),
            f"{statistics.median(values):.2f}",
            f"{torch_median / statistics.median(values):.2f}x",
        ]
        for name, values in seconds.items()
    ]
    columns = ["worker", "epoch seconds", "median", "speed against PyTorch"]
    print(markdown_table(columns, rows, "lrrr"))


if __name__ == "__main__":
    main()
