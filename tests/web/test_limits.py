"""No request can exhaust the server: JSON numbers, training settings, decodes at once,
slow connections (issue 16)."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import re
import socket
import threading
import time
import warnings
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from answers import assert_error, refused_run
from PIL import Image, ImageDraw
from starlette.exceptions import StarletteDeprecationWarning

from digitnet.data.mnist import N_TRAINING, N_VALIDATION
from digitnet.footprint import training_bytes
from digitnet.measuring import step_work
from digitnet.network import n_parameters
from digitnet.recipes import recipe
from digitnet.web import create_app, limits, params
from digitnet.web.connections import MAX_CONNECTIONS, TimedH11Protocol, server_config
from digitnet.web.decode_lanes import (
    LARGE_IMAGE_PIXELS,
    SMALL_THREADS,
    DecodeLanes,
    image_pixels,
)
from digitnet.web.errors import ClientGone
from digitnet.web.params import parse_train_request
from digitnet.web.request_body import MAX_INT_DIGITS
from digitnet.web.routes import predict as predict_route

with warnings.catch_warnings():  # Starlette would rather it ran on httpx2; httpx works
    warnings.simplefilter("ignore", StarletteDeprecationWarning)
    from fastapi.testclient import TestClient

LOCAL = "http://127.0.0.1"
JSON = {"Content-Type": "application/json"}


# --- JSON numbers ------------------------------------------------------------------------


@pytest.mark.parametrize("digits", [MAX_INT_DIGITS + 1, 4_301, 20_000])
def test_a_json_integer_of_too_many_digits_is_422(fresh_client: TestClient, digits: int) -> None:
    """Over 4,300 digits Python's int() raises ValueError: that was a 500 and a traceback."""
    body = b'{"epochs": ' + b"7" * digits + b"}"
    detail = assert_error(fresh_client.post("/api/train", content=body, headers=JSON), 422)
    assert f"{digits:,} digits" in detail and str(MAX_INT_DIGITS) in detail
    assert "set_int_max_str_digits" not in detail


def test_a_negative_json_integer_of_too_many_digits_is_422(fresh_client: TestClient) -> None:
    body = b'{"seed": -' + b"1" * 5_000 + b"}"
    assert_error(fresh_client.post("/api/train", content=body, headers=JSON), 422, "5,000 digits")


def test_integers_up_to_the_digit_limit_are_read(fresh_client: TestClient) -> None:
    body = b'{"seed": ' + b"9" * MAX_INT_DIGITS + b"}"  # read, then refused as a seed
    assert_error(fresh_client.post("/api/train", content=body, headers=JSON), 422, "seed must")


# --- training requests -------------------------------------------------------------------


def test_the_issue_s_request_is_refused_before_anything_is_allocated(
    fresh_client: TestClient,
) -> None:
    """It took the server to 8.0 GB: one step of 50,000 examples through 9.5 M weights."""
    body = {"sizes": [784, 12000, 10], "mini_batch_size": 50_000}
    refused_run(fresh_client, body, "multiply-adds", f"{limits.MAX_STEP_WORK:.2g}")


def test_epochs_are_bounded(fresh_client: TestClient) -> None:
    refused_run(fresh_client, {"epochs": 10**12}, "epochs", f"{limits.MAX_EPOCHS:,}")


def test_a_mini_batch_larger_than_the_training_images_is_refused(
    fresh_client: TestClient,
) -> None:
    body = {"mini_batch_size": 101, "training_size": 100}
    refused_run(fresh_client, body, "mini_batch_size 101", "100 training images")
    refused_run(fresh_client, {"mini_batch_size": 50_001}, "50,000 training images")


def test_a_run_that_needs_too_much_memory_is_refused_naming_the_cap(
    fresh_client: TestClient,
) -> None:
    """Few weights but 100,000 neurons: each example of a mini-batch holds 300,000 floats."""
    body = {"sizes": [784, 1, 100_000, 10], "mini_batch_size": 500}
    chosen = recipe("book", sizes=tuple(body["sizes"]), mini_batch_size=500)
    assert step_work(n_parameters(chosen.sizes), 500) <= limits.MAX_STEP_WORK
    needed = training_bytes(chosen, N_TRAINING, N_VALIDATION) / 2**20
    cap = f"{limits.MAX_TRAINING_BYTES / 2**20:,.0f} MB"
    refused_run(fresh_client, body, f"about {needed:,.0f} MB", cap)


def test_every_run_the_page_may_start_has_the_server_s_time_limit() -> None:
    request = parse_train_request({"epochs": 2})
    assert request.recipe.settings.time_budget == limits.MAX_RUN_SECONDS


