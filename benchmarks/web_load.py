"""Throughput and latency of the web app under load: many clients predicting at once.

Starts the real server (``digitnet serve MODEL --host 127.0.0.1 --port 0`` in its own
process) and lets ``--clients`` threads, each with its own keep-alive connection, post
canvas-like PNGs of MNIST test digits (280x280, black on white, RGBA) to
``POST /api/predict`` until ``--requests`` predictions in all are done, or until
``--max-seconds`` have passed, whichever comes first. Prints one Markdown row per pass:
errors (a status other than 200, or an exception), wall time, throughput, latency
percentiles (send to JSON parsed) and the share of digits read right, as a sanity check.
The second pass runs while a training run goes on inside the server (stopped after).

    python benchmarks/web_load.py [--requests 2000] [--clients 16] [--max-seconds 120]
                                  [--model FILE] [--data-dir DIR] [--no-training-pass]
                                  [--query 'input=canvas&view=lean']

Traffic goes to 127.0.0.1 only. Not a test: it prints figures; the exit status is 1 if a
pass had an error or was cut short by the time limit.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from harness import machine_text, markdown_table
from web_harness import (
    TRAINING_RUN,
    canvas_png,
    get,
    post,
    require_loopback,
    start_server,
    stop_server,
    train_model,
)

WARMUP_REQUESTS = 10  # one after another before each pass, not counted
REQUEST_TIMEOUT_SECONDS = 30.0
JOIN_POLL_SECONDS = 0.2  # how often the main thread wakes, so that Ctrl-C is seen
MAX_ERRORS_SHOWN = 5


@dataclass(frozen=True)
class Sample:
    png: bytes
    label: int


@dataclass
class ClientRecord:
    """What one client thread saw: latencies (ms) of its good answers, its errors."""

    latencies_ms: list[float] = field(default_factory=list)
    correct: int = 0
    errors: list[str] = field(default_factory=list)


@dataclass
class PassResult:
    label: str
    asked: int
    clients: int
    wall_seconds: float
    records: list[ClientRecord]
    server_cpu_seconds: float | None
    client_cpu_seconds: float

    @property
    def latencies_ms(self) -> list[float]:
        return [t for r in self.records for t in r.latencies_ms]

    @property
    def errors(self) -> list[str]:
        return [e for r in self.records for e in r.errors]

    @property
    def sent(self) -> int:
        return len(self.latencies_ms) + len(self.errors)


class Tickets:
    """Hands out request numbers until ``total`` are taken, the deadline passes or stop."""

    def __init__(self, total: int, deadline: float) -> None:
        self.total = total
        self.deadline = deadline
        self.issued = 0
        self.stopped = threading.Event()
        self.lock = threading.Lock()

    def take(self) -> int | None:
        with self.lock:
            late = time.monotonic() > self.deadline
            if self.issued >= self.total or late or self.stopped.is_set():
                return None
            self.issued += 1
            return self.issued - 1


def predict(connection: http.client.HTTPConnection, png: bytes, path: str) -> tuple[int, dict]:
    """One POST to ``path`` (/api/predict and its query): the status and the parsed answer."""
    connection.request("POST", path, body=png, headers={"Content-Type": "image/png"})
    response = connection.getresponse()
    return response.status, json.loads(response.read())


def client(
    host: str,
    port: int,
    samples: list[Sample],
    tickets: Tickets,
    start: threading.Barrier,
    record: ClientRecord,
    path: str,
) -> None:
    """Send predictions over one keep-alive connection while there are tickets."""
    require_loopback(host)
    connection = http.client.HTTPConnection(host, port, timeout=REQUEST_TIMEOUT_SECONDS)
    start.wait()
    while (number := tickets.take()) is not None:
        sample = samples[number % len(samples)]
        began = time.perf_counter()
        try:
            status, answer = predict(connection, sample.png, path)
        except (OSError, http.client.HTTPException, ValueError) as exc:
            record.errors.append(f"{type(exc).__name__}: {exc}")
            connection.close()  # the next request opens a fresh connection
            continue
        elapsed_ms = 1000 * (time.perf_counter() - began)
        if status != 200:
            record.errors.append(f"status {status}: {answer}")
            continue
        record.latencies_ms.append(elapsed_ms)
        record.correct += answer["digit"] == sample.label
    connection.close()


def server_cpu_seconds(pid: int) -> float | None:
    """User + system CPU time so far of a process and its child processes (the server's
    input workers), from /proc (None where there is none)."""
    own = process_stat(pid)
    if own is None:
        return None
    children = [stat for path in Path("/proc").glob("[0-9]*") if (stat := process_stat(path.name))]
    ticks = sum(int(f[11]) + int(f[12]) for f in [own, *children] if f is own or int(f[1]) == pid)
    return ticks / os.sysconf("SC_CLK_TCK")


def process_stat(pid: int | str) -> list[str] | None:
    """The fields of /proc/PID/stat after the command's name (state, ppid, ...)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return None


