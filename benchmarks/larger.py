"""End-to-end `digitnet train`, larger networks, and how close they come to the machine's peak.

Three tables:

1. The machine's large-matrix rate: ``np.dot`` of two 4096 x 4096 float32 matrices with 1
   and 2 BLAS threads (``threadpoolctl``, else ``OPENBLAS_NUM_THREADS``), in GFLOP/s
   counting ``2 n^3`` flops per product. When ``OPENBLAS_CORETYPE`` or ``OPENBLAS_L2_SIZE``
   is set, one extra run, labelled, has both unset in that child process only.
2. ``digitnet train`` as a user runs it (defaults: [784, 30, 10], 30 epochs, mini-batch 10,
   evaluation every epoch, saving the model), timed as a whole command in a child process:
   once with an empty Numba cache (``NUMBA_CACHE_DIR`` set to a new folder), so that run
   pays for compiling the kernel, then again with the cache warm. Peak RSS is the child's
   own (``os.wait4``).
3. Seconds per epoch of larger networks with ``engine="auto"`` (then, as a check of its
   choice, the engine "auto" did not pick, and the numpy engine limited to one BLAS thread
   by ``OPENBLAS_NUM_THREADS=1``), float32, fed uint8 pixels as ``digitnet train``
   does, with the achieved GFLOP/s. FLOPs per training example, for layers of
   ``n_in x n_out`` weights, counting a multiply-add as 2 flops:

       forward  z = w a               2 n_in n_out      (every layer)
       backward delta_in = w^T delta  2 n_in n_out      (every layer but the first)
       gradient and update w -= eta delta a^T / m
                                      2 n_in n_out      (every layer)

   i.e. ``6 sum(n_in n_out) - 2 n_0 n_1``; biases and sigmoids (O(n) per example) and the
   once-per-batch subtraction of the numpy engine are left out.

    python benchmarks/larger.py [--quick] [--data-dir DIR]

``--quick``: 3 epochs per network instead of 5, ``digitnet train --epochs 3``, one warm run
instead of 3, and 2 products per GEMM measurement instead of 5. Not a test: it prints
Markdown tables and asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from harness import (
    OPENBLAS_TUNING,
    blas_threads,
    machine_text,
    markdown_table,
    peak_rss_mib,
    print_json,
    run_worker,
)

GEMM_SIDE = 4096
LEARNING_RATE = 3.0
SEED = 1
N_TRAINING = 50_000
#: Configurations with mini-batches up to this size are also timed with the book's loop.
BOOK_MAX_BATCH = 10
#: (sizes, mini-batch size): the book's network, then larger ones.
CONFIGS = (
    ((784, 30, 10), 10),
    ((784, 100, 10), 10),
    ((784, 800, 10), 100),
    ((784, 300, 100, 10), 100),
)
TRAIN_SECONDS = re.compile(r"Training took ([0-9.]+) s per epoch on average \((\w+) engine\)")
BEST_TEST = re.compile(r"best test accuracy of any epoch ([0-9.]+%)")


def flops_per_example(sizes: tuple[int, ...]) -> int:
    """Forward, backward and update flops of one example (see the module docstring)."""
    products = [n_in * n_out for n_in, n_out in zip(sizes[:-1], sizes[1:])]
    return 6 * sum(products) - 2 * products[0]


# --- workers -----------------------------------------------------------------------------


def gemm_worker(threads: int, repeats: int) -> dict:
    """GFLOP/s of a 4096 x 4096 float32 product (median of ``repeats``), with ``threads``."""
    rng = np.random.default_rng(SEED)
    a, b = (rng.standard_normal((GEMM_SIDE, GEMM_SIDE), dtype=np.float32) for _ in range(2))
    out = np.empty_like(a)
    try:
        from threadpoolctl import threadpool_info, threadpool_limits
    except ImportError:  # the parent set OPENBLAS_NUM_THREADS instead
        limits, kernel = None, "?"
    else:
        limits = threadpool_limits(threads, user_api="blas")
        kernel = next((p.get("architecture", "?") for p in threadpool_info()
                       if p["user_api"] == "blas"), "?")  # fmt: skip
    np.dot(a, b, out=out)  # warm up: threads started, pages touched
    seconds = []
    for _ in range(repeats):
        start = time.perf_counter()
        np.dot(a, b, out=out)
        seconds.append(time.perf_counter() - start)
    if limits is not None:
        limits.restore_original_limits()
    gflops = [2 * GEMM_SIDE**3 / s / 1e9 for s in seconds]
    return {"gflops": statistics.median(gflops), "kernel": kernel, "threads": blas_threads()}


def config_worker(sizes: tuple[int, ...], batch: int, engine: str, epochs: int, data_dir):
    from digitnet import Network, sgd
    from digitnet.data import load_mnist

    if engine == "book":  # the book's one-example-at-a-time algorithm, float64, one epoch
        from book_reference import run_book

        data = load_mnist(data_dir, dtype=np.float64, download=False)
        book = run_book(
            data, sizes=list(sizes), epochs=1, mini_batch_size=batch,
            learning_rate=LEARNING_RATE, seed=SEED,
        )  # fmt: skip
        return {**book, "engine": "book", "accuracy": max(book["accuracy"]), "threads": "BLAS"}
    data = load_mnist(data_dir, dtype=np.uint8, download=False)
    network = Network(sizes, seed=SEED, dtype="float32")
    history = sgd(
        network,
        data.training,
        epochs=epochs,
        mini_batch_size=batch,
        learning_rate=LEARNING_RATE,
        seed=SEED,
        engine=engine,
        monitor={"test": data.test},
    )
    return {
        "seconds": history.seconds,
        "engine": history.engine,
        "accuracy": max(history.accuracy["test"]),
        "threads": "1" if history.engine == "compiled" else f"BLAS {blas_threads()}",
    }


def worker(name: str, args: argparse.Namespace) -> dict:
    """``gemm:THREADS`` or ``config:784-100-10:BATCH:ENGINE``."""
    kind, *params = name.split(":")
    if kind == "gemm":
        return gemm_worker(int(params[0]), args.gemm_repeats)
    if kind == "config":
        sizes = tuple(int(n) for n in params[0].split("-"))
        return config_worker(sizes, int(params[1]), params[2], args.epochs, args.data_dir)
    raise SystemExit(f"unknown worker {name!r}")


# --- the parent --------------------------------------------------------------------------


def worker_options(args: argparse.Namespace) -> list[str]:
    options = ["--epochs", str(args.epochs), "--gemm-repeats", str(args.gemm_repeats)]
    return options + (["--data-dir", args.data_dir] if args.data_dir else [])


def gemm_table(args: argparse.Namespace) -> dict[int, float]:
    """Print the GEMM table; returns GFLOP/s by thread count (main environment)."""
    tuned = [name for name in OPENBLAS_TUNING if name in os.environ]
    environments = [("as set on this machine", None)]
    if tuned:
        unset = {k: v for k, v in os.environ.items() if k not in OPENBLAS_TUNING}
        environments.append((f"extra run: {' and '.join(OPENBLAS_TUNING)} unset", unset))
    rates, rows = {}, []
    for label, env in environments:
        for threads in (1, 2):
            child_env = dict(env if env is not None else os.environ)
            child_env["OPENBLAS_NUM_THREADS"] = str(threads)  # for a child without threadpoolctl
            result = run_worker(__file__, f"gemm:{threads}", worker_options(args), child_env)
            if "error" in result:
                rows.append([label, str(threads), f"failed: {result['error']}", "", ""])
                continue
            if env is None:
                rates[threads] = result["gflops"]
            rows.append([label, str(threads), result["threads"], result["kernel"],
                         f"{result['gflops']:.1f}"])  # fmt: skip
    print(
        f"np.dot of two {GEMM_SIDE} x {GEMM_SIDE} float32 matrices, 2 n^3 flops, median of "
        f"{args.gemm_repeats} products after one warm-up\n"
    )
    columns = ["OpenBLAS environment", "threads asked", "BLAS threads", "kernel", "GFLOP/s"]
    print(markdown_table(columns, rows, "lrrlr"))
    if not tuned:
        print(f"\n{' and '.join(OPENBLAS_TUNING)} are not set here: no extra run needed.")
    return rates


def digitnet_command(args: argparse.Namespace, out: Path) -> list[str]:
    script = Path(sys.executable).with_name("digitnet")
    command = [str(script)] if script.exists() else [
        sys.executable, "-c", "from digitnet.cli import main; main()"
    ]  # fmt: skip
    command += ["train", "--seed", str(SEED), "--out", str(out)]
    if args.quick:
        command += ["--epochs", str(args.epochs)]
    return command + (["--data-dir", args.data_dir] if args.data_dir else [])


def run_command(command: list[str], env: dict[str, str], log: Path) -> dict:
    """Wall seconds, peak RSS (this child's own, via ``wait4``) and the reported figures."""
    start = time.perf_counter()
    with open(log, "w") as output:
        child = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT, env=env)
        _, status, usage = os.wait4(child.pid, 0)
        child.returncode = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen
    wall = time.perf_counter() - start
    text = log.read_text()
    seconds = TRAIN_SECONDS.search(text)
    best = BEST_TEST.search(text)
    return {
        "wall": wall,
        "status": child.returncode,
        "peak_mib": usage.ru_maxrss / 1024,
        "epoch_seconds": float(seconds.group(1)) if seconds else float("nan"),
        "engine": seconds.group(2) if seconds else "?",
        "best_test": best.group(1) if best else "?",
        "log": text,
    }


