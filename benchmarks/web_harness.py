"""What the web benchmarks share: a model, the real server in its own process, canvas PNGs.

``web_latency.py`` (one client, one prediction at a time) and ``web_load.py`` (many clients
at once) both measure ``digitnet serve`` as a user runs it: a separate process on a free
port of 127.0.0.1, posted the PNGs the page's canvas makes.
"""

from __future__ import annotations

import http.client
import io
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
from PIL import Image

CANVAS_SIDE = 280
#: The only address the benchmarks start a server on or send requests to.
LOOPBACK = "127.0.0.1"
SERVER_START_SECONDS = 60.0  # imports and loading the model, on a busy machine
SERVER_STOP_SECONDS = 30.0  # a training run is stopped and saved on the way out
#: POST /api/train's body for "while training": long enough to outlast any measurement,
#: stopped (POST /api/train/stop) once it is taken.
TRAINING_RUN = {"epochs": 1000, "training_size": 50_000, "seed": 1}


def canvas_png(pixels: np.ndarray) -> bytes:
    """An MNIST digit as the page's canvas sends it: black ink on white, RGBA, 280x280."""
    grey = (255 - pixels.reshape(28, 28).astype(np.float64)).astype(np.uint8)
    image = Image.fromarray(grey).resize((CANVAS_SIDE, CANVAS_SIDE), Image.Resampling.BICUBIC)
    buffer = io.BytesIO()
    image.convert("RGBA").save(buffer, format="PNG")
    return buffer.getvalue()


def train_model(data_dir: str | None, out: Path, *, epochs: int = 5) -> Path:
    """[784, 30, 10], ``epochs`` epochs on the 50,000 training digits (seed 1), saved to out."""
    from digitnet import Network, save, sgd
    from digitnet.data import load_mnist

    data = load_mnist(data_dir, dtype=np.uint8, download=False)
    network = Network([784, 30, 10], seed=1, dtype="float32")
    history = sgd(
        network, data.training, epochs=epochs, seed=1, monitor={"validation": data.validation}
    )
    return save(out, network, history=history)


def require_loopback(host: str) -> None:
    """Refuse to send benchmark traffic anywhere but 127.0.0.1."""
    if host != LOOPBACK:
        raise SystemExit(f"refusing to benchmark {host}: only {LOOPBACK} is allowed")


def start_server(model: Path, data_dir: str | None) -> tuple[subprocess.Popen[str], str, int]:
    """``digitnet serve`` on a free port of 127.0.0.1, once it answers: process, host, port."""
    command = [sys.executable, "-c", "from digitnet.cli import main; main()"]
    command += ["serve", str(model), "--host", LOOPBACK, "--port", "0"]
    if data_dir is not None:
        command += ["--data-dir", data_dir]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, env=dict(os.environ))
    try:
        host, port = served_address(process)
        require_loopback(host)
        wait_until_answering(host, port)
    except BaseException:
        stop_server(process)
        raise
    return process, host, port


def served_address(process: subprocess.Popen[str]) -> tuple[str, int]:
    """The host and port from the ``Serving digitnet on http://HOST:PORT/`` line."""
    assert process.stdout is not None
    for line in process.stdout:
        match = re.search(r"http://([\d.]+):(\d+)/", line)
        if match:
            return match.group(1), int(match.group(2))
    raise SystemExit(f"the server did not start (exit code {process.wait()})")


def wait_until_answering(host: str, port: int) -> None:
    """Poll ``GET /api/model`` until it answers 200, for at most SERVER_START_SECONDS."""
    deadline = time.monotonic() + SERVER_START_SECONDS
    while True:
        connection = http.client.HTTPConnection(host, port, timeout=5)
        try:
            connection.request("GET", "/api/model")
            if connection.getresponse().status == 200:
                return
        except (OSError, http.client.HTTPException):
            pass
        finally:
            connection.close()
        if time.monotonic() > deadline:
            raise SystemExit(f"the server on {host}:{port} did not answer GET /api/model")
        time.sleep(0.1)


def stop_server(process: subprocess.Popen[str]) -> None:
    """Ask the server to stop (SIGTERM), and kill it if it has not within the time allowed."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(SERVER_STOP_SECONDS)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    if process.stdout is not None:
        process.stdout.close()


def post(connection: http.client.HTTPConnection, path: str, body: bytes, kind: str) -> dict:
    """POST ``body`` as ``kind`` and return the JSON answer; any status >= 300 stops."""
    connection.request("POST", path, body=body, headers={"Content-Type": kind})
    response = connection.getresponse()
    payload = json.loads(response.read())
    if response.status >= 300:
        raise SystemExit(f"{path}: {response.status} {payload}")
    return payload


def get(connection: http.client.HTTPConnection, path: str) -> dict:
    """GET ``path`` and return the JSON answer; any status >= 300 stops."""
    connection.request("GET", path)
    response = connection.getresponse()
    payload = json.loads(response.read())
    if response.status >= 300:
        raise SystemExit(f"{path}: {response.status} {payload}")
    return payload