def warm_up(host: str, port: int, samples: list[Sample], path: str) -> None:
    connection = http.client.HTTPConnection(host, port, timeout=REQUEST_TIMEOUT_SECONDS)
    for i in range(WARMUP_REQUESTS):
        post(connection, path, samples[i % len(samples)].png, "image/png")
    connection.close()


def load_pass(
    label: str,
    server_pid: int,
    host: str,
    port: int,
    samples: list[Sample],
    args: argparse.Namespace,
) -> PassResult:
    """Run the clients until the requests are done or the time is up; Ctrl-C stops them."""
    warm_up(host, port, samples, predict_path(args))
    tickets = Tickets(args.requests, deadline=time.monotonic() + args.max_seconds)
    start = threading.Barrier(args.clients + 1)
    records = [ClientRecord() for _ in range(args.clients)]
    path = predict_path(args)
    threads = [
        threading.Thread(
            target=client, args=(host, port, samples, tickets, start, r, path), daemon=True
        )
        for r in records
    ]
    for thread in threads:
        thread.start()
    cpu_before, client_before = server_cpu_seconds(server_pid), time.process_time()
    start.wait()
    began = time.perf_counter()
    try:
        for thread in threads:  # a request in flight ends within its socket timeout
            while thread.is_alive():
                thread.join(JOIN_POLL_SECONDS)
    except KeyboardInterrupt:
        tickets.stopped.set()
        raise
    wall = time.perf_counter() - began
    cpu_after, client_cpu = server_cpu_seconds(server_pid), time.process_time() - client_before
    cpu = None if cpu_before is None or cpu_after is None else cpu_after - cpu_before
    return PassResult(label, args.requests, args.clients, wall, records, cpu, client_cpu)


def training_pass(
    server_pid: int, host: str, port: int, samples: list[Sample], args: argparse.Namespace
) -> PassResult:
    """The same load while the server trains a network in its background thread."""
    control(host, port, "/api/train", TRAINING_RUN)
    try:
        result = load_pass(
            "while training (POST /api/train)", server_pid, host, port, samples, args
        )
        if not control(host, port, "/api/model")["training"]:
            result.label += " (the run ended before the pass did)"
    finally:
        control(host, port, "/api/train/stop", {})
    return result


def control(host: str, port: int, path: str, body: dict | None = None) -> dict:
    """GET ``path``, or POST ``body`` as JSON, on a connection of its own."""
    # not one kept across a pass: uvicorn closes keep-alive connections idle for 5 s
    connection = http.client.HTTPConnection(host, port, timeout=REQUEST_TIMEOUT_SECONDS)
    try:
        if body is None:
            return get(connection, path)
        return post(connection, path, json.dumps(body).encode(), "application/json")
    finally:
        connection.close()


