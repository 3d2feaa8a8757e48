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
import io
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image

CANVAS_SIDE = 280
N_DIGITS = 20  # distinct test digits, sent in turn
WARMUP_REQUESTS = 10
TRAINING_RUN = {"epochs": 1000, "training_size": 50_000, "seed": 1}  # stopped when measured
BUDGET_MS = 100.0


def canvas_png(pixels: np.ndarray) -> bytes:
    """An MNIST digit as the page's canvas sends it: black ink on white, RGBA, 280x280."""
    grey = (255 - pixels.reshape(28, 28).astype(np.float64)).astype(np.uint8)
    image = Image.fromarray(grey).resize((CANVAS_SIDE, CANVAS_SIDE), Image.Resampling.BICUBIC)
    buffer = io.BytesIO()
    image.convert("RGBA").save(buffer, format="PNG")
    return buffer.getvalue()


def train_model(data_dir: str | None, out: Path) -> Path:
    """[784, 30, 10], 5 epochs on the 50,000 training digits (seed 1)."""
    from digitnet import Network, save, sgd
    from digitnet.data import load_mnist

    data = load_mnist(data_dir, dtype=np.uint8, download=False)
    network = Network([784, 30, 10], seed=1, dtype="float32")
    history = sgd(network, data.training, epochs=5, seed=1, monitor={"validation": data.validation})
    return save(out, network, settings=history.settings, history=history)


def start_server(model: Path, data_dir: str | None) -> tuple[subprocess.Popen[str], str, int]:
    """``digitnet serve`` on a free port of 127.0.0.1: the process, its host and port."""
    command = [sys.executable, "-c", "from digitnet.cli import main; main()"]
    command += ["serve", str(model), "--port", "0"]
    if data_dir is not None:
        command += ["--data-dir", data_dir]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, env=dict(os.environ))
    assert process.stdout is not None
    for line in process.stdout:
        match = re.search(r"http://([\d.]+):(\d+)/", line)
        if match:
            return process, match.group(1), int(match.group(2))
    raise SystemExit("the server did not start")


def post(connection: http.client.HTTPConnection, path: str, body: bytes, kind: str) -> dict:
    connection.request("POST", path, body=body, headers={"Content-Type": kind})
    response = connection.getresponse()
    payload = json.loads(response.read())
    if response.status >= 300:
        raise SystemExit(f"{path}: {response.status} {payload}")
    return payload


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
    from digitnet.web.server import prediction

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
            process.terminate()
            process.wait(30)
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
