"""Round-trip time of the explain views (saliency, flip, the map, teach), as the page sees them.

Starts the real server (``digitnet serve MODEL --port 0`` in its own process) with the
book's [784, 30, 10] trained on MNIST (or ``--model``), then asks each view about MNIST
test digits one after another over one keep-alive connection, as the page does, with the
digit's 784 pixels in the body as the page sends them. Prints the median, 95th percentile
and maximum of each, against the page's budget of 100 ms; the views computed once per
model (the map's layout, the robustness curve) and a lesson (teach) are timed on their own.

    python benchmarks/explain_latency.py [--requests 100] [--model FILE] [--data-dir DIR]

Not a test: it prints figures and asserts nothing.
"""

from __future__ import annotations

import argparse
import http.client
import json
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
from web_harness import get, post, start_server, stop_server, train_model

N_DIGITS = 20  # distinct test digits, asked about in turn
WARMUP_REQUESTS = 5
BUDGET_MS = 100.0
N_LESSONS = 5


def timed(call: Callable[[int], object], n: int) -> list[float]:
    """Milliseconds of ``n`` calls ``call(i)`` after a few unmeasured ones."""
    times = []
    for i in range(WARMUP_REQUESTS + n):
        start = time.perf_counter()
        call(i)
        if i >= WARMUP_REQUESTS:
            times.append(1000 * (time.perf_counter() - start))
    return times


def row(name: str, times: list[float]) -> str:
    p50, p95 = statistics.median(times), float(np.percentile(times, 95))
    verdict = "ok" if p50 < BUDGET_MS else "OVER"
    return f"{name:<26} {p50:8.1f} {p95:8.1f} {max(times):8.1f}  {verdict}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--model", type=Path)
    parser.add_argument("--data-dir")
    args = parser.parse_args()

    from digitnet.data import load_mnist

    test = load_mnist(args.data_dir, dtype=np.uint8, download=False).test
    bodies = [
        json.dumps({"pixels": np.round(test.images[i] / 255, 4).tolist()}).encode()
        for i in range(N_DIGITS)
    ]
    with tempfile.TemporaryDirectory() as folder:
        model = args.model or train_model(args.data_dir, Path(folder) / "book.npz")
        process, host, port = start_server(model, args.data_dir)
        try:
            connection = http.client.HTTPConnection(host, port, timeout=600)
            sizes = get(connection, "/api/model")["sizes"]
            print(f"model {sizes}, {args.requests} requests each, milliseconds")

            def once(path: str, body: bytes | None = None) -> float:
                start = time.perf_counter()
                if body is None:
                    get(connection, path)
                else:
                    post(connection, path, body, "application/json")
                return time.perf_counter() - start

            first_map = once("/api/explain/map?method=pca")
            first_curve = once("/api/explain/robustness")
            n = args.requests
            print(f"{'view':<26} {'p50':>8} {'p95':>8} {'max':>8}")
            for name, path in [
                ("saliency", "/api/explain/saliency"),
                ("flip", "/api/explain/flip"),
                ("map/place (pca)", "/api/explain/map/place?method=pca"),
            ]:
                times = timed(
                    lambda i, p=path: post(connection, p, bodies[i % N_DIGITS], "application/json"),
                    n,
                )
                print(row(name, times))
            print(
                row("map (pca, computed)", timed(lambda i: get(connection, "/api/explain/map"), n))
            )
            print(
                row(
                    "digit by index", timed(lambda i: get(connection, f"/api/explain/digit/{i}"), n)
                )
            )
            lesson = json.dumps(
                {
                    "examples": [
                        {**json.loads(bodies[i]), "label": int(test.labels[i])} for i in range(4)
                    ]
                }
            ).encode()
            teach = [1000 * once("/api/explain/teach", lesson) for _ in range(N_LESSONS)]
            print(
                f"\nonce per model: map by PCA {1000 * first_map:.0f} ms, robustness curve on "
                f"1,000 digits {first_curve:.2f} s; t-SNE map "
                f"{once('/api/explain/map?method=tsne'):.1f} s"
            )
            print(
                f"teach (4 drawings, 10,000 validation digits measured twice), {N_LESSONS} "
                f"lessons: p50 {statistics.median(teach):.0f} ms, max {max(teach):.0f} ms"
            )
        finally:
            stop_server(process)


if __name__ == "__main__":
    main()
