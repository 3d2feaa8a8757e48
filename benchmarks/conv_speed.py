"""The book's chapter-6 network: digitnet beside PyTorch, seconds per epoch on a CPU.

Every implementation trains the same network - conv 20 maps of 5x5, max-pool 2x2, conv 40
maps of 5x5, max-pool 2x2, 100 ReLU, 10 softmax (the book's ``network3.py`` run with ReLU)
- with the log-likelihood cost and plain SGD (learning rate 0.03, the book's), float32,
on the first ``--images`` MNIST training images held in memory, shuffled, at mini-batches
of 10 (the book's) and 64. Each measurement is a fresh child process (its peak memory is
its own), runs a warm-up of a few batches first (Numba's cache, PyTorch's allocator), then
times ``--images`` images; seconds per epoch are that time scaled to 50,000 images. The
implementations alternate within each of ``--rounds`` rounds, so that the machine's load
weighs on all alike; the table gives each one's median and range and its speed against
PyTorch's (median over median).

Rows: digitnet's compiled engine (Numba kernels for im2col, col2im and pooling, BLAS for
the products), its NumPy-only engine, and PyTorch 2 threads (``torch.set_num_threads(2)``;
``nn.Conv2d``, ``nn.MaxPool2d``, ``nn.Linear``, ``F.cross_entropy``, ``torch.optim.SGD``).

    python benchmarks/conv_speed.py [--images 10000] [--rounds 3] [--data-dir DIR]

Not a test: it prints a Markdown table and asserts nothing.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import statistics
import time

import numpy as np
from harness import machine_text, markdown_table, peak_rss_mib, print_json, run_worker

BOOK = "conv:20x5x5,pool:2,conv:40x5x5,pool:2,fc:100,softmax:10"
LEARNING_RATE = 0.03
SEED = 1
N_TRAINING = 50_000
WARM_UP_BATCHES = 20
BATCH_SIZES = (10, 64)
RUNS = {  # worker -> label
    "digitnet:compiled": "digitnet, compiled engine",
    "digitnet:numpy": "digitnet, NumPy only",
    "torch": "PyTorch CPU, 2 threads",
}


def load(data_dir: str | None, n: int):
    from digitnet.data.mnist import load_mnist

    training = load_mnist(data_dir, dtype=np.uint8, download=False).training
    return training.images[:n], training.labels[:n]


def digitnet_worker(engine: str, batch: int, n: int, data_dir: str | None) -> dict:
    from digitnet.conv.network import ConvNetwork
    from digitnet.settings import TrainingSettings
    from digitnet.training import train

    images, labels = load(data_dir, n)
    settings = TrainingSettings(
        epochs=1, mini_batch_size=batch, learning_rate=LEARNING_RATE, cost="log-likelihood",
        seed=SEED, engine=engine,
    )  # fmt: skip
    warm = WARM_UP_BATCHES * batch
    train(ConvNetwork(BOOK, seed=SEED), (images[:warm], labels[:warm]), settings)
    network = ConvNetwork(BOOK, seed=SEED)
    start = time.perf_counter()
    history = train(network, (images, labels), settings)
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "loop": history.seconds[0], "peak_mib": peak_rss_mib()}


def torch_worker(batch: int, n: int, data_dir: str | None) -> dict:
    import torch

    torch.set_num_threads(2)
    torch.manual_seed(SEED)
    images, labels = load(data_dir, n)
    x = torch.from_numpy(images.astype(np.float32) / 255).reshape(-1, 1, 28, 28)
    y = torch.from_numpy(labels.astype(np.int64))
    model = torch.nn.Sequential(
        torch.nn.Conv2d(1, 20, 5), torch.nn.MaxPool2d(2), torch.nn.ReLU(),
        torch.nn.Conv2d(20, 40, 5), torch.nn.MaxPool2d(2), torch.nn.ReLU(),
        torch.nn.Flatten(), torch.nn.Linear(640, 100), torch.nn.ReLU(), torch.nn.Linear(100, 10),
    )  # fmt: skip
    optimizer = torch.optim.SGD(model.parameters(), lr=LEARNING_RATE)

    def epoch(order: torch.Tensor) -> None:
        for first in range(0, len(order), batch):
            index = order[first : first + batch]
            optimizer.zero_grad()
            torch.nn.functional.cross_entropy(model(x[index]), y[index]).backward()
            optimizer.step()

    generator = torch.Generator().manual_seed(SEED)
    epoch(torch.randperm(n, generator=generator)[: WARM_UP_BATCHES * batch])
    start = time.perf_counter()
    epoch(torch.randperm(n, generator=generator))
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "loop": seconds, "peak_mib": peak_rss_mib()}


def worker(name: str, args: argparse.Namespace) -> dict:
    if name.startswith("digitnet:"):
        return digitnet_worker(name.split(":")[1], args.batch, args.images, args.data_dir)
    return torch_worker(args.batch, args.images, args.data_dir)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--data-dir", default=None)
    parser.add_argument("--worker", default=None)
    parser.add_argument("--batch", type=int, default=10)
    args = parser.parse_args()
    if args.worker:
        print_json(worker(args.worker, args))
        return
    print(machine_text())
    print(f"{BOOK}, float32, plain SGD at {LEARNING_RATE}, {args.images:,} images a run\n")
    runs = {k: v for k, v in RUNS.items() if k != "torch" or importlib.util.find_spec("torch")}
    if "torch" not in runs:
        print("(PyTorch not installed: pip install torch==2.13.0)\n")
    results: dict[tuple[str, int], list[dict]] = {(k, b): [] for k in runs for b in BATCH_SIZES}
    for _ in range(args.rounds):
        for batch in BATCH_SIZES:
            for name in runs:
                options = ["--images", str(args.images), "--batch", str(batch)]
                options += ["--data-dir", args.data_dir] if args.data_dir else []
                results[name, batch].append(run_worker(__file__, name, options))
    rows = []
    for batch in BATCH_SIZES:
        scale = N_TRAINING / args.images
        torch_median = None
        if "torch" in runs and not any("error" in r for r in results["torch", batch]):
            torch_median = statistics.median(r["seconds"] for r in results["torch", batch])
        for name, label in runs.items():
            done = results[name, batch]
            failed = [r["error"] for r in done if "error" in r]
            if failed:
                rows.append([label, str(batch), f"failed: {failed[0]}", "", "", ""])
                continue
            seconds = [r["seconds"] * scale for r in done]
            median = statistics.median(seconds)
            speed = f"{torch_median * scale / median:.2f}x" if torch_median else ""
            rows.append([
                label, str(batch), f"{median:.1f}", f"{min(seconds):.1f}-{max(seconds):.1f}",
                speed, f"{max(r['peak_mib'] for r in done):.0f}",
            ])  # fmt: skip
    columns = ["implementation", "batch", "s/epoch", "range", "speed vs PyTorch", "peak MiB"]
    print(markdown_table(columns, rows, "lrrrrr"))
    print(f"\nload average at the end: {', '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
