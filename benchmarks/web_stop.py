"""How long the web app's trainer takes to stop: ``POST /api/train/stop`` to the run's end.

Builds the app (:func:`digitnet.web.create_app`, in this process, through FastAPI's
TestClient), starts a run as the page does (``POST /api/train``), waits a given time, asks
it to stop and times until the training thread has ended (its model saved, if it finished
an epoch). Stops are asked at several delays, so that some land in the mini-batches and
some in the measurement of the validation set at an epoch's end. Prints one Markdown row
per network: the slowest and the median stop.

    python benchmarks/web_stop.py [--sizes 784,3000,10 ...] [--mini-batch 10]
                                  [--training-size 2000] [--data-dir DIR]

Not a test: it prints figures and asserts nothing.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
import warnings
from pathlib import Path

from harness import machine_text, markdown_table

DEFAULT_SIZES = ("784,30,10", "784,1000,10", "784,3000,10", "784,12000,10")
DELAYS_SECONDS = (0.5, 1.1, 1.7, 2.3, 2.9, 3.5, 4.1)  # after the start: in batches or measuring
RUN_END_SECONDS = 300.0  # a hang guard


def stop_seconds(client, sizes: list[int], args: argparse.Namespace, delay: float) -> float:
    """Start a run, wait ``delay`` seconds, ask it to stop: seconds until it has ended."""
    body = {
        "sizes": sizes,
        "epochs": 1000,
        "mini_batch_size": args.mini_batch,
        "training_size": args.training_size,
        "seed": 1,
    }
    response = client.post("/api/train", json=body)
    if response.status_code != 202:
        raise SystemExit(f"{sizes}: {response.status_code} {response.json()['detail']}")
    run = client.app.state.session.run
    time.sleep(delay)
    asked = time.perf_counter()
    client.post("/api/train/stop", json={})
    run.join(RUN_END_SECONDS)
    return time.perf_counter() - asked


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", nargs="+", default=list(DEFAULT_SIZES))
    parser.add_argument("--mini-batch", type=int, default=10)
    parser.add_argument("--training-size", type=int, default=2000, help="short epochs")
    parser.add_argument("--data-dir", type=Path, default=None)
    args = parser.parse_args()
    from starlette.exceptions import StarletteDeprecationWarning

    from digitnet.web import create_app

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", StarletteDeprecationWarning)
        from fastapi.testclient import TestClient

    print(machine_text())
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        app = create_app(Path(folder) / "model.npz", data_dir=args.data_dir)
        with TestClient(app, base_url="http://127.0.0.1") as client:
            stop_seconds(client, [784, 30, 10], args, 0.5)  # compile the kernel
            for text in args.sizes:
                sizes = [int(n) for n in text.split(",")]
                times = [stop_seconds(client, sizes, args, d) for d in DELAYS_SECONDS]
                rows.append(
                    [
                        str(sizes),
                        str(args.mini_batch),
                        ", ".join(f"{d:g}" for d in DELAYS_SECONDS),
                        f"{statistics.median(times):.2f}",
                        f"{max(times):.2f}",
                    ]
                )
    columns = ["sizes", "mini-batch", "stops asked after (s)", "median stop s", "slowest stop s"]
    print(f"training on {args.training_size:,} digits, validation on 10,000 after each epoch")
    print(markdown_table(columns, rows, "lrlrr"))


if __name__ == "__main__":
    main()
