"""The web app: a page to draw digits on, and the JSON API it calls.

Built by :func:`create_app` (``digitnet serve`` runs it on uvicorn). The page is
``static/index.html``; the API answers in JSON, and every error is ``{"detail": "<one
line>"}`` with 404 (a model not trained here), 409 (no model yet, a run already going, or a
view of one kind of network asked of the other), 413 (too large), 415 (JSON expected), 422
(a bad image or bad settings) or 503 (no MNIST to train on). A prediction runs the CLI's
pipeline (:func:`digitnet.imaging.preprocess_steps`, the network,
:func:`digitnet.decision.decide`); training runs the CLI's trainer in a background thread
(:mod:`digitnet.web.training_run`), and saves each run as a new model of the models folder,
served when the page asks. Accuracies are in percent, as the page shows them. A
convolutional network is served as a fully-connected one is; the views that read a
fully-connected network's weights answer 409 for it.

:func:`create_app` only wires the parts together. Each resource's endpoints are a router
in :mod:`digitnet.web.routes`; they reach the server's :class:`~digitnet.web.session.Session`
through a dependency (:mod:`digitnet.web.deps`), read bodies with
:mod:`digitnet.web.request_body`, check them with :mod:`digitnet.web.params` and answer
with :mod:`digitnet.web.views`. Errors become statuses in :mod:`digitnet.web.errors`.

=======================  ==============================================================
``GET /``                the page
``GET /static/...``      its scripts and styles
``GET /api/model``       the current model: kind (dense, conv), layers, sizes, activations,
                         source, history, whether training
``GET /api/limits``      what a request may ask for (:mod:`digitnet.web.limits`)
``POST /api/predict``    an image file's bytes -> digit, outputs, hidden layers, stages;
                         ``?input=canvas`` reads a drawing (dark ink on white) without the
                         photo analysis, ``?view=lean`` answers the digit and outputs only
                         (and the stages named in ``&pictures=centred,...``)
``GET /api/weights``     the first layer's weights, one 28x28 picture per neuron
``POST /api/conv/maps``  a convolutional model's feature maps of a digit ``{"pixels" or
                         "index"}``, each conv-pool layer's as small grey PNGs
``GET /api/conv/filters``  its learned filters, each conv layer's kernels as KxK numbers
``POST /api/models/use`` serve a model trained here ``{"name"}`` -> the model
``GET /api/models/NAME/file``  a model trained here, as its .npz file (a download)
``POST /api/train``      start training ``{"preset", "sizes", "cost", ...}`` -> 202
``GET /api/train/presets``  each preset's values of the form's fields
``GET /api/train/events``  the run's progress as server-sent events
``POST /api/train/stop`` end the run after the mini-batches in hand
``POST /api/gates``      a perceptron gate's output for given input bits
``POST /api/half-adder`` the NAND half adder, gate by gate
``POST /api/step``       one step of learning on one digit ``{"pixels" or "index", "label"}``
``/api/explain/...``     saliency, the flip, robustness, the hidden map, teaching
                         (:mod:`digitnet.web.routes.explain`)
=======================  ==============================================================
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.concurrency import run_in_threadpool
from fastapi.staticfiles import StaticFiles
from starlette.middleware.trustedhost import TrustedHostMiddleware

from digitnet.errors import DigitnetError
from digitnet.models_store import ModelStore, user_store
from digitnet.version import __version__
from digitnet.web.decode_lanes import DecodeLanes
from digitnet.web.errors import error_response
from digitnet.web.explain_state import ExplainState
from digitnet.web.listen import LOOPBACK_HOSTS
from digitnet.web.routes import conv, explain, gates, limits, model, page, predict, step, train
from digitnet.web.session import Session

#: The routers in the order they are matched (their paths do not overlap).
ROUTERS = (
    page.router,
    model.router,
    limits.router,
    predict.router,
    train.router,
    gates.router,
    step.router,
    explain.router,
    conv.router,
)
#: How long a shutdown waits for a stopped run to finish and save its model.
SHUTDOWN_JOIN_SECONDS = 10.0


def create_app(
    model_path: Path | None,
    *,
    store: ModelStore | None = None,
    data_dir: Path | None = None,
    allowed_hosts: Sequence[str] | None = LOOPBACK_HOSTS,
    input_processes: int = 0,
) -> FastAPI:
    """Build the web app around one model file.

    Parameters
    ----------
    model_path : Path or None
        The model to serve at start; None: none until one is trained on the page.
    store : ModelStore or None
        Where networks trained on the page are saved, each as a new model; None: the
        user's models folder (see :mod:`digitnet.models_store`).
    data_dir : Path or None
        The MNIST folder for training; None: ``$DIGITNET_DATA``, else the per-user cache.
    allowed_hosts : sequence of str or None
        Host headers the app answers (others get 400), so that a web page on another site
        cannot reach a server on loopback through DNS rebinding. None: any host, for a
        server bound to a public address on purpose.
    input_processes : int
        Worker processes that compute the lean predictions' inputs, so that they use more
        than one core (:mod:`digitnet.web.input_processes`); 0: the server's threads do.

    Raises
    ------
    ModelFileError, DigitnetError
        If `model_path` is missing or is not a digitnet model of MNIST's 784 -> 10 shape.
    """
    session = Session(model_path, store or user_store(), data_dir)
    lanes = DecodeLanes(input_processes)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        lanes.start()
        yield
        lanes.shut_down()
        await run_in_threadpool(session.shut_down, SHUTDOWN_JOIN_SECONDS)

    app = FastAPI(
        title="digitnet", version=__version__, docs_url=None, redoc_url=None, lifespan=lifespan
    )
    app.state.session = session
    app.state.decode_lanes = lanes
    app.state.step_turns = step.step_turns()
    app.state.explain = ExplainState()
    if allowed_hosts is not None:
        app.add_middleware(TrustedHostMiddleware, allowed_hosts=list(allowed_hosts))
    app.add_exception_handler(DigitnetError, error_response)  # type: ignore[arg-type]
    app.mount("/static", StaticFiles(directory=page.STATIC_DIR, check_dir=False), name="static")
    for router in ROUTERS:
        app.include_router(router)
    return app
