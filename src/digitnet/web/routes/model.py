"""The current model: GET /api/model (what it is), GET /api/weights (its first layer); the
models trained here: POST /api/models/use (serve one), GET /api/models/NAME/file (download).
"""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse, JSONResponse

from digitnet.errors import ConfigError
from digitnet.models_store import SUFFIX
from digitnet.web.deps import JsonBody, SessionDep
from digitnet.web.session import CurrentModel, Session
from digitnet.web.validation import json_object, reject_unknown
from digitnet.web.views import first_layer_weights, model_view

router = APIRouter(prefix="/api")
USE_FIELDS = {"name": None}
#: What a downloaded model file is sent as (a zip archive of .npy arrays).
MODEL_MEDIA_TYPE = "application/octet-stream"


@router.get("/model")
def model(session: SessionDep) -> JSONResponse:
    return JSONResponse(current_view(session, session.model))  # read once: replaced whole


@router.get("/weights")
def weights(session: SessionDep) -> JSONResponse:
    return JSONResponse(first_layer_weights(session.require_dense("the weights picture")[1]))


@router.post("/models/use")
async def use(body: JsonBody, session: SessionDep) -> JSONResponse:
    fields = json_object(body, "use a model")
    reject_unknown(fields, USE_FIELDS, "use a model")
    name = fields.get("name")
    if not isinstance(name, str):
        raise ConfigError(f"use a model: 'name' must be a model's name, got {name!r}")
    current = await run_in_threadpool(session.use, name)  # reads the file
    return JSONResponse(current_view(session, current))


@router.get("/models/{name}/file")
def download(name: str, session: SessionDep) -> FileResponse:
    return FileResponse(
        session.trained_file(name), media_type=MODEL_MEDIA_TYPE, filename=f"{name}{SUFFIX}"
    )


def current_view(session: Session, current: CurrentModel | None) -> dict[str, object]:
    if current is None:
        return model_view(None, training=session.training)
    return model_view(
        current.network, source=current.source, history=current.history, training=session.training
    )
