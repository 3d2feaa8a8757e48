"""The web app under hostile load: valid digits mixed with 40-megapixel images and training
requests far over the server's limits, from many clients at once (issue 16).

Starts the real server (``digitnet serve MODEL --host 127.0.0.1 --port 0`` in its own
process) and lets ``--clients`` threads, each with its own keep-alive connection, send
``--requests`` requests in all. Request ``i`` is, by its number: a 6320 x 6320 RGBA PNG
with a digit-like ring (under the 40-megapixel cap, about 190 KB) every ``--big-every``;
else an oversize training request every ``--train-every`` (in turn: ``[784, 12000, 10]``
with mini-batches of 50,000, ``epochs: 10**12``, a JSON integer of 5,000 digits); else a
canvas PNG of an MNIST test digit to ``POST /api/predict``. Prints, for each kind, the
requests, the errors (a status other than the expected one, or an exception: 200 for
digits, 200 or 422 for the large images, 422 for the training requests), the latency
percentiles, and the server's peak memory (VmHWM of its process, from /proc) before and
after the pass.

    python benchmarks/web_mixed.py [--requests 2000] [--clients 16] [--big-every 50]
                                   [--train-every 20] [--timeout 120] [--model FILE]
                                   [--data-dir DIR]

Traffic goes to 127.0.0.1 only. Not a test: it prints figures; the exit status is 1 if a
valid digit had an error.
"""

from __future__ import annotations

import argparse
import http.client
import io
import json
import sys
import tempfile
import threading
import time
from collections import defaultdict
from pathlib import Path

import numpy as np
from harness import machine_text, markdown_table
from PIL import Image, ImageDraw
from web_harness import canvas_png, require_loopback, start_server, stop_server, train_model
from web_load import Tickets, positive_int

BIG_SIDE = 6_320
OVERSIZE_TRAINING = (
    b'{"sizes": [784, 12000, 10], "mini_batch_size": 50000}',
    b'{"epochs": 1000000000000}',
    b'{"seed": ' + b"7" * 5_000 + b"}",
)
EXPECTED = {"digit": {200}, "40 MP image": {200, 422}, "oversize training": {422}}
JOIN_POLL_SECONDS = 0.2


