"""The web app: a page to draw digits on, and the JSON API it calls.

Built by :func:`create_app` (``digitnet serve`` runs it on uvicorn). The page is
``static/index.html``; the API answers in JSON, and every error is ``{"detail": "<one
line>"}`` with 409 (no model yet, or a run already going), 413 (too large), 415 (JSON
expected), 422 (a bad image or bad settings) or 503 (no MNIST to train on). A prediction
runs the CLI's pipeline (:func:`digitnet.imaging.preprocess_steps`, the network,
:func:`digitnet.decision.decide`); training runs the CLI's trainer in a background thread
(:mod:`digitnet.web.training_run`). Accuracies are in percent, as the page shows them.

=======================  ==============================================================
``GET /``                the page
``GET /static/...``      its scripts and styles
``GET /api/model``       the current model: sizes, source, history, whether training
``POST /api/predict``    an image file's bytes -> digit, outputs, hidden layers, stages
``GET /api/weights``     the first layer's weights, one 28x28 picture per neuron
``POST /api/train``      start training ``{"sizes", "learning_rate", ...}`` -> 202
``GET /api/train/events``  the run's progress as server-sent events
``POST /api/train/stop`` end the run after the mini-batches in hand
``POST /api/gates``      a perceptron gate's output for given input bits
``POST /api/half-adder`` the NAND half adder, gate by gate
=======================  ==============================================================
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import numpy as np
from fastapi import FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse, JSONResponse, Response, StreamingResponse
from fastapi.staticfiles import StaticFiles
from starlette.middleware.trustedhost import TrustedHostMiddleware

from digitnet import __version__
from digitnet.decision import decide
from digitnet.errors import ConfigError, DataError, DigitnetError
from digitnet.imaging import MNIST_SIDE, preprocess_steps
from digitnet.modelfile import DEFAULT_MODEL
from digitnet.network import Network
from digitnet.training import History
from digitnet.web import sse
from digitnet.web.gates import gate_answer, half_adder_answer
from digitnet.web.params import parse_train_request
from digitnet.web.pictures import step_pictures
from digitnet.web.session import Conflict, Session
from digitnet.web.training_run import MONITORED, finite_or_none, percent

STATIC_DIR = Path(__file__).parent / "static"
INDEX_HTML = STATIC_DIR / "index.html"
#: The largest image a page may send; a canvas PNG is a few kilobytes.
#: Host headers a server on loopback answers (see create_app's allowed_hosts).
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1", "[::1]")
MAX_UPLOAD_BYTES = 10 * 2**20
MAX_JSON_BYTES = 64 * 2**10
UPLOAD_NAME = "uploaded image"  # what error messages call the image
PIXEL_DECIMALS = 4  # of the centred pixels and the weights sent to the page
#: How long a shutdown waits for a stopped run to finish and save its model.
SHUTDOWN_JOIN_SECONDS = 10.0


class TooLarge(DigitnetError):
    """A request body is over its size limit."""


class NotJson(DigitnetError):
    """A JSON endpoint was sent another content type (as a cross-site form would)."""


#: Status codes of the errors a request can cause, most specific first.
STATUS_OF_ERROR: tuple[tuple[type[DigitnetError], int], ...] = (
    (Conflict, 409),
    (TooLarge, 413),
    (NotJson, 415),
    (DataError, 503),
    (DigitnetError, 422),
)


def create_app(
    model_path: Path | None,
    *,
    data_dir: Path | None = None,
    allowed_hosts: Sequence[str] | None = LOOPBACK_HOSTS,
) -> FastAPI:
    """Build the web app around one model file.

    Parameters
    ----------
    model_path : Path or None
        The model to load if the file exists, and where a network trained on the page is
        saved (atomically). None: the default model of ``digitnet train``.
    data_dir : Path or None
        The MNIST folder for training; None: ``$DIGITNET_DATA``, else the per-user cache.
    allowed_hosts : sequence of str or None
        Host headers the app answers (others get 400), so that a web page on another site
        cannot reach a server on loopback through DNS rebinding. None: any host, for a
        server bound to a public address on purpose.

    Raises
    ------
    ModelFileError, DigitnetError
        If `model_path` exists but is not a digitnet model of MNIST's 784 -> 10 shape.
    """
    session = Session(model_path or DEFAULT_MODEL, data_dir)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        run = session.run
        if run is not None and run.running:  # keep what it learned, as Ctrl-C does in the CLI
            run.stop()
            await run_in_threadpool(run.join, SHUTDOWN_JOIN_SECONDS)

    app = FastAPI(
        title="digitnet", version=__version__, docs_url=None, redoc_url=None, lifespan=lifespan
    )
    app.state.session = session
    if allowed_hosts is not None:
        app.add_middleware(TrustedHostMiddleware, allowed_hosts=list(allowed_hosts))
    app.add_exception_handler(DigitnetError, error_response)  # type: ignore[arg-type]
    app.mount("/static", StaticFiles(directory=STATIC_DIR, check_dir=False), name="static")
    add_page_routes(app)
    add_model_routes(app, session)
    add_training_routes(app, session)
    add_gate_routes(app)
    return app


async def error_response(request: Request, exc: DigitnetError) -> JSONResponse:
    """A user's mistake -> ``{"detail": "<one line>"}`` with its status code."""
    status = next(code for kind, code in STATUS_OF_ERROR if isinstance(exc, kind))
    return JSONResponse({"detail": " ".join(str(exc).split())}, status_code=status)


