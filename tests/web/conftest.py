"""Fixtures for the web tests: MNIST, a trained model, a warm training kernel, the real
server, Debian's chromium.

The model is trained once per session (the book's [784, 30, 10] on MNIST's 50,000 training
digits, 10 epochs, seed 1: a few seconds with Numba). Servers are the real
:func:`digitnet.web.server.create_app` run by uvicorn in a background thread on a free
port of 127.0.0.1. The browser is /usr/bin/chromium driven by Playwright; nothing is
downloaded (``playwright install`` is never needed).
"""

from __future__ import annotations

import shutil
import socket
import threading
import time
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from digitnet import Network, save, sgd
from digitnet.conv.network import ConvNetwork
from digitnet.data.mnist import load_mnist
from digitnet.models_store import ModelStore
from digitnet.settings import TrainingSettings
from digitnet.training import train

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
VIEWPORT = {"width": 1280, "height": 800}
SERVER_START_SECONDS = 10.0
MODEL_SIZES = [784, 30, 10]
MODEL_EPOCHS = 10
MODEL_SEED = 1
#: A hang guard for the warm-up run; a cold Numba compile takes seconds, not minutes.
WARM_UP_SECONDS = 600.0


def web_modules() -> tuple[Any, Any]:
    """(uvicorn, digitnet.web.server), or skip the test if the web extra is missing."""
    pytest.importorskip(
        "fastapi", reason="the web extra is not installed: pip install 'digitnet[web]'"
    )
    uvicorn = pytest.importorskip("uvicorn", reason="the web extra is not installed")
    from digitnet.web import server

    return uvicorn, server


@pytest.fixture(scope="session")
def mnist(mnist_dir: Path) -> Any:
    return load_mnist(mnist_dir, dtype=np.uint8, download=False)


