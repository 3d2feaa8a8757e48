"""The lean predictions' inputs computed in worker processes: the same answers as the
server's threads give, the same one-line errors, and a dead worker replaced."""

from __future__ import annotations

import io
import os
import signal
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image
from starlette.exceptions import StarletteDeprecationWarning

from digitnet.models_store import ModelStore
from digitnet.web.decode_lanes import image_pixels, png_pixels
from digitnet.web.input_processes import MAX_PROCESSES, default_processes, usable_cpus
from digitnet.web.server import create_app

with warnings.catch_warnings():  # Starlette would rather it ran on httpx2; httpx works
    warnings.simplefilter("ignore", StarletteDeprecationWarning)
    from fastapi.testclient import TestClient

LOCAL = "http://127.0.0.1"
LEAN = "/api/predict?input=canvas&view=lean"
DIGITS_SENT = 12


def canvas_png(pixels: np.ndarray) -> bytes:
    """An MNIST digit as the page's canvas sends it: black ink on white, RGBA, 280 x 280."""
    grey = (255 - pixels.reshape(28, 28).astype(np.float64)).astype(np.uint8)
    image = Image.fromarray(grey).resize((280, 280), Image.Resampling.BICUBIC)
    return png_bytes(image.convert("RGBA"))


def png_bytes(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.fixture(scope="module")
def clients(
    model_file: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[TestClient, TestClient]]:
    """An app whose lean inputs are computed in 2 processes, and one whose threads do."""
    store = ModelStore(tmp_path_factory.mktemp("home"))
    with (
        TestClient(create_app(model_file, store=store, input_processes=2), base_url=LOCAL) as a,
        TestClient(create_app(model_file, store=store), base_url=LOCAL) as b,
    ):
        yield a, b


def test_lean_answers_from_the_processes_are_the_threads_answers(
    clients: tuple[TestClient, TestClient], mnist: Any
) -> None:
    in_processes, in_threads = clients
    for pixels in mnist.test.images[:DIGITS_SENT]:
        png = canvas_png(pixels)
        for query in (LEAN, "/api/predict?view=lean"):
            ours, theirs = (
                in_processes.post(query, content=png),
                in_threads.post(query, content=png),
            )
            assert ours.status_code == theirs.status_code == 200
            assert ours.json() == theirs.json()  # the same float32 input, to the bit


@pytest.mark.parametrize(
    "body",
    [png_bytes(Image.new("L", (280, 280), 255)), png_bytes(Image.new("L", (280, 280)))[:60]],
    ids=["blank", "truncated"],
)
def test_a_bad_image_is_the_same_422_from_the_processes(
    clients: tuple[TestClient, TestClient], body: bytes
) -> None:
    in_processes, in_threads = clients
    ours, theirs = in_processes.post(LEAN, content=body), in_threads.post(LEAN, content=body)
    assert ours.status_code == theirs.status_code == 422
    assert ours.json() == theirs.json()
    assert "uploaded image" in ours.json()["detail"]


def test_a_dead_worker_is_replaced(clients: tuple[TestClient, TestClient], mnist: Any) -> None:
    in_processes, _ = clients
    workers = in_processes.app.state.decode_lanes.processes._workers  # type: ignore[attr-defined]
    for _, process in list(workers):
        os.kill(process.pid, signal.SIGKILL)
        process.join(10)
    png = canvas_png(mnist.test.images[0])
    answers = [in_processes.post(LEAN, content=png) for _ in range(3)]
    assert answers[-1].status_code == 200
    assert answers[-1].json()["digit"] == int(mnist.test.labels[0])
    assert all(process.is_alive() for _, process in workers)


def test_png_pixels_reads_what_pillow_reads() -> None:
    for size in [(280, 280), (3, 7000), (1, 1)]:
        png = png_bytes(Image.new("L", size))
        assert png_pixels(png) == size[0] * size[1] == image_pixels(png)
    jpeg = io.BytesIO()
    Image.new("L", (30, 20)).save(jpeg, format="JPEG")
    assert png_pixels(jpeg.getvalue()) is None
    assert image_pixels(jpeg.getvalue()) == 600
    assert png_pixels(b"\x89PNG\r\n") is None


def test_serve_starts_a_process_per_cpu_but_none_on_one() -> None:
    cpus = usable_cpus()
    assert default_processes() == (0 if cpus == 1 else min(cpus, MAX_PROCESSES))
