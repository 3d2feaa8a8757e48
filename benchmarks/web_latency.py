"""Round-trip time of the web app's predictions, as the drawing page sees them.

Starts the real server (``digitnet serve MODEL --port 0`` in its own process) with a model
trained on MNIST, then posts canvas-like PNGs - MNIST test digits drawn black on white at
280x280, RGBA as ``canvas.toBlob`` makes them - to ``POST /api/predict`` one after another
over one keep-alive connection, as the page does (it never has two predictions in flight).
Prints the median, 95th and 99th percentiles and the maximum of the round trip (send,
preprocess, network, response read and parsed), idle and while a training run is going,
and beside them the in-process time of the pipeline alone. The page needs an answer
within 100 ms of a stroke.

    python benchmarks/web_latency.py [--requests 300] [--model FILE] [--data-dir DIR]

Not a test: it prints figures and asserts nothing.
"""

from __future__ import annotations

import argparse
import http.client
import json
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
from web_harness import (
    TRAINING_RUN,
    canvas_png,
    post,
    start_server,
    stop_server,
    train_model,
)

N_DIGITS = 20  # distinct test digits, sent in turn
WARMUP_REQUESTS = 10
BUDGET_MS = 100.0


def measure(connection: http.client.HTTPConnection, pngs: list[bytes], n: int) -> list[float]:
    """Round trips in milliseconds of ``n`` predictions, the PNGs in turn."""
    times = []
    for i in range(WARMUP_REQUESTS + n):
        start = time.perf_counter()
        post(connection, "/api/predict", pngs[i % len(pngs)], "image/png")
        if i >= WARMUP_REQUESTS:
            times.append(1000 * (time.perf_counter() - start))
    return times


def in_process(model: Path, pngs: list[bytes], n: int) -> list[float]:
    """The same work without HTTP: preprocess_steps, the network, decide, the step PNGs."""
    from digitnet.modelfile import load
    from digitnet.web.routes.predict import prediction

    network = load(model).network
    times = []
    for i in range(WARMUP_REQUESTS + n):
        start = time.perf_counter()
        prediction(network, pngs[i % len(pngs)])
        if i >= WARMUP_REQUESTS:
            times.append(1000 * (time.perf_counter() - start))
    return times


def row(name: str, times: list[float]) -> str:
    q = np.percentile(times, [50, 95, 99])
    under = sum(t <= BUDGET_MS for t in times) / len(times)
    return (
        f"| {name} | {len(times)} | {q[0]:.1f} | {q[1]:.1f} | {q[2]:.1f} | {max(times):.1f} "
        f"| {statistics.fmean(times):.1f} | {under:.1%} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--model", type=Path, default=None, help="default: train one (5 epochs)")
    parser.add_argument("--data-dir", default=None)
    args = parser.parse_args()
    from digitnet.data import load_mnist

    test = load_mnist(args.data_dir, dtype=np.uint8, download=False).test
    pngs = [canvas_png(test.images[i]) for i in range(N_DIGITS)]
    with tempfile.TemporaryDirectory() as folder:
        model = args.model or train_model(args.data_dir, Path(folder) / "model.npz")
        served = Path(folder) / "served.npz"  # training through the app overwrites it
        served.write_bytes(model.read_bytes())
        process, host, port = start_server(served, args.data_dir)
        try:
            connection = http.client.HTTPConnection(host, port, timeout=30)
            idle = measure(connection, pngs, args.requests)
            start = json.dumps(TRAINING_RUN).encode()
            post(connection, "/api/train", start, "application/json")
            training = measure(connection, pngs, args.requests)
            post(connection, "/api/train/stop", b"{}", "application/json")
            connection.close()
        finally:
            stop_server(process)
        alone = in_process(model, pngs, args.requests)
    sizes = [len(p) for p in pngs]
    print(f"POST /api/predict, 280x280 RGBA canvas PNGs of {min(sizes):,}-{max(sizes):,} bytes")
    print()
    print(f"| | requests | p50 ms | p95 ms | p99 ms | max ms | mean ms | <= {BUDGET_MS:g} ms |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    print(row("round trip, server idle", idle))
    print(row("round trip, while training", training))
    print(row("pipeline alone, in process", alone))


if __name__ == "__main__":
    main()