def add_page_routes(app: FastAPI) -> None:
    @app.get("/", include_in_schema=False)
    def index() -> Response:
        if not INDEX_HTML.is_file():
            return JSONResponse({"detail": f"the page is missing: {INDEX_HTML}"}, 404)
        return FileResponse(INDEX_HTML, headers={"Cache-Control": "no-cache"})


def add_model_routes(app: FastAPI, session: Session) -> None:
    @app.get("/api/model")
    def model() -> JSONResponse:
        current = session.model
        return JSONResponse(
            {
                "loaded": current is not None,
                "sizes": list(current.network.sizes) if current else None,
                "source": current.source if current else None,
                "history": history_summary(current.history) if current else None,
                "training": session.training,
            }
        )

    @app.post("/api/predict")
    async def predict(request: Request) -> JSONResponse:
        check_length(request, MAX_UPLOAD_BYTES)
        network = session.require_model().network
        body = await read_body(request, MAX_UPLOAD_BYTES)
        return JSONResponse(await run_in_threadpool(prediction, network, body))

    @app.get("/api/weights")
    def weights() -> JSONResponse:
        return JSONResponse(first_layer_weights(session.require_model().network))


def add_training_routes(app: FastAPI, session: Session) -> None:
    @app.post("/api/train", status_code=202)
    async def train(request: Request) -> JSONResponse:
        settings = parse_train_request(await read_json(request))
        await run_in_threadpool(session.start_training, settings)
        return JSONResponse({"started": True}, status_code=202)

    @app.get("/api/train/events")
    def events() -> Response:
        run = session.run
        if run is None:  # 204 tells a browser's EventSource not to reconnect
            return Response(status_code=204)
        return StreamingResponse(
            sse.event_stream(run.events), media_type=sse.MEDIA_TYPE, headers=sse.HEADERS
        )

    @app.post("/api/train/stop")
    async def stop(request: Request) -> JSONResponse:
        await read_json(request)
        session.stop_training()
        return JSONResponse({"stopping": True})


def add_gate_routes(app: FastAPI) -> None:
    @app.post("/api/gates")
    async def gates(request: Request) -> JSONResponse:
        return JSONResponse(gate_answer(await read_json(request)))

    @app.post("/api/half-adder")
    async def adder(request: Request) -> JSONResponse:
        return JSONResponse(half_adder_answer(await read_json(request)))


def check_length(request: Request, limit: int) -> None:
    """Refuse a body whose declared Content-Length is over ``limit`` before reading it."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise TooLarge(f"request body of {int(declared):,} bytes is over the limit of {limit:,}")


async def read_body(request: Request, limit: int) -> bytes:
    """The request body, read until it passes ``limit`` bytes (whatever it declared)."""
    check_length(request, limit)
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise TooLarge(f"request body is over the limit of {limit:,} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


async def read_json(request: Request) -> Any:
    """The body as JSON (``{}`` if empty); only with ``Content-Type: application/json``.

    Requiring that type means a form on another web site cannot post here: browsers send
    it cross-site only after a CORS preflight, which this app never grants.
    """
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != "application/json":
        raise NotJson(f"expected Content-Type application/json, got {content_type or 'none'!r}")
    body = await read_body(request, MAX_JSON_BYTES)
    if not body.strip():
        return {}
    try:
        return json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ConfigError(f"request body is not valid JSON ({exc})") from None
    except RecursionError:
        raise ConfigError("request body is JSON nested too deeply") from None


def prediction(network: Network, image: bytes) -> dict[str, Any]:
    """Everything the page shows for one image: the answer, every layer, every stage."""
    steps = preprocess_steps(image, name=UPLOAD_NAME)
    activations = network.activations_for(steps.vector)
    outputs = activations[-1].astype(np.float64)
    decision = decide(outputs)
    return {
        "digit": decision.digit,
        "confidence": decision.confidence,
        "unsure": decision.unsure,
        "unsure_reason": decision.reason,
        "outputs": outputs.tolist(),
        "hidden": [layer.astype(np.float64).tolist() for layer in activations[1:-1]],
        "steps": step_pictures(steps),
        "centred_pixels": np.round(steps.vector.astype(np.float64), PIXEL_DECIMALS).tolist(),
    }


def first_layer_weights(network: Network) -> dict[str, Any]:
    """Each first-layer neuron's 784 incoming weights (the output layer's, if no hidden)."""
    weights = network.weights[0].astype(np.float64)
    return {
        "layer": 0,
        "shape": [MNIST_SIDE, MNIST_SIDE],
        "neurons": np.round(weights, PIXEL_DECIMALS).tolist(),
        "min": float(weights.min()),
        "max": float(weights.max()),
    }


def history_summary(history: History | None) -> dict[str, Any] | None:
    """The per-epoch validation accuracy (percent) and cost of a model's training run."""
    if history is None:
        return None
    correct = history.correct.get(MONITORED, [])
    cost = history.cost.get(MONITORED, [])
    return {
        "epochs": history.epochs_run,
        "validation_accuracy": [percent(c, history.total[MONITORED]) for c in correct],
        "validation_cost": [finite_or_none(c) for c in cost],
    }
