"""Round-trip time of the step-through's POST /api/step, as the page asks for it.

Starts the real server (``digitnet serve MODEL --port 0`` in its own process) and posts,
one after another over one keep-alive connection as the page does, the requests of the
step-through: a drawn digit's 784 pixels with its label, one step ("Take a step") and
eleven ("Take 10 steps" after it), and an MNIST test digit by index. Prints the median,
95th percentile and maximum of the round trip (send, k steps of backprop on a float64 copy,
the JSON built, sent, read and parsed), the answer's size, and beside them the in-process
time of the step and its view alone. The issue asks for under 100 ms for the book's
network.

    python benchmarks/step_latency.py [--requests 200] [--model FILE] [--data-dir DIR]
                                      [--shipped]

``--model`` defaults to the book's [784, 30, 10] trained for 5 epochs here; ``--shipped``
also measures the model that ships with digitnet. Not a test: it prints figures.
"""

from __future__ import annotations

import argparse
import http.client
import json
import tempfile
import time
from pathlib import Path

import numpy as np
from harness import machine_text, markdown_table
from web_harness import start_server, stop_server, train_model

N_DIGITS = 20  # distinct test digits, sent in turn
WARMUP_REQUESTS = 10
BUDGET_MS = 100.0


def requests_for(test, n: int) -> dict[str, list[bytes]]:
    """The page's request bodies, by what the learner did."""
    pixels = [(test.images[i] / np.float64(255)).round(4).tolist() for i in range(n)]
    labels = [int(test.labels[i]) for i in range(n)]
    body = lambda **fields: json.dumps(fields).encode()  # noqa: E731
    return {
        "drawn digit, 1 step": [body(pixels=p, label=y) for p, y in zip(pixels, labels)],
        "drawn digit, 11 steps": [
            body(pixels=p, label=y, steps=11) for p, y in zip(pixels, labels)
        ],
        "MNIST digit by index, 1 step": [body(index=i) for i in range(n)],
    }


def measure(connection: http.client.HTTPConnection, bodies: list[bytes], n: int):
    """Round trips in milliseconds of ``n`` requests, the bodies in turn, and the answers'
    mean size in bytes."""
    times, sizes = [], []
    headers = {"Content-Type": "application/json"}
    for i in range(WARMUP_REQUESTS + n):
        start = time.perf_counter()
        connection.request("POST", "/api/step", bodies[i % len(bodies)], headers)
        response = connection.getresponse()
        data = response.read()
        json.loads(data)
        if response.status != 200:
            raise SystemExit(f"POST /api/step answered {response.status}: {data[:200]!r}")
        if i >= WARMUP_REQUESTS:
            times.append(1000 * (time.perf_counter() - start))
            sizes.append(len(data))
    return times, float(np.mean(sizes))


def in_process(model: Path, test, n: int) -> list[float]:
    """learning_step and step_view alone, and the JSON of the view: no HTTP."""
    from digitnet.explain.step import learning_step
    from digitnet.modelfile import load
    from digitnet.web.step_views import step_view

    network = load(model).network
    times = []
    for i in range(WARMUP_REQUESTS + n):
        k = i % N_DIGITS
        start = time.perf_counter()
        step = learning_step(network, test.images[k], int(test.labels[k]), learning_rate=3.0)
        json.dumps(step_view(step, network))
        if i >= WARMUP_REQUESTS:
            times.append(1000 * (time.perf_counter() - start))
    return times


def row(model: str, name: str, times: list[float], size: float | None) -> list[str]:
    q = np.percentile(times, [50, 95])
    shown = f"{size / 1024:.0f}" if size is not None else "-"
    under = sum(t <= BUDGET_MS for t in times) / len(times)
    return [
        model,
        name,
        str(len(times)),
        f"{q[0]:.1f}",
        f"{q[1]:.1f}",
        f"{max(times):.1f}",
        shown,
        f"{under:.1%}",
    ]


def measure_model(model: Path, label: str, data_dir: str | None, test, n: int) -> list[list[str]]:
    rows = []
    process, host, port = start_server(model, data_dir)
    try:
        connection = http.client.HTTPConnection(host, port, timeout=60)
        for name, bodies in requests_for(test, N_DIGITS).items():
            times, size = measure(connection, bodies, n)
            rows.append(row(label, f"round trip, {name}", times, size))
        connection.close()
    finally:
        stop_server(process)
    rows.append(row(label, "step and its JSON alone, in process", in_process(model, test, n), None))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--model", type=Path, default=None, help="default: train one (5 epochs)")
    parser.add_argument("--data-dir", default=None)
    parser.add_argument("--shipped", action="store_true", help="also the shipped model")
    args = parser.parse_args()
    from digitnet.data import load_mnist
    from digitnet.modelfile import load

    test = load_mnist(args.data_dir, dtype=np.uint8, download=False).test
    print(machine_text())
    print()
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        model = args.model or train_model(args.data_dir, Path(folder) / "model.npz")
        sizes = list(load(model).network.sizes)
        rows += measure_model(model, str(sizes), args.data_dir, test, args.requests)
        if args.shipped:
            from digitnet.modelfile import shipped_model_path

            shipped = shipped_model_path()
            label = f"shipped {list(load(shipped).network.sizes)}"
            rows += measure_model(shipped, label, args.data_dir, test, args.requests)
    columns = [
        "model",
        "",
        "requests",
        "p50 ms",
        "p95 ms",
        "max ms",
        "answer KB",
        f"<= {BUDGET_MS:g} ms",
    ]
    print(markdown_table(columns, rows, "llrrrrrr"))


if __name__ == "__main__":
    main()
