"""POST /api/predict: an image file's bytes -> the digit, and as much more as is asked.

A prediction runs the CLI's pipeline: :func:`digitnet.imaging.preprocess_steps`, the
network, :func:`digitnet.decision.decide`, in the server's
:class:`~digitnet.web.decode_lanes.DecodeLanes`: large images one at a time, so that many
at once cannot multiply the memory a decode takes. Two query parameters make it cheaper:

- ``input=canvas``: the image is a drawing, dark ink on white (the page's canvas), read by
  :func:`digitnet.imaging.preprocess_drawing`, without the paper and polarity analysis a
  photo needs (about a fifteenth of the time for a 280 x 280 canvas);
- ``view=lean``: the answer is the digit and the ten outputs only, with the stages'
  pictures named in ``pictures`` (comma-separated, e.g. ``pictures=centred``), none
  unless asked; the full view (the default) adds every picture, the hidden layers and the
  centred pixels.

A lean answer with no pictures needs only the network's input, which the server computes
in its input processes when it has them (:mod:`digitnet.web.input_processes`).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import numpy as np
from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from numpy.typing import NDArray

from digitnet.conv.network import AnyNetwork
from digitnet.decision import decide
from digitnet.errors import ConfigError
from digitnet.imaging import PreprocessSteps, preprocess_steps
from digitnet.imaging.panels import STAGES
from digitnet.web.deps import DecodeLanesDep, SessionDep
from digitnet.web.input_processes import READERS, UPLOAD_NAME
from digitnet.web.request_body import MAX_UPLOAD_BYTES, check_length, read_upload
from digitnet.web.views import answer_view, lean_prediction_view, prediction_view

VIEWS = ("full", "lean")
STAGE_NAMES = tuple(name for name, _, _ in STAGES)
#: A lean answer's forward pass this small (under 0.2 ms) runs on the event loop; a larger
#: network's in a thread, so that it does not hold up the other requests.
INLINE_MULTIPLY_ADDS = 1_000_000

router = APIRouter(prefix="/api")


@router.post("/predict")
async def predict(request: Request, session: SessionDep, lanes: DecodeLanesDep) -> JSONResponse:
    check_length(request, MAX_UPLOAD_BYTES)  # too large is 413 even with no model
    reader, pictures = answer_options(request.query_params)
    network = session.require_model().network
    image = await read_upload(request)
    if pictures == ():
        source = request.query_params.get("input", "file")
        vector, doubt = await lanes.network_input(image, source, gone=request.is_disconnected)
        if network.multiply_adds <= INLINE_MULTIPLY_ADDS:
            return JSONResponse(lean_answer(network, vector, doubt))
        work = functools.partial(lean_answer, network, vector)
        return JSONResponse(await run_in_threadpool(work, doubt))
    work = functools.partial(prediction, network, reader=reader, pictures=pictures)
    return JSONResponse(await lanes.run(image, work, gone=request.is_disconnected))


def answer_options(query: Any) -> tuple[Callable[..., PreprocessSteps], tuple[str, ...] | None]:
    """The reader of ``input`` and the pictures of a lean ``view`` (None: the full view).

    Raises ConfigError (422) naming a parameter or value that is not known.
    """
    unknown = sorted(set(query) - {"input", "view", "pictures"})
    if unknown:
        raise ConfigError(
            f"predict: unknown query parameter {unknown[0]!r} (known: input, view, pictures)"
        )
    source, view = query.get("input", "file"), query.get("view", "full")
    if source not in READERS:
        raise ConfigError(f"predict: input must be one of {', '.join(READERS)}, got {source!r}")
    if view not in VIEWS:
        raise ConfigError(f"predict: view must be one of {', '.join(VIEWS)}, got {view!r}")
    names = tuple(name for name in query.get("pictures", "").split(",") if name)
    bad = [name for name in names if name not in STAGE_NAMES]
    if bad:
        raise ConfigError(f"predict: no picture {bad[0]!r} (the stages: {', '.join(STAGE_NAMES)})")
    if names and view != "lean":
        raise ConfigError("predict: pictures chooses the pictures of view=lean; full has all")
    return READERS[source], (names if view == "lean" else None)


def prediction(
    network: AnyNetwork,
    image: bytes,
    *,
    reader: Callable[..., PreprocessSteps] = preprocess_steps,
    pictures: tuple[str, ...] | None = None,
) -> dict[str, Any]:
    """What the page shows for one image: the answer, and unless ``pictures`` names the
    lean view's pictures (a tuple, perhaps empty), every layer and every stage."""
    steps = reader(image, name=UPLOAD_NAME)
    activations = network.activations_for(steps.vector)
    outputs = activations[-1].astype(np.float64)
    decision = decide(outputs, output_activation=network.output_activation.name, doubt=steps.doubt)
    if pictures is not None:
        return lean_prediction_view(steps, outputs, decision, pictures)
    return prediction_view(steps, activations, decision)


def lean_answer(
    network: AnyNetwork, vector: NDArray[np.float32], doubt: str | None
) -> dict[str, Any]:
    """The lean view with no pictures from the network's input alone: the same dict as
    ``prediction(..., pictures=())``. The forward pass of one image is a few matrix-vector
    products (40 us for [784, 320, 320, 10])."""
    outputs = network.feedforward(vector).astype(np.float64)
    decision = decide(outputs, output_activation=network.output_activation.name, doubt=doubt)
    return answer_view(outputs, decision)
