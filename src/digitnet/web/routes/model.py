"""The current model: GET /api/model (what it is), GET /api/weights (its first layer)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from digitnet.web.deps import SessionDep
from digitnet.web.views import first_layer_weights, model_view

router = APIRouter(prefix="/api")


@router.get("/model")
def model(session: SessionDep) -> JSONResponse:
    current = session.model  # read once: a run that ends meanwhile replaces it whole
    if current is None:
        return JSONResponse(model_view(None, training=session.training))
    return JSONResponse(
        model_view(
            current.network,
            source=current.source,
            history=current.history,
            training=session.training,
        )
    )


@router.get("/weights")
def weights(session: SessionDep) -> JSONResponse:
    return JSONResponse(first_layer_weights(session.require_model().network))