def end_to_end_table(args: argparse.Namespace) -> None:
    """Time `digitnet train` with a cold Numba cache, then warm."""
    with tempfile.TemporaryDirectory(prefix="digitnet-bench-") as folder:
        env = {**os.environ, "NUMBA_CACHE_DIR": str(Path(folder) / "numba-cache")}
        command = digitnet_command(args, Path(folder) / "model.npz")
        runs = [("first run, empty Numba cache", run_command(command, env, Path(folder) / "0"))]
        for i in range(args.warm_runs):
            log = Path(folder) / f"{i + 1}"
            runs.append((f"warm cache, run {i + 1}", run_command(command, env, log)))
    shown = " ".join(Path(c).name if i == 0 else c for i, c in enumerate(command))
    print(f"`{shown}` (DIGITNET_DATA from the environment; --out in a temporary folder)\n")
    rows = []
    for label, run in runs:
        if run["status"] != 0:
            last = run["log"].strip().splitlines()[-1:] or ["no output"]
            rows.append([label, f"failed ({run['status']}): {last[0]}", "", "", "", ""])
            continue
        rows.append([label, f"{run['wall']:.2f}", f"{run['epoch_seconds']:.3f}", run["engine"],
                     f"{run['peak_mib']:.0f}", run["best_test"]])  # fmt: skip
    columns = ["run", "wall s (whole command)", "train s/epoch (its report)", "engine",
               "peak RSS MiB", "best test acc"]  # fmt: skip
    print(markdown_table(columns, rows, "lrrlrr"))
    warm = [run["wall"] for _, run in runs[1:] if run["status"] == 0]
    if warm and runs[0][1]["status"] == 0:
        compile_cost = runs[0][1]["wall"] - statistics.median(warm)
        print(
            f"\nCompile cost (first run minus the median warm run): {compile_cost:.2f} s; "
            f"median warm wall time {statistics.median(warm):.2f} s."
        )


