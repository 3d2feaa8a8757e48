"""Runs per minute of a 20-run sweep: this machine's processes against a Dask cluster on it.

The sweep is the issue's shape, 2 learning rates x 2 mini-batch sizes x 5 seeds of a
[784, 30, 10] network (default: 1 epoch on all 50,000 images, a few seconds a run). It
runs ``--repeats`` times on each backend, alternating local and Dask so that
the noise of a shared machine falls on both alike, each time into a fresh folder (else the
second pass would rerun nothing): joblib's loky processes (``--workers``, BLAS threads
pinned) and a ``LocalCluster`` of as many single-threaded worker processes, started once
before the timings (its start-up is printed on its own). A warm-up sweep on each backend
comes first, so that loading MNIST in each worker and compiling the kernels are not timed.

The scheduler's overhead per run is measured apart: ``--tasks`` jobs that do nothing,
through the same ``run_jobs`` on each backend, wall time divided by the jobs.

    python benchmarks/sweep.py [--repeats 3] [--epochs 1] [--training-size 50000]

Not a test: it prints figures and asserts nothing. Needs ``digitnet[cluster]``.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from digitnet.sweep import Dask, Local, Sweep, mnist_folder, run_jobs, run_sweep


def nothing(job: int, shared: Any) -> int:
    return job


def twenty(args: argparse.Namespace) -> Sweep:
    grid = {
        "sizes": [(784, 30, 10)],
        "learning_rate": [0.5, 3.0],
        "mini_batch_size": [10, 20],
        "epochs": args.epochs,
        "training_size": args.training_size,
        "engine": args.engine,
    }
    return Sweep(grid, seeds=range(1, 6))


def timed_sweep(sweep: Sweep, backend: Any, data_dir: str | None) -> float:
    with tempfile.TemporaryDirectory() as folder:
        start = time.perf_counter()
        records = run_sweep(sweep, Path(folder), data_dir=data_dir, backend=backend)
        seconds = time.perf_counter() - start
    assert all(r is not None for r in records)
    return seconds


def overhead(backend: Any, tasks: int) -> float:
    start = time.perf_counter()
    run_jobs(nothing, list(range(tasks)), backend=backend)
    return (time.perf_counter() - start) / tasks


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--training-size", type=int, default=50_000)
    parser.add_argument("--engine", default="auto")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--tasks", type=int, default=200)
    parser.add_argument("--data-dir", default=None)
    args = parser.parse_args()

    import distributed

    sweep = twenty(args)
    runs = len(sweep.runs())
    local = Local(args.workers)
    start = time.perf_counter()
    cluster = distributed.LocalCluster(
        n_workers=args.workers, threads_per_worker=1, processes=True, host="127.0.0.1",
        dashboard_address=None,
    )  # fmt: skip
    print(f"LocalCluster of {args.workers} workers started in {time.perf_counter() - start:.1f} s")
    dask = Dask(cluster.scheduler_address)
    try:
        backends = {"local": local, "dask": dask}
        for name, backend in backends.items():
            print(f"warm-up on {name}: {timed_sweep(sweep, backend, args.data_dir):.1f} s")
        seconds: dict[str, list[float]] = {name: [] for name in backends}
        for repeat in range(args.repeats):
            for name, backend in backends.items():
                seconds[name].append(timed_sweep(sweep, backend, args.data_dir))
            line = ", ".join(f"{n} {s[-1]:.1f} s" for n, s in seconds.items())
            print(f"repeat {repeat + 1}: {line}")
        costs = {name: overhead(backend, args.tasks) for name, backend in backends.items()}
        start = time.perf_counter()
        run_jobs(nothing, [0], backend=dask, shared=mnist_folder(args.data_dir))
        fixed = time.perf_counter() - start
    finally:
        cluster.close()

    print()
    print(
        f"{runs}-run sweep, [784, 30, 10], {args.epochs} epoch(s) on {args.training_size:,} "
        f"images, engine {args.engine}, {args.workers} workers; median of {args.repeats}"
    )
    print(f"{'backend':<8} {'seconds':>8} {'runs/min':>9} {'overhead/run':>13}")
    for name in backends:
        median = statistics.median(seconds[name])
        print(f"{name:<8} {median:8.1f} {60 * runs / median:9.1f} {1000 * costs[name]:10.1f} ms")
    ratios = [d / local for local, d in zip(seconds["local"], seconds["dask"])]
    print(f"dask / local wall time, pair by pair: {', '.join(f'{r:.2f}' for r in ratios)}")
    print(f"dask, once per sweep: connect, load MNIST here and scatter it: {fixed:.2f} s")


if __name__ == "__main__":
    main()
