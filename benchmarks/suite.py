"""Issue 18's figures in one run: where a user waits, each beside its target, as ratios.

One table, from the parts the other scripts measure, each in fresh processes:

- the book's network per epoch (``compare.py``'s workers): digitnet's compiled engine
  against the book's code and against PyTorch with 2 threads (its fastest idiomatic loop);
- the best preset's network per epoch (``best_network.py``'s workers), distortions off and
  on, against PyTorch with 2 threads;
- ``digitnet train`` with its defaults, process start to model saved, and with
  ``--epochs 1``; the fixed cost is the latter less its one epoch (as the command reports
  it). MNIST is copied to a fresh writable folder first, so the array cache beside it is
  built by an untimed warm-up run, as a user's second run finds it;
- ``digitnet serve``'s lean prediction (``web_load.py --query 'input=canvas&view=lean'``,
  16 clients, the shipped model): requests/s, p50 and errors.

The header gives the date, the commit, the CPU and its vector flags and the load average,
which on a shared machine says how much to trust the absolute figures: the ratios come
from the same stretch of time.

Each network's workers run ``--rounds`` times in turn (A B C A B C ...), and each figure is
the median of all its rounds' epochs, so that a stretch of a noisy machine slows every
side of a ratio alike; ``train`` runs 5 times each way.

``--quick``: 1 epoch of each network (10,000 images for the best preset's), 1 round, 1
timed run of each command, 1,000 requests. Not a test: it prints a Markdown table.

    python benchmarks/suite.py [--quick] [--rounds 3] [--data-dir DIR]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from compare import git_text
from harness import machine_text, markdown_table, run_worker

HERE = Path(__file__).resolve().parent
MNIST_NAMES = (
    "train-images-idx3-ubyte.gz",
    "train-labels-idx1-ubyte.gz",
    "t10k-images-idx3-ubyte.gz",
    "t10k-labels-idx1-ubyte.gz",
)
VECTOR_FLAGS = ("sse4_2", "avx", "avx2", "fma", "avx512f", "avx512_bf16", "amx_tile")
EPOCH_LINE = re.compile(r"Training took ([0-9.]+) s per epoch")


def cpu_flags() -> str:
    """The vector instruction sets /proc/cpuinfo lists, of VECTOR_FLAGS."""
    try:
        with open("/proc/cpuinfo") as info:
            flags = next(line.split(":", 1)[1].split() for line in info if line.startswith("flags"))
    except (OSError, StopIteration):
        return "?"
    return " ".join(flag for flag in VECTOR_FLAGS if flag in flags) or "none of " + ", ".join(
        VECTOR_FLAGS
    )


def median_seconds(
    script: str, names: tuple[str, ...], options: list[str], rounds: int
) -> list[float]:
    """Each worker's median epoch seconds over ``rounds`` rounds of all of them in turn."""
    seconds: dict[str, list[float]] = {name: [] for name in names}
    for _ in range(rounds):
        for name in names:
            result = run_worker(str(HERE / script), name, options)
            if "error" in result:
                sys.exit(f"{script} {name}: {result['error']}")
            seconds[name] += result["seconds"]
    return [statistics.median(seconds[name]) for name in names]


def book_network(args: argparse.Namespace) -> list[list[str]]:
    epochs = "1" if args.quick else "3"
    options = ["--epochs", epochs, "--book-epochs", "1", *data_options(args)]
    names = ("digitnet:compiled:float32:uint8", "book", "torch:2")
    ours, book, torch = median_seconds("compare.py", names, options, args.rounds)
    return [
        row("book's network, s/epoch: digitnet vs the book's code", ours, book, 30),
        row("book's network, s/epoch: digitnet vs PyTorch 2 threads", ours, torch, 15),
    ]


def best_network(args: argparse.Namespace) -> list[list[str]]:
    options = ["--epochs", "1", "--threads", "2", *data_options(args)]
    options += ["--examples", "10000" if args.quick else "50000"]
    names = ("digitnet:off", "digitnet:on", "torch:off")
    off, on, torch = median_seconds("best_network.py", names, options, args.rounds)
    return [
        row(
            "best preset's network, s/epoch, distortions off, vs PyTorch 2 threads", off, torch, 1.1
        ),
        row("best preset's network, s/epoch, distortions on, vs PyTorch 2 threads", on, torch, 1.1),
    ]


def row(what: str, ours: float, theirs: float, target: float) -> list[str]:
    ratio = theirs / ours
    met = "yes" if ratio >= target else "no"
    return [what, f"{ours:.3f} vs {theirs:.3f}", f"{ratio:.2f}x", f">= {target:g}x", met]