def config_row(sizes, batch, label, result, gemm: dict[int, float], book=None) -> list[str]:
    name = f"{list(sizes)}, batch {batch}"
    if "error" in result:
        return [name, label, "", "", f"failed: {result['error']}", "", "", "", "", "", "", ""]
    median = statistics.median(result["seconds"])
    times_book = f"{book / median:.1f}" if book else ""
    gflops = flops_per_example(sizes) * N_TRAINING / median / 1e9
    share = [f"{gflops / gemm[t]:.0%}" if t in gemm else "" for t in (1, 2)]
    return [
        name, label, result["engine"], result["threads"], f"{median:.3f}",
        f"{min(result['seconds']):.3f}-{max(result['seconds']):.3f}",
        f"{flops_per_example(sizes) / 1e6:.2f}", f"{gflops:.1f}", *share,
        times_book, f"{result['accuracy']:.2%}", f"{result['peak_mib']:.0f}",
    ]  # fmt: skip


def configs_table(args: argparse.Namespace, gemm: dict[int, float]) -> None:
    """Per-epoch seconds and GFLOP/s of each network: "auto", the other engine, and numpy
    with one BLAS thread (two threads suffer most when other work takes a core)."""
    one_thread = {**os.environ, "OPENBLAS_NUM_THREADS": "1"}
    rows = []
    for sizes, batch in CONFIGS:
        spec = f"config:{'-'.join(map(str, sizes))}:{batch}"
        book = None
        if batch <= BOOK_MAX_BATCH:  # the book's loop is timed only where it is bearable
            result = run_worker(__file__, f"{spec}:book", worker_options(args))
            rows.append(config_row(sizes, batch, "book, one example at a time", result, gemm))
            book = statistics.median(result["seconds"]) if "seconds" in result else None
        auto = run_worker(__file__, f"{spec}:auto", worker_options(args))
        rows.append(config_row(sizes, batch, "auto", auto, gemm, book))
        other = "numpy" if auto.get("engine") == "compiled" else "compiled"
        result = run_worker(__file__, f"{spec}:{other}", worker_options(args))
        rows.append(config_row(sizes, batch, other, result, gemm, book))
        result = run_worker(__file__, f"{spec}:numpy", worker_options(args), one_thread)
        rows.append(config_row(sizes, batch, "numpy, 1 BLAS thread", result, gemm, book))
    print(
        f"float32, learning rate {LEARNING_RATE:g}, {N_TRAINING:,} uint8 training images; "
        f"s/epoch is the median of {args.epochs} epochs (other work shares the machine); "
        f"GFLOP/s = MFLOP/example x {N_TRAINING:,} / s/epoch\n"
    )
    columns = [
        "network", "engine asked", "engine run", "threads", "s/epoch (median)", "s/epoch range",
        "MFLOP/example", "GFLOP/s", "of GEMM 1 thread", "of GEMM 2 threads", "x book",
        "best test acc", "peak RSS MiB",
    ]  # fmt: skip
    print(markdown_table(columns, rows, "lllrrrrrrrrrr"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer epochs and repeats")
    parser.add_argument("--data-dir", default=None, help="MNIST folder [$DIGITNET_DATA]")
    parser.add_argument("--worker", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--epochs", type=int, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--gemm-repeats", type=int, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    args.epochs = args.epochs or (3 if args.quick else 5)
    args.gemm_repeats = args.gemm_repeats or (2 if args.quick else 5)
    args.warm_runs = 1 if args.quick else 3
    if args.worker:
        print_json({**worker(args.worker, args), "peak_mib": peak_rss_mib()})
        return
    print(f"{machine_text()}\n")
    gemm = gemm_table(args)
    print()
    end_to_end_table(args)
    print()
    configs_table(args, gemm)


if __name__ == "__main__":
    main()