def big_png(side: int = BIG_SIDE) -> bytes:
    """A side x side RGBA PNG, white with a black ring: a digit-like 40-megapixel image."""
    image = Image.new("RGBA", (side, side), (255, 255, 255, 255))
    box = (side // 4, side // 4, 3 * side // 4, 3 * side // 4)
    ImageDraw.Draw(image).ellipse(box, outline=(0, 0, 0, 255), width=side // 20)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def peak_memory_mb(pid: int) -> float:
    """The process's peak resident memory so far (VmHWM), in MB."""
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    raise SystemExit(f"no VmHWM for process {pid}")


class Mix:
    """Which request number ``i`` is: its kind, path, body and content type."""

    def __init__(self, args: argparse.Namespace, digits: list[bytes]) -> None:
        self.args, self.digits, self.big = args, digits, big_png()

    def request(self, i: int) -> tuple[str, str, bytes, str]:
        if i % self.args.big_every == self.args.big_every - 1:
            return "40 MP image", "/api/predict", self.big, "image/png"
        if i % self.args.train_every == self.args.train_every - 1:
            body = OVERSIZE_TRAINING[(i // self.args.train_every) % len(OVERSIZE_TRAINING)]
            return "oversize training", "/api/train", body, "application/json"
        return "digit", "/api/predict", self.digits[i % len(self.digits)], "image/png"


class Record:
    """Latencies (ms) of the answers as expected, and the errors, by kind; thread-safe."""

    def __init__(self) -> None:
        self.latencies: dict[str, list[float]] = defaultdict(list)
        self.errors: dict[str, list[str]] = defaultdict(list)
        self.lock = threading.Lock()

    def add(self, kind: str, milliseconds: float, error: str | None) -> None:
        with self.lock:
            if error is None:
                self.latencies[kind].append(milliseconds)
            else:
                self.errors[kind].append(error)


def client(host: str, port: int, mix: Mix, tickets: Tickets, record: Record) -> None:
    require_loopback(host)
    connection = http.client.HTTPConnection(host, port, timeout=mix.args.timeout)
    while (number := tickets.take()) is not None:
        kind, path, body, content_type = mix.request(number)
        began = time.perf_counter()
        try:
            connection.request("POST", path, body=body, headers={"Content-Type": content_type})
            response = connection.getresponse()
            detail = json.loads(response.read())
        except (OSError, http.client.HTTPException, ValueError) as exc:
            record.add(kind, 0.0, f"{type(exc).__name__}: {exc}")
            connection.close()
            continue
        elapsed = 1000 * (time.perf_counter() - began)
        ok = response.status in EXPECTED[kind]
        record.add(kind, elapsed, None if ok else f"status {response.status}: {detail}")
    connection.close()


def run_pass(host: str, port: int, mix: Mix, args: argparse.Namespace) -> tuple[Record, float]:
    tickets = Tickets(args.requests, deadline=time.monotonic() + args.max_seconds)
    record = Record()
    threads = [
        threading.Thread(target=client, args=(host, port, mix, tickets, record), daemon=True)
        for _ in range(args.clients)
    ]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    try:
        for thread in threads:
            while thread.is_alive():
                thread.join(JOIN_POLL_SECONDS)
    except KeyboardInterrupt:
        tickets.stopped.set()
        raise
    return record, time.perf_counter() - began


def rows(record: Record) -> list[list[str]]:
    table = []
    for kind in EXPECTED:
        times, errors = record.latencies[kind], record.errors[kind]
        p50, p99 = np.percentile(times, [50, 99]) if times else (np.nan, np.nan)
        table.append(
            [
                kind,
                f"{len(times) + len(errors):,}",
                str(len(errors)),
                f"{p50:.0f}",
                f"{p99:.0f}",
                f"{max(times, default=np.nan):.0f}",
            ]
        )
    return table


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=positive_int, default=2000)
    parser.add_argument("--clients", type=positive_int, default=16)
    parser.add_argument("--big-every", type=positive_int, default=50)
    parser.add_argument("--train-every", type=positive_int, default=20)
    parser.add_argument("--max-seconds", type=float, default=600.0)
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds a request waits")
    parser.add_argument("--model", type=Path, default=None, help="default: train one")
    parser.add_argument("--data-dir", default=None, help="MNIST; default $DIGITNET_DATA")
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    from digitnet.data import load_mnist

    test = load_mnist(args.data_dir, dtype=np.uint8, download=False).test
    mix = Mix(args, [canvas_png(test.images[i]) for i in range(100)])
    print(machine_text())
    with tempfile.TemporaryDirectory() as folder:
        model = args.model or train_model(args.data_dir, Path(folder) / "model.npz", epochs=3)
        served = Path(folder) / "served.npz"
        served.write_bytes(model.read_bytes())
        process, host, port = start_server(served, args.data_dir)
        try:
            before = peak_memory_mb(process.pid)
            record, wall = run_pass(host, port, mix, args)
            after = peak_memory_mb(process.pid)
        finally:
            stop_server(process)
    print(
        f"{args.requests:,} requests from {args.clients} clients (keep-alive), a 40-megapixel "
        f"PNG of {len(mix.big):,} bytes every {args.big_every}, an oversize training request "
        f"every {args.train_every}, the rest 280 x 280 canvas digits; {wall:.1f} s in all; "
        f"a client waits {args.timeout:g} s for an answer"
    )
    print()
    columns = ["kind", "requests", "errors", "p50 ms", "p99 ms", "max ms"]
    print(markdown_table(columns, rows(record), "lrrrrr"))
    print()
    print(f"server peak memory (VmHWM): {before:,.0f} MB before the pass, {after:,.0f} MB after")
    for kind, errors in record.errors.items():
        if errors:
            print(f"{kind}: {len(errors)} errors, the first: {errors[0]}")
    sys.exit(1 if record.errors["digit"] else 0)


if __name__ == "__main__":
    main()