def table_row(result: PassResult) -> list[str]:
    times = result.latencies_ms
    p50, p90, p99 = np.percentile(times, [50, 90, 99]) if times else (np.nan,) * 3
    good = len(times)
    correct = sum(r.correct for r in result.records)
    cpu = result.server_cpu_seconds
    return [
        result.label,
        f"{result.sent:,}",
        str(result.clients),
        str(len(result.errors)),
        f"{result.wall_seconds:.1f}",
        f"{result.sent / result.wall_seconds:.1f}",
        f"{p50:.1f}",
        f"{p90:.1f}",
        f"{p99:.1f}",
        f"{max(times, default=np.nan):.1f}",
        f"{correct / good:.1%}" if good else "-",
        "?" if cpu is None else f"{1000 * cpu / result.sent:.1f}",
        f"{1000 * result.client_cpu_seconds / result.sent:.1f}",
    ]


def report(results: list[PassResult], samples: list[Sample], args: argparse.Namespace) -> bool:
    """Print the table; True if every pass sent all its requests without an error."""
    sizes = [len(s.png) for s in samples]
    print(
        f"POST {predict_path(args)} on 127.0.0.1, {len(samples)} MNIST test digits as 280x280 RGBA "
        f"canvas PNGs of {min(sizes):,}-{max(sizes):,} bytes, {args.clients} client threads "
        f"with a keep-alive connection each, time limit {args.max_seconds:g} s per pass"
    )
    print()
    columns = [
        "pass", "requests", "clients", "errors", "wall s", "requests/s", "p50 ms",
        "p90 ms", "p99 ms", "max ms", "correct digits", "server CPU ms/request",
        "client CPU ms/request",
    ]  # fmt: skip
    print(markdown_table(columns, [table_row(r) for r in results], "lrrrrrrrrrrrr"))
    clean = True
    for result in results:
        if result.errors:
            clean = False
            print(f"\n{result.label}: {len(result.errors)} errors, the first:")
            for error in result.errors[:MAX_ERRORS_SHOWN]:
                print(f"  {error}")
        if result.sent < result.asked:
            clean = False
            print(f"\n{result.label}: stopped by the time limit after {result.sent:,} requests")
    return clean


def predict_path(args: argparse.Namespace) -> str:
    """/api/predict with ``--query``, if one was given."""
    return "/api/predict" + (f"?{args.query}" if args.query else "")


def positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def positive_float(text: str) -> float:
    value = float(text)
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be positive, got {text}")
    return value


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=positive_int, default=2000, help="per pass")
    parser.add_argument("--clients", type=positive_int, default=16)
    parser.add_argument(
        "--max-seconds", type=positive_float, default=120.0, help="per pass; then it stops"
    )
    parser.add_argument("--digits", type=positive_int, default=100, help="distinct test digits")
    parser.add_argument("--model", type=Path, default=None, help="default: train one")
    parser.add_argument("--train-epochs", type=positive_int, default=3, help="without --model")
    parser.add_argument("--data-dir", default=None, help="MNIST; default $DIGITNET_DATA")
    parser.add_argument("--no-training-pass", action="store_true")
    parser.add_argument(
        "--query", default="", help="of /api/predict, e.g. input=canvas&view=lean (default none)"
    )
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    from digitnet.data import load_mnist

    test = load_mnist(args.data_dir, dtype=np.uint8, download=False).test
    count = min(args.digits, len(test.labels))
    samples = [Sample(canvas_png(test.images[i]), int(test.labels[i])) for i in range(count)]
    print(machine_text())
    with tempfile.TemporaryDirectory() as folder:
        model = args.model or train_model(
            args.data_dir, Path(folder) / "model.npz", epochs=args.train_epochs
        )
        served = Path(folder) / "served.npz"  # training through the app overwrites it
        served.write_bytes(model.read_bytes())
        process, host, port = start_server(served, args.data_dir)
        try:
            results = [load_pass("server idle", process.pid, host, port, samples, args)]
            if not args.no_training_pass:
                results.append(training_pass(process.pid, host, port, samples, args))
        finally:
            stop_server(process)
    model_text = args.model or f"[784, 30, 10] trained for {args.train_epochs} epochs (seed 1)"
    print(f"model: {model_text}")
    sys.exit(0 if report(results, samples, args) else 1)


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:  # the server is stopped by then (main's finally)
        print("interrupted; the server is stopped", file=sys.stderr)
        sys.exit(130)