@pytest.fixture(scope="session")
def warm_training(mnist_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    """Train once through the app as the page does (POST /api/train), on 100 digits.

    The first run in a process compiles Numba's kernel, or loads it from its disk cache:
    seconds, or a minute on a loaded machine. Tests that wait for a run to reach an epoch
    take this fixture, so that what they time is the run, not the compiler.
    """
    web_modules()
    from starlette.exceptions import StarletteDeprecationWarning

    from digitnet.web.server import create_app

    with warnings.catch_warnings():  # Starlette would rather it ran on httpx2; httpx works
        warnings.simplefilter("ignore", StarletteDeprecationWarning)
        from fastapi.testclient import TestClient

    store = ModelStore(tmp_path_factory.mktemp("warm"))
    app = create_app(None, store=store, data_dir=mnist_dir)
    with TestClient(app, base_url="http://127.0.0.1") as client:
        request = {"sizes": MODEL_SIZES, "epochs": 1, "training_size": 100, "seed": 0}
        assert client.post("/api/train", json=request).status_code == 202
        run = app.state.session.run
        run.join(WARM_UP_SECONDS)
        assert not run.running, "the warm-up run did not end"
        assert run.events.since(0)[0][-1].name == "done"


@pytest.fixture
def fresh_client(tmp_path: Path, mnist_dir: Path) -> Iterator[Any]:
    """A TestClient of an app with no model yet, which saves what it trains in
    tmp_path/home's models folder."""
    web_modules()
    from starlette.exceptions import StarletteDeprecationWarning

    from digitnet.web.server import create_app

    with warnings.catch_warnings():  # Starlette would rather it ran on httpx2; httpx works
        warnings.simplefilter("ignore", StarletteDeprecationWarning)
        from fastapi.testclient import TestClient

    app = create_app(None, store=ModelStore(tmp_path / "home"), data_dir=mnist_dir)
    with TestClient(app, base_url="http://127.0.0.1") as client:
        yield client


@pytest.fixture(scope="session")
def model_file(mnist: Any, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """[784, 30, 10] after 2 epochs on 5,000 MNIST images (about 89% accurate): quick to
    make, good enough to read a clear digit."""
    net = Network([784, 30, 10], seed=1, dtype="float32")
    training = (mnist.training.images[:5000], mnist.training.labels[:5000])
    history = sgd(net, training, epochs=2, seed=1, monitor={"validation": mnist.validation})
    return save(tmp_path_factory.mktemp("model") / "small.npz", net, history=history)


#: The web tests' convolutional network: small enough to train in a second or two.
CONV_LAYERS = "conv:6x5x5,pool:2,conv:8x3x3,pool:2,fc:30,softmax:10"


@pytest.fixture(scope="session")
def conv_model_file(mnist: Any, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """CONV_LAYERS after 2 epochs on 2,000 MNIST images (about 87% accurate)."""
    network = ConvNetwork(CONV_LAYERS, seed=2)
    settings = TrainingSettings(
        epochs=2, mini_batch_size=10, learning_rate=0.1, seed=2, cost="log-likelihood"
    )
    history = train(network, mnist.training.first(2000), settings)
    return save(tmp_path_factory.mktemp("conv-model") / "conv.npz", network, history=history)


@pytest.fixture(scope="session")
def trained_model(mnist: Any, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The book's network trained on all 50,000 training digits; about 94% accurate."""
    network = Network(MODEL_SIZES, seed=MODEL_SEED)
    history = sgd(
        network,
        mnist.training,
        epochs=MODEL_EPOCHS,
        mini_batch_size=10,
        learning_rate=3.0,
        seed=MODEL_SEED,
        monitor={"validation": mnist.validation},
    )
    path = tmp_path_factory.mktemp("model") / "model.npz"
    save(path, network, history=history)
    return path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class RunningServer:
    """A uvicorn server in a daemon thread; ``url`` ends with a slash."""

    server: Any
    thread: threading.Thread
    url: str

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(SERVER_START_SECONDS)


def start_server(model_path: Path | None, data_dir: Path, home: Path) -> RunningServer:
    """Serve ``model_path``; what the page trains goes to the models folder under ``home``."""
    uvicorn, server_module = web_modules()
    app = server_module.create_app(model_path, store=ModelStore(home), data_dir=data_dir)
    port = free_port()
    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, log_level="warning", timeout_graceful_shutdown=2
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="digitnet-test-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + SERVER_START_SECONDS
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError(f"the test server did not start on port {port}")
        time.sleep(0.02)
    return RunningServer(server, thread, f"http://127.0.0.1:{port}/")


@pytest.fixture(scope="session")
def server_url(
    trained_model: Path, mnist_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """The app serving the session's trained model (never retrained: tests share it)."""
    running = start_server(trained_model, mnist_dir, tmp_path_factory.mktemp("shared-home"))
    yield running.url
    running.stop()


@pytest.fixture
def fresh_server(
    trained_model: Path, mnist_dir: Path, tmp_path: Path
) -> Iterator[Callable[..., str]]:
    """Start a server of one's own (say for training), with its models under tmp_path/home.

    ``fresh_server()`` serves a copy of the trained model; ``fresh_server(model=False)``
    serves no model at all.
    """
    started: list[RunningServer] = []

    def start(*, model: bool = True) -> str:
        path = tmp_path / f"model-{len(started)}.npz"
        if model:
            shutil.copy(trained_model, path)
        started.append(start_server(path if model else None, mnist_dir, tmp_path / "home"))
        return started[-1].url

    yield start
    for running in started:
        running.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Debian's chromium, headless, driven by Playwright (skip if either is missing).

    Module-scoped: Playwright's sync API holds an asyncio loop on the main thread while it
    runs, which would break later tests that call ``asyncio.run``.
    """
    sync_api = pytest.importorskip(
        "playwright.sync_api", reason="Playwright is not installed: pip install 'digitnet[test]'"
    )
    if not CHROMIUM.is_file():
        pytest.skip(f"no chromium at {CHROMIUM} (apt-get install chromium); the tests drive it")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@dataclass
class Problems:
    """What the page reported: console errors and uncaught exceptions."""

    messages: list[str] = field(default_factory=list)


@pytest.fixture
def problems() -> Problems:
    return Problems()


@pytest.fixture
def page(browser: Any, problems: Problems) -> Iterator[Any]:
    """A fresh 1280x800 page that records console errors and page errors in ``problems``."""
    context = browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.on(
        "console",
        lambda msg: (
            problems.messages.append(f"console: {msg.text}") if msg.type == "error" else None
        ),
    )
    page.on("pageerror", lambda exc: problems.messages.append(f"pageerror: {exc}"))
    yield page
    context.close()


@pytest.fixture(scope="module")
def conv_server_url(
    conv_model_file: Path, mnist_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """The app serving the session's small convolutional model."""
    running = start_server(conv_model_file, mnist_dir, tmp_path_factory.mktemp("conv-home"))
    yield running.url
    running.stop()
