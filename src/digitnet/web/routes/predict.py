"""POST /api/predict: an image file's bytes -> the digit, every layer, every stage.

A prediction runs the CLI's pipeline: :func:`digitnet.imaging.preprocess_steps`, the
network, :func:`digitnet.decision.decide`, in the server's
:class:`~digitnet.web.decode_lanes.DecodeLanes`: large images one at a time, so that many
at once cannot multiply the memory a decode takes.
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from digitnet.decision import decide
from digitnet.imaging import preprocess_steps
from digitnet.network import Network
from digitnet.web.deps import DecodeLanesDep, SessionDep
from digitnet.web.request_body import MAX_UPLOAD_BYTES, check_length, read_upload
from digitnet.web.views import prediction_view

UPLOAD_NAME = "uploaded image"  # what error messages call the image

router = APIRouter(prefix="/api")


@router.post("/predict")
async def predict(request: Request, session: SessionDep, lanes: DecodeLanesDep) -> JSONResponse:
    check_length(request, MAX_UPLOAD_BYTES)  # too large is 413 even with no model
    network = session.require_model().network
    image = await read_upload(request)
    work = functools.partial(prediction, network)
    return JSONResponse(await lanes.run(image, work, gone=request.is_disconnected))


def prediction(network: Network, image: bytes) -> dict[str, Any]:
    """Everything the page shows for one image: the answer, every layer, every stage."""
    steps = preprocess_steps(image, name=UPLOAD_NAME)
    activations = network.activations_for(steps.vector)
    outputs = activations[-1].astype(np.float64)
    decision = decide(outputs, output_activation=network.output_activation.name, doubt=steps.doubt)
    return prediction_view(steps, activations, decision)