def test_a_run_at_the_time_limit_says_so(
    fresh_client: TestClient, warm_training: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(params, "MAX_RUN_SECONDS", 1e-9)  # over after the first slice
    body = {"epochs": 1000, "training_size": 1000, "seed": 1}
    assert fresh_client.post("/api/train", json=body).status_code == 202
    fresh_client.app.state.session.run.join(60)  # type: ignore[attr-defined]
    done = fresh_client.app.state.session.run.events.since(0)[0][-1]  # type: ignore[attr-defined]
    assert done.name == "done" and done.data["timed_out"] is True
    assert done.data["epochs_run"] == 1 and done.data["stopped"] is False


def test_the_largest_allowed_runs_fit_the_memory_cap() -> None:
    """The bounds work together: the widest network of MAX_WEIGHTS at the largest mini-batch
    its step allows still fits the memory cap, so that refusal is about neurons."""
    sizes = (784, limits.MAX_WEIGHTS // 800, 10)
    m = limits.MAX_STEP_WORK // (3 * n_parameters(sizes))
    chosen = recipe("book", sizes=sizes, mini_batch_size=m, dtype="float32")
    assert training_bytes(chosen, N_TRAINING, N_VALIDATION) <= limits.MAX_TRAINING_BYTES


def test_limits_are_stated_and_the_page_s_form_has_them(fresh_client: TestClient) -> None:
    stated = fresh_client.get("/api/limits").json()
    train = stated["train"]
    assert train["epochs"] == limits.MAX_EPOCHS and train["weights"] == limits.MAX_WEIGHTS
    assert train["memory_bytes"] == limits.MAX_TRAINING_BYTES
    assert train["run_seconds"] == limits.MAX_RUN_SECONDS
    assert stated["json_integer_digits"] == MAX_INT_DIGITS
    page = fresh_client.get("/").text
    for name, key in [
        ("epochs", "epochs"),
        ("mini_batch_size", "mini_batch_size"),
        ("training_size", "training_size"),
        ("learning_rate", "learning_rate_max"),
        ("seed", "seed_max"),
    ]:
        found = re.search(rf'<input [^>]*name="{name}"[^>]*\smax="([^"]+)"', page)
        assert found, name
        assert float(found.group(1)) == train[key], name


# --- decodes at once ---------------------------------------------------------------------


def big_png(side: int = 6_320) -> bytes:
    """A side x side white PNG with a black disc: 40 megapixels in about 100 KB."""
    image = Image.new("L", (side, side), 255)
    ImageDraw.Draw(image).ellipse((side // 4, side // 4, 3 * side // 4, 3 * side // 4), fill=0)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def canvas_png() -> bytes:
    """A 280 x 280 RGBA PNG, as the page's canvas sends."""
    buffer = io.BytesIO()
    Image.new("RGBA", (280, 280), (255, 255, 255, 255)).save(buffer, format="PNG")
    return buffer.getvalue()


def test_image_pixels_reads_the_header_only() -> None:
    assert image_pixels(big_png()) == 6_320 * 6_320
    assert image_pixels(b"not an image") == 1


def test_large_images_sent_at_once_are_decoded_one_at_a_time(
    model_file: Path, mnist_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Four 40-megapixel PNGs at once took the server to 1.94 GB: four decodes together."""
    assert image_pixels(big_png()) > LARGE_IMAGE_PIXELS
    at_once = {"now": 0, "most": 0}
    lock = threading.Lock()

    def slow_prediction(network: Any, image: bytes, **options: Any) -> dict[str, Any]:
        with lock:
            at_once["now"] += 1
            at_once["most"] = max(at_once["most"], at_once["now"])
        time.sleep(0.2)  # long enough for the other requests to arrive meanwhile
        with lock:
            at_once["now"] -= 1
        return {"digit": 0}

    monkeypatch.setattr(predict_route, "prediction", slow_prediction)
    png = big_png()
    with TestClient(create_app(model_file, data_dir=mnist_dir), base_url=LOCAL) as client:
        with ThreadPoolExecutor(4) as pool:
            answers = list(pool.map(lambda _: client.post("/api/predict", content=png), range(4)))
    assert [a.status_code for a in answers] == [200] * 4
    assert at_once["most"] == 1


def test_a_digit_is_not_kept_waiting_behind_a_large_image(
    model_file: Path, mnist_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    big_started, release_big = threading.Event(), threading.Event()
    png = big_png()

    def prediction(network: Any, image: bytes, **options: Any) -> dict[str, Any]:
        if image == png:
            big_started.set()
            assert release_big.wait(HANG_GUARD_SECONDS)
        return {"digit": 0}

    monkeypatch.setattr(predict_route, "prediction", prediction)
    with TestClient(create_app(model_file, data_dir=mnist_dir), base_url=LOCAL) as client:
        with ThreadPoolExecutor(1) as pool:
            big = pool.submit(client.post, "/api/predict", content=png)
            assert big_started.wait(HANG_GUARD_SECONDS)
            small = client.post("/api/predict", content=canvas_png())
            big_was_running = not big.done()
            release_big.set()
            assert big.result().status_code == 200
    assert small.status_code == 200 and big_was_running


def test_small_images_are_decoded_together(
    model_file: Path, mnist_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    together = threading.Barrier(SMALL_THREADS, timeout=HANG_GUARD_SECONDS)

    def prediction(network: Any, image: bytes, **options: Any) -> dict[str, Any]:
        together.wait()  # broken (an error) unless SMALL_THREADS run at once
        return {"digit": 0}

    monkeypatch.setattr(predict_route, "prediction", prediction)
    with TestClient(create_app(model_file, data_dir=mnist_dir), base_url=LOCAL) as client:
        with ThreadPoolExecutor(SMALL_THREADS) as pool:
            answers = list(
                pool.map(
                    lambda _: client.post("/api/predict", content=canvas_png()),
                    range(SMALL_THREADS),
                )
            )
    assert [a.status_code for a in answers] == [200] * SMALL_THREADS


# --- slow and abandoned connections ------------------------------------------------------

#: The deadline of the servers below: short, so that the tests wait little.
QUICK_DEADLINE = 0.5
HANG_GUARD_SECONDS = 20.0  # a socket read that should end long before


class QuickProtocol(TimedH11Protocol):
    request_seconds = QUICK_DEADLINE


class Records(logging.Handler):
    """The records of uvicorn's error log while a server runs."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def lines(self) -> list[str]:
        return [record.getMessage() for record in self.records]


@dataclass
class Served:
    host: str
    port: int
    log: Records

    def connect(self) -> socket.socket:
        return socket.create_connection((self.host, self.port), timeout=HANG_GUARD_SECONDS)


@pytest.fixture
def served(model_file: Path, mnist_dir: Path) -> Iterator[Served]:
    """The app on uvicorn through server_config, with QUICK_DEADLINE, its log recorded."""
    log, logger = Records(), logging.getLogger("uvicorn.error")
    logger.addHandler(log)
    app = create_app(model_file, data_dir=mnist_dir)
    config = server_config(app, host="127.0.0.1", port=0, log_config=None)
    config.http = QuickProtocol
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + HANG_GUARD_SECONDS
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "the server did not start"
        time.sleep(0.02)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield Served("127.0.0.1", port, log)
    finally:
        server.should_exit = True
        thread.join(HANG_GUARD_SECONDS)
        logger.removeHandler(log)


def read_all(connection: socket.socket) -> bytes:
    """Everything the server sends until it closes the connection."""
    chunks = []
    while chunk := connection.recv(65536):
        chunks.append(chunk)
    return b"".join(chunks)


def read_response(connection: socket.socket) -> bytes:
    """One response, headers and the body of its Content-Length, on a kept-alive connection."""
    data = b""
    while b"\r\n\r\n" not in data:
        data += connection.recv(65536)
    head, body = data.split(b"\r\n\r\n", 1)
    length = int(re.search(rb"content-length: (\d+)", head, re.IGNORECASE).group(1))  # type: ignore[union-attr]
    while len(body) < length:
        body += connection.recv(65536)
    return head + b"\r\n\r\n" + body


def no_tracebacks(log: Records) -> None:
    assert not [r for r in log.records if r.exc_info], log.lines()


def test_unfinished_headers_are_answered_408_and_closed(served: Served) -> None:
    with served.connect() as connection:
        connection.sendall(b"POST /api/predict HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Le")
        answer = read_all(connection)  # before the fix: no answer, ever (the guard's timeout)
    assert answer.startswith(b"HTTP/1.1 408 ")
    assert json.loads(answer.split(b"\r\n\r\n", 1)[1])["detail"].startswith("the request did")
    lines = served.log.lines()
    assert len(lines) == 1 and "request headers did not arrive within 0.5 s" in lines[0]
    no_tracebacks(served.log)


def test_a_slow_body_is_answered_408_and_closed_with_one_line(served: Served) -> None:
    with served.connect() as connection:
        connection.sendall(
            b"POST /api/predict HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 1000\r\n\r\n"
            + b"x" * 10
        )
        answer = read_all(connection)
    assert answer.startswith(b"HTTP/1.1 408 ")
    lines = served.log.lines()
    assert len(lines) == 1, lines
    assert "POST /api/predict" in lines[0] and "request body did not arrive" in lines[0]
    no_tracebacks(served.log)


def test_an_abandoned_upload_is_one_line_and_no_traceback(served: Served) -> None:
    with served.connect() as connection:
        connection.sendall(
            b"POST /api/predict HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100000\r\n\r\n"
            + b"x" * 1000
        )
        time.sleep(0.1)  # the app is reading the body
    wait_until(lambda: served.log.records)
    time.sleep(0.2)  # what else would be logged, a traceback, comes with it
    lines = served.log.lines()
    assert len(lines) == 1 and "left before its request ended" in lines[0], lines
    no_tracebacks(served.log)


def test_a_connection_that_sends_nothing_is_closed_quietly(served: Served) -> None:
    with served.connect() as connection:
        assert read_all(connection) == b""
    assert served.log.lines() == []


def test_two_hundred_slow_connections_are_all_closed(served: Served) -> None:
    """Half never finish their headers (408 at the deadline); half finish them but not their
    bodies, with more connections open than MAX_CONNECTIONS: 503 at once, then closed (or,
    for a request that came while the server had not yet taken in MAX_CONNECTIONS of the
    others, as a busy machine may, 408 at the deadline, or 200: GET /api/model needs no body,
    so the app may answer before the body's deadline). None stays open."""
    assert MAX_CONNECTIONS < 200
    connections = [served.connect() for _ in range(200)]
    try:
        for i, connection in enumerate(connections):
            part = b"GET /api/model HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            connection.sendall(part if i % 2 else part + b"Content-Length: 5\r\n\r\nab")
        answers = [read_all(connection) for connection in connections]  # each ends: closed
    finally:
        for connection in connections:
            connection.close()
    assert all(answer.startswith(b"HTTP/1.1 408 ") for answer in answers[1::2])
    statuses = [answer[:13] for answer in answers[::2]]
    assert set(statuses) <= {b"HTTP/1.1 503 ", b"HTTP/1.1 408 ", b"HTTP/1.1 200 "}, set(statuses)
    assert b"HTTP/1.1 503 " in statuses  # the limit on connections was reached


def test_a_kept_alive_connection_gets_a_new_deadline_per_request(served: Served) -> None:
    """The deadline counts from a request's first byte: idle time between requests (uvicorn's
    keep-alive, 5 s) is not the request's."""
    request = b"GET /api/model HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
    with served.connect() as connection:
        for _ in range(2):
            connection.sendall(request)
            assert read_response(connection).startswith(b"HTTP/1.1 200 ")
            time.sleep(2 * QUICK_DEADLINE)
    assert served.log.lines() == []


def test_a_body_sent_in_parts_within_the_deadline_is_read(served: Served, mnist: Any) -> None:
    body = json.dumps({"gate": "AND", "inputs": [1, 1]}).encode()
    with served.connect() as connection:
        connection.sendall(
            b"POST /api/gates HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            + f"Content-Length: {len(body)}\r\n\r\n".encode()
            + body[:5]
        )
        time.sleep(QUICK_DEADLINE / 5)
        connection.sendall(body[5:])
        answer = read_response(connection)
    assert answer.startswith(b"HTTP/1.1 200 ") and b'"output":1' in answer
    assert served.log.lines() == []


def wait_until(condition: Any) -> None:
    deadline = time.monotonic() + HANG_GUARD_SECONDS
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def test_a_large_image_whose_client_left_while_waiting_is_not_decoded() -> None:
    decoded: list[int] = []
    release = threading.Event()
    png = big_png()

    def work(image: bytes) -> int:
        decoded.append(len(decoded))
        assert release.wait(HANG_GUARD_SECONDS)
        return len(decoded)

    async def has_left() -> bool:
        return True

    async def scenario() -> None:
        lanes = DecodeLanes()
        try:
            first = asyncio.create_task(lanes.run(png, work))
            while not decoded:  # the first holds the large-image thread
                await asyncio.sleep(0.01)
            second = asyncio.create_task(lanes.run(png, work, gone=has_left))
            await asyncio.sleep(0.05)
            release.set()
            assert await first == 1
            with pytest.raises(ClientGone):
                await second
        finally:
            lanes.shut_down()

    asyncio.run(scenario())
    assert decoded == [0]
