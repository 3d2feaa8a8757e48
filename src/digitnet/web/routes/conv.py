"""A convolutional network's pictures: POST /api/conv/maps (one digit's feature maps) and
GET /api/conv/filters (the learned filters). A fully-connected model is a 409.

The digit is asked about as the explain endpoints ask: ``{"pixels": [784 numbers in
[0, 1]]}`` (``/api/predict``'s ``centred_pixels``) or an MNIST test digit, ``{"index": n}``.
"""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from digitnet.web.conv_views import filters_view, maps_view
from digitnet.web.deps import JsonBody, SessionDep
from digitnet.web.routes.explain import asked_digit

router = APIRouter(prefix="/api/conv")


@router.post("/maps")
def maps(body: JsonBody, session: SessionDep) -> JSONResponse:
    _, network = session.require_conv("feature maps")
    asked = asked_digit(body, session, "feature maps")
    return JSONResponse(maps_view(network, asked.pixels))


@router.get("/filters")
def learned_filters(session: SessionDep) -> JSONResponse:
    _, network = session.require_conv("filters")
    return JSONResponse(filters_view(network))