def timed_train(command: list[str], env: dict[str, str]) -> tuple[float, float | None]:
    """Wall seconds of one ``digitnet train`` and the seconds per epoch it reported."""
    began = time.perf_counter()
    done = subprocess.run(command, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - began
    if done.returncode != 0:
        sys.exit(f"{' '.join(command)}: {done.stderr.strip().splitlines()[-1:]}")
    match = EPOCH_LINE.search(done.stdout)
    return wall, float(match.group(1)) if match else None


def start_up(args: argparse.Namespace) -> list[list[str]]:
    source = Path(args.data_dir or os.environ.get("DIGITNET_DATA", ""))
    runs = 1 if args.quick else 5
    with tempfile.TemporaryDirectory() as folder:
        data = Path(folder) / "mnist"
        data.mkdir()
        for name in MNIST_NAMES:
            shutil.copyfile(source / name, data / name)
        env = {**os.environ, "DIGITNET_DATA": str(data), "DIGITNET_HOME": f"{folder}/home"}
        env["PYTHONPATH"] = str(HERE.parent / "src")
        train = [sys.executable, "-m", "digitnet", "train", "--seed", "1"]
        timed_train([*train, "--epochs", "1"], env)  # builds the array cache, warms Numba's
        one, whole = [], []
        for _ in range(runs):  # in turn, as the networks' workers
            one.append(timed_train([*train, "--epochs", "1"], env))
            whole.append(timed_train(train, env)[0])
    fixed = statistics.median(wall - (epoch or 0.0) for wall, epoch in one)
    return [
        ["`digitnet train` (defaults), process start to model saved, s",
         f"{statistics.median(whole):.2f}", "", "< 3 s (quiet machine)",
         "yes" if statistics.median(whole) < 3 else "no"],
        ["`digitnet train --epochs 1` less its epoch: the fixed cost, s", f"{fixed:.2f}", "",
         "< 0.6 s", "yes" if fixed < 0.6 else "no"],
    ]  # fmt: skip


def serve(args: argparse.Namespace) -> list[list[str]]:
    sys.path.insert(0, str(HERE.parent / "src"))
    from digitnet.modelfile import shipped_model_path

    requests = "1000" if args.quick else "3000"
    command = [
        sys.executable, str(HERE / "web_load.py"), "--requests", requests, "--clients", "16",
        "--no-training-pass", "--model", str(shipped_model_path()),
        "--query", "input=canvas&view=lean", *data_options(args),
    ]  # fmt: skip
    env = {**os.environ, "PYTHONPATH": str(HERE.parent / "src")}
    done = subprocess.run(command, env=env, capture_output=True, text=True)
    line = next((x for x in done.stdout.splitlines() if x.startswith("| server idle")), None)
    if line is None:
        sys.exit(f"web_load.py: {done.stderr.strip().splitlines()[-1:]}")
    cells = [cell.strip() for cell in line.strip("|").split("|")]
    errors, rate, p50 = int(cells[3].replace(",", "")), float(cells[5]), float(cells[6])
    return [
        ["`digitnet serve` lean prediction, 16 clients: requests/s", f"{rate:.0f}", "",
         ">= 1000", "yes" if rate >= 1000 else "no"],
        ["... its p50 latency, ms", f"{p50:.1f}", "", "< 20 ms", "yes" if p50 < 20 else "no"],
        ["... its errors", str(errors), "", "0", "yes" if errors == 0 else "no"],
    ]  # fmt: skip


def data_options(args: argparse.Namespace) -> list[str]:
    return ["--data-dir", args.data_dir] if args.data_dir else []


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--rounds", type=int, default=None, help="[default: 3, 1 with --quick]")
    parser.add_argument("--data-dir", default=os.environ.get("DIGITNET_DATA"))
    args = parser.parse_args()
    if args.rounds is None:
        args.rounds = 1 if args.quick else 3
    if args.rounds < 1:
        parser.error("--rounds must be at least 1")
    print(f"{machine_text()}\n{git_text()}\nCPU flags: {cpu_flags()}\n")
    rows = book_network(args) + best_network(args) + start_up(args) + serve(args)
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    columns = ["figure", "digitnet vs other (s)", "ratio", "target", "met"]
    print(markdown_table(columns, rows, "lrrrl"))
    print(f"\nload average at the end: {load}")


if __name__ == "__main__":
    main()
